"""helpers.attention: the book's numbers, agreement with PyTorch's attention, causality, buffers, validation."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.attention import (
    CausalAttention,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    SelfAttention_v1,
    SelfAttention_v2,
    causal_mask,
    self_attention,
)
from tests.book_inputs import BOOK_INPUTS as INPUTS

BATCH = torch.stack((INPUTS, INPUTS))


def seeded(seed: int, factory, *args, **kwargs):
    torch.manual_seed(seed)
    return factory(*args, **kwargs)


# --- the book's numbers -----------------------------------------------------------------------


def test_self_attention_matches_book():
    assert torch.allclose(self_attention(INPUTS)[0], torch.tensor([0.4421, 0.5931, 0.5790]), atol=1e-4)
    assert torch.allclose(self_attention(INPUTS)[1], torch.tensor([0.4419, 0.6515, 0.5683]), atol=1e-4)


def test_self_attention_v1_row_2_matches_book():
    out = seeded(123, SelfAttention_v1, 3, 2)(INPUTS)
    assert torch.allclose(out[1], torch.tensor([0.3061, 0.8210]), atol=1e-4)


def test_causal_attention_first_row_matches_book():
    out = seeded(123, CausalAttention, 3, 2, 6, 0.0)(BATCH)
    assert out.shape == (2, 6, 2)
    assert torch.allclose(out[0, 0], torch.tensor([-0.4519, 0.2216]), atol=1e-4)


def test_wrapper_shape_matches_book():
    out = seeded(123, MultiHeadAttentionWrapper, 3, 2, 6, 0.0, num_heads=2)(BATCH)
    assert out.shape == (2, 6, 4)
    assert torch.allclose(out[0, 0], torch.tensor([-0.4519, 0.2216, 0.4772, 0.1063]), atol=1e-4)


@pytest.mark.parametrize("fused", [True, False])
def test_multi_head_attention_first_row_matches_book(fused):
    out = seeded(123, MultiHeadAttention, 3, 2, 6, 0.0, num_heads=2, fused=fused)(BATCH)
    assert out.shape == (2, 6, 2)
    assert torch.allclose(out[0, 0], torch.tensor([0.3190, 0.4858]), atol=1e-4)


def test_gpt2_small_attention_parameter_count():
    mha = MultiHeadAttention(768, 768, context_length=1024, dropout=0.0, num_heads=12, qkv_bias=False)
    assert sum(p.numel() for p in mha.parameters()) == 2_360_064


# --- agreement with PyTorch's own attention ---------------------------------------------------


def random_mha(fused: bool, qkv_bias: bool = True) -> MultiHeadAttention:
    mha = seeded(0, MultiHeadAttention, 16, 16, context_length=10, dropout=0.0, num_heads=4, qkv_bias=qkv_bias)
    mha.fused = fused
    return mha.eval()


def random_input() -> torch.Tensor:
    return torch.randn(3, 10, 16, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("fused", [True, False])
def test_multi_head_attention_equals_torch_multihead_attention(fused):
    mha, x = random_mha(fused), random_input()
    reference = nn.MultiheadAttention(16, 4, bias=True, batch_first=True).eval()
    with torch.no_grad():
        reference.in_proj_weight.copy_(torch.cat([mha.W_query.weight, mha.W_key.weight, mha.W_value.weight]))
        reference.in_proj_bias.copy_(torch.cat([mha.W_query.bias, mha.W_key.bias, mha.W_value.bias]))
        reference.out_proj.weight.copy_(mha.out_proj.weight)
        reference.out_proj.bias.copy_(mha.out_proj.bias)
        expected, _ = reference(x, x, x, attn_mask=causal_mask(10), need_weights=False)
        assert torch.allclose(mha(x), expected, atol=1e-5)


@pytest.mark.parametrize("fused", [True, False])
def test_multi_head_attention_equals_scaled_dot_product_attention(fused):
    mha, x = random_mha(fused, qkv_bias=False), random_input()

    def heads(t: torch.Tensor) -> torch.Tensor:
        return t.view(3, 10, 4, 4).transpose(1, 2)

    with torch.no_grad():
        q, k, v = heads(x @ mha.W_query.weight.T), heads(x @ mha.W_key.weight.T), heads(x @ mha.W_value.weight.T)
        context = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(3, 10, 16)
        expected = context @ mha.out_proj.weight.T + mha.out_proj.bias
        assert torch.allclose(mha(x), expected, atol=1e-5)


def test_fused_and_unfused_agree_on_attention_weights_and_output():
    x = random_input()
    fused, unfused = random_mha(True), random_mha(False)
    with torch.no_grad():
        assert torch.allclose(fused(x), unfused(x), atol=1e-5)
        weights = unfused.attention_weights(x)
    assert weights.shape == (3, 4, 10, 10)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 4, 10))
    assert (weights.masked_select(causal_mask(10)) == 0).all()


# --- causality, measured with gradients ------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(seeded(0, CausalAttention, 4, 3, 7, 0.0), id="CausalAttention"),
        pytest.param(seeded(0, MultiHeadAttentionWrapper, 4, 3, 7, 0.0, 2), id="wrapper"),
        pytest.param(seeded(0, MultiHeadAttention, 4, 6, 7, 0.0, 2, fused=True), id="mha-fused"),
        pytest.param(seeded(0, MultiHeadAttention, 4, 6, 7, 0.0, 2, fused=False), id="mha-unfused"),
    ],
)
def test_output_t_has_zero_gradient_wrt_later_inputs(module):
    x = torch.randn(1, 7, 4, generator=torch.Generator().manual_seed(2))
    jac = torch.autograd.functional.jacobian(module, x)  # (1, 7, d_out, 1, 7, 4)
    sensitivity = jac[0, :, :, 0].abs().sum(dim=(1, 3))  # (t, s): how much out_t moves with x_s
    future = causal_mask(7)
    assert (sensitivity[future] == 0).all(), "an output depends on a later input"
    assert (sensitivity[~future] > 0).all(), "an output ignores an earlier (or its own) input"


# --- equivalences ------------------------------------------------------------------------------


def test_v1_equals_v2_after_weight_transfer():
    v2 = seeded(789, SelfAttention_v2, 3, 2)
    v1 = seeded(123, SelfAttention_v1, 3, 2)
    assert not torch.allclose(v1(INPUTS), v2(INPUTS))
    v1.W_query = nn.Parameter(v2.W_query.weight.T)
    v1.W_key = nn.Parameter(v2.W_key.weight.T)
    v1.W_value = nn.Parameter(v2.W_value.weight.T)
    assert torch.allclose(v1(INPUTS), v2(INPUTS), atol=1e-6)


@pytest.mark.parametrize("fused", [True, False])
def test_wrapper_equals_weight_split_with_matching_weights(fused):
    wrapper = seeded(123, MultiHeadAttentionWrapper, 3, 2, 6, 0.0, num_heads=3, qkv_bias=True)
    split = MultiHeadAttention(3, 6, 6, 0.0, num_heads=3, qkv_bias=True, fused=fused)
    with torch.no_grad():
        for h, head in enumerate(wrapper.heads):
            rows = slice(2 * h, 2 * h + 2)
            for role in ("W_query", "W_key", "W_value"):
                getattr(split, role).weight[rows] = getattr(head, role).weight
                getattr(split, role).bias[rows] = getattr(head, role).bias
        split.out_proj.weight.copy_(torch.eye(6))
        split.out_proj.bias.zero_()
        assert torch.allclose(wrapper(BATCH), split(BATCH), atol=1e-6)


# --- the mask is a buffer ------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [CausalAttention, MultiHeadAttention], ids=["CausalAttention", "MHA"])
def test_mask_is_a_saved_buffer_not_a_parameter(factory):
    module = factory(3, 2, 6, 0.0, num_heads=2) if factory is MultiHeadAttention else factory(3, 2, 6, 0.0)
    assert torch.equal(module.state_dict()["mask"], causal_mask(6))
    assert "mask" not in dict(module.named_parameters())
    restored = factory(3, 2, 6, 0.0, num_heads=2) if factory is MultiHeadAttention else factory(3, 2, 6, 0.0)
    restored.load_state_dict(module.state_dict())
    assert torch.equal(restored(BATCH), module(BATCH))


@pytest.mark.parametrize("factory", [CausalAttention, MultiHeadAttention], ids=["CausalAttention", "MHA"])
def test_mask_follows_dtype_and_device_moves(factory):
    module = factory(3, 2, 6, 0.0, num_heads=2) if factory is MultiHeadAttention else factory(3, 2, 6, 0.0)
    module64 = module.to(torch.float64)
    assert module64.W_query.weight.dtype == torch.float64
    assert module64.mask.dtype == torch.bool  # a bool mask is not converted by a dtype move
    assert module64(BATCH.double()).dtype == torch.float64
    meta = module64.to("meta")
    assert meta.mask.device.type == "meta"
    assert meta.W_query.weight.device.type == "meta"


# --- validation of learner mistakes --------------------------------------------------------------


def test_d_out_not_divisible_by_num_heads():
    with pytest.raises(ValueError, match=r"d_out=5 is not divisible by num_heads=2"):
        MultiHeadAttention(3, 5, 6, 0.0, num_heads=2)


@pytest.mark.parametrize(
    "module",
    [CausalAttention(3, 2, 6, 0.0), MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)],
    ids=["CausalAttention", "MHA"],
)
def test_input_longer_than_context_length(module):
    with pytest.raises(ValueError, match=r"7 tokens but context_length is 6"):
        module(torch.rand(2, 7, 3))


@pytest.mark.parametrize(
    "module",
    [CausalAttention(3, 2, 6, 0.0), MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2), MultiHeadAttention(3, 2, 6, 0.0, 2)],
    ids=["CausalAttention", "wrapper", "MHA"],
)
def test_batched_modules_reject_unbatched_input(module):
    with pytest.raises(ValueError, match=r"\(batch, num_tokens, d_in\), got \(6, 3\).*unsqueeze\(0\)"):
        module(INPUTS)


@pytest.mark.parametrize("module", [SelfAttention_v1(3, 2), SelfAttention_v2(3, 2)], ids=["v1", "v2"])
def test_single_sequence_modules_reject_batches(module):
    with pytest.raises(ValueError, match=r"\(num_tokens, d_in\), got \(2, 6, 3\)"):
        module(BATCH)


@pytest.mark.parametrize(
    "module",
    [SelfAttention_v1(4, 2), CausalAttention(4, 2, 6, 0.0), MultiHeadAttention(4, 2, 6, 0.0, 2)],
    ids=["v1", "CausalAttention", "MHA"],
)
def test_wrong_embedding_size(module):
    x = INPUTS if isinstance(module, SelfAttention_v1) else BATCH
    with pytest.raises(ValueError, match=r"last dimension is 3 but the module was built with d_in=4"):
        module(x)


def test_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"floating-point tensor"):
        CausalAttention(3, 2, 6, 0.0)(torch.ones(2, 6, 3, dtype=torch.long))


def test_self_attention_rejects_a_batch():
    with pytest.raises(ValueError, match=r"shape \(num_tokens, d_in\)"):
        self_attention(BATCH)


@pytest.mark.parametrize("dropout", [-0.1, 1.0, 1.5])
@pytest.mark.parametrize(
    "factory",
    [
        lambda p: CausalAttention(3, 2, 6, p),
        lambda p: MultiHeadAttentionWrapper(3, 2, 6, p, 2),
        lambda p: MultiHeadAttention(3, 2, 6, p, 2),
    ],
    ids=["CausalAttention", "wrapper", "MHA"],
)
def test_dropout_outside_unit_interval(factory, dropout):
    with pytest.raises(ValueError, match=r"dropout .* must lie in \[0, 1\), got " + repr(dropout).replace(".", r"\.")):
        factory(dropout)


@pytest.mark.parametrize(
    ("build", "name", "value"),
    [
        (lambda: SelfAttention_v1(0, 2), "d_in", "0"),
        (lambda: SelfAttention_v2(3, -1), "d_out", "-1"),
        (lambda: CausalAttention(3, 2, 0, 0.0), "context_length", "0"),
        (lambda: MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=0), "num_heads", "0"),
        (lambda: MultiHeadAttention(3, 2, 6, 0.0, num_heads=-2), "num_heads", "-2"),
        (lambda: causal_mask(0), "num_tokens", "0"),
    ],
)
def test_non_positive_or_non_int_dims(build, name, value):
    with pytest.raises(ValueError, match=rf"{name} must be a positive int, got {value}"):
        build()


def test_non_int_dims_and_dropout_are_type_errors():
    # Changed deliberately (issue 10): a wrong type is a TypeError, no longer a ValueError.
    with pytest.raises(TypeError, match=r"d_out must be an int, got float 2\.0"):
        MultiHeadAttention(3, 2.0, 6, 0.0, num_heads=2)
    with pytest.raises(TypeError, match=r"dropout must be a float \(a probability\), got bool True"):
        CausalAttention(3, 2, 6, True)
