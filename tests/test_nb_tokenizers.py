"""The step-by-step tokenizers of notebooks 02.2-02.4 and GPT-2's file reader of 02.5b agree with helpers."""

import json

import pytest

import helpers
from helpers import build_vocab, load_text, split_text
from helpers.bpe import BPETokenizer, gpt2_bytes_to_unicode
from helpers.bpe.gpt2 import gpt2_byte_order, read_gpt2_files
from helpers.data import data_file
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


@pytest.fixture(scope="module")
def bpe_notebook() -> dict:
    return notebook_namespace("02.5b-bpe-from-scratch.ipynb")


def assert_reader_matches_helpers(nb: dict, encoder_path, vocab_path, texts: list[str]) -> None:
    """The notebook's reader of GPT-2's files gives helpers' merges, byte ids, special tokens and encodings."""
    merges, specials, byte_ids = read_gpt2_files(encoder_path, vocab_path)
    encoder = nb["read_encoder_json"](encoder_path)
    plain_merges = nb["gpt2_merges_for_plain"](encoder, nb["read_vocab_bpe"](vocab_path))
    byte_char = nb["gpt2_byte_chars"]()
    ours_byte_ids = [encoder[byte_char[b]] for b in range(256)]
    assert ours_byte_ids == byte_ids

    def gpt2_id(i: int) -> int:  # the notebook keys single bytes by byte value, helpers by GPT-2's id
        return ours_byte_ids[i] if i < 256 else i

    assert [(gpt2_id(a), gpt2_id(b)) for a, b in plain_merges] == merges
    assert list(plain_merges.values()) == list(range(256, 256 + len(merges)))
    assert {t: i for t, i in encoder.items() if i >= 256 + len(merges)} == specials
    helpers_tok = BPETokenizer(merges, specials, byte_ids=byte_ids)
    for text in texts:
        assert nb["encode_gpt2_plain"](text, encoder, plain_merges) == helpers_tok.encode_ordinary(text)


def test_notebook_gpt2_byte_spelling_matches_helpers(bpe_notebook):
    spelling = bpe_notebook["gpt2_byte_chars"]()
    assert spelling == gpt2_bytes_to_unicode()
    assert (spelling[ord(" ")], spelling[ord("\n")]) == ("Ġ", "Ċ")


def test_notebook_gpt2_reader_matches_helpers_on_gpt2s_files(bpe_notebook):
    texts = [BOOK_V1, *OTHER_TEXTS, "naïve café, 東京 2024, emoji 🙂\r\n\ttab", "Akwirw ier"]
    assert_reader_matches_helpers(bpe_notebook, data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"), texts)


@pytest.mark.parametrize("header", ["#version: 0.2\n", ""])
def test_notebook_gpt2_reader_matches_helpers_on_tiny_files(bpe_notebook, tmp_path, header):
    spelling = gpt2_bytes_to_unicode()
    encoder = {spelling[b]: i for i, b in enumerate(gpt2_byte_order())}
    lines = ["Ġ t", "h e", "Ġt he", "Ġ Ġ", "Ċ Ċ", "ĠĠ ĠĠ"]
    for n, line in enumerate(lines):
        encoder[line.replace(" ", "")] = 256 + n
    encoder["<|endoftext|>"] = 256 + len(lines)
    encoder_path, vocab_path = tmp_path / "encoder.json", tmp_path / "vocab.bpe"
    encoder_path.write_text(json.dumps(encoder), encoding="utf-8")
    vocab_path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    texts = [" the theme\n\n\n    then", "hehe the", ""]
    assert_reader_matches_helpers(bpe_notebook, encoder_path, vocab_path, texts)
    assert bpe_notebook["read_vocab_bpe"](vocab_path)[2] == ("Ġt", "he")
