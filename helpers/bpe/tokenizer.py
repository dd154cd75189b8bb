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

Threads: one tokenizer may be shared by many threads. A cache dict only ever
grows, by single assignments (each atomic); when full it is *replaced* by a new
dict, never cleared in place, so a thread still working with the old dict
finds every chunk it has looked up or added.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Literal

import regex

from helpers.bpe.gpt2 import read_gpt2_files, read_json_object
from helpers.bpe.merge_queue import encode_chunk
from helpers.bpe.pretokenize import GPT2_PATTERN, chunks, compile_pattern, split_special
from helpers.bpe.training import train_merges_fast
from helpers.checks import require_path, require_str, token_ids
from helpers.data import atomic_write

ENDOFTEXT = "<|endoftext|>"
FORMAT = "helpers.bpe.BPETokenizer"
"""The ``format`` field of a file written by :meth:`BPETokenizer.save`."""
VERSION = 1

CACHE_LIMIT = 200_000
"""Chunk -> ids entries kept between calls of ``encode`` (then the cache starts afresh)."""


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
        data = chunk.encode("utf-8")
        whole = self._ranks.get(data)  # most chunks are a token: skip the merge loop
        ids = (whole,) if whole is not None else tuple(encode_chunk(data, self._ranks))
        self[chunk] = ids
        return ids


def _special_names(value: object, name: str) -> frozenset[str] | Literal["all"]:
    """``"all"`` or a set of strings, as tiktoken accepts them for ``allowed_special``/``disallowed_special``."""
    if isinstance(value, str):
        if value == "all":
            return "all"
    elif isinstance(value, Iterable):
        chosen = frozenset(value)
        if all(isinstance(s, str) for s in chosen):
            return chosen
    raise TypeError(f"{name} must be 'all' or a set of special tokens such as {{{ENDOFTEXT!r}}}, got {value!r}")


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
        if byte_ids is None:
            byte_ids = list(range(256))
        elif isinstance(byte_ids, str | bytes) or not isinstance(byte_ids, Iterable):
            raise TypeError(f"byte_ids must be a list of 256 ints, got {type(byte_ids).__name__}")
        byte_ids = list(byte_ids)
        if any(type(i) is not int for i in byte_ids) or sorted(byte_ids) != list(range(256)):
            raise ValueError("byte_ids must list each id 0..255 exactly once (the id of each byte value)")
        if isinstance(merges, str | bytes | Mapping) or not isinstance(merges, Iterable):
            raise TypeError(f"merges must be a list of (int, int) pairs, got {type(merges).__name__}")
        vocab: dict[int, bytes] = {i: bytes([b]) for b, i in enumerate(byte_ids)}
        self.merges: dict[tuple[int, int], int] = {}
        for new_id, pair in enumerate(merges, start=256):
            ok = isinstance(pair, tuple | list) and len(pair) == 2 and all(type(i) is int for i in pair)
            if not ok or pair[0] not in vocab or pair[1] not in vocab:
                raise ValueError(
                    f"merges: merge {new_id - 256} is {pair!r}; each merge must be a pair of int ids "
                    f"that exist before it (below {new_id})"
                )
            a, b = pair
            if (a, b) in self.merges:
                raise ValueError(f"merges: merge {new_id - 256} ({a}, {b}) repeats merge {self.merges[a, b] - 256}")
            self.merges[a, b] = new_id
            vocab[new_id] = vocab[a] + vocab[b]
        self._ranks = {token: i for i, token in vocab.items()}
        if len(self._ranks) != len(vocab):
            raise ValueError("merges: two merges produce the same bytes; each token must be new")
        if special_tokens is None:
            special_tokens = {}
        elif not isinstance(special_tokens, Mapping):
            raise TypeError(
                f"special_tokens must be a dict of token text -> id, such as {{{ENDOFTEXT!r}: 50256}}, "
                f"got {type(special_tokens).__name__}"
            )
        self.special_tokens: dict[str, int] = dict(special_tokens)
        for text, i in self.special_tokens.items():
            if not isinstance(text, str) or not text:
                raise ValueError(f"special_tokens: special tokens must be non-empty strings, got {text!r}")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"special_tokens: the special token {text!r} holds a lone surrogate, which is not text "
                    "and cannot be written to a file or encoded as UTF-8"
                ) from None
            if type(i) is not int or i < len(vocab):
                raise ValueError(
                    f"special_tokens: special token {text!r} has id {i!r}; special ids must be ints from "
                    f"{len(vocab)} on (after the bytes and merges)"
                )
        if len(set(self.special_tokens.values())) != len(self.special_tokens):
            raise ValueError(f"special_tokens: two special tokens share an id: {self.special_tokens}")
        self.vocab: dict[int, bytes] = vocab | {i: s.encode("utf-8") for s, i in self.special_tokens.items()}
        """Every token's bytes by id (specials included)."""
        self.byte_ids = byte_ids
        self.pattern = pattern
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
        require_str(text)
        if isinstance(allowed_special, str) or not all(isinstance(s, str) and s for s in allowed_special):
            raise TypeError(
                f"allowed_special must be a set of non-empty strings such as {{{ENDOFTEXT!r}}}, got {allowed_special!r}"
            )
        specials = sorted(set(allowed_special))
        if type(vocab_size) is not int or vocab_size < 256 + len(specials):
            raise ValueError(
                f"vocab_size must be an int of at least {256 + len(specials)} "
                f"(256 byte tokens + {len(specials)} special tokens), got {vocab_size!r}"
            )
        chunk_counts: dict[str, int] = {}
        for piece in split_special(text, specials):
            for chunk in chunks(piece, self._regex):
                chunk_counts[chunk] = chunk_counts.get(chunk, 0) + 1
        merges = train_merges_fast(chunk_counts, vocab_size - 256 - len(specials), progress)
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
        require_str(text)
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates become U+FFFD, as in tiktoken
                text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        pieces = chunks(text, self._regex)
        # Thread safety: a cache is never cleared in place, only replaced when full, so a call keeps
        # reading and filling the cache it started with while another call may switch to a fresh one.
        cache = self._cache
        if len(cache) >= CACHE_LIMIT:
            cache = self._cache = _ChunkCache(self._ranks)
        # Most chunks repeat ("the", " and", ...): each is a dict lookup after the first.
        return list(chain.from_iterable(map(cache.__getitem__, pieces)))

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
        allowed = _special_names(allowed_special, "allowed_special")
        disallowed = _special_names(disallowed_special, "disallowed_special")
        allowed = set(self.special_tokens) if allowed == "all" else allowed & set(self.special_tokens)
        if disallowed == "all":
            disallowed = set(self.special_tokens) - allowed
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
        atomic_write(path, "\n".join(lines).encode("utf-8"))

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
        missing = sorted({"pattern", "special_tokens", "byte_ids", "merges"} - set(data))
        if missing:
            raise ValueError(f"{path} lacks the field(s) {missing}; the file is incomplete")
        expected = {"pattern": str, "special_tokens": dict, "byte_ids": list, "merges": list}
        for field, kind in expected.items():
            if not isinstance(data[field], kind):
                raise ValueError(
                    f"{path}: field {field!r} must be a JSON {kind.__name__}, "
                    f"got {type(data[field]).__name__} {str(data[field])[:40]!r}"
                )
        try:
            return cls(data["merges"], data["special_tokens"], byte_ids=data["byte_ids"], pattern=data["pattern"])
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: {err} (the file is damaged)") from None

    @classmethod
    def from_gpt2(cls, encoder_json_path: str | Path, vocab_bpe_path: str | Path) -> BPETokenizer:
        """Load GPT-2's tokenizer from its ``encoder.json`` and ``vocab.bpe`` (:mod:`helpers.bpe.gpt2`).

        >>> from helpers.data import data_file
        >>> gpt2 = BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))
        >>> gpt2.encode("Hello, world! <|endoftext|>", allowed_special={"<|endoftext|>"})
        [15496, 11, 995, 0, 220, 50256]
        """
        merges, specials, byte_ids = read_gpt2_files(encoder_json_path, vocab_bpe_path)
        return cls(merges, specials, byte_ids=byte_ids)
