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

import json
from pathlib import Path

from helpers.checks import require_path


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


def read_utf8(path: Path, what: str) -> str:
    """The text of ``path``; bytes that are not UTF-8 give a ``ValueError`` naming the file."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text: byte {data[err.start]:#04x} at offset {err.start} cannot be decoded; "
            f"expected {what} (is the file damaged?)"
        ) from None


def read_json_object(path: Path, what: str) -> dict:
    """The JSON object (a dict) in ``path``, which should hold ``what``.

    A file that is not UTF-8, not JSON, or JSON but not an object gives a
    ``ValueError`` naming the file and ``what`` was expected.

    >>> from helpers.data import data_file
    >>> read_json_object(data_file("gpt2/encoder.json"), "GPT-2's encoder.json")["Ġthe"]
    262
    """
    try:
        data = json.loads(read_utf8(path, what))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); expected {what}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not {what}: it holds a JSON {type(data).__name__}, not an object")
    return data


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
    bad = next(((t, i) for t, i in encoder.items() if type(i) is not int or i < 0), None)
    if bad is not None:
        raise ValueError(
            f"{encoder_path} maps the token {bad[0]!r} to {bad[1]!r}; encoder.json must map token strings "
            "to int ids >= 0, like GPT-2's encoder.json"
        )
    lines = read_utf8(vocab_path, "GPT-2's vocab.bpe").split("\n")
    header = 1 if lines and lines[0].startswith("#version") else 0
    lines = lines[header:]
    while lines and not lines[-1]:
        lines.pop()
    byte_chars = gpt2_bytes_to_unicode()
    byte_ids = [0] * 256
    for expected, b in enumerate(gpt2_byte_order()):
        char = byte_chars[b]
        byte_ids[b] = expected
        if encoder.get(char) != expected:
            raise ValueError(
                f"{encoder_path} gives the byte token {char!r} the id {encoder.get(char)!r}, "
                f"expected {expected}; it is not GPT-2's encoder.json"
            )
    get = encoder.get
    try:
        triples = [(get(left), get(right), get(left + right)) for left, right in map(str.split, lines)]
    except ValueError:  # a line that is not two tokens: found and reported below
        triples = []
    if [t[2] for t in triples] != list(range(256, 256 + len(lines))) or any(None in t for t in triples):
        for n, line in enumerate(lines):
            parts = line.split()
            merged = get("".join(parts))
            if len(parts) != 2 or get(parts[0]) is None or get(parts[1]) is None or merged != 256 + n:
                raise ValueError(
                    f"{vocab_path} line {n + 1 + header} is {line!r}, which should merge two known tokens "
                    f"into id {256 + n}, but {encoder_path} does not agree (it gives "
                    f"{''.join(parts)!r} the id {merged!r}): the files do not belong together, "
                    "or one is damaged or truncated"
                )
    merges = [(a, b) for a, b, _ in triples]
    known = 256 + len(merges)
    specials = {token: i for token, i in encoder.items() if i >= known}
    not_special = [t for t in specials if not (t.startswith("<|") and t.endswith("|>"))]
    if not_special or len(encoder) != known + len(specials):
        raise ValueError(
            f"{encoder_path} has {len(encoder)} tokens but {vocab_path} explains only {known} "
            f"(256 bytes + {len(merges)} merges) plus {len(specials) - len(not_special)} special tokens; "
            "the files do not match (is vocab.bpe truncated?)"
        )
    return merges, specials, byte_ids
