"""The checks of chapter 2's own exercises: right answers pass, typical wrong ones get their hint, no traceback."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

import helpers
from helpers.exercises import (
    check_glued_endoftext,
    check_punctuation_share,
    check_round_trip,
    check_round_trip_break,
    check_scaled_cosine,
    check_top_tokens,
    check_window_layout_bytes,
    check_window_layout_ratio,
)
from helpers.exercises.chapter2 import SCALED_COSINE_VECTORS, TINYSHAKESPEARE_GPT2_TOKENS
from tests.nbtools import notebook_namespace
from tests.test_exercises import assert_right, assert_wrong


@pytest.fixture(scope="module")
def story_tokens() -> list[str]:
    return helpers.split_text(helpers.load_text("the-verdict.txt"))


@pytest.fixture(scope="module")
def story_v1(story_tokens) -> helpers.SimpleTokenizerV1:
    return helpers.SimpleTokenizerV1(helpers.build_vocab(story_tokens))


@pytest.fixture(scope="module")
def story_v2(story_tokens) -> helpers.SimpleTokenizerV2:
    return helpers.SimpleTokenizerV2(helpers.build_vocab(story_tokens, special_tokens=["<|endoftext|>", "<|unk|>"]))


# 02.1: scaling cat by 3


def _cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a @ b) / (a.norm() * b.norm())


CAT, KITTEN = torch.tensor([0.9, 0.2]), torch.tensor([0.8, 0.9])


def test_scaled_cosine_vectors_are_the_notebooks():
    notebook = notebook_namespace("02.1-word-embeddings.ipynb")
    for word, vector in SCALED_COSINE_VECTORS.items():
        assert notebook[word].tolist() == pytest.approx(vector)


@pytest.mark.parametrize(
    ("check", "placeholders"),
    [
        (check_scaled_cosine, 3),
        (check_top_tokens, 1),
        (check_punctuation_share, 1),
        (check_round_trip, 3),
        (check_round_trip_break, 1),
        (check_glued_endoftext, 2),
    ],
)
def test_placeholders_get_a_hint(capsys, check, placeholders):
    """The reader's cell starts as ``answer = None``: the check says "not yet" and raises nothing."""
    assert_wrong(check(*[None] * placeholders), capsys, "must be")


def test_a_check_leaves_the_answer_as_it_was(capsys):
    long_cat = (3 * CAT).requires_grad_()
    before = long_cat.detach().clone()
    assert_right(check_scaled_cosine(long_cat, 2.7, 0.8107), capsys)
    assert torch.equal(long_cat.detach(), before) and long_cat.requires_grad and long_cat.grad is None
    top = Counter(helpers.split_text(helpers.load_text("the-verdict.txt"))).most_common(10)
    copy = list(top)
    assert_right(check_top_tokens(top), capsys)
    assert top == copy


def test_scaled_cosine_right(capsys):
    long_cat = 3 * CAT
    assert_right(check_scaled_cosine(long_cat, long_cat @ KITTEN, _cosine(long_cat, KITTEN)), capsys, "0.8107", "2.7")
    assert_right(check_scaled_cosine(long_cat, 2.7, 0.8107), capsys, "tripled")


@pytest.mark.parametrize(
    ("long_cat", "dot", "cosine", "hint"),
    [
        (CAT + 3, 2.7, 0.8107, "added 3"),
        (3 * KITTEN, 2.7, 0.8107, "3 * kitten"),
        (2 * CAT, 1.8, 0.8107, "is 2 * cat"),
        (3 * CAT, 0.8107, 0.8107, "the cosine"),
        (3 * CAT, 0.9, 0.8107, "before scaling"),
        (3 * CAT, 2.7, 2.7, "divide it by the lengths"),
        (3 * CAT, 2.7, 2.7 / float(CAT.norm() * KITTEN.norm()), "length of long_cat"),
        ([2.7, 0.6], 2.7, 0.8107, "long_cat must be the tensor"),
        (torch.ones(3), 2.7, 0.8107, "vector of 2 numbers"),
        (3 * CAT, "2.7", 0.8107, "dot must be"),
        (3 * CAT, 2.7, None, "cosine must be"),
    ],
)
def test_scaled_cosine_wrong(capsys, long_cat, dot, cosine, hint):
    assert_wrong(check_scaled_cosine(long_cat, dot, cosine), capsys, hint)


# 02.2: the most frequent tokens and the share of punctuation


def test_top_tokens_right(capsys, story_tokens):
    top = Counter(story_tokens).most_common(10)
    assert_right(check_top_tokens(top), capsys, "','", "',' (229 times)", "not a word", "5 of the 10")
    assert_right(check_top_tokens([token for token, _ in top]), capsys)
    # '--' and 'to' both occur 97 times: either order is right.
    swapped = [token for token, _ in top]
    i, j = swapped.index("--"), swapped.index("to")
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert_right(check_top_tokens(swapped), capsys)


def test_top_tokens_wrong(capsys, story_tokens):
    raw_text = helpers.load_text("the-verdict.txt")
    assert_wrong(check_top_tokens(Counter(raw_text).most_common(10)), capsys, "whitespace token")
    assert_wrong(check_top_tokens(Counter(raw_text.split()).most_common(10)), capsys, "not 1", "split_text")
    lowered = Counter(token.lower() for token in story_tokens).most_common(10)
    assert_wrong(check_top_tokens(lowered), capsys, "'i' is not a token of the story", "keep the case")
    words = Counter(t for t in story_tokens if t[0].isalnum()).most_common(10)
    assert_wrong(check_top_tokens(words), capsys, "',' is missing", "punctuation included")
    top = [token for token, _ in Counter(story_tokens).most_common(10)]
    assert_wrong(check_top_tokens(top[::-1]), capsys, "not in order")
    assert_wrong(check_top_tokens(top[:9]), capsys, "has 9 entries")
    assert_wrong(check_top_tokens([*top[:9], "and"]), capsys, "'and' occurs only 75 times", "tenth")
    off_by_one = [(token, n + 1) for token, n in Counter(story_tokens).most_common(10)]
    assert_wrong(check_top_tokens(off_by_one), capsys, "',' occurs 229 times", "not 230")
    assert_wrong(check_top_tokens(" ".join(top)), capsys, "top must be a list")
    assert_wrong(check_top_tokens([(229, ","), *top[1:]]), capsys, "top must be a list of tokens")


def test_punctuation_share_right(capsys, story_tokens):
    punctuation = sum(1 for token in story_tokens if not token[0].isalnum())
    assert_right(check_punctuation_share(punctuation / len(story_tokens)), capsys, "902 of", "4690", "19.2%")
    assert_right(check_punctuation_share(torch.tensor(0.1923)), capsys)


def test_punctuation_share_wrong(capsys, story_tokens):
    single = sum(1 for token in story_tokens if not token[0].isalnum() and len(token) == 1)
    assert_wrong(check_punctuation_share(single / len(story_tokens)), capsys, "'--' (97 times)")
    vocab = set(story_tokens)
    types = sum(1 for token in vocab if not token[0].isalnum())
    assert_wrong(check_punctuation_share(types / len(vocab)), capsys, "distinct tokens")
    assert_wrong(check_punctuation_share(0.5), capsys, "is not the share")
    assert_wrong(check_punctuation_share(19.2), capsys, "share must be a fraction")
    assert_wrong(check_punctuation_share("19%"), capsys, "share must be")


# 02.3: round trips through SimpleTokenizerV1

MINE = "I had always thought Jack a good fellow, though."


def test_round_trip_right(capsys, story_v1):
    ids = story_v1.encode(MINE)
    assert_right(check_round_trip(MINE, ids, story_v1.decode(ids)), capsys, "decodes back exactly")
    lossy = "Jack  had"
    ids = story_v1.encode(lossy)
    assert_right(check_round_trip(lossy, ids, story_v1.decode(ids)), capsys, "decodes to 'Jack had'", "whitespace")


def test_round_trip_wrong(capsys, story_v1):
    ids = story_v1.encode(MINE)
    assert_wrong(check_round_trip("I had a cat.", [1, 2], "x"), capsys, "'cat'", "not a token of the story")
    assert_wrong(check_round_trip(MINE, helpers.gpt2_encoding().encode(MINE), MINE), capsys, "GPT-2's ids")
    assert_wrong(check_round_trip(MINE, ids[:-1], MINE), capsys, "these ids decode to")
    assert_wrong(check_round_trip(MINE, [*ids, 99_999], MINE), capsys, "not ids of the story's vocabulary")
    assert_wrong(check_round_trip(MINE, ids, MINE.upper()), capsys, "but tokenizer.decode(ids) gives")
    lossy = "Jack  had"
    assert_wrong(check_round_trip(lossy, story_v1.encode(lossy), lossy), capsys, "decoded is the sentence itself")
    assert_wrong(check_round_trip(MINE, ids, ids), capsys, "decoded must be")
    assert_wrong(check_round_trip(ids, ids, MINE), capsys, "sentence must be")
    assert_wrong(check_round_trip(" ", [], ""), capsys, "has no words")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Mrs. Gisburn's pride.", ('"Mrs. Gisburn\' s pride."', "punctuation")),
        ("I had\nalways thought", ("whitespace",)),
        ("Jack  had", ("'Jack had'", "whitespace")),
    ],
)
def test_round_trip_break_right(capsys, text, words):
    assert_right(check_round_trip_break(text), capsys, *words)


def test_round_trip_break_wrong(capsys):
    assert_wrong(check_round_trip_break(MINE), capsys, "comes back exactly")
    assert_wrong(check_round_trip_break("Jack likes tea"), capsys, "'likes'", "not a token of the story")
    assert_wrong(check_round_trip_break(["Jack", "had"]), capsys, "text must be")


# 02.4: <|endoftext|> without spaces

TEXT1, TEXT2 = "Hello, do you like tea?", "In the sunlit terraces of the palace."


def test_glued_endoftext_right(capsys, story_v2):
    glued = "<|endoftext|>".join((TEXT1, TEXT2))
    assert_right(check_glued_endoftext(glued, story_v2.encode(glued)), capsys, "'<|endoftext|>In'", "(1131)", "(1130)")
    between_marks = "Hello?<|endoftext|>(In)"
    assert_right(check_glued_endoftext(between_marks, story_v2.encode(between_marks)), capsys, "keeps its id (1130)")


def test_glued_endoftext_wrong(capsys, story_v2):
    glued = "<|endoftext|>".join((TEXT1, TEXT2))
    spaced = " <|endoftext|> ".join((TEXT1, TEXT2))
    assert_wrong(check_glued_endoftext(spaced, story_v2.encode(spaced)), capsys, "spaces around")
    left = TEXT1 + " <|endoftext|>" + TEXT2
    assert_wrong(check_glued_endoftext(left, story_v2.encode(left)), capsys, "spaces around")
    assert_wrong(check_glued_endoftext(TEXT1 + TEXT2, story_v2.encode(TEXT1)), capsys, "glued has no")
    gpt2_ids = helpers.gpt2_encoding().encode(glued, allowed_special={"<|endoftext|>"})
    assert_wrong(check_glued_endoftext(glued, gpt2_ids), capsys, "GPT-2 ids")
    assert_wrong(check_glued_endoftext(glued, story_v2.encode(spaced)), capsys, "not SimpleTokenizerV2's ids")
    assert_wrong(check_glued_endoftext(glued, glued), capsys, "ids must be")
    assert_wrong(check_glued_endoftext(None, []), capsys, "glued must be")


# 02.6b: the per-window layout for tinyshakespeare

WINDOWS = TINYSHAKESPEARE_GPT2_TOKENS - 256
BOOK_BYTES = WINDOWS * 2 * 256 * 8


def test_tinyshakespeare_token_count():
    """The check's constant is the real count (the check does not re-encode the file: 0.4 s)."""
    text = helpers.load_text("tinyshakespeare.txt")
    assert len(helpers.gpt2_encoding().encode(text)) == TINYSHAKESPEARE_GPT2_TOKENS


def test_window_layout_bytes_right(capsys):
    assert_right(check_window_layout_bytes(BOOK_BYTES), capsys, "337,769 windows", "1,383,501,824 bytes")
    assert_right(check_window_layout_bytes(float(BOOK_BYTES)), capsys)


@pytest.mark.parametrize(
    ("book_bytes", "hint"),
    [
        (WINDOWS * 256 * 8, "target tensor"),
        (WINDOWS * 2 * 256 * 4, "8 bytes per int64 id"),
        (WINDOWS * 2 * 256, "number of ids"),
        (BOOK_BYTES / 2**20, "MiB"),
        (TINYSHAKESPEARE_GPT2_TOKENS * 2 * 256 * 8, "one window per token"),
        ((WINDOWS + 1) * 2 * 256 * 8, "one window too many"),
        (12345, "is not it"),
        (-1, "book_bytes must be a positive"),
        ("1.3 GiB", "book_bytes must be"),
        (True, "book_bytes must be"),
    ],
)
def test_window_layout_bytes_wrong(capsys, book_bytes, hint):
    assert_wrong(check_window_layout_bytes(book_bytes), capsys, hint)


def test_window_layout_ratio_right(capsys):
    token_bytes = torch.zeros(TINYSHAKESPEARE_GPT2_TOKENS, dtype=torch.long).nbytes
    assert_right(check_window_layout_ratio(BOOK_BYTES / token_bytes), capsys, "511.6 times", "2.6 MiB")


@pytest.mark.parametrize(
    ("ratio", "hint"),
    [
        (512, "the formula"),
        (TINYSHAKESPEARE_GPT2_TOKENS * 8 / BOOK_BYTES, "divided by the layout"),
        (BOOK_BYTES / (TINYSHAKESPEARE_GPT2_TOKENS * 4), "not 4"),
        (BOOK_BYTES / 2 / (TINYSHAKESPEARE_GPT2_TOKENS * 8), "input and target"),
        (BOOK_BYTES / TINYSHAKESPEARE_GPT2_TOKENS, "number of tokens"),
        (100.0, "is not it"),
        (0, "ratio must be positive"),
        (None, "ratio must be"),
    ],
)
def test_window_layout_ratio_wrong(capsys, ratio, hint):
    assert_wrong(check_window_layout_ratio(ratio), capsys, hint)
