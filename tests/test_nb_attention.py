"""The chapter-3 notebooks' step-by-step modules equal the helpers versions with the same seed."""

import pytest
import torch

import helpers
from tests.book_inputs import BOOK_INPUTS
from tests.nbtools import notebook_namespace


@pytest.fixture(scope="module")
def nb33():
    return notebook_namespace("03.3-self-attention-without-weights.ipynb")


@pytest.fixture(scope="module")
def nb34():
    return notebook_namespace("03.4-self-attention-with-weights.ipynb")


@pytest.fixture(scope="module")
def nb35():
    return notebook_namespace("03.5-causal-attention.ipynb")


@pytest.fixture(scope="module")
def nb36():
    return notebook_namespace("03.6-multi-head-attention.ipynb")


def random_batch(num_tokens: int = 5, d_in: int = 4) -> torch.Tensor:
    return torch.randn(3, num_tokens, d_in, generator=torch.Generator().manual_seed(7))


def build(seed: int, factory, *args, **kwargs):
    torch.manual_seed(seed)
    return factory(*args, **kwargs)


def test_loop_self_attention_equals_helpers(nb33):
    x = random_batch()[0]
    assert torch.allclose(nb33["self_attention_loop"](x), helpers.self_attention(x), atol=1e-6)
    book_row_1 = torch.tensor([0.4421, 0.5931, 0.5790])
    assert torch.allclose(nb33["self_attention_loop"](BOOK_INPUTS)[0], book_row_1, atol=1e-4)


@pytest.mark.parametrize("name", ["SelfAttention_v1", "SelfAttention_v2"])
@pytest.mark.parametrize("seed", [123, 789])
def test_self_attention_classes_equal_helpers(nb34, name, seed):
    x = random_batch()[0]
    ours = build(seed, nb34[name], 4, 3)
    theirs = build(seed, getattr(helpers, name), 4, 3)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


def test_self_attention_v1_book_numbers(nb34):
    out = build(123, nb34["SelfAttention_v1"], 3, 2)(nb34["inputs"])
    assert torch.allclose(out[1], torch.tensor([0.3061, 0.8210]), atol=1e-4)


def test_causal_attention_equals_helpers(nb35):
    x = random_batch()
    ours = build(123, nb35["CausalAttention"], 4, 2, 6, 0.0)
    theirs = build(123, helpers.CausalAttention, 4, 2, 6, 0.0)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)
    assert torch.allclose(ours(x[:, :2]), theirs(x[:, :2]), atol=1e-6)  # shorter than context_length


def test_causal_attention_dropout_matches_in_training(nb35):
    x = random_batch()
    ours = build(123, nb35["CausalAttention"], 4, 2, 6, 0.5)
    theirs = build(123, helpers.CausalAttention, 4, 2, 6, 0.5)
    torch.manual_seed(1)
    out_ours = ours(x)
    torch.manual_seed(1)
    assert torch.allclose(out_ours, theirs(x), atol=1e-6)


def test_wrapper_equals_helpers(nb36):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttentionWrapper"], 4, 2, 6, 0.0, num_heads=3)
    theirs = build(123, helpers.MultiHeadAttentionWrapper, 4, 2, 6, 0.0, num_heads=3)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


@pytest.mark.parametrize("fused", [True, False])
def test_multi_head_attention_equals_helpers(nb36, fused):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttention"], 4, 6, 6, 0.0, num_heads=3)
    theirs = build(123, helpers.MultiHeadAttention, 4, 6, 6, 0.0, num_heads=3, fused=fused)
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_multi_head_attention_book_numbers(nb36):
    ours = build(123, nb36["MultiHeadAttention"], 3, 2, 6, 0.0, num_heads=2)
    assert torch.allclose(ours(nb36["batch"])[0, 0], torch.tensor([0.3190, 0.4858]), atol=1e-4)


def test_explicit_helpers_mha_equals_readers_class_bit_for_bit_with_dropout(nb36):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttention"], 4, 6, 5, 0.5, num_heads=2).train()
    theirs = build(123, helpers.MultiHeadAttention, 4, 6, 5, 0.5, num_heads=2, fused=False).train()
    torch.manual_seed(11)
    out_ours = ours(x)
    torch.manual_seed(11)
    out_theirs = theirs(x)
    assert torch.equal(out_ours, out_theirs)
    assert (out_ours != ours.eval()(x)).any()  # dropout really acted in train mode


def test_fused_helpers_mha_equals_readers_class_without_dropout(nb36):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttention"], 4, 6, 5, 0.0, num_heads=2)
    fused = build(123, helpers.MultiHeadAttention, 4, 6, 5, 0.0, num_heads=2)
    assert fused.fused
    assert torch.allclose(ours(x), fused(x), atol=1e-6)
