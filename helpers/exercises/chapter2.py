"""Checks for chapter 2's exercises (text to token ids to training windows).

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

import functools
from collections import Counter
from itertools import pairwise

import torch
from torch.utils.data import DataLoader

from helpers.checks import require_instance, require_int
from helpers.data import load_text
from helpers.exercises.checking import checker, expect, gpt2, ids_argument, shown
from helpers.tokenizers import ENDOFTEXT, UNK, SimpleTokenizerV1, SimpleTokenizerV2, build_vocab, split_text

__all__ = ["check_2_1", "check_2_2", "check_glued_endoftext", "check_punctuation_share", "check_round_trip"]
__all__ += ["check_round_trip_break", "check_scaled_cosine", "check_top_tokens"]
__all__ += ["check_window_layout_bytes", "check_window_layout_ratio"]

EXERCISE_2_2_SETTINGS = ((2, 2), (8, 2))  # (max_length, stride), each with batch size 8


@checker
def check_2_1(ids: list[int], decoded: str) -> str:
    """Exercise 2.1: ``ids`` are GPT-2's ids of ``"Akwirw ier"`` and ``decoded`` is their decoding.

    >>> check_2_1([33901, 86, 343, 86, 220, 959], "Akwirw ier")
    ✅ Correct: 'Akwirw ier' is 6 known pieces: 'Ak' 'w' 'ir' 'w' ' ' 'ier', and decoding restores it exactly.
    True
    """
    ids = ids_argument(ids, "ids")
    require_instance(decoded, "decoded", str, "the str that tokenizer.decode(ids) returned")
    text = "Akwirw ier"
    expect(all(0 <= i < gpt2().n_vocab for i in ids), f"these are not GPT-2 ids; use tokenizer.encode({text!r})")
    expect(ids == gpt2().encode(text), f"these ids decode to {shown(gpt2().decode(ids))}; encode exactly {text!r}")
    expect(decoded == text, f"decoded is {decoded!r}; decode the whole list at once: tokenizer.decode(ids)")
    pieces = " ".join(repr(gpt2().decode([i])) for i in ids)
    return f"{text!r} is {len(ids)} known pieces: {pieces}, and decoding restores it exactly."


@checker
def check_2_2(loader: DataLoader, max_length: int, stride: int) -> str:
    """Exercise 2.2: ``loader`` gives The Verdict's windows, 8 per batch; call it for ``(2, 2)`` and ``(8, 2)``."""
    require_instance(loader, "loader", DataLoader, "the DataLoader create_dataloader_v1 returned")
    max_length, stride = require_int(max_length, "max_length"), require_int(stride, "stride")
    asked = " and ".join(f"max_length={m}, stride={s}" for m, s in EXERCISE_2_2_SETTINGS)
    expect((max_length, stride) in EXERCISE_2_2_SETTINGS, f"the exercise asks for {asked}; got {max_length}, {stride}")
    batch = next(iter(loader))
    expect(len(batch) == 2, "each batch should be a pair (inputs, targets); build the loader with create_dataloader_v1")
    inputs, targets = batch
    shape = tuple(inputs.shape)
    expect(shape == (8, max_length), f"the first batch has shape {shape}: use batch_size=8, max_length={max_length}")
    ids = gpt2().encode(load_text("the-verdict.txt"))
    rows = [list(ids[i * stride : i * stride + max_length + 1]) for i in range(8)]
    expect(inputs[0].tolist() == rows[0][:-1], "the first window is not the story's start: use shuffle=False")
    expect(inputs.tolist() == [r[:-1] for r in rows], f"windows start {stride} tokens apart: pass stride={stride}")
    expect(targets.tolist() == [r[1:] for r in rows], "the targets should be the inputs shifted by one token")
    overlap = max(max_length - stride, 0)
    return (
        f"batches of shape (8, {max_length}); each window starts {stride} tokens after the previous one "
        f"and shares {overlap} token{'s' * (overlap != 1)} with it; targets are the inputs shifted by one."
    )


def _number(value: object, name: str, what: str) -> float:
    """``value`` as a float (an int, a float or a one-number tensor); ``TypeError`` naming ``name`` otherwise."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be {what} (a number), got {type(value).__name__}")
    if isinstance(value, int) and abs(value) >= 2**1023:  # float() would overflow
        raise ValueError(f"{name} is {shown(value)}: far too large to be {what}")
    return float(value)


SCALED_COSINE_VECTORS = {"cat": (0.9, 0.2), "kitten": (0.8, 0.9)}  # 02.1's hand-made vectors


@checker
def check_scaled_cosine(long_cat: torch.Tensor, dot: float, cosine: float) -> str:
    """02.1: ``long_cat`` is ``3 * cat``; ``dot`` and ``cosine`` are its dot product and cosine with ``kitten``.

    >>> correct = check_scaled_cosine(torch.tensor([0.9, 0.2]) + 3, 2.7, 0.8107)
    ❌ Not yet: long_cat is cat + 3: you added 3 to each number; scale it: long_cat = 3 * cat
    """
    require_instance(long_cat, "long_cat", torch.Tensor, "the tensor 3 * cat")
    expect(long_cat.shape == (2,), f"long_cat must be a vector of 2 numbers like cat, got {tuple(long_cat.shape)}")
    dot, cosine = _number(dot, "dot", "long_cat @ kitten"), _number(cosine, "cosine", "the cosine with kitten")
    cat, kitten = (torch.tensor(SCALED_COSINE_VECTORS[word]) for word in ("cat", "kitten"))
    mine, truth = long_cat.detach().float(), 3 * cat
    near = functools.partial(torch.allclose, atol=1e-4)
    factor = float(mine @ cat / (cat @ cat))
    expect(not near(mine, cat + 3), "long_cat is cat + 3: you added 3 to each number; scale it: long_cat = 3 * cat")
    expect(not near(mine, 3 * kitten), "long_cat is 3 * kitten; scale cat and keep kitten as it is")
    expect(not near(mine, factor * cat) or _near(factor, 3), f"long_cat is {factor:.4g} * cat; scale cat by 3")
    expect(near(mine, truth), f"long_cat is {mine.tolist()}, not 3 * cat; multiply the cat vector by 3")
    dot_before, dot_after = float(cat @ kitten), float(truth @ kitten)
    lengths = float(cat.norm() * kitten.norm())
    cos_after = dot_after / float(truth.norm() * kitten.norm())
    expect(not _near(dot, cos_after), f"dot is {dot:.4f}, the cosine; the dot product is long_cat @ kitten, undivided")
    expect(not _near(dot, dot_before), f"dot is {dot:.4f}, the dot product before scaling; compute long_cat @ kitten")
    expect(_near(dot, dot_after), f"dot is {dot:.4f}; the dot product is long_cat @ kitten, the sum of the products")
    expect(not _near(cosine, dot_after), "cosine is the dot product; divide it by the lengths of both vectors")
    expect(not _near(cosine, dot_after / lengths), f"cosine is {cosine:.4f}, above 1: divide by the length of long_cat")
    expect(_near(cosine, cos_after), f"cosine is {cosine:.4f}; compute (long_cat @ kitten) / (lengths of both)")
    return (
        f"the dot product with kitten tripled ({dot_before:.4f} -> {dot_after:.4f}) while the cosine stayed "
        f"{dot_before / lengths:.4f}: cosine compares directions only."
    )


@functools.cache
def _story_tokens() -> tuple[str, ...]:
    """The tokens of The Verdict, split as in 2.2 (whitespace dropped, punctuation split off)."""
    return tuple(split_text(load_text("the-verdict.txt")))


def _is_punctuation(token: str) -> bool:
    return not any(char.isalnum() for char in token)


@checker
def check_top_tokens(top: list[str] | list[tuple[str, int]]) -> str:
    """02.2: ``top`` lists the story's ten most frequent tokens (or ``(token, count)`` pairs), most frequent first.

    >>> correct = check_top_tokens(["the", "of", "to", "a", "and", "I", "was", "his", "he", "in"])
    ❌ Not yet: ',' is missing although it occurs 229 times; count every token of split_text(raw_text), \
punctuation included
    """
    what = "a list of tokens (str) or of (token, count) pairs, as Counter.most_common(10) returns"
    require_instance(top, "top", list | tuple, what)
    pairs = [item if isinstance(item, list | tuple) and len(item) == 2 else (item, None) for item in top]
    tokens = [require_instance(token, "top", str, what) for token, _ in pairs]
    given = {token: n for token, n in pairs if n is not None}
    counts, split = Counter(_story_tokens()), "count every token of split_text(raw_text)"
    truth = counts.most_common(10)
    tenth = truth[-1][1]
    expect(all(t.strip() for t in tokens), "a whitespace token is in the list: count the tokens of preprocessed")
    expect(len(tokens) == 10, f"top has {len(tokens)} entries; give the 10 most frequent, e.g. most_common(10)")
    expect(len(set(tokens)) == 10, "a token appears twice in top; count each distinct token once (collections.Counter)")
    for token in tokens:
        case = "; keep the case as split_text gives it" * any(k.lower() == token for k in counts)
        expect(token in counts, f"{shown(token)} is not a token of the story{case}: {split}")
    for token, n in given.items():
        expect(n == counts[token], f"{token!r} occurs {counts[token]} times, not {shown(n)}: {split}")
    for token, n in truth:
        also = ", punctuation included" * _is_punctuation(token)
        expect(token in tokens or n == tenth, f"{token!r} is missing although it occurs {n} times; {split}{also}")
    for token in tokens:
        expect(counts[token] >= tenth, f"{token!r} occurs only {counts[token]} times, fewer than the tenth ({tenth})")
    ranked = [counts[token] for token in tokens]
    expect(ranked == sorted(ranked, reverse=True), "top is not in order: list them from most to least frequent")
    first, n_first = truth[0]
    kind = "a punctuation mark, not a word" if _is_punctuation(first) else "a word"
    listed = " ".join(repr(token) for token in tokens)
    return (
        f"the ten most frequent tokens are {listed}: the most frequent, {first!r} ({n_first} times), is {kind}, "
        f"and {sum(map(_is_punctuation, tokens))} of the 10 are punctuation marks."
    )


@checker
def check_punctuation_share(share: float) -> str:
    """02.2: ``share`` is the fraction of the story's tokens that are punctuation marks (0 to 1).

    >>> correct = check_punctuation_share(902 / 4690)
    ✅ Correct: 902 of the story's 4690 tokens (19.2%) are punctuation marks, about one token in 5.
    """
    share = _number(share, "share", "the fraction of punctuation tokens")
    expect(0 <= share <= 1, f"share must be a fraction between 0 and 1 (punctuation / all tokens), got {share:g}")
    tokens = _story_tokens()
    counts = Counter(tokens)
    marks = {token: n for token, n in counts.items() if _is_punctuation(token)}
    truth = sum(marks.values()) / len(tokens)
    long_marks = {token: n for token, n in marks.items() if len(token) > 1}
    missed = ", ".join(f"{token!r} ({n} times)" for token, n in long_marks.items())
    single = truth - sum(long_marks.values()) / len(tokens)
    expect(abs(share - single) > 5e-4, f"you missed {missed}: a punctuation token can be longer than one character")
    distinct = f"that is the share of the {len(counts)} distinct tokens; count all {len(tokens)}, repeats included"
    expect(abs(share - len(marks) / len(counts)) > 5e-4, distinct)
    hint = f"{share:.4f} is not the share: count the punctuation tokens (no letter or digit), divide by {len(tokens)}"
    expect(abs(share - truth) <= 5e-4, hint)
    return (
        f"{sum(marks.values())} of the story's {len(tokens)} tokens ({truth:.1%}) are punctuation marks, "
        f"about one token in {round(1 / truth)}."
    )


@functools.cache
def _story_vocab(*special_tokens: str) -> dict[str, int]:
    return build_vocab(_story_tokens(), special_tokens=list(special_tokens))


def _story_words_only(text: str, name: str) -> list[int]:
    """The ids of ``text`` in the story's vocabulary; a hint naming a word the story does not have."""
    unknown = [token for token in split_text(text) if token not in _story_vocab()]
    expect(
        not unknown, f"{shown(unknown[:1])} in {name} is not a token of the story; use only words of the-verdict.txt"
    )
    expect(split_text(text), f"{name} has no words; write a sentence")
    return SimpleTokenizerV1(_story_vocab()).encode(text)


def _lossy_reason(text: str) -> str:
    if " ".join(text.split()) != text:
        return "encode() drops the whitespace, and decode() puts back single spaces only"
    return "decode() guesses the spaces around punctuation (none before a mark, one after it) and guesses wrong here"


@checker
def check_round_trip(sentence: str, ids: list[int], decoded: str) -> str:
    """02.3: ``ids`` encode ``sentence`` with the story's ``SimpleTokenizerV1``, ``decoded`` is ``decode(ids)``.

    >>> correct = check_round_trip("I had", [40, 550], "I had")
    ❌ Not yet: these are GPT-2's ids of sentence; encode it with the story's SimpleTokenizerV1 (helper_tokenizer)
    """
    require_instance(sentence, "sentence", str, "your sentence (a str)")
    ids = ids_argument(ids, "ids")
    require_instance(decoded, "decoded", str, "the str tokenizer.decode(ids) returned")
    expected = _story_words_only(sentence, "sentence")
    tokenizer = SimpleTokenizerV1(_story_vocab())
    gpt2_hint = "these are GPT-2's ids of sentence; encode it with the story's SimpleTokenizerV1 (helper_tokenizer)"
    expect(ids == expected or ids != gpt2().encode(sentence), gpt2_hint)
    own = "these are not ids of the story's vocabulary; use tokenizer.encode(sentence) with SimpleTokenizerV1"
    expect(all(i in tokenizer.int_to_str for i in ids), own)
    expect(
        ids == expected, f"these ids decode to {shown(tokenizer.decode(ids))}; encode the sentence: tokenizer.encode()"
    )
    back = tokenizer.decode(ids)
    expect(decoded == back or decoded != sentence, "decoded is the sentence itself; pass tokenizer.decode(ids)")
    expect(decoded == back, f"decoded is {shown(decoded)}, but tokenizer.decode(ids) gives {shown(back)}; pass that")
    if back == sentence:
        exact = "decodes back exactly: story words, single spaces, punctuation right after a word"
        return f"{sentence!r} is {len(ids)} ids and {exact}."
    return f"{shown(sentence)} is {len(ids)} ids but decodes to {shown(back)}: {_lossy_reason(sentence)}."


@checker
def check_round_trip_break(text: str) -> str:
    """02.3: ``text`` uses only story words, yet ``decode(encode(text))`` does not give it back.

    >>> correct = check_round_trip_break("Jack  had")
    ✅ Correct: 'Jack  had' comes back as 'Jack had': encode() drops the whitespace, and decode() puts back single \
spaces only.
    """
    require_instance(text, "text", str, "a text of story words (a str)")
    back = SimpleTokenizerV1(_story_vocab()).decode(_story_words_only(text, "text"))
    rule = "decode() puts one space between words and none before punctuation: which texts does that not reproduce?"
    expect(back != text, f"{text!r} comes back exactly; {rule}")
    return f"{shown(text)} comes back as {shown(back)}: {_lossy_reason(text)}."


@checker
def check_glued_endoftext(glued: str, ids: list[int]) -> str:
    """02.4: ``glued`` joins texts with ``"<|endoftext|>"`` and no spaces; ``ids`` are its ``SimpleTokenizerV2`` ids.

    >>> correct = check_glued_endoftext("Hello? <|endoftext|> In", [])
    ❌ Not yet: glued has spaces around '<|endoftext|>', as the book joins; join with "<|endoftext|>" alone
    """
    require_instance(glued, "glued", str, 'the texts joined with "<|endoftext|>" (a str)')
    ids = ids_argument(ids, "ids")
    expect(ENDOFTEXT in glued, f"glued has no {ENDOFTEXT!r}; join the two texts with it: {ENDOFTEXT!r}.join(...)")
    spaced = any(a[-1:].isspace() or b[:1].isspace() for a, b in pairwise(glued.split(ENDOFTEXT)))
    expect(not spaced, f'glued has spaces around {ENDOFTEXT!r}, as the book joins; join with "{ENDOFTEXT}" alone')
    vocab = _story_vocab(ENDOFTEXT, UNK)
    expected = SimpleTokenizerV2(vocab).encode(glued)
    too_big = f"ids above {len(vocab) - 1} are not in the story's vocabulary; these look like GPT-2 ids"
    expect(ids == expected or max(ids, default=0) < len(vocab), f"{too_big}: encode glued with helper_tokenizer")
    expect(ids == expected, "these are not SimpleTokenizerV2's ids of glued; use helper_tokenizer.encode(glued)")
    stuck = [token for token in split_text(glued) if ENDOFTEXT in token and token != ENDOFTEXT]
    if not stuck:
        return f"punctuation on both sides splits {ENDOFTEXT} off, so it keeps its id ({vocab[ENDOFTEXT]}) here."
    lost = f"so it became {UNK} ({vocab[UNK]}) instead of {ENDOFTEXT} ({vocab[ENDOFTEXT]}): the border is lost"
    return f"{stuck[0]!r} is one token, not in the vocabulary, {lost}."


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
