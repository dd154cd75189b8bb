"""BPETokenizer against hostile input: long chunks, tiktoken's special-token rules, damaged files."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.bpe import ENDOFTEXT, FORMAT, BPETokenizer
from helpers.bpe.merge_queue import _merge_queue, _rescan
from helpers.data import data_file, gpt2_encoding


@pytest.fixture(scope="module")
def gpt2():
    return BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))


@pytest.fixture(scope="module")
def tik():
    return gpt2_encoding()


# --- long chunks: the merge queue ----------------------------------------------------------------


def long_chunks():
    rng = random.Random(1)
    yield "a" * 3000
    yield "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(3000))
    yield "".join(rng.choice("ACGT") for _ in range(3000))
    yield "-" * 1000 + "=" * 999
    yield "ab" * 1500
    yield " " * 2000


@pytest.mark.parametrize("chunk", list(long_chunks()), ids=lambda c: f"{c[:4]!r}x{len(c)}")
def test_long_chunks_equal_tiktoken(gpt2, tik, chunk):
    assert gpt2.encode_ordinary(chunk) == tik.encode_ordinary(chunk)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=200))
def test_merge_queue_equals_the_plain_rescan(gpt2, data):
    assert _merge_queue(data, gpt2._ranks) == _rescan(data, gpt2._ranks)


@settings(max_examples=100, deadline=None)
@given(st.text(st.sampled_from("aab c-=ACGT0é"), min_size=40, max_size=300))
def test_medium_chunks_equal_tiktoken(gpt2, tik, text):
    assert gpt2.encode_ordinary(text) == tik.encode_ordinary(text)


# --- allowed_special / disallowed_special exactly as tiktoken -----------------------------------

SPECIAL_ARGS = [
    frozenset(),
    "all",
    {ENDOFTEXT},
    {"<|im_start|>"},
    {ENDOFTEXT, "<|im_start|>"},
    (),
    [ENDOFTEXT],
    {"hello"},
]
SPECIAL_TEXTS = ["hello <|endoftext|> world", "<|im_start|>hi", "plain text", "hello", "<|endoftext|><|endoftext|>"]


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError:
        return "ValueError"
    except TypeError:
        return "TypeError"


@pytest.mark.parametrize("allowed", SPECIAL_ARGS, ids=repr)
@pytest.mark.parametrize("disallowed", [*SPECIAL_ARGS, "all"], ids=repr)
def test_special_arguments_behave_like_tiktoken(gpt2, tik, allowed, disallowed):
    for text in SPECIAL_TEXTS:
        ours = outcome(gpt2.encode, text, allowed_special=allowed, disallowed_special=disallowed)
        theirs = outcome(tik.encode, text, allowed_special=allowed, disallowed_special=disallowed)
        if isinstance(theirs, list) or theirs == "ValueError":
            assert ours == theirs, (text, allowed, disallowed)


@pytest.mark.parametrize("bad", [ENDOFTEXT, "al", 3, None, {1}])
def test_special_arguments_of_the_wrong_type(gpt2, bad):
    with pytest.raises(TypeError, match="allowed_special must be 'all' or a set"):
        gpt2.encode("hi", allowed_special=bad)
    with pytest.raises(TypeError, match="disallowed_special must be 'all' or a set"):
        gpt2.encode("hi", disallowed_special=bad)


# --- building and loading ----------------------------------------------------------------------


def test_a_special_token_that_cannot_be_saved_is_rejected_when_built():
    with pytest.raises(ValueError, match="special_tokens: the special token .* lone surrogate"):
        BPETokenizer(special_tokens={"<|\ud800|>": 256})


@pytest.mark.parametrize(
    ("pattern", "error", "words"),
    [
        (r"\w+", ValueError, "drops text"),
        (r"(\w+)|\s+|.", ValueError, "capturing groups"),
        (r"[a-", ValueError, "not a valid regular expression"),
        (3, TypeError, "pattern must be a str"),
        ("\ud800|.", ValueError, "not a valid regular expression"),
    ],
)
def test_bad_patterns_are_rejected(pattern, error, words):
    with pytest.raises(error, match=words):
        BPETokenizer(pattern=pattern)


def test_a_pattern_that_skips_characters_of_some_text_is_caught_when_encoding():
    tok = BPETokenizer(pattern=r"[^\x00]+|\x00(?=x)")  # keeps the probe text, drops a NUL not before x
    assert tok.decode(tok.encode("a\x00xb")) == "a\x00xb"
    with pytest.raises(ValueError, match="skips characters"):
        tok.encode("a\x00b")


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "tok.json"
    BPETokenizer().train("low lower lowest newest widest", 270, allowed_special={ENDOFTEXT}).save(path)
    return path


def damage(path, field, value):
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = value
    path.write_text(json.dumps(data), encoding="utf-8")


DAMAGED = [
    ("pattern", 5),
    ("pattern", None),
    ("pattern", r"\w+"),
    ("pattern", "(a)|."),
    ("pattern", "[unclosed"),
    ("special_tokens", ["<|endoftext|>"]),
    ("special_tokens", {"<|endoftext|>": "270"}),
    ("special_tokens", {"<|endoftext|>": 1.5}),
    ("special_tokens", {"<|endoftext|>": True}),
    ("special_tokens", {"<|endoftext|>": 3}),
    ("special_tokens", {"": 300}),
    ("byte_ids", "0123"),
    ("byte_ids", list(range(255))),
    ("byte_ids", [float(i) for i in range(256)]),
    ("byte_ids", [True] + list(range(1, 256))),
    ("byte_ids", {"0": 0}),
    ("merges", {"a": 1}),
    ("merges", [[97]]),
    ("merges", [[97, 98, 99]]),
    ("merges", [["a", "b"]]),
    ("merges", [[97.0, 98]]),
    ("merges", [[True, 98]]),
    ("merges", [97, 98]),
    ("merges", [[97, 9999]]),
    ("merges", [[97, 98], [97, 98]]),
    ("merges", [None]),
    ("version", "1"),
    ("version", True),
    ("format", None),
]


@pytest.mark.parametrize(("field", "value"), DAMAGED, ids=lambda v: repr(v)[:30])
def test_every_damaged_field_is_a_value_error_naming_file_and_field(saved, field, value):
    damage(saved, field, value)
    with pytest.raises(ValueError) as info:
        BPETokenizer.load(saved)
    message = str(info.value)
    assert str(saved) in message
    assert field in message


def test_non_utf8_file_is_a_value_error_naming_the_file(saved):
    saved.write_bytes(saved.read_bytes().replace(b"low", b"l\xffw", 1) + b"\xff")
    with pytest.raises(ValueError, match=rf"{saved} is not UTF-8 text"):
        BPETokenizer.load(saved)


def test_round_trip_still_works(saved):
    tok = BPETokenizer.load(saved)
    assert tok.decode(tok.encode("lowest widest <|endoftext|>", allowed_special="all")) == (
        "lowest widest <|endoftext|>"
    )
    assert json.loads(saved.read_text(encoding="utf-8"))["format"] == FORMAT


def test_load_and_save_check_the_path_type(saved):
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        BPETokenizer.load(3)
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        BPETokenizer().save(None)


def test_from_gpt2_non_utf8_and_wrong_types(tmp_path):
    encoder, vocab = data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe")
    broken = tmp_path / "vocab.bpe"
    broken.write_bytes(vocab.read_bytes()[:1000] + b"\xff\xfe\n")
    with pytest.raises(ValueError, match=rf"{broken} is not UTF-8 text"):
        BPETokenizer.from_gpt2(encoder, broken)
    bad_json = tmp_path / "encoder.json"
    bad_json.write_text(json.dumps({"!": "0"}), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{bad_json} maps the token '!' to '0'"):
        BPETokenizer.from_gpt2(bad_json, vocab)
    bad_json.write_text(json.dumps(["!"]), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{bad_json} is not GPT-2's encoder.json: it holds a JSON list"):
        BPETokenizer.from_gpt2(bad_json, vocab)
    with pytest.raises(TypeError, match="encoder_json_path must be a str or pathlib.Path"):
        BPETokenizer.from_gpt2(None, vocab)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"merges": 5}, TypeError),
        ({"merges": "ab"}, TypeError),
        ({"special_tokens": ["<|endoftext|>"]}, TypeError),
        ({"byte_ids": 5}, TypeError),
    ],
)
def test_constructor_argument_types(kwargs, error):
    with pytest.raises(error):
        BPETokenizer(**kwargs)
