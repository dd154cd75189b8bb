"""helpers.dataset: sliding-window datasets and loaders reproduce the book and reject mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import GPTDatasetV1, create_dataloader_v1, load_text
from helpers.data import gpt2_encoding


@pytest.fixture(scope="module")
def tokenizer():
    return gpt2_encoding()


@pytest.fixture(scope="module")
def raw_text():
    return load_text("the-verdict.txt")


def naive_windows(token_ids: list[int], max_length: int, stride: int) -> list[tuple[list[int], list[int]]]:
    """The book's recipe, written out: one (input, target) pair per window start."""
    return [
        (token_ids[i : i + max_length], token_ids[i + 1 : i + max_length + 1])
        for i in range(0, len(token_ids) - max_length, stride)
    ]


def test_book_first_and_second_batch(raw_text):
    loader = create_dataloader_v1(raw_text, batch_size=1, max_length=4, stride=1, shuffle=False)
    batches = iter(loader)
    x, y = next(batches)
    assert x.tolist() == [[40, 367, 2885, 1464]]
    assert y.tolist() == [[367, 2885, 1464, 1807]]
    x, y = next(batches)
    assert x.tolist() == [[367, 2885, 1464, 1807]]
    assert y.tolist() == [[2885, 1464, 1807, 3619]]


def test_book_batch_of_eight_stride_four(raw_text):
    loader = create_dataloader_v1(raw_text, batch_size=8, max_length=4, stride=4, shuffle=False)
    x, y = next(iter(loader))
    assert x.shape == y.shape == (8, 4)
    assert x.dtype == torch.long
    assert x[0].tolist() == [40, 367, 2885, 1464]
    assert x[-1].tolist() == [284, 3285, 326, 11]
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_len_counts_windows(raw_text, tokenizer):
    assert len(tokenizer.encode(raw_text)) == 5145
    assert len(GPTDatasetV1(raw_text, tokenizer, 4, 1)) == 5141
    assert len(GPTDatasetV1(raw_text, tokenizer, 4, 4)) == 1286
    assert len(GPTDatasetV1(raw_text, tokenizer, 256, 128)) == 39


@pytest.mark.parametrize(("max_length", "stride"), [(1, 1), (2, 2), (4, 1), (4, 3), (8, 2), (5, 7), (256, 128)])
def test_windows_equal_naive_reference(raw_text, tokenizer, max_length, stride):
    ds = GPTDatasetV1(raw_text, tokenizer, max_length, stride)
    reference = naive_windows(tokenizer.encode(raw_text), max_length, stride)
    assert len(ds) == len(reference)
    for i, (x, y) in enumerate(reference):
        got_x, got_y = ds[i]
        assert got_x.tolist() == x and got_y.tolist() == y
    assert ds[-1][0].tolist() == reference[-1][0]


def test_dataset_stores_one_tensor_and_returns_views(raw_text, tokenizer):
    ds = GPTDatasetV1(raw_text, tokenizer, 4, 1)
    assert isinstance(ds.token_ids, torch.Tensor) and ds.token_ids.shape == (5145,)
    storage = ds.token_ids.untyped_storage().data_ptr()
    for idx in (0, 1, 2500, len(ds) - 1):
        x, y = ds[idx]
        assert x.untyped_storage().data_ptr() == storage
        assert y.untyped_storage().data_ptr() == storage


def test_text_with_endoftext_is_encoded_as_the_special_token(tokenizer):
    ds = GPTDatasetV1("Hi. <|endoftext|> Bye now", tokenizer, 2, 1)
    assert 50256 in ds.token_ids.tolist()


@pytest.mark.parametrize("stride", [0, -1])
def test_non_positive_stride(tokenizer, stride):
    with pytest.raises(ValueError, match=rf"stride must be a positive int, got {stride}"):
        GPTDatasetV1("one two three four five six", tokenizer, 2, stride)


def test_zero_max_length(tokenizer):
    with pytest.raises(ValueError, match="max_length must be a positive int, got 0"):
        GPTDatasetV1("one two three four five six", tokenizer, 0, 1)


@pytest.mark.parametrize(("name", "kwargs"), [("max_length", {"max_length": 4.0}), ("stride", {"stride": "2"})])
def test_non_int_sizes(tokenizer, name, kwargs):
    args = {"max_length": 2, "stride": 1} | kwargs
    with pytest.raises(TypeError, match=f"{name} must be an int"):
        GPTDatasetV1("one two three four five six", tokenizer, **args)


def test_bool_is_not_a_size(tokenizer):
    with pytest.raises(TypeError, match="stride must be an int, got bool"):
        GPTDatasetV1("one two three four five six", tokenizer, 2, True)


def test_text_too_short_names_token_count_and_window(tokenizer):
    with pytest.raises(ValueError) as err:
        GPTDatasetV1("one two three", tokenizer, 4, 1)
    message = str(err.value)
    assert "3 tokens" in message and "max_length + 1 = 5" in message


def test_text_of_exactly_max_length_tokens_is_too_short(tokenizer):
    with pytest.raises(ValueError, match="4 tokens"):
        GPTDatasetV1("one two three four", tokenizer, 4, 1)
    assert len(GPTDatasetV1("one two three four five", tokenizer, 4, 1)) == 1


def test_non_str_text(tokenizer):
    with pytest.raises(TypeError, match="txt must be a str, got list"):
        GPTDatasetV1(["one", "two"], tokenizer, 1, 1)


def test_index_out_of_range(tokenizer):
    ds = GPTDatasetV1("one two three four five six", tokenizer, 3, 2)
    assert len(ds) == 2
    with pytest.raises(IndexError, match="window 2 out of range for a dataset of 2 windows"):
        ds[2]
    with pytest.raises(IndexError, match="window -3"):
        ds[-3]
    assert torch.equal(ds[torch.tensor(1)][0], ds[1][0])  # a 0-d integer tensor is an index
    for idx in (1.0, "1", None, True, torch.tensor([1])):
        with pytest.raises(TypeError, match="idx must be an int"):
            ds[idx]


def test_batch_size_zero(raw_text):
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        create_dataloader_v1(raw_text, batch_size=0, max_length=4, stride=4)


def test_drop_last_with_too_few_windows():
    with pytest.raises(ValueError) as err:
        create_dataloader_v1("one two three four five six", batch_size=4, max_length=3, stride=2)
    message = str(err.value)
    assert "2 windows" in message and "batch_size=4" in message and "drop_last=False" in message
    loader = create_dataloader_v1(
        "one two three four five six", batch_size=4, max_length=3, stride=2, shuffle=False, drop_last=False
    )
    (x, _), *rest = list(loader)
    assert x.shape == (2, 3) and rest == []


def test_shuffle_is_seeded(raw_text):
    def first_batch():
        torch.manual_seed(123)
        return next(iter(create_dataloader_v1(raw_text, batch_size=8, max_length=4, stride=4)))[0]

    assert torch.equal(first_batch(), first_batch())


class FixedIds:
    """A tokenizer whose encode returns the same ids, whatever the text."""

    def __init__(self, ids):
        self.ids = ids

    def encode(self, text):
        return self.ids


@pytest.mark.parametrize(
    "ids",
    [
        [1.0, 2.0, 3.0, 4.0],
        [1, 2, 3.5, 4],
        [True, False, True, True],
        [1, 2, True, 4],
        [(1, 2), (3, 4), (5, 6)],
        [[1, 2], [3, 4]],
        ["1", "2", "3"],
        [None, 1, 2],
        torch.tensor([1.0, 2.0, 3.0, 4.0]),
        np.array([1.0, 2.0, 3.0, 4.0]),
        np.array([[1, 2], [3, 4]]),
        "1234",
        None,
        5,
    ],
    ids=lambda ids: repr(ids)[:24],
)
def test_a_tokenizer_returning_what_is_not_int_ids_is_refused_by_name(ids):
    error = ValueError if isinstance(ids, np.ndarray) and ids.ndim > 1 else TypeError  # a matrix: right type
    with pytest.raises(error, match=r"tokenizer\.encode \(FixedIds\.encode\).*must return .*list of ints"):
        GPTDatasetV1("any text at all", FixedIds(ids), 2, 1)


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        ([np.float32(1), np.float32(2), np.float32(3)], TypeError),
        ([torch.tensor(1.0), 2, 3], TypeError),
        (torch.tensor([True, False, True]), TypeError),
        (np.array([1.0, 2.0, 3.0], dtype=np.float16), TypeError),
        ([1 + 0j, 2, 3], TypeError),
        ([1, 2, float("nan")], TypeError),
        (np.array(["1", "2", "3"]), TypeError),
        (np.array([1, 2, 3], dtype=object), TypeError),
        (b"\x01\x02\x03", TypeError),
        ({1, 2, 3}, TypeError),
        ({1: 2, 3: 4, 5: 6}, TypeError),
        ([1, 2, -3], ValueError),
        (np.array([-1, 2, 3]), ValueError),
        (torch.tensor([1, -2, 3]), ValueError),
        (np.array([2**64 - 1, 2, 3], dtype=np.uint64), ValueError),
        ([2**63, 1, 2], ValueError),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_every_kind_of_non_id_names_tokenizer_encode_and_the_fix(ids, error):
    with pytest.raises(error, match=r"tokenizer\.encode \(FixedIds\.encode\).*must return .*ints >= 0"):
        GPTDatasetV1("any text at all", FixedIds(ids), 2, 1)


def test_a_generator_of_ints_is_ids_in_order():
    dataset = GPTDatasetV1("any text", FixedIds(i for i in (4, 3, 2, 1)), 2, 1)
    assert dataset.token_ids.tolist() == [4, 3, 2, 1]


@pytest.mark.parametrize(
    "ids", [[1, 2, 3, 4], (1, 2, 3, 4), np.array([1, 2, 3, 4], dtype=np.int32), torch.tensor([1, 2, 3, 4])]
)
def test_ints_in_any_container_are_ids(ids):
    assert GPTDatasetV1("any text", FixedIds(ids), 2, 1).token_ids.tolist() == [1, 2, 3, 4]


def test_ids_too_large_for_64_bits_are_a_value_error_naming_the_tokenizer():
    with pytest.raises(ValueError, match="FixedIds.encode"):
        GPTDatasetV1("any text", FixedIds([1, 2, 3, 2**70]), 2, 1)
