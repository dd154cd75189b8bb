"""Unit tests for helpers/tokenizers.py: the book's ids, round trips, and learners' mistakes."""

import pytest

from helpers import SimpleTokenizerV1, SimpleTokenizerV2, UnknownTokenError, build_vocab, load_text, split_text
from helpers.tokenizers import ENDOFTEXT, UNK

V1_TEXT = '"It\'s the last he painted, you know,"\n       Mrs. Gisburn said with pardonable pride.'
V1_IDS = [1, 56, 2, 850, 988, 602, 533, 746, 5, 1126, 596, 5, 1, 67, 7, 38, 851, 1108, 754, 793, 7]
V2_TEXT = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of the palace."
V2_IDS = [1131, 5, 355, 1126, 628, 975, 10, 1130, 55, 988, 956, 984, 722, 988, 1131, 7]


@pytest.fixture(scope="module")
def tokens() -> list[str]:
    return split_text(load_text("the-verdict.txt"))


@pytest.fixture(scope="module")
def v1(tokens) -> SimpleTokenizerV1:
    return SimpleTokenizerV1(build_vocab(tokens))


@pytest.fixture(scope="module")
def v2(tokens) -> SimpleTokenizerV2:
    return SimpleTokenizerV2(build_vocab(tokens, special_tokens=[ENDOFTEXT, UNK]))


def test_story_token_and_vocab_counts(tokens):
    assert len(tokens) == 4690
    assert len(build_vocab(tokens)) == 1130
    vocab = build_vocab(tokens, special_tokens=[ENDOFTEXT, UNK])
    assert len(vocab) == 1132
    assert vocab[ENDOFTEXT] == 1130 and vocab[UNK] == 1131
    assert list(vocab)[:3] == ["!", '"', "'"]


def test_split_text_keeps_punctuation_and_double_dash():
    assert split_text("genius--though a good fellow, (yes)") == [
        "genius",
        "--",
        "though",
        "a",
        "good",
        "fellow",
        ",",
        "(",
        "yes",
        ")",
    ]


def test_v1_book_ids_and_decode(v1):
    assert v1.encode(V1_TEXT) == V1_IDS
    assert v1.decode(V1_IDS) == '" It\' s the last he painted, you know," Mrs. Gisburn said with pardonable pride.'


def test_v2_book_ids_and_decode(v2):
    assert v2.encode(V2_TEXT) == V2_IDS
    assert v2.decode(V2_IDS) == "<|unk|>, do you like tea? <|endoftext|> In the sunlit terraces of the <|unk|>."


def test_v2_keeps_v1_ids_for_known_words(v1, v2):
    assert v2.encode(V1_TEXT) == v1.encode(V1_TEXT)


@pytest.mark.parametrize("text", ["I had always thought Jack a good fellow, though.", "Yes, he laughed. And then?"])
def test_round_trip_of_plain_sentences(v1, v2, text):
    assert v1.decode(v1.encode(text)) == text
    assert v2.decode(v2.encode(text)) == text


def test_round_trip_preserves_tokens_of_the_whole_story(v1, tokens):
    story = load_text("the-verdict.txt")
    assert split_text(v1.decode(v1.encode(story))) == tokens


def test_v1_unknown_word_names_the_word_and_v2(v1):
    with pytest.raises(UnknownTokenError) as info:
        v1.encode("Hello, do you like tea. Is this-- a test?")
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "'Hello'" in message
    assert "not in the vocabulary" in message
    assert "SimpleTokenizerV2" in message


def test_unknown_token_error_is_catchable_as_key_error(v1):
    with pytest.raises(KeyError):
        v1.encode("Hello")


@pytest.mark.parametrize("bad", [None, 42, ["Hello"], b"Hello"])
def test_encode_rejects_non_str(v1, v2, bad):
    for tokenizer in (v1, v2):
        with pytest.raises(TypeError, match=f"text must be a str, got {type(bad).__name__}"):
            tokenizer.encode(bad)


def test_v2_needs_unk_in_vocab(tokens):
    with pytest.raises(ValueError) as info:
        SimpleTokenizerV2(build_vocab(tokens))
    message = str(info.value)
    assert "'<|unk|>'" in message and "SimpleTokenizerV2" in message
    assert "special_tokens" in message


def test_empty_or_missing_vocab():
    # Changed deliberately (issue 10): a vocab that is not a dict is a TypeError, an empty one a ValueError.
    for cls in (SimpleTokenizerV1, SimpleTokenizerV2):
        with pytest.raises(ValueError, match="vocab must be a non-empty dict"):
            cls({})
        for wrong in (None, [], 5, "a b"):
            with pytest.raises(TypeError, match="vocab must be a dict"):
                cls(wrong)


def test_duplicate_ids():
    with pytest.raises(ValueError, match="same id"):
        SimpleTokenizerV1({"a": 0, "b": 0})


def test_decode_unknown_id_names_the_id_and_the_range(v1):
    with pytest.raises(UnknownTokenError) as info:
        v1.decode([1, 5000])
    message = str(info.value)
    assert "id 5000" in message
    assert "0 to 1129" in message


@pytest.mark.parametrize("tokens", ["the cat sat", None, 5, ["a", 1], ["a", None], [b"a"]], ids=repr)
def test_build_vocab_refuses_what_is_not_a_list_of_str_tokens(tokens):
    with pytest.raises(TypeError, match="tokens must be a list of str tokens.*split_text"):
        build_vocab(tokens)


@pytest.mark.parametrize("special_tokens", [UNK, None, 5, [UNK, 1]], ids=repr)
def test_build_vocab_refuses_special_tokens_that_are_not_a_list_of_strs(special_tokens):
    with pytest.raises(TypeError, match=r"special_tokens must be a list of strs"):
        build_vocab(["a"], special_tokens=special_tokens)


def test_special_token_clashing_with_an_ordinary_token():
    with pytest.raises(ValueError, match=r"special tokens \['a'\] already occur among the ordinary tokens"):
        build_vocab(["a", "b"], special_tokens=["a"])


def test_duplicate_special_tokens():
    with pytest.raises(ValueError, match="special tokens must be distinct"):
        build_vocab(["a"], special_tokens=[UNK, UNK])


def test_build_vocab_accepts_a_generator():
    assert build_vocab(t for t in ["b", "a"]) == {"a": 0, "b": 1}
