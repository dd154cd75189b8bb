"""The step-by-step tokenizers of notebooks 02.2-02.4 agree with the ones in helpers."""

import pytest

import helpers
from helpers import build_vocab, load_text, split_text
from helpers.tokenizers import ENDOFTEXT, UNK
from tests.nbtools import notebook_namespace

STORY = load_text("the-verdict.txt")
BOOK_V1 = '"It\'s the last he painted, you know,"\n       Mrs. Gisburn said with pardonable pride.'
BOOK_V2 = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of the palace."
OTHER_TEXTS = [
    "I had always thought Jack a good fellow, though.",
    "Yes--and then? (He laughed.) 'done' by some one: showy; _was_ it!",
    "\n".join(STORY.splitlines()[20:30]),
    "",
]


def test_notebook_split_matches_helpers():
    tokenize = notebook_namespace("02.2-tokenizing-text.ipynb")["tokenize"]
    for text in [STORY, BOOK_V1, BOOK_V2, *OTHER_TEXTS]:
        assert tokenize(text) == split_text(text)


@pytest.fixture(scope="module")
def tokens() -> list[str]:
    return split_text(STORY)


def test_notebook_v1_matches_helpers(tokens):
    notebook_class = notebook_namespace("02.3-token-ids.ipynb")["SimpleTokenizerV1"]
    assert notebook_class is not helpers.SimpleTokenizerV1
    vocab = build_vocab(tokens)
    ours, theirs = notebook_class(vocab), helpers.SimpleTokenizerV1(vocab)
    for text in [BOOK_V1, *OTHER_TEXTS]:
        ids = theirs.encode(text)
        assert ours.encode(text) == ids
        assert ours.decode(ids) == theirs.decode(ids)
    assert ours.encode(BOOK_V1) == [
        1,
        56,
        2,
        850,
        988,
        602,
        533,
        746,
        5,
        1126,
        596,
        5,
        1,
        67,
        7,
        38,
        851,
        1108,
        754,
        793,
        7,
    ]
    all_ids = theirs.encode(STORY)
    assert ours.encode(STORY) == all_ids
    assert ours.decode(all_ids) == theirs.decode(all_ids)


def test_notebook_v1_also_rejects_unknown_words(tokens):
    notebook_class = notebook_namespace("02.3-token-ids.ipynb")["SimpleTokenizerV1"]
    with pytest.raises(KeyError, match="Hello"):
        notebook_class(build_vocab(tokens)).encode("Hello, do you like tea?")


def test_notebook_v2_matches_helpers(tokens):
    notebook_class = notebook_namespace("02.4-special-context-tokens.ipynb")["SimpleTokenizerV2"]
    assert notebook_class is not helpers.SimpleTokenizerV2
    vocab = build_vocab(tokens, special_tokens=[ENDOFTEXT, UNK])
    ours, theirs = notebook_class(vocab), helpers.SimpleTokenizerV2(vocab)
    shakespeare = load_text("tinyshakespeare.txt")[:3000]
    for text in [BOOK_V1, BOOK_V2, shakespeare, *OTHER_TEXTS]:
        ids = theirs.encode(text)
        assert ours.encode(text) == ids
        assert ours.decode(ids) == theirs.decode(ids)
    assert ours.encode(BOOK_V2) == [1131, 5, 355, 1126, 628, 975, 10, 1130, 55, 988, 956, 984, 722, 988, 1131, 7]
