"""helpers.bpe.BPETokenizer: exact GPT-2 ids, training, encoding and decoding, and the arguments it refuses.

Files (save, load, GPT-2's files) are in test_bpe_files.py, threads and the cache in test_bpe_threads.py.
"""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.bpe import ENDOFTEXT, BPETokenizer, train_merges_fast, train_merges_plain
from helpers.bpe.merge_queue import _merge_queue, _rescan
from helpers.data import data_file, gpt2_encoding, load_text
from tests.nbtools import notebook_namespace

NOTEBOOK = "02.5b-bpe-from-scratch.ipynb"


@pytest.fixture(scope="module")
def gpt2() -> BPETokenizer:
    return BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))


@pytest.fixture(scope="module")
def gpt2_ranks(gpt2) -> dict[bytes, int]:
    """GPT-2's merge ranks (token bytes -> id, special tokens left out), built once, not per example."""
    return {token: i for i, token in gpt2.vocab.items() if i not in gpt2.special_tokens.values()}


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


@settings(max_examples=100, deadline=None)
@given(st.text(st.sampled_from("aab c-=ACGT0é"), min_size=40, max_size=300))
def test_medium_chunks_equal_tiktoken(gpt2, tik, text):
    assert gpt2.encode_ordinary(text) == tik.encode_ordinary(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=200))
def test_merge_queue_equals_the_plain_rescan(gpt2_ranks, data):
    assert _merge_queue(data, gpt2_ranks) == _rescan(data, gpt2_ranks)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.integers(256, 300))
def test_trained_tokenizer_round_trips_any_text(text, vocab_size):
    tok = BPETokenizer().train("the cat sat on the mat, thé chât 日本 12 12", vocab_size)
    assert tok.decode(tok.encode(text, disallowed_special=())) == text


def test_lone_surrogates_become_replacement_character_as_in_tiktoken(gpt2, tik):
    assert gpt2.encode("a\ud800b") == tik.encode("a\ud800b") == gpt2.encode("a\ufffdb")


# Lone surrogates (which UTF-8 cannot encode), a surrogate pair written as two code points, and ordinary text.
SURROGATE_TEXT = st.text(alphabet="ab é\n\ud800\udfff\ud83d\ude00<|endoftext|>", max_size=40)


@settings(max_examples=100, deadline=None)
@given(SURROGATE_TEXT)
def test_every_path_from_text_to_bytes_treats_lone_surrogates_as_encode_does(tik, text):
    """Training (both trainers), encoding with and without specials, and decoding all see what tiktoken sees."""
    seen = tik.decode(tik.encode(text, disallowed_special=()))  # tiktoken's reading of the text
    trained = BPETokenizer().train(text, 270, allowed_special={ENDOFTEXT})
    assert trained.merges == BPETokenizer().train(seen, 270, allowed_special={ENDOFTEXT}).merges
    assert train_merges_plain(text, 8) == train_merges_plain(seen, 8)
    assert train_merges_fast({text: 3, "x" + text: 1}, 8) == train_merges_fast({seen: 3, "x" + seen: 1}, 8)
    for tok in (trained, BPETokenizer()):
        assert tok.decode(tok.encode(text, allowed_special="all")) == seen
        assert tok.decode(tok.encode_ordinary(text)) == seen


def test_training_on_text_with_a_lone_surrogate_learns_the_replacement_character():
    tok = BPETokenizer().train("a\ud800b a\ud800b", 258)
    assert tok.vocab[257] == "\ufffd".encode()  # U+FFFD's 3 bytes, merged
    assert tok.encode("a\ud800b") == tok.encode("a\ufffdb") == [97, 257, 98]


# -- allowed_special / disallowed_special exactly as tiktoken -----------------------------------

SPECIAL_ARGS = [frozenset(), "all", {ENDOFTEXT}, {"<|im_start|>"}, {ENDOFTEXT, "<|im_start|>"}, (), [ENDOFTEXT]]
SPECIAL_TEXTS = ["hello <|endoftext|> world", "<|im_start|>hi", "plain text", "<|endoftext|><|endoftext|>"]


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except (TypeError, ValueError) as err:
        return type(err).__name__


@pytest.mark.parametrize("allowed", SPECIAL_ARGS, ids=repr)
@pytest.mark.parametrize("disallowed", SPECIAL_ARGS, ids=repr)
def test_special_arguments_behave_like_tiktoken(gpt2, tik, allowed, disallowed):
    for text in SPECIAL_TEXTS:
        ours = outcome(gpt2.encode, text, allowed_special=allowed, disallowed_special=disallowed)
        theirs = outcome(tik.encode, text, allowed_special=allowed, disallowed_special=disallowed)
        if theirs != "TypeError":  # tiktoken takes only sets (and "all"); we take any collection of strs
            assert ours == theirs, (text, allowed, disallowed)


def test_a_disallowed_name_the_tokenizer_lacks_is_still_searched_for(gpt2):
    assert gpt2.encode("hi", disallowed_special={"<|im_start|>"}) == [5303]
    with pytest.raises(ValueError, match=r"contains '<\|im_start\|>'.*allowed_special="):
        gpt2.encode("<|im_start|>", disallowed_special={"<|im_start|>"})


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


# -- decoding -------------------------------------------------------------------------


def test_decode_accepts_torch_ints(gpt2):
    assert gpt2.decode(torch.tensor([15496, 11])) == "Hello,"


def test_unknown_id_in_decode_names_position_and_last_id(gpt2):
    with pytest.raises(ValueError, match=r"id 50257 at position 1.*0 to 50256"):
        gpt2.decode([15496, 50257])
    with pytest.raises(ValueError, match="id 18446744073709551616"):
        gpt2.decode([2**64])


# -- the arguments it refuses: wrong type -> TypeError, wrong value -> ValueError, named -----------

TRAIN = "low lower lowest"


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: BPETokenizer().train(TRAIN, "300"), TypeError, "vocab_size"),
        (lambda: BPETokenizer().train(TRAIN, 300.0), TypeError, "vocab_size"),
        (lambda: BPETokenizer().train(TRAIN, True), TypeError, "vocab_size"),
        (lambda: BPETokenizer().train(TRAIN, None), TypeError, "vocab_size"),
        (lambda: BPETokenizer().train(TRAIN, 255), ValueError, "vocab_size.*256"),
        (lambda: BPETokenizer().train(TRAIN, 256, allowed_special={ENDOFTEXT}), ValueError, "vocab_size.*257"),
        (lambda: BPETokenizer().train(None, 300), TypeError, "text"),
        (lambda: BPETokenizer().train(b"bytes", 300), TypeError, "text"),
        (lambda: BPETokenizer().encode(b"bytes"), TypeError, "text"),
        (lambda: BPETokenizer().encode_ordinary(["a", "list"]), TypeError, "text"),
        (lambda: BPETokenizer(special_tokens={1: 300}), TypeError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens={ENDOFTEXT: "300"}), TypeError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens={ENDOFTEXT: 300.0}), TypeError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens={ENDOFTEXT: True}), TypeError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens=[ENDOFTEXT]), TypeError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens=0), TypeError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens={ENDOFTEXT: 5}), ValueError, "special_tokens.*256"),
        (lambda: BPETokenizer(special_tokens={"": 300}), ValueError, "special_tokens"),
        (lambda: BPETokenizer(special_tokens={"<|\ud800|>": 256}), ValueError, "special_tokens.*surrogate"),
        (lambda: BPETokenizer(special_tokens={"a": 300, "b": 300}), ValueError, "special_tokens.*share"),
        (lambda: BPETokenizer(merges=None), TypeError, "merges"),
        (lambda: BPETokenizer(merges=5), TypeError, "merges"),
        (lambda: BPETokenizer(merges="ab"), TypeError, "merges"),
        (lambda: BPETokenizer(merges={(97, 98): 256}), TypeError, "merges"),
        (lambda: BPETokenizer(merges=[97, 98]), TypeError, r"merges\[0\]"),
        (lambda: BPETokenizer(merges=[(97.0, 98)]), TypeError, r"merges\[0\]"),
        (lambda: BPETokenizer(merges=[(True, 98)]), TypeError, r"merges\[0\]"),
        (lambda: BPETokenizer(merges=[("a", "b")]), TypeError, r"merges\[0\]"),
        (lambda: BPETokenizer(merges=[None]), TypeError, r"merges\[0\]"),
        (lambda: BPETokenizer(merges=[(97,)]), ValueError, r"merges\[0\].*2 ids"),
        (lambda: BPETokenizer(merges=[(97, 98, 99)]), ValueError, r"merges\[0\].*2 ids"),
        (lambda: BPETokenizer(merges=[(97, 300)]), ValueError, r"merges\[0\].*< 256"),
        (lambda: BPETokenizer(merges=[(97, 98), (97, 98)]), ValueError, r"merges\[1\].*new pair"),
        (lambda: BPETokenizer(byte_ids=5), TypeError, "byte_ids"),
        (lambda: BPETokenizer(byte_ids="0123"), TypeError, "byte_ids"),
        (lambda: BPETokenizer(byte_ids=[float(i) for i in range(256)]), TypeError, "byte_ids"),
        (lambda: BPETokenizer(byte_ids=[0] * 256), ValueError, "byte_ids.*exactly once"),
        (lambda: BPETokenizer(pattern=3), TypeError, "pattern"),
        (lambda: BPETokenizer(pattern=None), TypeError, "pattern"),
        (lambda: BPETokenizer(pattern=r"\w+"), ValueError, "pattern.*drops text"),
        (lambda: BPETokenizer(pattern=r"(\w+)|\s+|."), ValueError, "pattern.*capturing groups"),
        (lambda: BPETokenizer(pattern=r"[a-"), ValueError, "pattern.*not a valid regular expression"),
        (lambda: BPETokenizer(pattern="\ud800|."), ValueError, "pattern.*not a valid regular expression"),
        (lambda: train_merges_plain(TRAIN, "3"), TypeError, "num_merges"),
        (lambda: train_merges_plain(TRAIN, -1), ValueError, "num_merges"),
        (lambda: train_merges_plain(TRAIN, 3, pattern=r"\w+"), ValueError, "pattern.*drops text"),
        (lambda: train_merges_fast({"ab": 2}, 2.0), TypeError, "num_merges"),
        (lambda: train_merges_fast(["ab"], 2), TypeError, "chunk_counts"),
        (lambda: train_merges_fast({"ab": 2}, 2, progress=1), TypeError, "progress"),
        (lambda: train_merges_fast({1: 2}, 2), TypeError, "chunk_counts.*str"),
        (lambda: train_merges_fast({b"ab": 2}, 2), TypeError, "chunk_counts.*str"),
        (lambda: train_merges_fast({"ab": 2.0}, 2), TypeError, r"chunk_counts\['ab'\]"),
        (lambda: train_merges_fast({"ab": True}, 2), TypeError, r"chunk_counts\['ab'\]"),
        (lambda: train_merges_fast({"ab": 0}, 2), ValueError, r"chunk_counts\['ab'\].*positive"),
        (lambda: train_merges_fast({"ab": -2}, 2), ValueError, r"chunk_counts\['ab'\].*positive"),
        (lambda: BPETokenizer().train(TRAIN, 300, allowed_special={""}), ValueError, "allowed_special"),
        (lambda: BPETokenizer().train(TRAIN, 300, allowed_special={"<|\ud800|>"}), ValueError, "allowed_special"),
    ],
)
def test_arguments_of_the_constructor_and_train(call, error, name):
    with pytest.raises(error, match=name):
        call()


@pytest.mark.parametrize("flag", [1, 0, "yes", None, 1.0])
def test_progress_is_a_bool(flag):
    with pytest.raises(TypeError, match="progress"):
        BPETokenizer().train(TRAIN, 260, progress=flag)


@pytest.mark.parametrize("argument", ["allowed_special", "disallowed_special"])
@pytest.mark.parametrize("bad", [ENDOFTEXT, "al", 3, None, {1}, [ENDOFTEXT, None]], ids=repr)
def test_special_arguments_of_the_wrong_type(gpt2, argument, bad):
    with pytest.raises(TypeError, match=argument):
        gpt2.encode("hi", **{argument: bad})


@pytest.mark.parametrize("bad", [ENDOFTEXT, 3, None, {1}, [None]], ids=repr)
def test_train_allowed_special_of_the_wrong_type(bad):
    with pytest.raises(TypeError, match="allowed_special"):
        BPETokenizer().train(TRAIN, 300, allowed_special=bad)


@pytest.mark.parametrize(
    "ids", [[1.0], [True], ["a"], [None], "15496", 15496, torch.tensor([1.0])], ids=lambda v: repr(v)[:20]
)
def test_decode_refuses_what_is_not_a_list_of_int_ids(gpt2, ids):
    with pytest.raises(TypeError, match="ids"):
        gpt2.decode(ids)


def test_a_pattern_that_skips_characters_of_some_text_is_caught_when_encoding():
    tok = BPETokenizer(pattern=r"[^\x00]+|\x00(?=x)")  # keeps the probe text, drops a NUL not before x
    assert tok.decode(tok.encode("a\x00xb")) == "a\x00xb"
    with pytest.raises(ValueError, match="skips characters"):
        tok.encode("a\x00b")


def test_ints_of_numpy_and_torch_are_ints():
    import numpy as np

    tok = BPETokenizer([(np.int64(97), torch.tensor(98))], {ENDOFTEXT: np.int32(257)})
    assert tok.merges == {(97, 98): 256} and tok.special_tokens == {ENDOFTEXT: 257}
    assert type(tok.special_tokens[ENDOFTEXT]) is int
