"""Checks for chapter 2's exercises (text to token ids to training windows).

=====================  =============  =====================================================
function               notebook       exercise
=====================  =============  =====================================================
2.1                    02.5a, 02.5b   BPE on the unknown words "Akwirw ier"
2.2                    02.6           data loaders with other ``max_length`` and ``stride``
scaled_cosine          02.1           ``3 * cat``: its dot product and cosine with kitten
top_tokens             02.2           the story's ten most frequent tokens
punctuation_share      02.2           the share of the story's tokens that are punctuation
round_trip             02.3           a sentence of story words, encoded and decoded
round_trip_break       02.3           a text that ``decode(encode(text))`` does not restore
glued_endoftext        02.4           ``<|endoftext|>`` joined without spaces
window_layout_bytes    02.6b          bytes of the per-window layout for tinyshakespeare
window_layout_ratio    02.6b          that layout against the token tensor
=====================  =============  =====================================================

The rows below the book's are the notebooks' own exercises; each function is ``check_<name>``.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter

import torch
from torch.utils.data import DataLoader

from helpers.exercises.checking import NotYet, checker, expect, gpt2, ids_argument

__all__ = [
    "check_2_1",
    "check_2_2",
    "check_glued_endoftext",
    "check_punctuation_share",
    "check_round_trip",
    "check_round_trip_break",
    "check_scaled_cosine",
    "check_top_tokens",
    "check_window_layout_bytes",
    "check_window_layout_ratio",
]

EXERCISE_2_1_TEXT = "Akwirw ier"
EXERCISE_2_2_SETTINGS = ((2, 2), (8, 2))
"""The ``(max_length, stride)`` pairs exercise 2.2 asks for, each with batch size 8."""


@checker
def check_2_1(ids: list[int], decoded: str) -> str:
    """Exercise 2.1: ``ids`` are GPT-2's ids of ``"Akwirw ier"`` and ``decoded`` is their decoding.

    >>> check_2_1([33901, 86, 343, 86, 220, 959], "Akwirw ier")
    ✅ Correct: 'Akwirw ier' is 6 known pieces: 'Ak' 'w' 'ir' 'w' ' ' 'ier', and decoding restores it exactly.
    True
    >>> check_2_1("Akwirw ier", "Akwirw ier")
    ❌ Not yet: ids must be the list of token ids that encode() returned, got str
    False
    """
    ids = ids_argument(ids, "ids")
    if not isinstance(decoded, str):
        raise TypeError(f"decoded must be the str that tokenizer.decode(ids) returned, got {type(decoded).__name__}")
    expected = gpt2().encode(EXERCISE_2_1_TEXT)
    if ids != expected:
        if ids and all(0 <= i < gpt2().n_vocab for i in ids):
            raise NotYet(
                f"these ids decode to {gpt2().decode(ids)!r}; encode exactly {EXERCISE_2_1_TEXT!r} "
                "(capital A, one space) with the GPT-2 tokenizer"
            )
        raise NotYet(f"these are not GPT-2 ids of the text; use tokenizer.encode({EXERCISE_2_1_TEXT!r})")
    if decoded != EXERCISE_2_1_TEXT:
        raise NotYet(f"decoded is {decoded!r}; decode the whole list at once: tokenizer.decode(ids)")
    pieces = " ".join(repr(gpt2().decode([i])) for i in ids)
    return f"{EXERCISE_2_1_TEXT!r} is {len(ids)} known pieces: {pieces}, and decoding restores it exactly."


@functools.cache
def _verdict_ids() -> tuple[int, ...]:
    from helpers.data import load_text

    return tuple(gpt2().encode(load_text("the-verdict.txt")))


@checker
def check_2_2(loader: DataLoader, max_length: int, stride: int) -> str:
    """Exercise 2.2: ``loader`` gives The Verdict's windows with this ``max_length`` and ``stride``, 8 per batch.

    Call it once per setting the exercise asks for: ``(2, 2)`` and ``(8, 2)``.
    """
    if not isinstance(loader, DataLoader):
        raise TypeError(f"loader must be the DataLoader create_dataloader_v1 returned, got {type(loader).__name__}")
    for name, value in (("max_length", max_length), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if (max_length, stride) not in EXERCISE_2_2_SETTINGS:
        asked = " and ".join(f"max_length={m}, stride={s}" for m, s in EXERCISE_2_2_SETTINGS)
        raise ValueError(f"the exercise asks for {asked}; got max_length={max_length}, stride={stride}")
    batch = next(iter(loader))
    if not (isinstance(batch, (list, tuple)) and len(batch) == 2):
        raise NotYet("each batch should be a pair (inputs, targets); build the loader with create_dataloader_v1")
    inputs, targets = batch
    if tuple(inputs.shape) != (8, max_length):
        raise NotYet(
            f"the first batch has shape {tuple(inputs.shape)}, expected (8, {max_length}): "
            f"use batch_size=8 and max_length={max_length}"
        )
    ids = _verdict_ids()
    rows = [list(ids[i * stride : i * stride + max_length]) for i in range(8)]
    if inputs[0].tolist() != rows[0]:
        raise NotYet(
            "the first window is not the story's first tokens: use shuffle=False and the text of the-verdict.txt"
        )
    if inputs.tolist() != rows:
        raise NotYet(f"consecutive windows should start {stride} tokens apart: pass stride={stride}")
    shifted = [list(ids[i * stride + 1 : i * stride + max_length + 1]) for i in range(8)]
    if targets.tolist() != shifted:
        raise NotYet("the targets should be the inputs shifted by one token")
    overlap = max(max_length - stride, 0)
    return (
        f"batches of shape (8, {max_length}); each window starts {stride} tokens after the previous one "
        f"and shares {overlap} token{'s' * (overlap != 1)} with it; targets are the inputs shifted by one."
    )


# The notebooks' own exercises.


def _number(value: object, name: str, what: str) -> float:
    """``value`` as a float (an int, a float or a one-number tensor); ``TypeError`` naming ``name`` otherwise."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be {what} (a number), got {type(value).__name__}")
    return float(value)


def _text_argument(value: object, name: str, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {what} (a str), got {type(value).__name__}")
    return value


SCALED_COSINE_VECTORS = {"cat": (0.9, 0.2), "kitten": (0.8, 0.9)}
"""The hand-made 2-D vectors of 02.1 that the exercise compares."""
SCALED_COSINE_FACTOR = 3


@checker
def check_scaled_cosine(long_cat: torch.Tensor, dot: float, cosine: float) -> str:
    """02.1: ``long_cat`` is ``3 * cat``; ``dot`` and ``cosine`` are its dot product and cosine with ``kitten``.

    >>> cat, kitten = torch.tensor([0.9, 0.2]), torch.tensor([0.8, 0.9])
    >>> long_cat = 3 * cat
    >>> correct = check_scaled_cosine(long_cat, long_cat @ kitten, 0.8107)
    ✅ Correct: the dot product with kitten tripled (0.9000 -> 2.7000) while the cosine stayed 0.8107: \
cosine compares directions only.
    >>> correct = check_scaled_cosine(cat + 3, 2.7, 0.8107)
    ❌ Not yet: long_cat is cat + 3: you added 3 to each number; scale the vector instead: long_cat = 3 * cat
    """
    if not isinstance(long_cat, torch.Tensor):
        raise TypeError(f"long_cat must be the tensor 3 * cat, got {type(long_cat).__name__}")
    if long_cat.shape != (2,):
        raise TypeError(f"long_cat must be a vector of 2 numbers like cat, got shape {tuple(long_cat.shape)}")
    dot = _number(dot, "dot", "long_cat @ kitten")
    cosine = _number(cosine, "cosine", "the cosine of long_cat and kitten")
    cat, kitten = (torch.tensor(SCALED_COSINE_VECTORS[word]) for word in ("cat", "kitten"))
    long_cat = long_cat.detach().float()
    truth = SCALED_COSINE_FACTOR * cat
    if not torch.allclose(long_cat, truth, atol=1e-4):
        if torch.allclose(long_cat, cat + SCALED_COSINE_FACTOR, atol=1e-4):
            raise NotYet(
                "long_cat is cat + 3: you added 3 to each number; scale the vector instead: long_cat = 3 * cat"
            )
        if torch.allclose(long_cat, SCALED_COSINE_FACTOR * kitten, atol=1e-4):
            raise NotYet("long_cat is 3 * kitten; scale cat and keep kitten as it is")
        factor = float(long_cat @ cat / (cat @ cat))
        if torch.allclose(long_cat, factor * cat, atol=1e-4):
            raise NotYet(f"long_cat is {factor:.4g} * cat; the exercise scales cat by 3")
        raise NotYet(f"long_cat is {long_cat.tolist()}, not 3 * cat; multiply the cat vector by 3")
    dot_before, dot_after = float(cat @ kitten), float(truth @ kitten)
    cos_before = dot_before / float(cat.norm() * kitten.norm())
    cos_after = dot_after / float(truth.norm() * kitten.norm())
    if abs(dot - dot_after) > 1e-4:
        if abs(dot - cos_after) < 1e-4:
            raise NotYet(f"dot is {dot:.4f}, the cosine; the dot product is long_cat @ kitten, without dividing")
        if abs(dot - dot_before) < 1e-4:
            raise NotYet(f"dot is {dot:.4f}, the dot product before scaling; compute long_cat @ kitten")
        raise NotYet(f"dot is {dot:.4f}; the dot product is long_cat @ kitten, the sum of the products of the entries")
    if abs(cosine - cos_after) > 1e-4:
        if abs(cosine - dot_after) < 1e-4:
            raise NotYet("cosine is the dot product; divide it by the lengths of both vectors")
        if abs(cosine - dot_after / float(cat.norm() * kitten.norm())) < 1e-4:
            raise NotYet(
                f"cosine is {cosine:.4f}, above 1, which no cosine can be: divide by the length of long_cat, not of cat"
            )
        raise NotYet(f"cosine is {cosine:.4f}; compute (long_cat @ kitten) / (long_cat.norm() * kitten.norm())")
    return (
        f"the dot product with kitten tripled ({dot_before:.4f} -> {dot_after:.4f}) while the cosine stayed "
        f"{cos_before:.4f}: cosine compares directions only."
    )


@functools.cache
def _story_tokens() -> tuple[str, ...]:
    """The tokens of The Verdict, split as in 2.2 (whitespace dropped, punctuation split off)."""
    from helpers.data import load_text
    from helpers.tokenizers import split_text

    return tuple(split_text(load_text("the-verdict.txt")))


def _is_punctuation(token: str) -> bool:
    return not any(char.isalnum() for char in token)


TOP_TOKENS = 10


@checker
def check_top_tokens(top: list[str] | list[tuple[str, int]]) -> str:
    """02.2: ``top`` lists the story's ten most frequent tokens, most frequent first.

    Either the tokens alone or ``(token, count)`` pairs, as ``Counter(preprocessed).most_common(10)`` gives.

    >>> correct = check_top_tokens([",", ".", "the", '"', "I", "of", "--", "to", "'", "a"])
    ✅ Correct: the ten most frequent tokens are ',' '.' 'the' '"' 'I' 'of' '--' 'to' "'" 'a': \
the most frequent, ',' (229 times), is a punctuation mark, not a word, and 5 of the 10 are punctuation marks.
    >>> correct = check_top_tokens(["the", "of", "to", "a", "and", "I", "was", "his", "he", "in"])
    ❌ Not yet: ',' is missing although it occurs 229 times; count every token of split_text(raw_text), \
punctuation included
    """
    if isinstance(top, (str, dict)) or not isinstance(top, (list, tuple)):
        raise TypeError(
            f"top must be a list of tokens or of (token, count) pairs, as Counter.most_common(10) returns, "
            f"got {type(top).__name__}"
        )
    tokens, given_counts = [], []
    for item in top:
        if isinstance(item, str):
            tokens.append(item)
        elif isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str):
            tokens.append(item[0])
            given_counts.append(item[1])
        else:
            raise TypeError(f"top must hold tokens (str) or (token, count) pairs, got {item!r}")
    if given_counts and len(given_counts) != len(tokens):
        raise TypeError("top mixes tokens and (token, count) pairs; give one kind")
    counts = Counter(_story_tokens())
    truth = counts.most_common(TOP_TOKENS)
    if any(token.isspace() or not token for token in tokens):
        raise NotYet("a whitespace token is in the list: count the tokens with whitespace dropped (preprocessed)")
    if len(tokens) != TOP_TOKENS:
        raise NotYet(f"top has {len(tokens)} entries; give the {TOP_TOKENS} most frequent, e.g. most_common(10)")
    if len(set(tokens)) != len(tokens):
        raise NotYet("a token appears twice in top; count each distinct token once (collections.Counter)")
    for token in tokens:
        if token not in counts:
            lowered = any(known.lower() == token for known in counts)
            raise NotYet(
                f"{token!r} is not a token of the story{'; keep the case as split_text gives it' * lowered}: "
                "count the tokens of split_text(raw_text)"
            )
    for token, given in zip(tokens, given_counts, strict=False):
        if given != counts[token]:
            raise NotYet(
                f"{token!r} occurs {counts[token]} times among the story's {len(_story_tokens())} tokens, "
                f"not {given}: count the tokens of split_text(raw_text), not characters or words split at spaces"
            )
    threshold = truth[-1][1]
    for token, n in truth:
        if token not in tokens and n > threshold:
            also = ", punctuation included" if _is_punctuation(token) else ""
            raise NotYet(
                f"{token!r} is missing although it occurs {n} times; count every token of split_text(raw_text){also}"
            )
    for token in tokens:
        if counts[token] < threshold:
            raise NotYet(
                f"{token!r} occurs only {counts[token]} times, fewer than the tenth most frequent token "
                f"({threshold}); count every token of split_text(raw_text)"
            )
    ranked = [counts[token] for token in tokens]
    if ranked != sorted(ranked, reverse=True):
        raise NotYet("top is not in order: list the tokens from most to least frequent, as most_common(10) does")
    first, n_first = truth[0]
    n_punct = sum(_is_punctuation(token) for token in tokens)
    shown = " ".join(repr(token) for token in tokens)
    first_kind = "a punctuation mark, not a word" if _is_punctuation(first) else "a word"
    return (
        f"the ten most frequent tokens are {shown}: the most frequent, {first!r} ({n_first} times), is {first_kind}, "
        f"and {n_punct} of the 10 are punctuation marks."
    )


@checker
def check_punctuation_share(share: float) -> str:
    """02.2: ``share`` is the fraction of the story's tokens that are punctuation marks (0 to 1).

    >>> correct = check_punctuation_share(902 / 4690)
    ✅ Correct: 902 of the story's 4690 tokens (19.2%) are punctuation marks, about one token in 5.
    >>> correct = check_punctuation_share(19.2)
    ❌ Not yet: share must be a fraction between 0 and 1 (punctuation tokens / all tokens), got 19.2
    """
    share = _number(share, "share", "the fraction of punctuation tokens")
    if not 0 <= share <= 1:
        raise ValueError(f"share must be a fraction between 0 and 1 (punctuation tokens / all tokens), got {share:g}")
    tokens = _story_tokens()
    counts = Counter(tokens)
    n_punct = sum(n for token, n in counts.items() if _is_punctuation(token))
    truth = n_punct / len(tokens)
    if abs(share - truth) > 5e-4:
        multi = {token: n for token, n in counts.items() if _is_punctuation(token) and len(token) > 1}
        n_types = sum(_is_punctuation(token) for token in counts)
        if abs(share - (n_punct - sum(multi.values())) / len(tokens)) < 5e-4:
            missed = ", ".join(f"{token!r} ({n} times)" for token, n in multi.items())
            raise NotYet(f"you missed {missed}: a punctuation token can be longer than one character")
        if abs(share - n_types / len(counts)) < 5e-4:
            raise NotYet(
                f"that is the share of the {len(counts)} distinct tokens (the vocabulary); "
                f"the question asks about all {len(tokens)} tokens of the story, repeats included"
            )
        raise NotYet(
            f"{share:.4f} is not the share: count the tokens that are punctuation marks (no letter or digit) "
            f"and divide by all {len(tokens)} tokens"
        )
    return (
        f"{n_punct} of the story's {len(tokens)} tokens ({truth:.1%}) are punctuation marks, "
        f"about one token in {round(1 / truth)}."
    )


@functools.cache
def _story_vocab(*special_tokens: str) -> dict[str, int]:
    from helpers.tokenizers import build_vocab

    return build_vocab(_story_tokens(), special_tokens=list(special_tokens))


def _story_words_only(text: str, name: str) -> list[int]:
    """The ids of ``text`` in the story's vocabulary; ``NotYet`` naming a word the story does not have."""
    from helpers.tokenizers import SimpleTokenizerV1, split_text

    vocab = _story_vocab()
    unknown = [token for token in split_text(text) if token not in vocab]
    if unknown:
        raise NotYet(
            f"{unknown[0]!r} in {name} is not a token of the story, so SimpleTokenizerV1 cannot encode it; "
            "use only words of the-verdict.txt"
        )
    if not split_text(text):
        raise NotYet(f"{name} has no words; write a sentence")
    return SimpleTokenizerV1(vocab).encode(text)


def _lossy_reason(text: str) -> str:
    if " ".join(text.split()) != text:
        return "encode() drops the whitespace, and decode() puts back single spaces only"
    return "decode() guesses the spaces around punctuation (none before a mark, one after it) and guesses wrong here"


@checker
def check_round_trip(sentence: str, ids: list[int], decoded: str) -> str:
    """02.3: ``ids`` encode ``sentence`` with the story's ``SimpleTokenizerV1``, ``decoded`` is ``decode(ids)``.

    >>> sentence = "I had always thought Jack a good fellow."
    >>> correct = check_round_trip(sentence, [53, 514, 149, 1003, 57, 115, 500, 435, 7], sentence)
    ✅ Correct: 'I had always thought Jack a good fellow.' is 9 ids and decodes back exactly: story words, single \
spaces, punctuation right after a word.
    >>> correct = check_round_trip("I had", [40, 550], "I had")
    ❌ Not yet: these are GPT-2's ids of sentence; encode it with the story's SimpleTokenizerV1 (helper_tokenizer)
    """
    from helpers.tokenizers import SimpleTokenizerV1

    sentence = _text_argument(sentence, "sentence", "your sentence")
    ids = ids_argument(ids, "ids")
    decoded = _text_argument(decoded, "decoded", "the text tokenizer.decode(ids) returned")
    expected = _story_words_only(sentence, "sentence")
    tokenizer = SimpleTokenizerV1(_story_vocab())
    if ids != expected:
        if ids == gpt2().encode(sentence):
            raise NotYet(
                "these are GPT-2's ids of sentence; encode it with the story's SimpleTokenizerV1 (helper_tokenizer)"
            )
        if all(i in tokenizer.int_to_str for i in ids):
            raise NotYet(
                f"these ids decode to {tokenizer.decode(ids)!r}; encode the sentence itself: tokenizer.encode(sentence)"
            )
        raise NotYet(
            "these are not ids of the story's vocabulary; use tokenizer.encode(sentence) with SimpleTokenizerV1"
        )
    back = tokenizer.decode(ids)
    if decoded != back:
        if decoded == sentence:
            raise NotYet("decoded is the sentence itself; pass what decoding gives: tokenizer.decode(ids)")
        raise NotYet(f"decoded is {decoded!r}, but tokenizer.decode(ids) gives {back!r}; pass that")
    if back == sentence:
        return (
            f"{sentence!r} is {len(ids)} ids and decodes back exactly: story words, single spaces, "
            "punctuation right after a word."
        )
    return f"{sentence!r} is {len(ids)} ids but decodes to {back!r}: {_lossy_reason(sentence)}."


@checker
def check_round_trip_break(text: str) -> str:
    """02.3: ``text`` uses only story words, yet ``decode(encode(text))`` does not give it back.

    >>> correct = check_round_trip_break("Jack  had")
    ✅ Correct: 'Jack  had' comes back as 'Jack had': encode() drops the whitespace, and decode() puts back single \
spaces only.
    >>> correct = check_round_trip_break("Jack had")
    ❌ Not yet: 'Jack had' comes back exactly; decode() puts one space between words and none before punctuation: \
which texts does that not reproduce?
    """
    from helpers.tokenizers import SimpleTokenizerV1

    text = _text_argument(text, "text", "a text of story words")
    ids = _story_words_only(text, "text")
    back = SimpleTokenizerV1(_story_vocab()).decode(ids)
    if back == text:
        raise NotYet(
            f"{text!r} comes back exactly; decode() puts one space between words and none before punctuation: "
            "which texts does that not reproduce?"
        )
    return f"{text!r} comes back as {back!r}: {_lossy_reason(text)}."


@checker
def check_glued_endoftext(glued: str, ids: list[int]) -> str:
    """02.4: ``glued`` joins texts with ``"<|endoftext|>"`` and no spaces; ``ids`` are its ``SimpleTokenizerV2`` ids.

    >>> glued = "Hello, do you like tea?<|endoftext|>In the sunlit terraces of the palace."
    >>> ids = [1131, 5, 355, 1126, 628, 975, 10, 1131, 988, 956, 984, 722, 988, 1131, 7]
    >>> correct = check_glued_endoftext(glued, ids)
    ✅ Correct: '<|endoftext|>In' is one token, not in the vocabulary, so it became <|unk|> (1131) instead of \
<|endoftext|> (1130): the border between the texts is lost.
    >>> correct = check_glued_endoftext(glued.replace("<|endoftext|>", " <|endoftext|> "), [])
    ❌ Not yet: glued has spaces around '<|endoftext|>', as the book joins; join with "<|endoftext|>" alone
    """
    from helpers.tokenizers import ENDOFTEXT, UNK, SimpleTokenizerV2, split_text

    glued = _text_argument(glued, "glued", 'the texts joined with "<|endoftext|>"')
    ids = ids_argument(ids, "ids")
    if ENDOFTEXT not in glued:
        raise NotYet(f"glued has no {ENDOFTEXT!r}; join the two texts with it: {ENDOFTEXT!r}.join((text1, text2))")
    pieces = glued.split(ENDOFTEXT)
    if any(before[-1:].isspace() or after[:1].isspace() for before, after in itertools.pairwise(pieces)):
        raise NotYet(f'glued has spaces around {ENDOFTEXT!r}, as the book joins; join with "{ENDOFTEXT}" alone')
    vocab = _story_vocab(ENDOFTEXT, UNK)
    expected = SimpleTokenizerV2(vocab).encode(glued)
    if ids != expected:
        if gpt2().eot_token in ids or any(i >= len(vocab) for i in ids):
            raise NotYet(
                f"ids above {len(vocab) - 1} are not in the story's vocabulary; these look like GPT-2 ids: "
                "encode glued with the story's SimpleTokenizerV2 (helper_tokenizer)"
            )
        raise NotYet("these are not SimpleTokenizerV2's ids of glued; use helper_tokenizer.encode(glued)")
    stuck = [token for token in split_text(glued) if ENDOFTEXT in token and token != ENDOFTEXT]
    if stuck:
        return (
            f"{stuck[0]!r} is one token, not in the vocabulary, so it became {UNK} ({vocab[UNK]}) instead of "
            f"{ENDOFTEXT} ({vocab[ENDOFTEXT]}): the border between the texts is lost."
        )
    return (
        f"punctuation on both sides splits {ENDOFTEXT} off, so it keeps its id ({vocab[ENDOFTEXT]}) here; "
        "next to a word it would be glued to it and become <|unk|>."
    )


def _near(value: float, target: float) -> bool:
    """Whether ``value`` equals ``target`` to 1 part in 10,000: a typical wrong answer, recognised."""
    return abs(value - target) <= 1e-4 * abs(target)


TINYSHAKESPEARE_GPT2_TOKENS = 338_025
"""GPT-2 tokens in tinyshakespeare.txt (the data file is checked by its SHA-256; a test recounts them)."""
WINDOW_LAYOUT = {"max_length": 256, "stride": 1, "bytes_per_id": 8}


def _window_layout() -> tuple[int, int, int]:
    """Windows, bytes of the per-window layout and bytes of the token tensor, for tinyshakespeare."""
    max_length, stride, id_bytes = WINDOW_LAYOUT.values()
    windows = len(range(0, TINYSHAKESPEARE_GPT2_TOKENS - max_length, stride))
    return windows, windows * 2 * max_length * id_bytes, TINYSHAKESPEARE_GPT2_TOKENS * id_bytes


@checker
def check_window_layout_bytes(book_bytes: int) -> str:
    """02.6b: ``book_bytes`` is what one tensor per window keeps for tinyshakespeare (``max_length=256``, stride 1).

    >>> correct = check_window_layout_bytes(337_769 * 2 * 256 * 8)
    ✅ Correct: 337,769 windows x 2 tensors (input, target) x 256 ids x 8 bytes = 1,383,501,824 bytes (1319.4 MiB).
    >>> correct = check_window_layout_bytes(337_769 * 256 * 8)
    ❌ Not yet: half the bytes: count a target tensor next to each input window, and 8 bytes per int64 id
    """
    book_bytes = _number(book_bytes, "book_bytes", "the number of bytes")
    expect(book_bytes > 0, f"book_bytes must be a positive number of bytes, got {book_bytes:g}")
    windows, truth, _ = _window_layout()
    max_length = WINDOW_LAYOUT["max_length"]
    per_window, right = truth / windows, book_bytes == truth
    expect(
        right or not _near(book_bytes, truth / 2),
        "half the bytes: count a target tensor next to each input window, and 8 bytes per int64 id",
    )
    expect(right or not _near(book_bytes, truth / 8), "that is the number of ids kept; each int64 id takes 8 bytes")
    expect(
        right or not _near(book_bytes, truth / 2**20),
        "that looks like MiB; give the number of bytes (1 MiB = 2**20 bytes)",
    )
    expect(
        right or not _near(book_bytes, per_window * TINYSHAKESPEARE_GPT2_TOKENS),
        f"that is one window per token; the last {max_length} tokens start no window (windows = tokens - max_length)",
    )
    expect(
        right or not _near(book_bytes, per_window * (windows + 1)),
        "one window too many: the last window needs one more token for its target, so windows = tokens - max_length",
    )
    expect(
        right,
        f"{book_bytes:,.0f} bytes is not it: count the windows (tokens - max_length), "
        "then windows x 2 x max_length x 8 bytes",
    )
    return (
        f"{windows:,} windows x 2 tensors (input, target) x {max_length} ids x 8 bytes = {truth:,} bytes "
        f"({truth / 2**20:.1f} MiB)."
    )


@checker
def check_window_layout_ratio(ratio: float) -> str:
    """02.6b: ``ratio`` is the per-window layout's bytes divided by the bytes of tinyshakespeare's token tensor.

    >>> correct = check_window_layout_ratio(511.6)
    ✅ Correct: the per-window layout keeps 511.6 times the bytes of the 2.6 MiB token tensor, a little below \
2 x max_length / stride = 512 because the last 256 tokens start no window.
    >>> correct = check_window_layout_ratio(512)
    ❌ Not yet: 512 is the formula 2 x max_length / stride; divide the bytes you counted by the token tensor's bytes
    """
    ratio = _number(ratio, "ratio", "the per-window bytes divided by the token tensor's bytes")
    expect(ratio > 0, f"ratio must be positive (bytes divided by bytes), got {ratio:g}")
    _, book_bytes, token_bytes = _window_layout()
    truth = book_bytes / token_bytes
    max_length, stride = WINDOW_LAYOUT["max_length"], WINDOW_LAYOUT["stride"]
    formula, right = 2 * max_length / stride, abs(ratio - truth) <= 0.05
    expect(
        right or not _near(ratio, 1 / truth),
        "that is the token tensor divided by the layout; divide the layout's bytes by the tensor's",
    )
    expect(
        right or not _near(ratio, formula),
        f"{formula:.0f} is the formula 2 x max_length / stride; "
        "divide the bytes you counted by the token tensor's bytes",
    )
    expect(
        right or not _near(ratio, 2 * truth),
        "twice the right ratio: the token tensor holds int64 ids, 8 bytes each, not 4",
    )
    expect(
        right or not _near(ratio, truth / 2),
        "half the right ratio: the layout keeps input and target windows, 8 bytes per id",
    )
    expect(
        right or not _near(ratio, book_bytes / TINYSHAKESPEARE_GPT2_TOKENS),
        "that divides by the number of tokens; divide by the tensor's bytes (8 per id)",
    )
    expect(
        right,
        f"{ratio:.1f} is not it: divide the per-window layout's bytes by the token tensor's nbytes",
    )
    return (
        f"the per-window layout keeps {truth:.1f} times the bytes of the {token_bytes / 2**20:.1f} MiB token tensor, "
        f"a little below 2 x max_length / stride = {formula:.0f} because the last {max_length} tokens start no window."
    )
