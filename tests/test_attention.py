"""helpers.attention: the book's numbers and state_dict, agreement with PyTorch, causality, buffers, validation."""

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


def test_multi_head_attention_first_row_matches_book():
    out = seeded(123, MultiHeadAttention, 3, 2, 6, 0.0, num_heads=2)(BATCH)
    assert out.shape == (2, 6, 2)
    assert torch.allclose(out[0, 0], torch.tensor([0.3190, 0.4858]), atol=1e-4)


def test_gpt2_small_attention_parameter_count():
    mha = MultiHeadAttention(768, 768, context_length=1024, dropout=0.0, num_heads=12, qkv_bias=False)
    assert sum(p.numel() for p in mha.parameters()) == 2_360_064


# --- agreement with PyTorch's own attention ---------------------------------------------------


def random_mha(qkv_bias: bool = True) -> MultiHeadAttention:
    mha = seeded(0, MultiHeadAttention, 16, 16, context_length=10, dropout=0.0, num_heads=4, qkv_bias=qkv_bias)
    return mha.eval()


def random_input() -> torch.Tensor:
    return torch.randn(3, 10, 16, generator=torch.Generator().manual_seed(1))


def test_multi_head_attention_equals_torch_multihead_attention():
    mha, x = random_mha(), random_input()
    reference = nn.MultiheadAttention(16, 4, bias=True, batch_first=True).eval()
    with torch.no_grad():
        reference.in_proj_weight.copy_(torch.cat([mha.W_query.weight, mha.W_key.weight, mha.W_value.weight]))
        reference.in_proj_bias.copy_(torch.cat([mha.W_query.bias, mha.W_key.bias, mha.W_value.bias]))
        reference.out_proj.weight.copy_(mha.out_proj.weight)
        reference.out_proj.bias.copy_(mha.out_proj.bias)
        expected, _ = reference(x, x, x, attn_mask=causal_mask(10), need_weights=False)
        assert torch.allclose(mha(x), expected, atol=1e-5)


def test_multi_head_attention_equals_scaled_dot_product_attention():
    mha, x = random_mha(qkv_bias=False), random_input()

    def heads(t: torch.Tensor) -> torch.Tensor:
        return t.view(3, 10, 4, 4).transpose(1, 2)

    with torch.no_grad():
        q, k, v = heads(x @ mha.W_query.weight.T), heads(x @ mha.W_key.weight.T), heads(x @ mha.W_value.weight.T)
        context = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(3, 10, 16)
        expected = context @ mha.out_proj.weight.T + mha.out_proj.bias
        assert torch.allclose(mha(x), expected, atol=1e-5)


def test_attention_weights_are_causal_rows_that_sum_to_one():
    x = random_input()
    with torch.no_grad():
        weights = random_mha().attention_weights(x)
    assert weights.shape == (3, 4, 10, 10)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 4, 10))
    assert (weights.masked_select(causal_mask(10)) == 0).all()


# --- causality, measured with gradients ------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(seeded(0, CausalAttention, 4, 3, 7, 0.0), id="CausalAttention"),
        pytest.param(seeded(0, MultiHeadAttentionWrapper, 4, 3, 7, 0.0, 2), id="wrapper"),
        pytest.param(seeded(0, MultiHeadAttention, 4, 6, 7, 0.0, 2), id="mha"),
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


def test_wrapper_equals_weight_split_with_matching_weights():
    wrapper = seeded(123, MultiHeadAttentionWrapper, 3, 2, 6, 0.0, num_heads=3, qkv_bias=True)
    split = MultiHeadAttention(3, 6, 6, 0.0, num_heads=3, qkv_bias=True)
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


# --- the book's class: its state_dict loads into ours and back ---------------------------------------


class BookMultiHeadAttention(nn.Module):
    """The book's MultiHeadAttention as the book lays it out: a float mask buffer, the same parameter names."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        self.d_out, self.num_heads, self.head_dim = d_out, num_heads, d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = (
            layer(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
            for layer in (self.W_query, self.W_key, self.W_value)
        )
        scores = (q @ k.transpose(2, 3)).masked_fill(self.mask.bool()[:t, :t], -torch.inf)
        weights = self.dropout(torch.softmax(scores / k.shape[-1] ** 0.5, dim=-1))
        return self.out_proj((weights @ v).transpose(1, 2).contiguous().view(b, t, self.d_out))


@pytest.mark.parametrize("qkv_bias", [False, True])
def test_state_dict_has_the_books_keys_and_shapes(qkv_bias):
    ours = MultiHeadAttention(5, 6, 7, 0.0, num_heads=3, qkv_bias=qkv_bias).state_dict()
    book = BookMultiHeadAttention(5, 6, 7, 0.0, num_heads=3, qkv_bias=qkv_bias).state_dict()
    assert list(ours) == list(book)
    assert {key: value.shape for key, value in ours.items()} == {key: value.shape for key, value in book.items()}
    assert torch.equal(ours["mask"].bool(), book["mask"].bool())


@pytest.mark.parametrize("qkv_bias", [False, True])
def test_state_dict_loads_into_the_books_class_and_back(qkv_bias):
    x = torch.randn(2, 6, 5, generator=torch.Generator().manual_seed(3))
    ours = seeded(1, MultiHeadAttention, 5, 6, 7, 0.0, num_heads=3, qkv_bias=qkv_bias)
    book = seeded(2, BookMultiHeadAttention, 5, 6, 7, 0.0, num_heads=3, qkv_bias=qkv_bias)
    assert not torch.allclose(ours(x), book(x))
    book.load_state_dict(ours.state_dict())  # strict: every key present, none extra
    torch.testing.assert_close(book(x), ours(x), atol=1e-6, rtol=0)
    back = seeded(4, MultiHeadAttention, 5, 6, 7, 0.0, num_heads=3, qkv_bias=qkv_bias)
    back.load_state_dict(book.state_dict())
    torch.testing.assert_close(back(x), ours(x), atol=0, rtol=0)
    assert back.mask.dtype == torch.bool and torch.equal(back.mask, causal_mask(7))


def test_same_seed_gives_the_books_weights_and_dropout():
    x = torch.randn(2, 6, 5, generator=torch.Generator().manual_seed(3))
    ours = seeded(9, MultiHeadAttention, 5, 6, 7, 0.5, num_heads=3).train()
    book = seeded(9, BookMultiHeadAttention, 5, 6, 7, 0.5, num_heads=3).train()
    torch.manual_seed(10)
    out_ours = ours(x)
    torch.manual_seed(10)
    assert torch.equal(out_ours, book(x))  # the same weights, the same dropout draws
    assert not torch.allclose(out_ours, ours.eval()(x))


# --- validation of learner mistakes --------------------------------------------------------------


def test_d_out_not_divisible_by_num_heads():
    with pytest.raises(ValueError, match=r"d_out=5 is not divisible by num_heads=2"):
        MultiHeadAttention(3, 5, 6, 0.0, num_heads=2)


@pytest.mark.parametrize(
    "module",
    [CausalAttention(3, 2, 6, 0.0), MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2), MultiHeadAttention(3, 2, 6, 0.0, 2)],
    ids=["CausalAttention", "wrapper", "MHA"],
)
def test_input_longer_than_context_length(module):
    module(torch.rand(2, 6, 3))
    with pytest.raises(ValueError, match=r"num_tokens .* got 7 \(context_length=6\)"):
        module(torch.rand(2, 7, 3))


@pytest.mark.parametrize("module", [SelfAttention_v1(3, 2), SelfAttention_v2(3, 2)], ids=["v1", "v2"])
def test_single_sequence_modules_reject_batches(module):
    with pytest.raises(ValueError, match=r"x must have 2 dimensions, got shape \(2, 6, 3\)"):
        module(BATCH)


def test_self_attention_rejects_a_batch_and_integers():
    with pytest.raises(ValueError, match=r"inputs must have 2 dimensions"):
        self_attention(BATCH)
    with pytest.raises(TypeError, match=r"inputs must be a floating-point tensor"):
        self_attention(torch.ones(6, 3, dtype=torch.long))


@pytest.mark.parametrize("dropout", [-0.1, 1.5])
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
    with pytest.raises(ValueError, match=r"dropout must be in \[0.0, 1.0\], got " + repr(dropout).replace(".", r"\.")):
        factory(dropout)


@pytest.mark.parametrize(
    ("build", "name", "value"),
    [
        (lambda: SelfAttention_v1(0, 2), "d_in", "0"),
        (lambda: SelfAttention_v2(3, -1), "d_out", "-1"),
        (lambda: CausalAttention(3, 2, 0, 0.0), "context_length", "0"),
        (lambda: MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=0), "num_heads", "0"),
        (lambda: MultiHeadAttention(3, 2, 6, 0.0, num_heads=-2), "num_heads", "-2"),
        (lambda: MultiHeadAttention(3, 2, 0, 0.0, num_heads=2), "context_length", "0"),
        (lambda: causal_mask(0), "num_tokens", "0"),
    ],
)
def test_non_positive_dims(build, name, value):
    with pytest.raises(ValueError, match=rf"{name} must be a positive int, got {value}"):
        build()


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match=r"d_out must be an int, got float 2\.0"):
        MultiHeadAttention(3, 2.0, 6, 0.0, num_heads=2)
    with pytest.raises(TypeError, match=r"dropout must be a number, got bool True"):
        CausalAttention(3, 2, 6, True)
    with pytest.raises(TypeError, match=r"qkv_bias must be True or False, got int 1"):
        MultiHeadAttention(3, 2, 6, 0.0, num_heads=2, qkv_bias=1)
