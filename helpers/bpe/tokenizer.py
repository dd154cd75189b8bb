"""The BPE tokenizer: encode, decode, save and load (section 2.5).

The algorithm, as GPT-2 and tiktoken apply it:

1. **Special tokens**: text equal to an allowed special token (such as
   ``<|endoftext|>``) becomes its id; text equal to a disallowed one is an error.
2. **Pre-tokenize** the rest into chunks (:mod:`helpers.bpe.pretokenize`).
3. **Encode each chunk**: its UTF-8 bytes, merged lowest rank first
   (:mod:`helpers.bpe.merge_queue`). Chunks repeat ("the", " and"), so each
   distinct chunk is encoded once and remembered in a bounded cache.
4. **Decode**: concatenate each id's bytes, decode UTF-8.

Ids ``0..255`` are single bytes (in ``byte_ids`` order), id ``256 + i`` is the
``i``-th merge, and special tokens come last.

Threads: one tokenizer may be shared by many threads, without a lock. The
cache is a dict, each of whose operations is atomic; a chunk that another
thread's ``clear`` removed meanwhile is simply encoded again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Literal

import regex

from helpers.bpe.gpt2 import read_gpt2_files
from helpers.bpe.merge_queue import encode_chunk
from helpers.bpe.pretokenize import GPT2_PATTERN, chunks, compile_pattern, split_special, utf8_safe
from helpers.bpe.training import train_merges_fast
from helpers.checks import (
    int_in_range,
    require_bool,
    require_int,
    require_iterable,
    require_mapping,
    require_path,
    require_str,
    token_ids,
)
from helpers.files import atomic_write, read_json_object

ENDOFTEXT = "<|endoftext|>"
FORMAT = "helpers.bpe.BPETokenizer"
"""The ``format`` field of a file written by :meth:`BPETokenizer.save`."""
VERSION = 1

CACHE_LIMIT = 100_000
"""The most chunk -> ids entries the cache keeps; when full it starts afresh, within one call too."""


class _ChunkCache(dict):
    """Chunk -> ids: a chunk seen for the first time is encoded when it is looked up.

    Encoding text is one lookup per chunk, ``map(cache.__getitem__, pieces)``;
    ``__missing__`` runs the merges only for a chunk not met before (most chunks
    repeat: "the", " and", ...). The ids are tuples: unlike lists, the garbage
    collector soon stops tracking them.
    """

    __slots__ = ("_ranks",)

    def __init__(self, ranks: Mapping[bytes, int]) -> None:
        super().__init__()
        self._ranks = ranks

    def __missing__(self, chunk: str) -> tuple[int, ...]:
        if len(self) >= CACHE_LIMIT:  # a text of many distinct chunks must not keep them all
            self.clear()
        data = chunk.encode("utf-8")
        whole = self._ranks.get(data)  # most chunks are a token: skip the merge loop
        ids = (whole,) if whole is not None else tuple(encode_chunk(data, self._ranks))
        self[chunk] = ids
        return ids


def _checked_parts(
    merges: object, special_tokens: object, byte_ids: object
) -> tuple[dict[tuple[int, int], int], dict[str, int], list[int], dict[int, bytes]]:
    """Every check of a tokenizer's parts, in one place for the constructor, ``load`` and ``from_gpt2``.

    Returns the merges as ``{pair: id}``, the special tokens, the byte ids and
    the vocabulary of bytes and merges ``{id: bytes}``.
    """
    byte_ids = list(range(256)) if byte_ids is None else token_ids(byte_ids, "byte_ids")
    if sorted(byte_ids) != list(range(256)):
        raise ValueError("byte_ids must list each id 0..255 exactly once (the id of each byte value)")
    if isinstance(merges, Mapping):  # iterating it would give its keys, whatever ids it maps them to
        raise TypeError("merges must be a list of (int, int) pairs, got a dict; pass list(merges)")
    vocab = {i: bytes([b]) for b, i in enumerate(byte_ids)}
    table: dict[tuple[int, int], int] = {}
    for new_id, pair in enumerate(require_iterable(merges, "merges", of="(int, int) pairs"), start=256):
        name = f"merges[{new_id - 256}]"
        pair = require_iterable(pair, name, of="2 ids")
        pair = (require_int(pair[0], name), require_int(pair[1], name)) if len(pair) == 2 else tuple(pair)
        if len(pair) != 2 or pair[0] not in vocab or pair[1] not in vocab or pair in table:
            raise ValueError(f"{name} is {pair}; a merge is a new pair of 2 ids that exist before it (< {new_id})")
        table[pair] = new_id
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
    if len(set(vocab.values())) != len(vocab):
        raise ValueError("merges: two merges produce the same bytes; each token must be new")
    specials = dict(require_mapping({} if special_tokens is None else special_tokens, "special_tokens"))
    for text, i in specials.items():
        if not require_str(text, "special_tokens keys") or utf8_safe(text) != text:
            raise ValueError(f"special_tokens: {text!r} is not a special token (empty, or a lone surrogate)")
        specials[text] = int_in_range(i, f"special_tokens[{text!r}]", len(vocab), hint=" (after the merges)")
    if len(set(specials.values())) != len(specials):
        raise ValueError(f"special_tokens: two special tokens share an id: {specials}")
    return table, specials, byte_ids, vocab


def _names(value: object, name: str, every: set[str]) -> set[str]:
    """``every`` for ``"all"``, else ``value`` as a set of strs (tiktoken's ``allowed_special`` and co)."""
    if isinstance(value, str) and value == "all":
        return every
    return set(require_iterable(value, name, of="special tokens (or 'all')", kind=str))


class BPETokenizer:
    """A byte-level BPE tokenizer: train your own, or load GPT-2's.

    ``encode`` follows tiktoken exactly (same ids for GPT-2's files, same
    special-token rules); the one known difference is in characters assigned
    by Unicode after 14.0, which the ``regex`` module and tiktoken's Rust regex
    may classify differently (a new letter can then be cut into other chunks).

    The textbook example "aaabdaaabac": ``aa`` becomes 256 (Z), ``ab`` 257 (Y),
    then ``Z Y`` 258 (X), leaving X d X a c:

    >>> tok = BPETokenizer().train("aaabdaaabac", vocab_size=259)
    >>> tok.merges
    {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    >>> tok.encode("aaabdaaabac")
    [258, 100, 258, 97, 99]
    >>> tok.decode([258, 100])
    'aaabd'
    """

    def __init__(
        self,
        merges: Iterable[tuple[int, int]] = (),
        special_tokens: Mapping[str, int] | None = None,
        *,
        byte_ids: Sequence[int] | None = None,
        pattern: str = GPT2_PATTERN,
    ):
        """Build a tokenizer from its merges (merge ``i`` creates id ``256 + i``).

        ``byte_ids[b]`` is the id of byte ``b`` (default: ``b`` itself; GPT-2
        numbers its bytes in another order). ``special_tokens`` maps each
        special token's text to its id, which must come after the merges.
        ``pattern`` is the pre-tokenization regex; it must keep every character.
        """
        self._regex = compile_pattern(pattern, "pattern")
        self.pattern = pattern
        self.merges, self.special_tokens, self.byte_ids, vocab = _checked_parts(merges, special_tokens, byte_ids)
        self._ranks = {token: i for i, token in vocab.items()}
        self.vocab: dict[int, bytes] = vocab | {i: s.encode("utf-8") for s, i in self.special_tokens.items()}
        """Every token's bytes by id (specials included)."""
        self.clear_cache()

    @property
    def n_vocab(self) -> int:
        """The number of ids, i.e. the largest id + 1 (as in tiktoken)."""
        return max(self.vocab) + 1

    @property
    def special_tokens_set(self) -> set[str]:
        """The special tokens' texts (as tiktoken's ``special_tokens_set``)."""
        return set(self.special_tokens)

    def __repr__(self) -> str:
        return (
            f"BPETokenizer(n_vocab={self.n_vocab}, merges={len(self.merges)}, "
            f"special_tokens={sorted(self.special_tokens)})"
        )

    # -- training -------------------------------------------------------------

    def train(
        self,
        text: str,
        vocab_size: int,
        *,
        allowed_special: Collection[str] = frozenset(),
        progress: bool = False,
    ) -> BPETokenizer:
        """Learn ``vocab_size - 256 - len(allowed_special)`` merges from ``text``; return self.

        Training starts from the 256 bytes; earlier merges of this tokenizer are
        replaced (:func:`~helpers.bpe.training.train_merges_fast`).

        Text matching a token of ``allowed_special`` is cut out (never merged
        with its neighbours); those tokens get the last ids, in sorted order.
        Training stops early when no pair is left to merge. ``progress=True``
        shows a tqdm bar.

        >>> tok = BPETokenizer().train("low lower lowest", 258, allowed_special={"<|endoftext|>"})
        >>> [tok.vocab[i] for i in tok.merges.values()], tok.special_tokens
        ([b'lo'], {'<|endoftext|>': 257})
        """
        text = utf8_safe(require_str(text))  # lone surrogates become U+FFFD, as in encode
        require_bool(progress, "progress")
        specials = sorted(set(require_iterable(allowed_special, "allowed_special", of="special tokens", kind=str)))
        for special in specials:
            if not special or utf8_safe(special) != special:
                raise ValueError(
                    f"allowed_special: {special!r} cannot be a special token (it is empty, or has a lone surrogate, "
                    "which UTF-8 cannot encode); give each special token as text such as '<|endoftext|>'"
                )
        least = 256 + len(specials)
        hint = f" (256 byte tokens + {len(specials)} special tokens)"
        num_merges = int_in_range(vocab_size, "vocab_size", least, hint=hint) - least
        chunk_counts: dict[str, int] = {}
        for piece in split_special(text, specials):
            for chunk in chunks(piece, self._regex):
                chunk_counts[chunk] = chunk_counts.get(chunk, 0) + 1
        merges = train_merges_fast(chunk_counts, num_merges, progress)
        first_special = 256 + len(merges)
        self.__init__(merges, {s: first_special + k for k, s in enumerate(specials)}, pattern=self.pattern)
        return self

    # -- encoding and decoding -------------------------------------------------

    def clear_cache(self) -> None:
        """Forget every chunk encoded so far, as right after construction (each is encoded again when met).

        >>> tok = BPETokenizer()
        >>> ids = tok.encode_ordinary("hi hi")
        >>> tok.clear_cache()
        >>> tok.encode_ordinary("hi hi") == ids
        True
        """
        self._cache = _ChunkCache(self._ranks)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` treating special-token text as ordinary text.

        >>> BPETokenizer().encode_ordinary("hi <|endoftext|>")[:3]
        [104, 105, 32]
        """
        text = utf8_safe(require_str(text))  # lone surrogates become U+FFFD, as in tiktoken
        # Most chunks repeat ("the", " and", ...): each is a dict lookup after the first.
        return list(chain.from_iterable(map(self._cache.__getitem__, chunks(text, self._regex))))

    def encode(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | Collection[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[int]:
        """Encode ``text`` to ids, with tiktoken's rules for special tokens.

        Text equal to an ``allowed_special`` token becomes that token's id.
        Text equal to a ``disallowed_special`` string (by default every special
        token not allowed) raises ``ValueError``, so that user input cannot
        smuggle in a control token. Any other text is encoded as ordinary text.
        As in tiktoken, names this tokenizer lacks are ignored in
        ``allowed_special`` and still searched for in ``disallowed_special``.

        >>> tok = BPETokenizer().train("ab ab", 257, allowed_special={"<|endoftext|>"})
        >>> tok.encode("ab<|endoftext|>", allowed_special={"<|endoftext|>"})
        [97, 98, 256]
        >>> tok.encode("ab<|endoftext|>", disallowed_special=())[:3]
        [97, 98, 60]
        """
        require_str(text)
        every = set(self.special_tokens)
        allowed = every & _names(allowed_special, "allowed_special", every)
        disallowed = _names(disallowed_special, "disallowed_special", every - allowed)
        if disallowed:
            match = regex.search("|".join(regex.escape(s) for s in sorted(disallowed, key=len, reverse=True)), text)
            if match:
                token = match.group()
                raise ValueError(
                    f"the text contains {token!r}, which is a special token that is not allowed here. "
                    f"To encode it as the special token, pass allowed_special={{{token!r}}}; "
                    f"to encode it as ordinary text, pass disallowed_special=() "
                    f"(or leave {token!r} out of disallowed_special)."
                )
        if not allowed:
            return self.encode_ordinary(text)
        out: list[int] = []
        start = 0
        pattern = "|".join(regex.escape(s) for s in sorted(allowed, key=len, reverse=True))
        for match in regex.finditer(pattern, text):
            out.extend(self.encode_ordinary(text[start : match.start()]))
            out.append(self.special_tokens[match.group()])
            start = match.end()
        out.extend(self.encode_ordinary(text[start:]))
        return out

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of ``ids`` (ints, NumPy ints or a 0/1-d integer tensor), concatenated.

        >>> BPETokenizer().decode_bytes([104, 105])
        b'hi'
        """
        vocab = self.vocab
        ids = token_ids(ids)
        try:
            return b"".join([vocab[i] for i in ids])
        except KeyError:
            position, key = next((p, i) for p, i in enumerate(ids) if i not in vocab)
            raise ValueError(
                f"unknown token id {key} at position {position}; this tokenizer's ids are 0 to {self.n_vocab - 1}"
                + ("" if len(vocab) == self.n_vocab else " (not all of them are used)")
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        """Decode ``ids`` to text; bytes that are not valid UTF-8 become U+FFFD.

        >>> BPETokenizer().decode([104, 105])
        'hi'
        """
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    # -- files -------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the tokenizer as readable JSON (one merge per line), atomically.

        The file holds ``format``/``version`` fields, the pattern, the id of
        each byte, the merges as ``[left_id, right_id]`` and the special tokens.
        """
        path = require_path(path, "path")
        head = {
            "format": FORMAT,
            "version": VERSION,
            "pattern": self.pattern,
            "special_tokens": self.special_tokens,
            "byte_ids": self.byte_ids,
        }
        lines = [json.dumps(head, ensure_ascii=False)[:-1] + ',\n "merges": [']
        lines.append(",\n".join(f"  [{a}, {b}]" for a, b in self.merges))
        lines.append(" ]\n}\n")
        atomic_write(path, "\n".join(lines))

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        """Read a tokenizer written by :meth:`save`.

        Any damage (not UTF-8, not JSON, a missing or wrong-typed field, an
        invalid or lossy pattern, merges that do not fit) raises ``ValueError``
        naming the file and the field.
        """
        path = require_path(path, "path")
        data = read_json_object(path, "a saved BPETokenizer")
        if data.get("format") != FORMAT:
            raise ValueError(
                f"{path} is not a saved BPETokenizer: its format field is {data.get('format')!r}, expected {FORMAT!r}. "
                "For GPT-2's encoder.json and vocab.bpe use BPETokenizer.from_gpt2."
            )
        if type(data.get("version")) is not int or data["version"] != VERSION:
            raise ValueError(f"{path} has format version {data.get('version')!r}; this code reads version {VERSION}")
        fields = ("merges", "special_tokens", "byte_ids", "pattern")
        missing = [field for field in fields if data.get(field) is None]
        if missing:
            raise ValueError(f"{path} lacks the field(s) {missing}; the file is incomplete")
        return cls._from_file(path, *(data[field] for field in fields))

    @classmethod
    def from_gpt2(cls, encoder_json_path: str | Path, vocab_bpe_path: str | Path) -> BPETokenizer:
        """Load GPT-2's tokenizer from its ``encoder.json`` and ``vocab.bpe`` (:mod:`helpers.bpe.gpt2`).

        >>> from helpers.data import data_file
        >>> gpt2 = BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))
        >>> gpt2.encode("Hello, world! <|endoftext|>", allowed_special={"<|endoftext|>"})
        [15496, 11, 995, 0, 220, 50256]
        """
        merges, specials, byte_ids = read_gpt2_files(encoder_json_path, vocab_bpe_path)
        return cls._from_file(f"{encoder_json_path} and {vocab_bpe_path}", merges, specials, byte_ids)

    @classmethod
    def _from_file(
        cls, where: object, merges: object, special_tokens: object, byte_ids: object, pattern: object = GPT2_PATTERN
    ) -> BPETokenizer:
        """A tokenizer of parts read from files; any damage is a ``ValueError`` naming the file(s)."""
        try:
            return cls(merges, special_tokens, byte_ids=byte_ids, pattern=pattern)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: {err} (the file is damaged)") from None
