"""The chapter-3 notebooks' own exercises (03.1, 03.3, 03.7): right answers pass, wrong ones get their hint."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.exercises import check_bottleneck_bits, check_gpt2_attention_memory, check_most_attended
from tests.book_inputs import BOOK_INPUTS
from tests.test_exercises import assert_right, assert_wrong

# 03.1: bits in the bottleneck


@pytest.mark.parametrize(
    "bits", [32 * math.log2(10), 106.3, 32 * torch.log2(torch.tensor(10.0)), torch.tensor([106.3])]
)
def test_bottleneck_bits_right(capsys, bits):
    assert_right(check_bottleneck_bits(bits), capsys, "106.3 bits", "3.32 bits")


@pytest.mark.parametrize(
    ("bits", "hint"),
    [
        (32 * math.log(10), "natural log"),
        (32, "one digit or one bit"),
        (320, "multiplies by the number of values"),
        (10**32, "number of possible sequences"),
        (16 * math.log2(10), "length-16 sequence"),
        (100, "is not it"),
        ("106.3", "bits must be a number"),
        (True, "bits must be a number"),
        (None, "still None"),
    ],
)
def test_bottleneck_bits_wrong(capsys, bits, hint):
    assert_wrong(check_bottleneck_bits(bits), capsys, hint)


# 03.3: which token "step" attends to most


def test_most_attended_right(capsys):
    # the truth, recomputed here from the book's inputs: row 6 of softmax(inputs @ inputs.T)
    row = torch.softmax(BOOK_INPUTS @ BOOK_INPUTS.T, dim=-1)[5]
    best = int(row.argmax())
    assert_right(check_most_attended("journey"), capsys, '"journey" 0.2184', "itself only 0.1896")
    assert_right(check_most_attended(best), capsys, '"journey"')
    assert_right(check_most_attended(row.argmax()), capsys, '"journey"')  # a tensor index, as argmax gives it


@pytest.mark.parametrize(
    ("token", "hint"),
    [
        ("step", "another token more"),
        (5, "another token more"),
        ("one", "index 4"),
        ("starts", "comes second"),
        ("Your", "find the largest weight"),
        (torch.tensor(5), "another token more"),
        ("hello", "not one of the sentence's tokens"),
        (6, "use 0 to 5"),
        (1.0, "token must be a word"),
        (None, "still None"),
    ],
)
def test_most_attended_wrong(capsys, token, hint):
    assert_wrong(check_most_attended(token), capsys, hint)


# 03.7: GPT-2's attention weights, in bytes

WEIGHTS_BYTES = 12 * 1024 * 1024 * 4


def test_gpt2_attention_memory_right(capsys):
    weights = torch.zeros(12, 1024, 1024)
    assert_right(check_gpt2_attention_memory(weights.numel() * weights.element_size()), capsys, "50,331,648 bytes")


@pytest.mark.parametrize(
    "weights_bytes", [float(WEIGHTS_BYTES), torch.tensor(WEIGHTS_BYTES), 12 * torch.ones(1024, 1024).nbytes]
)
def test_gpt2_attention_memory_accepts_natural_answers(capsys, weights_bytes):
    assert_right(check_gpt2_attention_memory(weights_bytes), capsys, "48 MiB")


@pytest.mark.parametrize(
    ("weights_bytes", "hint"),
    [
        (1024 * 1024 * 4, "one head's weights"),
        (12 * 1024 * 1024, "counts numbers, not bytes"),
        (2 * WEIGHTS_BYTES, "float64"),
        (12 * 1024 * 1025 // 2 * 4, "unmasked half"),
        (12 * 768 * 768 * 4, "uses the 768 features"),
        (48, "in MiB"),
        (48 / 1024, "in GiB"),
        (47, "is not it"),
        (None, "weights_bytes must be a number"),
        ("50,331,648", "weights_bytes must be a number"),
    ],
)
def test_gpt2_attention_memory_wrong(capsys, weights_bytes, hint):
    assert_wrong(check_gpt2_attention_memory(weights_bytes), capsys, hint)
