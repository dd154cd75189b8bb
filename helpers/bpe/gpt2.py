"""GPT-2's tokenizer files: ``encoder.json`` and ``vocab.bpe``.

The format: GPT-2 writes every token's bytes as printable characters, one
character per byte (:func:`gpt2_bytes_to_unicode`: printable Latin-1 bytes
stand for themselves, the other 68 bytes become ``chr(256)``, ``chr(257)``, ...,
so a space is ``Ġ``). ``encoder.json`` maps each token so written to its id;
ids 0..255 are the bytes, in the order printable-first. ``vocab.bpe`` lists the
merges, one ``left right`` line each, in the order learned: line ``i`` creates
id ``256 + i``. Ids after the merges are special tokens (``<|endoftext|>`` =
50256). :func:`read_gpt2_files` checks that the two files agree and returns
what :class:`~helpers.bpe.BPETokenizer` is built from.
"""

from __future__ import annotations

from pathlib import Path

from helpers.checks import require_path
from helpers.files import read_json_object, read_utf8


def gpt2_bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map from each byte to a printable character, used in its files.

    >>> m = gpt2_bytes_to_unicode()
    >>> m[ord("a")], m[ord(" ")], m[ord("\\n")]
    ('a', 'Ġ', 'Ċ')
    """
    printable = gpt2_byte_order()[:188]
    others = [b for b in range(256) if b not in printable]
    mapping = {b: chr(b) for b in printable}
    mapping.update({b: chr(256 + n) for n, b in enumerate(others)})
    return mapping


def gpt2_byte_order() -> list[int]:
    """The bytes in the order of GPT-2's ids 0..255 (the 188 printable ones first).

    >>> order = gpt2_byte_order()
    >>> order[0], order[188], len(order)
    (33, 0, 256)
    """
    printable = [b for b in range(256) if chr(b).isprintable() and b != ord(" ")]
    return printable + [b for b in range(256) if b not in printable]


def read_gpt2_files(
    encoder_json_path: str | Path, vocab_bpe_path: str | Path
) -> tuple[list[tuple[int, int]], dict[str, int], list[int]]:
    """The merges, special tokens and byte ids that GPT-2's two files describe.

    Raises ``ValueError`` naming the file (and line or field) when a file is
    not UTF-8, not the expected format, or disagrees with the other file.
    """
    encoder_path = require_path(encoder_json_path, "encoder_json_path")
    vocab_path = require_path(vocab_bpe_path, "vocab_bpe_path")
    encoder = read_json_object(encoder_path, "GPT-2's encoder.json")
    lines = read_utf8(vocab_path, "GPT-2's vocab.bpe").split("\n")
    header = 1 if lines and lines[0].startswith("#version") else 0
    lines = lines[header:]
    while lines and not lines[-1]:
        lines.pop()
    order, chars = gpt2_byte_order(), gpt2_bytes_to_unicode()
    for expected, b in enumerate(order):
        if encoder.get(chars[b]) != expected:
            got = encoder.get(chars[b])
            raise ValueError(f"{encoder_path} is not GPT-2's: byte token {chars[b]!r} has id {got!r}, not {expected}")
    made = set(chars.values())
    merges = []
    for n, line in enumerate(lines):
        parts = line.split()
        made.add(merged := "".join(parts))
        merges.append(pair := tuple(map(encoder.get, parts)))
        if len(pair) != 2 or None in pair or encoder.get(merged) != 256 + n:
            raise ValueError(
                f"{vocab_path} line {n + 1 + header} is {line!r}, not two tokens merging into id {256 + n} by "
                f"{encoder_path} (which gives {merged!r} the id {encoder.get(merged)!r}); a file is damaged or foreign"
            )
    specials = {token: i for token, i in encoder.items() if token not in made}
    if any(not (token.startswith("<|") and token.endswith("|>")) for token in specials):
        raise ValueError(
            f"{encoder_path} has tokens that {vocab_path} (256 bytes + {len(merges)} merges) does not explain and "
            "that are not special tokens <|...|>: is vocab.bpe truncated?"
        )
    return merges, specials, [order.index(b) for b in range(256)]
