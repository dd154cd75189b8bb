"""Word-level tokenizers of chapter 2 (sections 2.2 to 2.4).

The algorithm:

1. **Split** text with a regular expression at whitespace and at punctuation,
   keeping the punctuation marks as tokens of their own and dropping the
   whitespace (:func:`split_text`).
2. **Build a vocabulary**: sort the distinct tokens and number them from 0;
   special tokens such as ``<|endoftext|>`` and ``<|unk|>`` get the largest
   ids (:func:`build_vocab`).
3. **Encode** by looking each token up; **decode** by joining tokens with
   spaces and then removing the space before punctuation.

``SimpleTokenizerV1`` refuses words it has never seen; ``SimpleTokenizerV2``
maps them to ``<|unk|>``, which is why byte pair encoding (section 2.5) is
needed to represent *any* text without losing information.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from helpers.checks import int_in_range, require_iterable, require_mapping, require_str, token_ids

SPLIT_PATTERN = re.compile(r'([,.:;?_!"()\']|--|\s)')
"""Split points: single punctuation marks, the double dash, and whitespace.

The capturing group makes ``re.split`` keep the punctuation as tokens."""

_SPACE_BEFORE_PUNCT = re.compile(r'\s+([,.:;?!"()\'])')

ENDOFTEXT = "<|endoftext|>"
UNK = "<|unk|>"


class UnknownTokenError(KeyError, ValueError):
    """A token or id is not in the vocabulary.

    A ``KeyError``, as a dict lookup raises, and a ``ValueError``, as every
    wrong value in ``helpers`` is (:mod:`helpers.checks`).
    """

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0])


def split_text(text: str) -> list[str]:
    """Split text into word and punctuation tokens, dropping whitespace.

    >>> split_text("Hello, world. Is this-- a test?")
    ['Hello', ',', 'world', '.', 'Is', 'this', '--', 'a', 'test', '?']
    """
    require_str(text)
    return [piece.strip() for piece in SPLIT_PATTERN.split(text) if piece.strip()]


def build_vocab(tokens: Iterable[str], special_tokens: Sequence[str] = ()) -> dict[str, int]:
    """Map each distinct token to an id: sorted tokens first, then the specials.

    >>> build_vocab(["b", "a", "b"], special_tokens=["<|unk|>"])
    {'a': 0, 'b': 1, '<|unk|>': 2}
    """
    tokens = require_iterable(tokens, "tokens", of="str tokens (split_text(text) makes one)", kind=str)
    special_tokens = require_iterable(special_tokens, "special_tokens", of="strs, such as ['<|unk|>']", kind=str)
    distinct = sorted(set(tokens))
    clash = [s for s in special_tokens if s in distinct]
    if clash:
        raise ValueError(f"special tokens {clash} already occur among the ordinary tokens")
    if len(set(special_tokens)) != len(special_tokens):
        raise ValueError(f"special tokens must be distinct, got {list(special_tokens)}")
    return {token: i for i, token in enumerate([*distinct, *special_tokens])}


class SimpleTokenizerV1:
    """Encode text as ids of a fixed word vocabulary; unknown words are an error.

    >>> tok = SimpleTokenizerV1(build_vocab(split_text("the cat sat.")))
    >>> tok.encode("the cat sat.")
    [3, 1, 2, 0]
    >>> tok.decode([3, 1, 2, 0])
    'the cat sat.'
    """

    def __init__(self, vocab: Mapping[str, int]):
        if not require_mapping(vocab, "vocab"):
            raise ValueError("vocab must be a non-empty dict of token -> id, e.g. build_vocab(tokens)")
        self.str_to_int = {require_str(s, "vocab keys"): int_in_range(i, f"vocab[{s!r}]", 0) for s, i in vocab.items()}
        self.int_to_str = {i: s for s, i in self.str_to_int.items()}
        if len(self.int_to_str) != len(self.str_to_int):
            raise ValueError("vocab maps two tokens to the same id; ids must be unique")
        ids = list(self.int_to_str)
        low, high = min(ids), max(ids)
        self._id_range = (
            f"0 to {high}"
            if low == 0 and high == len(ids) - 1
            else f"{len(ids)} ids between {low} and {high}, not all of them used"
        )

    def _lookup(self, token: str) -> int:
        try:
            return self.str_to_int[token]
        except KeyError:
            raise UnknownTokenError(
                f"{token!r} is not in the vocabulary of {len(self.str_to_int)} tokens. "
                "SimpleTokenizerV1 only knows words of the text it was built from; "
                "use SimpleTokenizerV2, which maps unknown words to <|unk|>."
            ) from None

    def encode(self, text: str) -> list[int]:
        """Split ``text`` and return the id of each token."""
        return [self._lookup(token) for token in split_text(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Join the tokens of ``ids`` with spaces, then drop spaces before punctuation.

        ``ids`` may be a list of ints, NumPy ints or a 0/1-d integer tensor, as
        for :class:`~helpers.bpe.BPETokenizer` (:func:`helpers.checks.token_ids`).
        """
        tokens = []
        for i in token_ids(ids):
            if i not in self.int_to_str:
                raise UnknownTokenError(f"id {i!r} is not in the vocabulary (valid ids are {self._id_range})")
            tokens.append(self.int_to_str[i])
        return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(tokens))


class SimpleTokenizerV2(SimpleTokenizerV1):
    """Like V1, but unknown words become ``<|unk|>`` instead of an error.

    The vocabulary must contain ``<|unk|>``; ``<|endoftext|>`` is an ordinary
    entry that marks the border between two unrelated texts.

    >>> vocab = build_vocab(split_text("the cat sat."), special_tokens=[ENDOFTEXT, UNK])
    >>> SimpleTokenizerV2(vocab).encode("the dog sat.")
    [3, 5, 2, 0]
    """

    def __init__(self, vocab: Mapping[str, int]):
        super().__init__(vocab)
        if UNK not in self.str_to_int:
            raise ValueError(
                f"SimpleTokenizerV2 needs {UNK!r} in its vocabulary; "
                f"build it with build_vocab(tokens, special_tokens=[{ENDOFTEXT!r}, {UNK!r}])"
            )

    def _lookup(self, token: str) -> int:
        return self.str_to_int.get(token, self.str_to_int[UNK])
