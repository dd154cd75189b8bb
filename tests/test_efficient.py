"""Efficient attention and memory-light data loading (notebooks 3.7 and 2.6b).

- ``FusedMultiHeadAttention`` (helpers.experiments.attention_variants) equals the book's
  ``MultiHeadAttention`` (outputs and gradients), is causal, and drops
  attention weights like it;
- ``GPTDatasetV1`` keeps one token tensor, every window is a view of it, and
  its batches equal those of the book's one-tensor-per-window layout;
- the notebooks' own step-by-step versions agree with helpers and benchmarks
  (the same initialisation and outputs for the attention variants).
"""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from benchmarks.dataloader import PerWindowDataset, same_batches, stored_bytes
from helpers.attention import MultiHeadAttention
from helpers.data import gpt2_encoding, load_text
from helpers.dataset import GPTDatasetV1
from helpers.experiments.attention_variants import (
    VARIANTS,
    FusedMultiHeadAttention,
    copy_weights,
    ensemble,
    ensemble_forward,
)
from tests.book_inputs import BOOK_INPUTS
from tests.nbtools import notebook_namespace


def pair(d_in: int, d_out: int, context_length: int, num_heads: int, dropout: float = 0.0, qkv_bias: bool = False):
    """A ``FusedMultiHeadAttention`` and the book's ``MultiHeadAttention`` with the same weights."""
    explicit = MultiHeadAttention(d_in, d_out, context_length, dropout, num_heads, qkv_bias=qkv_bias)
    fused = FusedMultiHeadAttention(d_in, d_out, context_length, dropout, num_heads, qkv_bias=qkv_bias)
    return copy_weights(explicit, fused), explicit


# --- fused == explicit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("batch", "num_tokens", "d_in", "d_out", "context_length", "num_heads", "qkv_bias"),
    [
        (2, 6, 3, 2, 6, 2, False),  # the book's example
        (3, 5, 8, 12, 9, 3, True),  # fewer tokens than context_length, with QKV bias
        (1, 1, 4, 4, 4, 1, False),  # a single token
        (2, 64, 96, 96, 128, 12, False),  # many heads, num_tokens < context_length
    ],
)
def test_fused_equals_explicit_forward_and_gradients(
    batch, num_tokens, d_in, d_out, context_length, num_heads, qkv_bias
):
    torch.manual_seed(0)
    fused, explicit = pair(d_in, d_out, context_length, num_heads, qkv_bias=qkv_bias)
    x = torch.randn(batch, num_tokens, d_in)
    outputs, grads = [], []
    for module in (fused, explicit):
        xx = x.clone().requires_grad_()
        out = module(xx)
        (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
        outputs.append(out.detach())
        grads.append([xx.grad] + [p.grad for p in module.parameters()])
    assert outputs[0].shape == (batch, num_tokens, d_out)
    torch.testing.assert_close(outputs[0], outputs[1], atol=1e-5, rtol=0)
    assert len(grads[0]) == len(grads[1]) == 1 + len(list(fused.parameters()))
    for g_fused, g_explicit in zip(*grads, strict=True):
        # Gradients reach magnitude ~10 here: float32 reassociation needs a relative tolerance too.
        torch.testing.assert_close(g_fused, g_explicit, atol=1e-5, rtol=1e-5)


def test_fused_class_has_the_books_numbers_and_parameter_order():
    torch.manual_seed(123)
    mha = FusedMultiHeadAttention(3, 2, 6, 0.0, num_heads=2)
    assert [name for name, _ in mha.named_parameters()] == [
        "W_query.weight",
        "W_key.weight",
        "W_value.weight",
        "out_proj.weight",
        "out_proj.bias",
    ]
    out = mha(torch.stack((BOOK_INPUTS, BOOK_INPUTS)))
    assert out.shape == (2, 6, 2)
    assert torch.allclose(out[0, 0], torch.tensor([0.3190, 0.4858]), atol=1e-4)
    assert list(mha.buffers()) == []  # is_causal=True needs no mask


def test_fused_path_is_causal():
    torch.manual_seed(1)
    fused, _ = pair(8, 8, 10, 2)
    x = torch.randn(1, 10, 8)
    changed = x.clone()
    changed[:, 6:] = torch.randn(1, 4, 8)  # rewrite the future of token 5
    torch.testing.assert_close(fused(x)[:, :6], fused(changed)[:, :6], atol=0, rtol=0)
    assert not torch.allclose(fused(x)[:, 6:], fused(changed)[:, 6:])
    # and no gradient flows from an output back to a later input
    xx = x.clone().requires_grad_()
    fused(xx)[0, 3].sum().backward()
    assert xx.grad[0, 4:].abs().max() == 0
    assert xx.grad[0, :4].abs().min() > 0


def test_fused_class_validates_its_arguments():
    with pytest.raises(ValueError, match="d_out=10 is not divisible by num_heads=4"):
        FusedMultiHeadAttention(8, 10, 6, 0.0, 4)
    with pytest.raises(ValueError, match=r"dropout must be in \[0.0, 1.0\]"):
        FusedMultiHeadAttention(8, 8, 6, 1.5, 4)


# --- dropout ------------------------------------------------------------------------------------------


def weight_revealing_pair(num_tokens: int, dropout: float):
    """Both paths, rigged so that the output *is* the (dropped-out) attention weight matrix.

    Zero query/key weights give equal scores, hence causal weights ``1 / (i + 1)``;
    identity value and output projections on one-hot inputs make the output
    equal to those weights, after dropout.
    """
    fused, explicit = pair(num_tokens, num_tokens, num_tokens, 1, dropout=dropout)
    with torch.no_grad():
        for module in (fused, explicit):
            module.W_query.weight.zero_()
            module.W_key.weight.zero_()
            module.W_value.weight.copy_(torch.eye(num_tokens))
            module.out_proj.weight.copy_(torch.eye(num_tokens))
            module.out_proj.bias.zero_()
    return fused, explicit


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_zeroes_about_p_of_the_weights_in_both_paths(p):
    num_tokens, batch = 16, 64
    x = torch.eye(num_tokens).expand(batch, num_tokens, num_tokens)
    undropped = torch.tril(torch.ones(num_tokens, num_tokens)) / torch.arange(1, num_tokens + 1).view(-1, 1)
    visible = torch.tril(torch.ones(num_tokens, num_tokens, dtype=torch.bool)).expand(batch, -1, -1)
    for module in weight_revealing_pair(num_tokens, p):
        module.train()
        torch.manual_seed(42)
        with torch.no_grad():
            out = module(x)
        kept = out[visible] != 0
        assert abs((~kept).float().mean().item() - p) < 0.03, type(module).__name__
        # kept weights are scaled up by 1 / (1 - p); nothing leaks into the future
        expected = (undropped.expand(batch, -1, -1)[visible] / (1 - p))[kept]
        torch.testing.assert_close(out[visible][kept], expected, atol=1e-5, rtol=1e-5)
        assert out[~visible].abs().max() == 0


def test_eval_mode_is_deterministic_and_drops_nothing():
    torch.manual_seed(3)
    fused, explicit = pair(8, 8, 6, 2, dropout=0.5)
    x = torch.randn(2, 6, 8)
    fused.eval()
    explicit.eval()
    with torch.no_grad():
        first = fused(x)
        torch.testing.assert_close(fused(x), first, atol=0, rtol=0)
        torch.testing.assert_close(explicit(x), first, atol=1e-6, rtol=0)
    fused.train()
    with torch.no_grad():
        assert not torch.allclose(fused(x), first)


# --- variants of the benchmark ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VARIANTS))
def test_benchmark_variants_equal_multi_head_attention(name):
    torch.manual_seed(5)
    _, explicit = pair(24, 24, 12, 4)
    variant = copy_weights(explicit, VARIANTS[name](24, 24, 12, 4))
    x = torch.randn(2, 9, 24)
    torch.testing.assert_close(variant(x), explicit(x), atol=1e-5, rtol=0)


def test_variants_reject_shapes_they_cannot_build():
    with pytest.raises(ValueError, match="d_out=10 is not divisible by num_heads=4"):
        VARIANTS["SDPA"](8, 10, 6, 4)
    with pytest.raises(ValueError, match="d_in == d_out"):
        VARIANTS["nn.MultiheadAttention"](6, 8, 6, 2)


def test_copy_weights_rejects_an_unknown_module():
    with pytest.raises(TypeError, match="target needs `W_query` layers.*not Linear"):
        copy_weights(MultiHeadAttention(4, 4, 4, 0.0, 2), torch.nn.Linear(4, 4))
    with pytest.raises(TypeError, match="source must be a helpers MultiHeadAttention, got Linear"):
        copy_weights(torch.nn.Linear(4, 4), VARIANTS["SDPA"](4, 4, 4, 2))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_copy_weights_rejects_other_sizes_and_leaves_the_target_alone(name):
    target = VARIANTS[name](8, 8, 4, 2)
    before = {key: value.clone() for key, value in target.state_dict().items()}
    with pytest.raises(ValueError, match="build both with the same d_in, d_out and num_heads"):
        copy_weights(MultiHeadAttention(4, 4, 4, 0.0, 2), target)
    assert all(torch.equal(value, before[key]) for key, value in target.state_dict().items())
    with pytest.raises(ValueError, match="qkv_bias=False"):
        copy_weights(MultiHeadAttention(8, 8, 4, 0.0, 2, qkv_bias=True), target)


def test_copy_weights_into_the_fused_class_needs_the_same_qkv_bias():
    with pytest.raises(ValueError, match="same qkv_bias"):
        copy_weights(MultiHeadAttention(8, 8, 4, 0.0, 2, qkv_bias=True), FusedMultiHeadAttention(8, 8, 4, 0.0, 2))


# --- the batched ensemble of 3.6's Why? ------------------------------------------------------------


@pytest.mark.parametrize("num_heads", [1, 2, 4])
def test_ensemble_forward_equals_one_module_per_seed(num_heads):
    seeds = [0, 3, 1]
    params = ensemble(seeds, 12, 8, 6, 0.0, num_heads)
    x = torch.rand(4, 5, 12, generator=torch.Generator().manual_seed(5))  # fewer tokens than context_length
    head_dim = 8 // num_heads
    out, weights = ensemble_forward(params, x, num_heads, torch.full((3,), head_dim**0.5))
    for m, seed in enumerate(seeds):
        torch.manual_seed(seed)
        module = MultiHeadAttention(12, 8, 6, 0.0, num_heads)
        torch.testing.assert_close(out[m], module(x), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(weights[m], module.attention_weights(x), atol=1e-6, rtol=0)


def test_ensemble_parameters_are_leaves_an_optimizer_accepts():
    params = ensemble([0, 1], 4, 4, 3, 0.0, 2)
    assert all(p.is_leaf and p.requires_grad for p in params)
    torch.optim.Adam(params, lr=0.1)


# --- dataset memory -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verdict() -> str:
    return load_text("the-verdict.txt")


@pytest.mark.parametrize("stride", [1, 4, 128])
def test_dataset_windows_are_views_of_one_token_tensor(verdict, stride):
    ds = GPTDatasetV1(verdict, gpt2_encoding(), max_length=32, stride=stride)
    token_storage = ds.token_ids.untyped_storage()
    for idx in (0, 1, len(ds) // 2, len(ds) - 1):
        for tensor in ds[idx]:
            assert tensor.untyped_storage().data_ptr() == token_storage.data_ptr()
    assert stored_bytes(ds) == ds.token_ids.numel() * 8 == token_storage.nbytes()
    assert ds.token_ids.dtype == torch.int64


@pytest.mark.parametrize("stride", [1, 3, 4, 256])
def test_dataset_batches_equal_the_per_window_reference(verdict, stride):
    enc = gpt2_encoding()
    ours = GPTDatasetV1(verdict, enc, max_length=4 if stride < 256 else 256, stride=stride)
    reference = PerWindowDataset(verdict, enc, ours.max_length, stride)
    assert len(ours) == len(reference) > 0
    assert same_batches(ours, reference)
    for (x, y), (rx, ry) in zip(DataLoader(ours, batch_size=8), DataLoader(reference, batch_size=8), strict=True):
        assert torch.equal(x, rx) and torch.equal(y, ry)
        assert x.dtype == rx.dtype == torch.int64


def test_per_window_reference_stores_every_token_many_times(verdict):
    enc = gpt2_encoding()
    ours = GPTDatasetV1(verdict, enc, max_length=32, stride=1)
    reference = PerWindowDataset(verdict, enc, 32, 1)
    # two windows of 32 ids per start: about 64 copies of every token
    assert stored_bytes(reference) == len(reference) * 2 * 32 * 8
    assert stored_bytes(reference) > 60 * stored_bytes(ours)


# --- the notebooks' own versions ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def nb37() -> dict:
    return notebook_namespace("03.7-efficient-attention.ipynb")


@pytest.fixture(scope="module")
def nb26b() -> dict:
    return notebook_namespace("02.6b-data-loader-memory.ipynb")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_notebook_variants_equal_the_helpers_variants(nb37, name):
    """Same seed, same parameters (their initialisations have not drifted apart), and the same outputs."""
    notebook_class = nb37[VARIANTS[name].__name__]
    assert notebook_class.__module__ == "notebook:03.7-efficient-attention.ipynb", "the notebook must build its own"
    torch.manual_seed(7)
    notebook_variant = notebook_class(32, 32, 16, 4)
    torch.manual_seed(7)
    helpers_variant = VARIANTS[name](32, 32, 16, 4)
    notebook_state, helpers_state = notebook_variant.state_dict(), helpers_variant.state_dict()
    assert list(notebook_state) == list(helpers_state)
    for key, value in notebook_state.items():
        torch.testing.assert_close(value, helpers_state[key], atol=0, rtol=0)
    _, explicit = pair(32, 32, 16, 4)
    x = torch.randn(3, 11, 32)
    torch.testing.assert_close(copy_weights(explicit, notebook_variant)(x), explicit(x), atol=1e-5, rtol=0)
    torch.testing.assert_close(notebook_variant(x), copy_weights(explicit, helpers_variant)(x), atol=1e-6, rtol=0)


def test_notebook_saved_bytes_show_the_t_by_t_weights(nb37):
    torch.manual_seed(8)
    fused, explicit = pair(16, 16, 256, 2)
    x = torch.randn(1, 256, 16)
    weights_bytes = 2 * 256 * 256 * 4
    explicit_saved = nb37["saved_for_backward"](explicit, x.clone())
    fused_saved = nb37["saved_for_backward"](fused, x.clone())
    assert weights_bytes <= explicit_saved < 2 * weights_bytes
    assert fused_saved < weights_bytes / 4


def test_notebook_per_window_dataset_matches_helpers(nb26b, verdict):
    enc = gpt2_encoding()
    notebook_ds = nb26b["PerWindowDataset"](verdict, enc, 16, 5)
    ours = GPTDatasetV1(verdict, enc, 16, 5)
    assert same_batches(notebook_ds, ours)
    assert nb26b["stored_bytes"](notebook_ds) == stored_bytes(notebook_ds) == len(ours) * 2 * 16 * 8
    assert nb26b["stored_bytes"](ours) == ours.token_ids.nbytes
