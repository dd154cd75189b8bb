"""Byte pair encoding (BPE) from scratch: train it, and load GPT-2's (section 2.5).

The algorithm, as GPT-2 uses it:

1. **Pre-tokenize**: split text into chunks with GPT-2's regular expression
   (:data:`GPT2_PATTERN`: contractions, words with an optional leading space,
   numbers, punctuation runs, whitespace). Merges never cross a chunk border.
2. **Start from bytes**: each chunk becomes its UTF-8 bytes, so the 256 byte
   values are the first 256 tokens and *any* text can be encoded.
3. **Train**: count every adjacent pair of tokens, make the most frequent pair
   a new token, replace it everywhere, repeat until the vocabulary is full.
   Ties go to the pair with the smallest ids, ``min((-count, pair))``.
4. **Encode**: turn a chunk into bytes, then repeatedly merge the adjacent
   pair whose merged token has the lowest id (the earliest learned), exactly
   as tiktoken does. **Decode**: concatenate each id's bytes, decode UTF-8.

:func:`train_merges_plain` is the plain version of step 3 (a full recount per
merge). :meth:`BPETokenizer.train` learns the same merges much faster: it
counts each distinct chunk once (weighted by how often it occurs), updates the
pair counts only next to each occurrence of the merged pair (found through an
index from pair to chunks), and takes the next pair from a heap.
"""

from __future__ import annotations

import heapq
import json
import operator
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import chain, pairwise
from pathlib import Path
from typing import Literal

import regex

from helpers.data import atomic_write

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
"""GPT-2's pre-tokenization pattern (needs the ``regex`` module for ``\\p{L}``)."""

ENDOFTEXT = "<|endoftext|>"
FORMAT = "helpers.bpe.BPETokenizer"
"""The ``format`` field of a file written by :meth:`BPETokenizer.save`."""
VERSION = 1

_BYTES = [bytes([b]) for b in range(256)]
_NO_RANK = 1 << 62  # larger than any token id: "this pair is not a token"
_CACHE_LIMIT = 200_000  # chunk -> ids entries kept between calls of encode


def gpt2_bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map from each byte to a printable character, used in its files.

    Printable Latin-1 bytes map to themselves; the other 68 bytes (control
    characters, space, ...) map to ``chr(256)``, ``chr(257)``, ... in byte
    order. So a space is written ``Ġ`` (``chr(256 + 32)``) in ``vocab.bpe``.

    >>> m = gpt2_bytes_to_unicode()
    >>> m[ord("a")], m[ord(" ")], m[ord("\\n")]
    ('a', 'Ġ', 'Ċ')
    """
    printable = [b for b in range(256) if chr(b).isprintable() and b != ord(" ")]
    others = [b for b in range(256) if b not in printable]
    mapping = {b: chr(b) for b in printable}
    mapping.update({b: chr(256 + n) for n, b in enumerate(others)})
    return mapping


def _gpt2_byte_order() -> list[int]:
    """The bytes in the order of GPT-2's ids 0..255 (printable ones first)."""
    printable = [b for b in range(256) if chr(b).isprintable() and b != ord(" ")]
    return printable + [b for b in range(256) if b not in printable]


def _require_str(text: object, what: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, got {type(text).__name__}")
    return text


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace each occurrence of ``pair`` in ``ids``, left to right, by ``new_id``."""
    a, b = pair
    if a not in ids:
        return ids
    out = []
    i, n = 0, len(ids)
    while i < n:
        if i < n - 1 and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _merge_counting(
    ids: list[int],
    pair: tuple[int, int],
    new_id: int,
    freq: int,
    delta: dict[tuple[int, int], int],
    appeared: set[tuple[int, int]],
) -> list[int]:
    """:func:`_merge`, also adding to ``delta`` how each pair count changes.

    Only the neighbours of each merged occurrence change: ``x a b y`` loses
    the pairs ``(x, a)``, ``(a, b)``, ``(b, y)`` and gains ``(x, new)`` and
    ``(new, y)``, each ``freq`` times. Two occurrences in a row (``a b a b``)
    share a neighbour, which then becomes the pair ``(new, new)``. Pairs that
    are new to this chunk go into ``appeared``.
    """
    a, b = pair
    n = len(ids)
    out: list[int] = []
    copied = pos = 0
    last_end = -1
    while True:
        try:
            i = ids.index(a, pos)
        except ValueError:
            break
        if i + 1 >= n:
            break
        if ids[i + 1] != b:
            pos = i + 1
            continue
        out.extend(ids[copied:i])
        delta[pair] = delta.get(pair, 0) - freq
        if i > 0:
            if last_end == i:  # the left neighbour is the previous merge; its right side skipped this pair
                left = (new_id, new_id)
            else:
                old_left = (ids[i - 1], a)
                delta[old_left] = delta.get(old_left, 0) - freq
                left = (ids[i - 1], new_id)
            delta[left] = delta.get(left, 0) + freq
            appeared.add(left)
        if i + 2 < n:
            old_right = (b, ids[i + 2])
            delta[old_right] = delta.get(old_right, 0) - freq
            if not (ids[i + 2] == a and i + 3 < n and ids[i + 3] == b):
                right = (new_id, ids[i + 2])
                delta[right] = delta.get(right, 0) + freq
                appeared.add(right)
        out.append(new_id)
        copied = pos = last_end = i + 2
    out.extend(ids[copied:])
    return out


def _split_special(text: str, specials: Collection[str]) -> list[str]:
    """The pieces of ``text`` between occurrences of the special tokens."""
    if not specials:
        return [text]
    return regex.split("|".join(regex.escape(s) for s in sorted(specials, key=len, reverse=True)), text)


def train_merges_plain(text: str, num_merges: int, pattern: str = GPT2_PATTERN) -> list[tuple[int, int]]:
    """The plain BPE trainer, kept as the yardstick for the fast one.

    Every step counts all adjacent pairs in all chunks, merges the most
    frequent one everywhere (ties: the smallest pair of ids) and repeats.
    The ``i``-th merge creates token ``256 + i``.

    >>> [(bytes([a]), bytes([b])) for a, b in train_merges_plain("aaabdaaabac", 1)]
    [(b'a', b'a')]
    """
    _require_str(text)
    chunks = [list(chunk.encode("utf-8")) for chunk in regex.findall(pattern, text)]
    merges: list[tuple[int, int]] = []
    for new_id in range(256, 256 + num_merges):
        counts = Counter(chain.from_iterable(pairwise(ids) for ids in chunks))
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        chunks = [_merge(ids, pair, new_id) for ids in chunks]
        merges.append(pair)
    return merges


def _train_merges_fast(chunk_counts: Mapping[str, int], num_merges: int, progress: bool) -> list[tuple[int, int]]:
    """The merges of :func:`train_merges_plain`, from incremental pair counts."""
    words = [list(chunk.encode("utf-8")) for chunk in chunk_counts]
    freqs = list(chunk_counts.values())
    counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], set[int]] = {}
    for i, (ids, freq) in enumerate(zip(words, freqs, strict=True)):
        for pair in pairwise(ids):
            counts[pair] = counts.get(pair, 0) + freq
            where.setdefault(pair, set()).add(i)
    heap = [(-count, pair) for pair, count in counts.items()]
    heapq.heapify(heap)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=num_merges, desc="merges")
    merges: list[tuple[int, int]] = []
    for new_id in range(256, 256 + num_merges):
        # The heap holds stale entries; the valid one for a pair matches its count.
        while heap and counts.get(heap[0][1]) != -heap[0][0]:
            heapq.heappop(heap)
        if not heap:
            break
        _, pair = heapq.heappop(heap)
        merges.append(pair)
        delta: dict[tuple[int, int], int] = {}
        for i in where.pop(pair):
            appeared: set[tuple[int, int]] = set()
            words[i] = _merge_counting(words[i], pair, new_id, freqs[i], delta, appeared)
            for p in appeared:
                where.setdefault(p, set()).add(i)
        for p, change in delta.items():
            if change:
                count = counts.get(p, 0) + change
                if count > 0:
                    counts[p] = count
                    heapq.heappush(heap, (-count, p))
                else:
                    counts.pop(p, None)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return merges


class BPETokenizer:
    """A byte-level BPE tokenizer: train your own, or load GPT-2's.

    Ids ``0..255`` are single bytes, id ``256 + i`` is the ``i``-th merge, and
    special tokens such as ``<|endoftext|>`` come last. ``encode`` follows
    tiktoken exactly (same ids for GPT-2's files, same special-token rules);
    the one known difference is in characters assigned by Unicode after 14.0,
    which the ``regex`` module and tiktoken's Rust regex may classify
    differently (a new letter can then be cut into other chunks).

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
        """
        byte_ids = list(range(256)) if byte_ids is None else list(byte_ids)
        if sorted(byte_ids) != list(range(256)):
            raise ValueError("byte_ids must list each id 0..255 exactly once (the id of each byte value)")
        _require_str(pattern, "pattern")
        vocab: dict[int, bytes] = {i: bytes([b]) for b, i in enumerate(byte_ids)}
        self.merges: dict[tuple[int, int], int] = {}
        for new_id, pair in enumerate(merges, start=256):
            try:
                a, b = pair
                token = vocab[a] + vocab[b]
            except (TypeError, ValueError, KeyError):
                raise ValueError(
                    f"merge {new_id - 256} is {pair!r}; each merge must be a pair of int ids "
                    f"that exist before it (below {new_id})"
                ) from None
            if type(a) is not int or type(b) is not int:
                raise ValueError(f"merge {new_id - 256} is {pair!r}; ids must be ints")
            if (a, b) in self.merges:
                raise ValueError(f"merge {new_id - 256} ({a}, {b}) repeats merge {self.merges[a, b] - 256}")
            self.merges[a, b] = new_id
            vocab[new_id] = token
        self._ranks = {token: i for i, token in vocab.items()}
        if len(self._ranks) != len(vocab):
            raise ValueError("two merges produce the same bytes; each token must be new")
        self.special_tokens: dict[str, int] = dict(special_tokens or {})
        for text, i in self.special_tokens.items():
            if not isinstance(text, str) or not text:
                raise ValueError(f"special tokens must be non-empty strings, got {text!r}")
            if type(i) is not int or i < len(vocab):
                raise ValueError(
                    f"special token {text!r} has id {i!r}; special ids must be ints from {len(vocab)} on "
                    "(after the bytes and merges)"
                )
        if len(set(self.special_tokens.values())) != len(self.special_tokens):
            raise ValueError(f"two special tokens share an id: {self.special_tokens}")
        self.vocab: dict[int, bytes] = vocab | {i: s.encode("utf-8") for s, i in self.special_tokens.items()}
        """Every token's bytes by id (specials included)."""
        self.byte_ids = byte_ids
        self.pattern = pattern
        self._regex = regex.compile(pattern)
        self._cache: dict[str, list[int]] = {}

    @property
    def n_vocab(self) -> int:
        """The number of ids, i.e. the largest id + 1 (as in tiktoken)."""
        return max(self.vocab) + 1

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

        Training starts from the 256 bytes; earlier merges of this tokenizer are replaced.

        Text matching a token of ``allowed_special`` is cut out (never merged
        with its neighbours); those tokens get the last ids, in sorted order.
        Training stops early when no pair is left to merge. Ties between pairs
        of equal count go to the smallest pair of ids, as in
        :func:`train_merges_plain`. ``progress=True`` shows a tqdm bar.

        >>> tok = BPETokenizer().train("low lower lowest", 258, allowed_special={"<|endoftext|>"})
        >>> [tok.vocab[i] for i in tok.merges.values()], tok.special_tokens
        ([b'lo'], {'<|endoftext|>': 257})
        """
        _require_str(text)
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
        chunk_counts: Counter[str] = Counter()
        for piece in _split_special(text, specials):
            chunk_counts.update(self._regex.findall(piece))
        merges = _train_merges_fast(chunk_counts, vocab_size - 256 - len(specials), progress)
        first_special = 256 + len(merges)
        self.__init__(
            merges,
            {s: first_special + k for k, s in enumerate(specials)},
            pattern=self.pattern,
        )
        return self

    # -- encoding and decoding -------------------------------------------------

    def _encode_chunk(self, chunk: str) -> list[int]:
        """BPE-encode one pre-token chunk the way tiktoken does."""
        ranks = self._ranks
        data = chunk.encode("utf-8")
        whole = ranks.get(data)
        if whole is not None:  # tiktoken's shortcut: a chunk that is a token stays whole
            return [whole]
        parts = [_BYTES[b] for b in data]
        while len(parts) > 1:
            # The rank of each adjacent pair's merged bytes; merge the lowest, leftmost first.
            pair_ranks = [ranks.get(a + b, _NO_RANK) for a, b in pairwise(parts)]
            best = min(pair_ranks)
            if best == _NO_RANK:
                break
            i = pair_ranks.index(best)
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
        return [ranks[p] for p in parts]

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` treating special-token text as ordinary text.

        >>> BPETokenizer().encode_ordinary("hi <|endoftext|>")[:3]
        [104, 105, 32]
        """
        _require_str(text)
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates become U+FFFD, as in tiktoken
                text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        chunks = self._regex.findall(text)
        cache = self._cache
        missing = set(chunks).difference(cache)
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache.clear()
        for chunk in missing:
            cache[chunk] = self._encode_chunk(chunk)
        # Most chunks repeat ("the", " and", ...): each is a dict lookup after the first.
        return list(chain.from_iterable(map(cache.__getitem__, chunks)))

    def _special_set(self, value: object, name: str) -> set[str]:
        if value == "all":
            return set(self.special_tokens)
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise TypeError(f"{name} must be 'all' or a set of special tokens such as {{{ENDOFTEXT!r}}}, got {value!r}")
        chosen = set(value)
        unknown = sorted(str(s) for s in chosen - set(self.special_tokens))
        if unknown:
            raise ValueError(
                f"{name} names {unknown}, which are not special tokens of this tokenizer "
                f"(it has {sorted(self.special_tokens)})"
            )
        return chosen

    def encode(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | Collection[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[int]:
        """Encode ``text`` to ids, with tiktoken's rules for special tokens.

        Text equal to an ``allowed_special`` token becomes that token's id.
        Text equal to a ``disallowed_special`` token (by default every special
        token not allowed) raises ``ValueError``, so that user input cannot
        smuggle in a control token. Any other text is encoded as ordinary text.

        >>> tok = BPETokenizer().train("ab ab", 257, allowed_special={"<|endoftext|>"})
        >>> tok.encode("ab<|endoftext|>", allowed_special={"<|endoftext|>"})
        [97, 98, 256]
        >>> tok.encode("ab<|endoftext|>", disallowed_special=())[:3]
        [97, 98, 60]
        """
        _require_str(text)
        allowed = self._special_set(allowed_special, "allowed_special")
        if disallowed_special == "all":
            disallowed = set(self.special_tokens) - allowed
        else:
            disallowed = self._special_set(disallowed_special, "disallowed_special")
        if disallowed:
            match = regex.search("|".join(regex.escape(s) for s in sorted(disallowed)), text)
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
        """The bytes of ``ids``, concatenated.

        >>> BPETokenizer().decode_bytes([104, 105])
        b'hi'
        """
        if isinstance(ids, str | bytes):
            raise TypeError(f"ids must be a list of ints, got {type(ids).__name__}")
        ids = list(ids)
        vocab = self.vocab
        try:
            return b"".join([vocab[i] for i in ids])
        except (KeyError, TypeError):
            pass  # find the offending id below, or convert ids such as numpy or torch ints
        out = []
        for position, i in enumerate(ids):
            try:
                key = operator.index(i)
            except TypeError:
                raise TypeError(f"ids must be ints, got {i!r} ({type(i).__name__}) at position {position}") from None
            if key not in vocab:
                raise ValueError(
                    f"unknown token id {key} at position {position}; this tokenizer's ids are 0 to {self.n_vocab - 1}"
                )
            out.append(vocab[key])
        return b"".join(out)

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
        atomic_write(Path(path), "\n".join(lines).encode("utf-8"))

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        """Read a tokenizer written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON ({err}); was it written by BPETokenizer.save?") from None
        if not isinstance(data, dict):
            raise ValueError(
                f"{path} is not a saved BPETokenizer: it holds a JSON {type(data).__name__}, "
                "not an object with a format field"
            )
        if data.get("format") != FORMAT:
            raise ValueError(
                f"{path} is not a saved BPETokenizer: its format field is {data.get('format')!r}, expected {FORMAT!r}. "
                "For GPT-2's encoder.json and vocab.bpe use BPETokenizer.from_gpt2."
            )
        if data.get("version") != VERSION:
            raise ValueError(f"{path} has format version {data.get('version')!r}; this code reads version {VERSION}")
        missing = sorted({"pattern", "special_tokens", "byte_ids", "merges"} - set(data))
        if missing:
            raise ValueError(f"{path} lacks the field(s) {missing}; the file is incomplete")
        return cls(
            [tuple(pair) if isinstance(pair, list) else pair for pair in data["merges"]],
            data["special_tokens"],
            byte_ids=data["byte_ids"],
            pattern=data["pattern"],
        )

    @classmethod
    def from_gpt2(cls, encoder_json_path: str | Path, vocab_bpe_path: str | Path) -> BPETokenizer:
        """Load GPT-2's tokenizer from its ``encoder.json`` and ``vocab.bpe``.

        Both files write bytes through :func:`gpt2_bytes_to_unicode`.
        ``vocab.bpe`` lists the merges in order (merge ``i`` creates id
        ``256 + i``); ``encoder.json`` maps every token to its id. The two must
        agree; ``<|endoftext|>`` is id 50256.

        >>> from helpers.data import data_file
        >>> gpt2 = BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))
        >>> gpt2.encode("Hello, world! <|endoftext|>", allowed_special={"<|endoftext|>"})
        [15496, 11, 995, 0, 220, 50256]
        """
        try:
            encoder = json.loads(Path(encoder_json_path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{encoder_json_path} is not valid JSON ({err}); expected GPT-2's encoder.json") from None
        if not isinstance(encoder, dict) or not all(type(v) is int for v in encoder.values()):
            raise ValueError(f"{encoder_json_path} must map token strings to int ids, like GPT-2's encoder.json")
        lines = Path(vocab_bpe_path).read_text(encoding="utf-8").split("\n")
        header = 1 if lines and lines[0].startswith("#version") else 0
        lines = lines[header:]
        while lines and not lines[-1]:
            lines.pop()
        byte_chars = gpt2_bytes_to_unicode()
        byte_ids = [0] * 256
        for expected, b in enumerate(_gpt2_byte_order()):
            char = byte_chars[b]
            byte_ids[b] = expected
            if encoder.get(char) != expected:
                raise ValueError(
                    f"{encoder_json_path} gives the byte token {char!r} the id {encoder.get(char)!r}, "
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
                        f"{vocab_bpe_path} line {n + 1 + header} is {line!r}, which should merge two known tokens "
                        f"into id {256 + n}, but {encoder_json_path} does not agree (it gives "
                        f"{''.join(parts)!r} the id {merged!r}): the files do not belong together, "
                        "or one is damaged or truncated"
                    )
        merges = [(a, b) for a, b, _ in triples]
        known = 256 + len(merges)
        specials = {token: i for token, i in encoder.items() if i >= known}
        not_special = [t for t in specials if not (t.startswith("<|") and t.endswith("|>"))]
        if not_special or len(encoder) != known + len(specials):
            raise ValueError(
                f"{encoder_json_path} has {len(encoder)} tokens but {vocab_bpe_path} explains only {known} "
                f"(256 bytes + {len(merges)} merges) plus {len(specials) - len(not_special)} special tokens; "
                "the files do not match (is vocab.bpe truncated?)"
            )
        return cls(merges, specials, byte_ids=byte_ids)
