"""Numbers the reader's pages quote, and whether the notebooks they point to print them.

A Summary, a recap or NOTES.md is where a reader goes back to, so a number
there must be one that a notebook prints. This module finds the numbers a
page *quotes* and the numbers a notebook *prints*, and matches the two.

**Which quoted numbers count** (:func:`quoted_numbers`): those with a decimal
point (``0.87``), a thousands separator (``2,360,064``) or a percent sign
(``4%``). Plain integers (seeds, shapes, counts) do not. Neither do references:

* a number after *section, figure, listing, table, page, chapter, exercise,
  appendix, equation, step, version, Python, PyTorch, torch* and the ones
  joined to it (``figures 3.12 and 3.13``, ``sections 2.2–2.4``);
* a section-shaped number, one digit from 1 to 7, a point and a digit from 1
  to 9 (``3.5``, ``2.6``, also ``3.5.1``), unless a ``%`` or ``×`` follows
  it (``2.5×``): a value of that shape must be written with its unit or a
  second decimal (``2.50``);
* anything glued to a letter (``A.9``, ``02.5a``, ``v2``), a file name
  (``03.5-causal-attention.ipynb``) and a link's target;
* scientific notation without a decimal point (``1e-5``, a tolerance).

**How a quoted number matches a printed one** (:func:`matches`): by rounding
at the quoted precision (a quoted ``0.87`` matches a printed ``0.8712``, a
printed ``0.865`` and ``0.87``, not ``0.8`` nor ``0.88``); separators and the
minus sign's spelling do not matter (``2,360,064`` = ``2360064``, ``−0.5`` =
``-0.5``); the sign does. A quoted percentage matches a printed percentage or
a printed fraction (``87%`` matches ``87.1%`` and ``0.871``). A quoted
fraction does not match a printed percentage: quote what is printed.

>>> [q.text for q in quoted_numbers("loss 0.0852 after 3 epochs (see section 2.6); 2,360,064 params, 4% more")]
['0.0852', '2,360,064', '4%']
>>> matches(quoted_numbers("0.87")[0], printed_numbers("tensor(0.8712)"))
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Printed", "Quoted", "markdown_units", "matches", "printed_numbers", "quoted_numbers"]

_MINUS = "-−–"  # a hyphen, the minus sign, and an en dash used as a minus
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[-−])?(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<frac>\.\d+)?"
    r"(?P<exp>[eE][-+−]?\d+)?(?![\w]|\.\d)(?P<unit>\s?%|×)?"
)
"""A number as prose writes it: a sign, digits (maybe grouped in threes), a fraction, an exponent, a unit."""
_REFERENCE_WORDS = (
    r"sections?|figures?|figs?\.|listings?|tables?|pages?|pp?\.|chapters?|ch\.|exercises?|appendix|equations?|"
    r"eqs?\.|steps?|versions?|python|pytorch|torch|numpy|§"
)
_REFERENCE = re.compile(rf"(?i)(?<!\w)(?:{_REFERENCE_WORDS})\s*[\w.]+(?:\s*(?:,|and|or|to|–|-|&)\s*[\w.]*\d[\w.]*)*")
"""A reference phrase: a word that names a section, figure, listing... and the numbers joined to it."""
_SECTION = re.compile(r"[1-7]\.[1-9](?:\.\d+)*")
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)|https?://\S+")
_FILE = re.compile(r"[\w./-]+\.(?:ipynb|py|md|txt|json|bpe|pt|html)\b")
_PERCENT_RANGE = re.compile(r"\s?[-–]\s?\d[\d.,]*\s?%")
"""The rest of a range whose upper end carries the percent sign: ``24.5-25.5%`` is two percentages."""
_PRINTED = re.compile(
    r"(?<![\d.])(?P<sign>[-−])?(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<frac>\.\d*)?"
    r"(?P<exp>[eE][-+]?\d+)?(?P<unit>\s?%)?"
)


@dataclass(frozen=True)
class Quoted:
    """A number a page quotes: its text, value, decimals (its precision) and whether it is a percentage."""

    text: str
    value: Decimal
    decimals: int
    percent: bool


@dataclass(frozen=True)
class Printed:
    """A number a notebook prints: its value, and whether it was printed as a percentage."""

    value: Decimal
    percent: bool


def _value(sign: str | None, digits: str, frac: str | None, exp: str | None) -> Decimal | None:
    text = f"{'-' if sign else ''}{digits.replace(',', '')}{frac or ''}{(exp or '').replace('−', '-')}"
    try:
        return Decimal(text.rstrip("."))
    except InvalidOperation:
        return None


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with each match of ``pattern`` replaced by spaces (so offsets and word boundaries stay)."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def quoted_numbers(text: str) -> list[Quoted]:
    """The numbers a page's text quotes that must be printed somewhere (see the module's rules).

    >>> [q.text for q in quoted_numbers("figures 3.12 and 3.13; [3.5](03.5-causal-attention.ipynb#x); 0.53–0.80")]
    ['0.53', '0.80']
    >>> [(q.text, str(q.value), q.decimals) for q in quoted_numbers("−0.0898 and 1.2e-3, not 1e-5 or 2.5 or A.9.3")]
    [('−0.0898', '-0.0898', 4), ('1.2e-3', '0.0012', 4)]
    >>> [q.text for q in quoted_numbers("2.5× faster, 40 % more, 12,288 numbers, ids [1,56,2,850]")]
    ['2.5×', '40 %', '12,288']
    >>> [(q.text, q.percent) for q in quoted_numbers("24.5-25.5% of [it](a.ipynb#x-%E2%80%933.2-y)")]
    [('24.5', True), ('25.5%', True)]
    """
    text = _blank(_blank(_blank(text, _LINK_TARGET), _FILE), _REFERENCE)
    found = []
    for m in _NUMBER.finditer(text):
        sign, digits, frac, exp, unit = m.group("sign", "digits", "frac", "exp", "unit")
        percent = bool(unit and unit.strip() == "%") or bool(not unit and _PERCENT_RANGE.match(text, m.end()))
        grouped = "," in digits
        if not (frac or grouped or percent):
            continue  # a plain integer, or 1e-5: not a quoted measurement
        if sign and m.start() > 0 and (text[m.start() - 1].isdigit() or text[m.start() - 1] in _MINUS):
            sign = None  # 0.53-0.80: a range, not a negative number
        if not unit and not sign and not exp and _SECTION.fullmatch(digits + (frac or "")):
            continue  # 3.5: a section of the book
        value = _value(sign, digits, frac, exp)
        if value is None:
            continue
        decimals = max(0, -value.as_tuple().exponent) if exp else len(frac or ".") - 1
        start = m.start("sign") if sign else m.start("digits")
        found.append(Quoted(m.group()[start - m.start() :].rstrip(), value, decimals, percent))
    return found


def printed_numbers(text: str) -> list[Printed]:
    """Every number in a notebook's printed output, integers included.

    >>> printed_numbers("tensor([-0.1262,  1.]) 87.5% 2,360,064 1.0000e-05")
    ... # doctest: +NORMALIZE_WHITESPACE
    [Printed(value=Decimal('-0.1262'), percent=False), Printed(value=Decimal('1'), percent=False),
     Printed(value=Decimal('87.5'), percent=True), Printed(value=Decimal('2360064'), percent=False),
     Printed(value=Decimal('0.000010000'), percent=False)]
    """
    found = []
    for m in _PRINTED.finditer(text):
        value = _value(*m.group("sign", "digits", "frac", "exp"))
        if value is not None:
            found.append(Printed(value, bool(m.group("unit"))))
    return found


def matches(quoted: Quoted, printed: list[Printed]) -> bool:
    """Whether some printed number rounds to ``quoted`` at the quoted precision.

    >>> q = quoted_numbers("0.87")[0]
    >>> [matches(q, printed_numbers(p)) for p in ["0.8712", "0.865", "0.87", "0.8", "0.88", "-0.87", "87%"]]
    [True, True, True, False, False, False, False]
    >>> q = quoted_numbers("87%")[0]
    >>> [matches(q, printed_numbers(p)) for p in ["87.1%", "0.871", "0.88", "86%"]]
    [True, True, False, False]
    """
    half = Decimal(5) * Decimal(10) ** (-quoted.decimals - 1)
    for number in printed:
        if number.percent and not quoted.percent:
            continue
        value = number.value * 100 if quoted.percent and not number.percent else number.value
        if abs(value - quoted.value) <= half:
            return True
    return False


@dataclass(frozen=True)
class Unit:
    """One bullet, table row, paragraph or heading of a markdown text, with its first line (1-based)."""

    line: int
    text: str


_ITEM = re.compile(r"\s*(?:[-*+]|\d+\.)\s")


def markdown_units(text: str) -> list[Unit]:
    """Split markdown into units that a link covers: a list item (with its continuation lines), a table
    row, a heading, a fenced code block or a paragraph.

    >>> [(u.line, u.text) for u in markdown_units("# T\\n\\n- a\\n  b\\n- c\\n\\n| x |\\n| y |\\npara\\nmore")]
    [(1, '# T'), (3, '- a\\n  b'), (5, '- c'), (7, '| x |'), (8, '| y |'), (9, 'para\\nmore')]
    """
    units: list[Unit] = []
    current: list[str] = []
    start = 0
    fenced = False

    def close() -> None:
        if current:
            units.append(Unit(start, "\n".join(current)))
            current.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fenced:
            current.append(line)
            if stripped.startswith("```"):
                fenced = False
                close()
            continue
        new_unit = (
            not stripped
            or stripped.startswith(("#", "|", "```", "$$"))
            or _ITEM.match(line)
            or (current and current[0].lstrip().startswith(("#", "|")))
        )
        if new_unit:
            close()
        if not stripped:
            continue
        if not current:
            start = number
        current.append(line)
        fenced = stripped.startswith("```") and stripped.count("```") == 1
    close()
    return units
