"""helpers.checks and the one error rule: wrong type -> TypeError, wrong value -> ValueError."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import SimpleTokenizerV1, SimpleTokenizerV2, build_vocab, checks, split_text
from helpers.bpe import BPETokenizer
from helpers.checks import positive_int, require_tokenizer, token_ids
from helpers.dataset import GPTDatasetV1, create_dataloader_v1
from helpers.tokenizers import UnknownTokenError

TEXT = "the cat sat on the mat. the dog sat."


@pytest.fixture(scope="module")
def tokenizers():
    vocab = build_vocab(split_text(TEXT), special_tokens=["<|endoftext|>", "<|unk|>"])
    return [SimpleTokenizerV1(vocab), SimpleTokenizerV2(vocab), BPETokenizer().train(TEXT, 270)]


GOOD_IDS = [
    [1, 2],
    (1, 2),
    range(1, 3),
    [np.int64(1), np.int32(2)],
    np.array([1, 2]),
    np.array([1, 2], dtype=np.uint8),
    torch.tensor([1, 2]),
    torch.tensor([1, 2], dtype=torch.int32),
    [torch.tensor(1), torch.tensor(2)],
    [1, np.int64(2)],
]


@pytest.mark.parametrize("ids", GOOD_IDS, ids=lambda ids: type(ids).__name__)
def test_every_tokenizer_decodes_the_same_id_containers(tokenizers, ids):
    for tok in tokenizers:
        assert tok.decode(ids) == tok.decode([1, 2])


def test_zero_dim_tensor_is_one_id(tokenizers):
    for tok in tokenizers:
        assert tok.decode(torch.tensor(1)) == tok.decode([1])
        assert tok.decode(np.array(1)) == tok.decode([1])
        assert tok.decode(iter([1, 2])) == tok.decode([1, 2])


BAD_TYPES = [
    [1.0],
    [1, 2.5],
    [True],
    [np.bool_(True)],
    [np.float64(1.0)],
    ["1"],
    [b"1"],
    [None],
    torch.tensor([1.0, 2.0]),
    torch.tensor([True]),
    np.array([1.0]),
    [torch.tensor(1.0)],
    [torch.tensor([1, 2])],
    "12",
    b"12",
    5,
    None,
    3.0,
]


@pytest.mark.parametrize("ids", BAD_TYPES, ids=repr)
def test_non_int_ids_are_type_errors_naming_ids(tokenizers, ids):
    for tok in tokenizers:
        with pytest.raises(TypeError, match="ids"):
            tok.decode(ids)


def test_a_matrix_of_ids_is_a_value_error(tokenizers):
    for tok in tokenizers:
        with pytest.raises(ValueError, match=r"ids must be one sequence of ids.*\(1, 2\)"):
            tok.decode(torch.tensor([[1, 2]]))


@pytest.mark.parametrize("bad_id", [-1, 10_000])
def test_out_of_range_ids_are_value_errors(tokenizers, bad_id):
    for tok in tokenizers:
        with pytest.raises(ValueError, match=str(bad_id)):
            tok.decode([1, bad_id])


def test_range_message_is_true_for_a_vocab_with_gaps():
    tok = SimpleTokenizerV1({"a": 0, "b": 5, ".": 9})
    with pytest.raises(UnknownTokenError) as info:
        tok.decode([3])
    message = str(info.value)
    assert "3 ids between 0 and 9, not all of them used" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, KeyError)
    assert "0 to 9" not in message


@pytest.mark.parametrize(
    ("vocab", "error", "name"),
    [
        ({"a": 0.0}, TypeError, r"vocab\['a'\] must be an int"),
        ({"a": True}, TypeError, r"vocab\['a'\] must be an int"),
        ({"a": "0"}, TypeError, r"vocab\['a'\] must be an int"),
        ({1: 0}, TypeError, "vocab keys must be a str"),
        ({"a": -1}, ValueError, r"vocab\['a'\] must be an int >= 0"),
        ({"a": -(2**700)}, ValueError, r"vocab\['a'\] must be an int >= 0, got an int of about"),
    ],
)
def test_simple_tokenizer_vocab_entries_are_checked(vocab, error, name):
    with pytest.raises(error, match=name):
        SimpleTokenizerV1(vocab)


@pytest.mark.parametrize("value", [2.0, "3", None, True, [1]])
def test_positive_int_type_errors_name_the_argument(value):
    with pytest.raises(TypeError, match=r"^stride must be an int, got"):
        positive_int(value, "stride")


@pytest.mark.parametrize("not_a_tokenizer", ["gpt2", 42, None, BPETokenizer, object()])
def test_a_tokenizer_argument_that_is_not_a_tokenizer(not_a_tokenizer):
    with pytest.raises(TypeError, match="^tokenizer must be a tokenizer object"):
        require_tokenizer(not_a_tokenizer)
    with pytest.raises(TypeError, match="^tokenizer must be a tokenizer object"):
        GPTDatasetV1(TEXT, not_a_tokenizer, 2, 1)


def test_dataset_with_a_bpe_tokenizer_trained_without_endoftext():
    tok = BPETokenizer().train(TEXT * 3, 280)
    assert "<|endoftext|>" not in tok.special_tokens
    ds = GPTDatasetV1(TEXT + "<|endoftext|>" + TEXT, tok, 4, 4)
    assert torch.equal(ds.token_ids, torch.tensor(tok.encode(TEXT + "<|endoftext|>" + TEXT)))


def test_dataset_with_a_simple_tokenizer():
    vocab = build_vocab(split_text(TEXT), special_tokens=["<|endoftext|>", "<|unk|>"])
    tok = SimpleTokenizerV2(vocab)
    ds = GPTDatasetV1(TEXT, tok, 3, 1)
    assert ds.token_ids.tolist() == tok.encode(TEXT)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"num_workers": 1.0}, TypeError, "num_workers"),
        ({"num_workers": -1}, ValueError, "num_workers"),
        ({"shuffle": "yes"}, TypeError, "shuffle"),
        ({"drop_last": 0}, TypeError, "drop_last"),
        ({"batch_size": 2.0}, TypeError, "batch_size"),
    ],
)
def test_dataloader_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        create_dataloader_v1("one two three four five six seven", max_length=2, stride=2, **kwargs)


def test_token_ids_returns_python_ints():
    out = token_ids(np.array([3, 4], dtype=np.int16))
    assert out == [3, 4] and all(type(i) is int for i in out)


# The vocabulary's rule, check by check: a wrong type is a TypeError, a wrong value a ValueError,
# and either message names the argument.
VOCABULARY_CASES = [
    (checks.require_bool, (1, "flag"), TypeError),
    (checks.require_bool, (None, "flag"), TypeError),
    (checks.require_int, ("3", "count"), TypeError),
    (checks.require_int, (3.0, "count"), TypeError),
    (checks.require_int, (True, "count"), TypeError),
    (checks.positive_int, (0, "count"), ValueError),
    (checks.int_in_range, (-1, "count", 0), ValueError),
    (checks.seed, (2**64, "seed"), ValueError),
    (checks.seed, (2**20000, "seed"), ValueError),
    (checks.seed, (1.5, "seed"), TypeError),
    (checks.real_number, ("0.1", "lr"), TypeError),
    (checks.real_number, (float("inf"), "lr"), ValueError),
    (checks.probability, (-0.1, "dropout"), ValueError),
    (checks.probability, (True, "dropout"), TypeError),
    (checks.one_of, ("gpu", "device", ["cpu", "cuda"]), ValueError),
    (checks.one_of, (1, "device", ["cpu", "cuda"]), TypeError),
    (checks.require_iterable, (None, "tokens"), TypeError),
    (checks.require_iterable, (3, "tokens"), TypeError),
    (checks.require_iterable, ("abc", "tokens"), TypeError),
    (checks.require_mapping, ([1], "table"), TypeError),
    (checks.require_tensor, ([1.0], "x"), TypeError),
    (checks.require_tensor, (torch.zeros(2), "x", 3), ValueError),
    (checks.require_tensor, (torch.zeros(2, dtype=torch.long), "x", None, True), TypeError),
]


@pytest.mark.parametrize(("check", "args", "error"), VOCABULARY_CASES)
def test_vocabulary_rule(check, args, error):
    with pytest.raises(error, match=args[1]):
        check(*args)


def test_vocabulary_returns_what_it_checked():
    assert checks.require_int(np.int64(7), "n") == 7 and type(checks.require_int(np.int64(7), "n")) is int
    assert checks.require_int(torch.tensor(3), "n") == 3
    assert checks.probability(1, "p") == 1.0
    assert checks.require_iterable((1, 2), "xs") == [1, 2]
    assert checks.require_bool(False, "flag") is False
    assert checks.seed(2**64 - 1) == 2**64 - 1
