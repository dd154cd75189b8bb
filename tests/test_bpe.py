"""helpers.bpe.BPETokenizer: exact GPT-2 ids, training, files and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.bpe import FORMAT, BPETokenizer, gpt2_bytes_to_unicode, train_merges_plain
from helpers.data import data_file, gpt2_encoding, load_text
from tests.nbtools import notebook_namespace

ENDOFTEXT = "<|endoftext|>"
NOTEBOOK = "02.5b-bpe-from-scratch.ipynb"


@pytest.fixture(scope="module")
def gpt2() -> BPETokenizer:
    return BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))


@pytest.fixture(scope="module")
def tik():
    return gpt2_encoding()


# -- exactness against tiktoken ---------------------------------------------------


@pytest.mark.parametrize("name", ["the-verdict.txt", "tinyshakespeare.txt"])
def test_gpt2_ids_equal_tiktoken_on_whole_texts(gpt2, tik, name):
    text = load_text(name)
    ids = gpt2.encode(text)
    assert ids == tik.encode(text)
    assert gpt2.decode(ids) == text


def test_gpt2_special_token_and_vocab_size(gpt2, tik):
    assert gpt2.n_vocab == tik.n_vocab == 50257
    assert gpt2.special_tokens == {ENDOFTEXT: 50256}
    text = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of someunknownPlace."
    assert gpt2.encode(text, allowed_special={ENDOFTEXT}) == tik.encode(text, allowed_special={ENDOFTEXT})
    assert gpt2.encode(text, allowed_special="all") == tik.encode(text, allowed_special="all")
    assert gpt2.encode(text, disallowed_special=()) == tik.encode(text, disallowed_special=())
    assert gpt2.decode([50256]) == ENDOFTEXT


FRAGMENTS = [
    "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \t ",
    "\u00a0", "\u3000", "\u2028", "\x0b", "\x1c", "0", "12", " 2024", "\u0663", "😀", "👍🏽", "👨‍👩‍👧", "日本語",
    "한국어", "e\u0301", "\u0301", "a\u0308\u0304", "Hello", " world", "don't", "<|endoftext|>", "<|endoftext",
    "|>", "<|", "!!", " ...", "\x00", "\ufffd", "ﬁ", "Ǆ",
]  # fmt: skip
# Characters assigned in Python's Unicode database (3.11: Unicode 14.0). The `regex` module and tiktoken's Rust
# regex each carry their own, different Unicode tables: a recently assigned letter such as U+323B0 is \p{L} for
# `regex` but not for tiktoken, so the chunks differ. For characters assigned up to Unicode 14.0 we found no difference.
characters = st.characters(exclude_categories=["Cn", "Cs"])
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(characters, max_size=8)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_gpt2_ids_equal_tiktoken_on_arbitrary_unicode(gpt2, tik, text):
    ids = gpt2.encode(text, disallowed_special=())
    assert ids == tik.encode(text, disallowed_special=())
    assert gpt2.decode(ids) == text
    assert gpt2.encode(text, allowed_special="all") == tik.encode(text, allowed_special="all")
    if ENDOFTEXT in text:
        with pytest.raises(ValueError, match="special token"):
            gpt2.encode(text)
        with pytest.raises(ValueError):
            tik.encode(text)
    else:
        assert gpt2.encode(text) == ids


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.integers(256, 300))
def test_trained_tokenizer_round_trips_any_text(text, vocab_size):
    tok = BPETokenizer().train("the cat sat on the mat, thé chât 日本 12 12", vocab_size)
    assert tok.decode(tok.encode(text, disallowed_special=())) == text


def test_lone_surrogates_become_replacement_character_as_in_tiktoken(gpt2, tik):
    assert gpt2.encode("a\ud800b") == tik.encode("a\ud800b") == gpt2.encode("a\ufffdb")


# -- training -----------------------------------------------------------------------


def test_textbook_example_aaabdaaabac():
    tok = BPETokenizer().train("aaabdaaabac", vocab_size=259)
    z, y, x = 256, 257, 258
    assert tok.merges == {(ord("a"), ord("a")): z, (ord("a"), ord("b")): y, (z, y): x}
    assert [tok.vocab[i] for i in (z, y, x)] == [b"aa", b"ab", b"aaab"]
    assert tok.encode("aaabdaaabac") == [x, ord("d"), x, ord("a"), ord("c")]  # X d X a c


def test_tie_break_takes_the_smallest_pair_of_ids():
    # every pair occurs once: (32, 99) = " c" has the smallest ids
    assert train_merges_plain("ab cd", 1) == [(32, 99)]
    assert list(BPETokenizer().train("ab cd", 257).merges) == [(32, 99)]


def test_fast_training_equals_plain_training_on_the_verdict():
    text = load_text("the-verdict.txt")
    assert list(BPETokenizer().train(text, 256 + 60).merges) == train_merges_plain(text, 60)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab c\n'sé1", max_size=60), st.integers(0, 20))
def test_fast_training_equals_plain_training_on_random_text(text, num_merges):
    fast = BPETokenizer().train(text, 256 + num_merges)
    plain = train_merges_plain(text, num_merges)
    assert list(fast.merges) == plain
    assert fast.n_vocab == 256 + len(plain)


def test_training_stops_when_nothing_is_left_to_merge():
    tok = BPETokenizer().train("ab", 300, allowed_special={ENDOFTEXT})
    assert list(tok.merges) == [(97, 98)]
    assert tok.special_tokens == {ENDOFTEXT: 257}
    assert tok.n_vocab == 258


def test_training_cuts_out_special_tokens():
    tok = BPETokenizer().train("xy<|endoftext|>xy<|endoftext|>", 260, allowed_special={ENDOFTEXT})
    learned = [tok.vocab[i] for i in tok.merges.values()]
    assert learned == [b"xy"]  # nothing of "<|endoftext|>" itself was learned
    assert tok.encode("xy<|endoftext|>", allowed_special="all") == [256, 257]


def test_training_shows_a_progress_bar_on_request(capsys):
    BPETokenizer().train("aaabdaaabac", 259, progress=True)
    assert "merges" in capsys.readouterr().err


def test_notebook_plain_version_matches_helpers():
    ns = notebook_namespace(NOTEBOOK)
    text = load_text("the-verdict.txt")
    merges = ns["train_bpe_plain"](text, 25)
    tok = BPETokenizer().train(text, 256 + 25)
    assert list(merges.items()) == list(tok.merges.items())
    sample = text[:3000]
    assert ns["encode_plain"](sample, merges) == tok.encode(sample)


# -- files --------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path):
    tok = BPETokenizer().train(load_text("the-verdict.txt"), 400, allowed_special={ENDOFTEXT})
    path = tmp_path / "verdict-bpe.json"
    tok.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == (FORMAT, 1)
    assert len(data["merges"]) == 143
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    again = BPETokenizer.load(path)
    assert again.merges == tok.merges and again.special_tokens == tok.special_tokens
    assert again.encode("I HAD always thought") == tok.encode("I HAD always thought")


def test_gpt2_survives_save_and_load(gpt2, tmp_path):
    gpt2.save(tmp_path / "gpt2.json")
    again = BPETokenizer.load(tmp_path / "gpt2.json")
    text = load_text("the-verdict.txt")[:3000]
    assert again.encode(text) == gpt2.encode(text)
    assert again.byte_ids == gpt2.byte_ids


def test_bytes_to_unicode_is_a_printable_bijection():
    mapping = gpt2_bytes_to_unicode()
    assert sorted(mapping) == list(range(256))
    assert len(set(mapping.values())) == 256
    assert all(ch.isprintable() and not ch.isspace() for ch in mapping.values())


# -- clear errors -------------------------------------------------------------------


def test_vocab_size_too_small():
    with pytest.raises(ValueError, match=r"vocab_size must be an int of at least 257 \(256 byte tokens \+ 1 special"):
        BPETokenizer().train("abc", 256, allowed_special={ENDOFTEXT})
    with pytest.raises(ValueError, match="vocab_size must be an int of at least 256"):
        BPETokenizer().train("abc", 100)


@pytest.mark.parametrize(
    "call",
    [
        lambda tok: tok.encode(b"bytes"),
        lambda tok: tok.encode_ordinary(["a", "list"]),
        lambda tok: tok.train(None, 300),
    ],
)
def test_non_str_input(call):
    with pytest.raises(TypeError, match="text must be a str, got"):
        call(BPETokenizer())


def test_special_token_arguments_are_checked(gpt2):
    with pytest.raises(TypeError, match=r"allowed_special must be 'all' or a set of special tokens"):
        gpt2.encode("hi", allowed_special=ENDOFTEXT)
    # As in tiktoken, a name the tokenizer lacks is still searched for when disallowed.
    assert gpt2.encode("hi", disallowed_special={"<|im_start|>"}) == [5303]
    with pytest.raises(ValueError, match=r"contains '<\|im_start\|>'"):
        gpt2.encode("<|im_start|>", disallowed_special={"<|im_start|>"})
    with pytest.raises(TypeError, match="allowed_special must be a set of non-empty strings"):
        BPETokenizer().train("hi", 300, allowed_special=ENDOFTEXT)


def test_disallowed_special_text_raises(gpt2):
    with pytest.raises(ValueError, match=r"contains '<\|endoftext\|>', which is a special token.*allowed_special="):
        gpt2.encode("end <|endoftext|>")


def test_unknown_id_in_decode(gpt2):
    with pytest.raises(ValueError, match=r"unknown token id 50257 at position 1; this tokenizer's ids are 0 to 50256"):
        gpt2.decode([15496, 50257])
    with pytest.raises(TypeError, match=r"ids must be ints, got 'a' \(str\) at position 0"):
        gpt2.decode(["a"])
    with pytest.raises(TypeError, match="ids must be a list of ints, got str"):
        gpt2.decode("15496")


def test_decode_accepts_torch_ints(gpt2):
    import torch

    assert gpt2.decode(torch.tensor([15496, 11])) == "Hello,"


@pytest.fixture
def gpt2_copies(tmp_path) -> tuple[Path, Path]:
    encoder, vocab = tmp_path / "encoder.json", tmp_path / "vocab.bpe"
    encoder.write_bytes(data_file("gpt2/encoder.json").read_bytes())
    vocab.write_bytes(data_file("gpt2/vocab.bpe").read_bytes())
    return encoder, vocab


def test_bad_json_encoder(gpt2_copies):
    encoder, vocab = gpt2_copies
    encoder.write_text('{"!": 0, ', encoding="utf-8")
    with pytest.raises(ValueError, match="encoder.json is not valid JSON"):
        BPETokenizer.from_gpt2(encoder, vocab)


def test_encoder_that_is_not_gpt2s(gpt2_copies):
    encoder, vocab = gpt2_copies
    encoder.write_text(json.dumps({"a": 0, "b": 1}), encoding="utf-8")
    with pytest.raises(ValueError, match="gives the byte token '!' the id None, expected 0; it is not GPT-2's"):
        BPETokenizer.from_gpt2(encoder, vocab)


def test_truncated_merges(gpt2_copies):
    encoder, vocab = gpt2_copies
    lines = vocab.read_text(encoding="utf-8").split("\n")
    vocab.write_text("\n".join(lines[:40001]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"has 50257 tokens but .*explains only 40256 .*is vocab.bpe truncated"):
        BPETokenizer.from_gpt2(encoder, vocab)


def test_merges_that_do_not_match_the_encoder(gpt2_copies):
    encoder, vocab = gpt2_copies
    lines = vocab.read_text(encoding="utf-8").split("\n")
    lines[1], lines[2] = lines[2], lines[1]  # swap the first two merges
    vocab.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2 is 'Ġ a', which should merge two known tokens into id 256"):
        BPETokenizer.from_gpt2(encoder, vocab)


def test_damaged_merge_line(gpt2_copies):
    encoder, vocab = gpt2_copies
    lines = vocab.read_text(encoding="utf-8").split("\n")
    lines[5] = lines[5].replace(" ", "")
    vocab.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match="line 6 is .*do not belong together, or one is damaged"):
        BPETokenizer.from_gpt2(encoder, vocab)


def test_load_rejects_other_formats(tmp_path, gpt2_copies):
    encoder, _ = gpt2_copies
    with pytest.raises(ValueError, match=r"is not a saved BPETokenizer: its format field is 18982.*from_gpt2"):
        BPETokenizer.load(encoder)  # GPT-2's vocabulary happens to have a token "format"
    wrong = tmp_path / "wrong.json"
    wrong.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a saved BPETokenizer: it holds a JSON list, not an object"):
        BPETokenizer.load(wrong)
    wrong.write_text(json.dumps({"format": FORMAT, "version": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="has format version 99; this code reads version 1"):
        BPETokenizer.load(wrong)
    wrong.write_text("not json", encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid JSON"):
        BPETokenizer.load(wrong)
    wrong.write_text(json.dumps({"format": FORMAT, "version": 1, "merges": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"lacks the field\(s\) \['byte_ids', 'pattern', 'special_tokens'\]"):
        BPETokenizer.load(wrong)


def test_constructor_checks_merges():
    with pytest.raises(ValueError, match=r"merge 0 is \(97, 300\); each merge must be a pair of int ids that exist"):
        BPETokenizer([(97, 300)])
    with pytest.raises(ValueError, match=r"merge 1 \(97, 98\) repeats merge 0"):
        BPETokenizer([(97, 98), (97, 98)])
    with pytest.raises(ValueError, match="special ids must be ints from 257 on"):
        BPETokenizer([(97, 98)], {ENDOFTEXT: 5})
    with pytest.raises(ValueError, match="byte_ids must list each id 0..255 exactly once"):
        BPETokenizer(byte_ids=[0] * 256)
