"""Pre-tokenization: cut text into the chunks that BPE merges never cross.

The algorithm (GPT-2's): a regular expression (:data:`GPT2_PATTERN`) matches,
left to right, contractions (``'s``, ``'ll``, ...), a run of letters or of
digits with an optional leading space, a run of other symbols with an optional
leading space, and whitespace. Every character of the text lands in exactly
one chunk, so joining the chunks gives the text back; a pattern that skips
characters would silently drop text, and is rejected (:func:`check_pattern`).

Special tokens such as ``<|endoftext|>`` are cut out first
(:func:`split_special`), so they are never merged with their neighbours.

>>> chunks("Hello, world!")
['Hello', ',', ' world', '!']
"""

from __future__ import annotations

import re
from collections.abc import Collection

import regex

from helpers.checks import require_str

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
"""GPT-2's pre-tokenization pattern (needs the ``regex`` module for ``\\p{L}``)."""

_WS = r"\t\n\x0b\x0c\r "  # what \s means on ASCII text for regex and tiktoken (not re's \x1c-\x1f)
_GPT2_ASCII = re.compile(
    rf"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^{_WS}A-Za-z0-9]+|[{_WS}]+(?![^{_WS}])|[{_WS}]+"""
)
"""GPT2_PATTERN restricted to ASCII text, for the faster ``re`` engine (same chunks there)."""

_GPT2 = regex.compile(GPT2_PATTERN)

# Text that exercises every class a pattern might skip: letters, digits, symbols, whitespace kinds.
_PROBE = "Hello, wörld! It's 42 \t\n\n  x\u00a0y \u4e2d\u6587 \U0001f600 --- 'll <|endoftext|>\r\n"


def compile_pattern(pattern: object, name: str = "pattern") -> regex.Pattern:
    """Compile a pre-tokenization pattern after checking that it loses no text.

    Raises ``TypeError`` for a non-str and ``ValueError`` for a pattern that
    does not compile, has capturing groups (``findall`` would then return the
    groups, not the chunks), or drops characters of a probe text.

    >>> try:
    ...     compile_pattern(r"\\w+")
    ... except ValueError as err:
    ...     print(str(err)[:25])
    pattern '\\\\w+' drops text
    """
    if require_str(pattern, name) == GPT2_PATTERN:
        return _GPT2
    try:
        pattern.encode("utf-8")
        compiled = regex.compile(pattern)
    except (regex.error, UnicodeEncodeError) as err:
        raise ValueError(f"{name} {pattern!r} is not a valid regular expression ({err})") from None
    if compiled.groups:
        raise ValueError(f"{name} {pattern!r} has capturing groups; write (?:...) instead of (...)")
    joined = "".join(compiled.findall(_PROBE))
    if joined != _PROBE:
        raise ValueError(
            f"{name} {pattern!r} drops text: its chunks of a test text join to {joined[:10]!r}... instead of "
            f"{_PROBE[:10]!r}...; it must match every character (add an alternative such as |\\s+|. )"
        )
    return compiled


def chunks(text: str, compiled: regex.Pattern = _GPT2) -> list[str]:
    """The chunks of ``text``; for GPT-2's pattern on ASCII text, with the faster ``re``.

    Raises ``ValueError`` if the pattern skipped characters of this text (a
    custom pattern can pass :func:`compile_pattern`'s probe and still skip some).
    """
    if compiled is _GPT2:
        return (_GPT2_ASCII if text.isascii() else _GPT2).findall(text)
    found = compiled.findall(text)
    if sum(map(len, found)) != len(text):
        raise ValueError(f"the pattern {compiled.pattern!r} skips characters of this text, which would be lost")
    return found


def utf8_safe(text: str) -> str:
    """``text`` with each lone surrogate, which UTF-8 cannot encode, replaced by U+FFFD (as tiktoken does).

    Every path from text to bytes (encoding and training) goes through here. A
    surrogate pair written as two code points becomes the one character it
    stands for, also as in tiktoken.

    >>> utf8_safe("a\\ud800b"), utf8_safe("\\ud83d\\ude00") == "\\U0001f600"
    ('a\ufffdb', True)
    """
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def split_special(text: str, specials: Collection[str]) -> list[str]:
    """The pieces of ``text`` between occurrences of the special tokens.

    >>> split_special("a<|endoftext|>b", ["<|endoftext|>"])
    ['a', 'b']
    """
    if not specials:
        return [text]
    return regex.split("|".join(regex.escape(s) for s in sorted(specials, key=len, reverse=True)), text)
