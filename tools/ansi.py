"""ANSI colour codes to HTML in linear time: the ``ansi2html`` filter of the HTML export.

nbconvert's own filter cuts each escape code off the text by slicing the rest
of it (``text = text[m.end():]``), which copies the remaining text once per
code: an output with ``n`` coloured lines costs ``O(n**2)``, and a long
coloured log took minutes to export. :func:`ansi2html` reads the codes in
one pass (``finditer``) and returns the same HTML as nbconvert's filter,
span for span: the tags come from nbconvert's own converter.

>>> ansi2html("\\x1b[1;31mred\\x1b[0m & plain")
'<span class="ansi-red-intense-fg ansi-bold">red</span> &amp; plain'
"""

from __future__ import annotations

import markupsafe
from nbconvert.filters.ansi import _ANSI_RE, _get_extended_color, _htmlconverter

Colour = int | tuple[int, int, int] | None
State = tuple[Colour, Colour, bool, bool, bool]
"""Foreground, background, bold, underline, inverse."""

PLAIN: State = (None, None, False, False, False)


def _apply(numbers: list[int], state: State) -> State:
    """The state after the SGR codes ``numbers`` (``\\x1b[...m``), with nbconvert's rules."""
    fg, bg, bold, underline, inverse = state
    while numbers:
        n = numbers.pop(0)
        if n == 0:
            fg, bg, bold, underline, inverse = PLAIN
        elif n in (1, 5):  # 5 (blink) shows as bold
            bold = True
        elif n == 4:
            underline = True
        elif n == 7:
            inverse = True
        elif n in (21, 22):
            bold = False
        elif n == 24:
            underline = False
        elif n == 27:
            inverse = False
        elif 30 <= n <= 37 or 90 <= n <= 97:
            fg = n - 30 if n <= 37 else n - 90 + 8
        elif 40 <= n <= 47 or 100 <= n <= 107:
            bg = n - 40 if n <= 47 else n - 100 + 8
        elif n in (38, 48):  # 256-colour or RGB: the next numbers say which
            try:
                colour = _get_extended_color(numbers)
            except (ValueError, IndexError):  # a bad or missing colour (nbconvert raises IndexError on a bare 38)
                numbers.clear()
            else:
                fg, bg = (colour, bg) if n == 38 else (fg, colour)
        elif n == 39:
            fg = None
        elif n == 49:
            bg = None
    return fg, bg, bold, underline, inverse


def _span(chunk: str, state: State) -> tuple[str, str, str]:
    """``chunk`` between the tags nbconvert writes for ``state`` (none for plain text)."""
    fg, bg, bold, underline, inverse = state
    start, end = _htmlconverter(fg + 8 if bold and fg in range(8) else fg, bg, bold, underline, inverse)
    return start, chunk, end


def ansi2html(text: str) -> str:
    """``text`` HTML-escaped, with its ANSI colour codes turned into ``<span>`` tags (nbconvert's markup).

    Codes that are not colours (not ending in ``m``) are dropped, as nbconvert drops them; so is an
    extended colour code without its numbers (``\\x1b[38m``), which stops nbconvert's filter with an error.
    """
    text = str(markupsafe.escape(text))
    out: list[str] = []
    state, start = PLAIN, 0
    for match in _ANSI_RE.finditer(text):  # one pass: each code is found from where the last one ended
        if match.start() > start:
            out += _span(text[start : match.start()], state)
        start = match.end()
        if match.group(2) == "m":
            try:
                numbers = [int(n) if n else 0 for n in match.group(1).split(";")]  # an empty code is 0
            except ValueError:
                continue  # not a valid colour code: ignored
            state = _apply(numbers, state)
    if start < len(text):
        out += _span(text[start:], state)
    return "".join(out)
