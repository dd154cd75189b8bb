"""Other ways to write causal multi-head attention (notebook 3.7, ``benchmarks/attention.py``).

Every variant here computes the same function as the book's
:class:`helpers.attention.MultiHeadAttention`: project ``x`` to queries, keys
and values, split them into heads, apply causal scaled dot-product attention
per head, merge the heads and apply an output projection (with bias). They
differ only in *how*: one fused QKV matrix product instead of three, ``einsum``
instead of ``@``, PyTorch's fused ``F.scaled_dot_product_attention`` kernel, or
the ready-made ``torch.nn.MultiheadAttention`` module.

:class:`FusedMultiHeadAttention` is the drop-in fast one: the book's
arguments, parameter names and dropout, computed with one QKV product and
``F.scaled_dot_product_attention``; it keeps no mask buffer (``is_causal=True``
needs none). :func:`copy_weights` loads a ``MultiHeadAttention``'s weights
into any of them (or into a module laid out like one of them, such as the
versions notebook 3.7 builds), so a notebook, a test or the benchmark can
check that they all give the same output.

>>> import torch
>>> from helpers.attention import MultiHeadAttention
>>> _ = torch.manual_seed(0)
>>> mha = MultiHeadAttention(8, 8, 5, 0.0, num_heads=2)
>>> x = torch.rand(2, 5, 8)
>>> all(torch.allclose(copy_weights(mha, cls(8, 8, 5, 2))(x), mha(x), atol=1e-6) for cls in VARIANTS.values())
True
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from helpers.attention import MultiHeadAttention, causal_mask
from helpers.checks import positive_int, probability, require_bool, require_instance


def _head_dim(d_out: int, num_heads: int) -> int:
    """``d_out // num_heads``, for a positive ``d_out`` that ``num_heads`` divides."""
    d_out, num_heads = positive_int(d_out, "d_out"), positive_int(num_heads, "num_heads")
    if d_out % num_heads:
        raise ValueError(f"d_out={d_out} is not divisible by num_heads={num_heads}; choose a multiple")
    return d_out // num_heads


class FusedMultiHeadAttention(nn.Module):
    """The book's ``MultiHeadAttention`` (same arguments, parameters and dropout), fused for speed.

    The three projections run as one matrix product (their weights stacked;
    the parameters stay ``W_query``, ``W_key``, ``W_value``), and scores,
    mask, scaling, softmax, dropout and the weighted sum run in PyTorch's
    ``F.scaled_dot_product_attention``. It stores no mask.

    >>> _ = torch.manual_seed(123)
    >>> FusedMultiHeadAttention(3, 2, 6, 0.0, num_heads=2)(torch.rand(2, 6, 3)).shape
    torch.Size([2, 6, 2])
    """

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, num_heads: int, qkv_bias: bool = False
    ):
        super().__init__()
        self.head_dim = _head_dim(d_out, num_heads)
        self.num_heads, self.d_out = num_heads, d_out
        self.context_length = positive_int(context_length, "context_length")
        qkv_bias = require_bool(qkv_bias, "qkv_bias")
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = probability(dropout, "dropout")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        b, t, _ = x.shape
        layers = (self.W_query, self.W_key, self.W_value)
        bias = None if self.W_query.bias is None else torch.cat([layer.bias for layer in layers])
        qkv = F.linear(x, torch.cat([layer.weight for layer in layers]), bias)
        queries, keys, values = qkv.view(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        p = self.dropout if self.training else 0.0
        context = F.scaled_dot_product_attention(queries, keys, values, dropout_p=p, is_causal=True)
        return self.out_proj(context.transpose(1, 2).reshape(b, t, self.d_out))


class MHAFusedQKV(nn.Module):
    """Explicit attention, but queries, keys and values come from one ``d_in -> 3 d_out`` product.

    >>> MHAFusedQKV(4, 4, 3, 2)(torch.rand(1, 3, 4)).shape
    torch.Size([1, 3, 4])
    """

    def __init__(self, d_in: int, d_out: int, context_length: int, num_heads: int):
        super().__init__()
        self.head_dim = _head_dim(d_out, num_heads)
        self.num_heads, self.d_out = num_heads, d_out
        self.qkv = nn.Linear(d_in, 3 * d_out, bias=False)
        self.out_proj = nn.Linear(d_out, d_out)
        self.register_buffer("mask", causal_mask(context_length))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        b, t, _ = x.shape
        # (b, t, 3 d_out) -> (3, b, heads, t, head_dim): one product, then a free reshape.
        queries, keys, values = self.qkv(x).view(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        scores = (queries @ keys.transpose(-2, -1)).masked_fill(self.mask[:t, :t], float("-inf"))
        weights = torch.softmax(scores / self.head_dim**0.5, dim=-1)
        context = (weights @ values).transpose(1, 2).reshape(b, t, self.d_out)
        return self.out_proj(context)


class MHAEinsum(nn.Module):
    """Explicit attention with every product written as ``torch.einsum``.

    >>> MHAEinsum(4, 4, 3, 2)(torch.rand(1, 3, 4)).shape
    torch.Size([1, 3, 4])
    """

    def __init__(self, d_in: int, d_out: int, context_length: int, num_heads: int):
        super().__init__()
        self.head_dim = _head_dim(d_out, num_heads)
        self.num_heads, self.d_out = num_heads, d_out
        # (d_in, d_out) matrices, used as x @ W; scaled by 1/sqrt(d_in) so outputs keep the inputs' size.
        self.W_query = nn.Parameter(torch.randn(d_in, d_out) / d_in**0.5)
        self.W_key = nn.Parameter(torch.randn(d_in, d_out) / d_in**0.5)
        self.W_value = nn.Parameter(torch.randn(d_in, d_out) / d_in**0.5)
        self.out_proj = nn.Linear(d_out, d_out)
        self.register_buffer("mask", causal_mask(context_length))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        b, t, _ = x.shape
        q, k, v = (
            torch.einsum("bti,io->bto", x, w).view(b, t, self.num_heads, self.head_dim)
            for w in (self.W_query, self.W_key, self.W_value)
        )
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k).masked_fill(self.mask[:t, :t], float("-inf"))
        weights = torch.softmax(scores / self.head_dim**0.5, dim=-1)
        context = torch.einsum("bhqk,bkhd->bqhd", weights, v).reshape(b, t, self.d_out)
        return self.out_proj(context)


class MHASDPA(nn.Module):
    """Fused QKV product plus PyTorch's fused ``F.scaled_dot_product_attention`` (the reference).

    >>> MHASDPA(4, 4, 3, 2)(torch.rand(1, 3, 4)).shape
    torch.Size([1, 3, 4])
    """

    def __init__(self, d_in: int, d_out: int, context_length: int, num_heads: int):
        super().__init__()
        self.head_dim = _head_dim(d_out, num_heads)
        self.num_heads, self.d_out = num_heads, d_out
        self.qkv = nn.Linear(d_in, 3 * d_out, bias=False)
        self.out_proj = nn.Linear(d_out, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        b, t, _ = x.shape
        queries, keys, values = self.qkv(x).view(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(queries, keys, values, is_causal=True)
        return self.out_proj(context.transpose(1, 2).reshape(b, t, self.d_out))


class MHATorch(nn.Module):
    """``torch.nn.MultiheadAttention`` used for causal self-attention.

    Its input projection always has a bias when its output projection does, so
    to match :class:`~helpers.attention.MultiHeadAttention` (no QKV bias, an
    output bias) :func:`copy_weights` sets the input bias to zero.

    >>> MHATorch(4, 4, 3, 2)(torch.rand(1, 3, 4)).shape
    torch.Size([1, 3, 4])
    """

    def __init__(self, d_in: int, d_out: int, context_length: int, num_heads: int):
        super().__init__()
        _head_dim(d_out, num_heads)
        if d_in != d_out:
            raise ValueError(f"torch.nn.MultiheadAttention needs d_in == d_out here, got {d_in} and {d_out}")
        self.mha = nn.MultiheadAttention(d_out, num_heads, bias=True, batch_first=True)
        self.register_buffer("mask", causal_mask(context_length))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        t = x.shape[1]
        out, _ = self.mha(x, x, x, attn_mask=self.mask[:t, :t], need_weights=False, is_causal=True)
        return out


VARIANTS: dict[str, type[nn.Module]] = {
    "fused QKV": MHAFusedQKV,
    "einsum": MHAEinsum,
    "SDPA": MHASDPA,
    "nn.MultiheadAttention": MHATorch,
}
"""The four variants, by the label the benchmark's table prints."""


@torch.no_grad()
def copy_weights(source: MultiHeadAttention, target: nn.Module) -> nn.Module:
    """Give ``target`` the projections of ``source``; returns ``target``.

    ``target`` is recognised by its layout, not its class, so the notebook's own
    versions of the variants work too: ``W_query``/``W_key``/``W_value``
    ``nn.Linear`` layers (the book's layout), a ``qkv`` ``nn.Linear`` (one QKV
    product), ``W_query``/``W_key``/``W_value`` ``(d_in, d_out)`` parameters
    (``einsum``), or an ``mha`` ``nn.MultiheadAttention``; each also has an
    output projection.

    >>> copy_weights(MultiHeadAttention(4, 4, 3, 0.0, 2), nn.Linear(4, 4))
    Traceback (most recent call last):
    ...
    TypeError: target needs `W_query` layers, a `qkv` Linear, `W_query` parameters or an `mha` module, not Linear
    """
    require_instance(source, "source", MultiHeadAttention, "a helpers MultiHeadAttention")
    w_q, w_k, w_v = source.W_query.weight, source.W_key.weight, source.W_value.weight
    if isinstance(getattr(target, "W_query", None), nn.Linear):
        if (target.W_query.bias is None) != (source.W_query.bias is None):
            raise ValueError("source and target differ in query/key/value biases; build both with the same qkv_bias")
        roles = ("W_query", "W_key", "W_value", "out_proj")
        pairs = [(getattr(target, r).weight, getattr(source, r).weight) for r in roles]
        pairs += [
            (getattr(target, r).bias, getattr(source, r).bias) for r in roles if getattr(source, r).bias is not None
        ]
        out_proj = None
    elif source.W_query.bias is not None:
        raise ValueError("source has query/key/value biases, which this target lacks; build it with qkv_bias=False")
    elif isinstance(getattr(target, "qkv", None), nn.Linear):
        pairs = [(target.qkv.weight, torch.cat([w_q, w_k, w_v]))]
        out_proj = target.out_proj
    elif isinstance(getattr(target, "W_query", None), nn.Parameter):
        # nn.Linear stores W transposed: (d_out, d_in); the einsum variant uses (d_in, d_out).
        pairs = [(target.W_query, w_q.T), (target.W_key, w_k.T), (target.W_value, w_v.T)]
        out_proj = target.out_proj
    elif isinstance(getattr(target, "mha", None), nn.MultiheadAttention):
        # Its input projection always has a bias when its output projection has one: zero it.
        bias = target.mha.in_proj_bias
        pairs = [(target.mha.in_proj_weight, torch.cat([w_q, w_k, w_v])), (bias, torch.zeros_like(bias))]
        out_proj = target.mha.out_proj
    else:
        raise TypeError(
            "target needs `W_query` layers, a `qkv` Linear, `W_query` parameters or an `mha` module, "
            f"not {type(target).__name__}"
        )
    if out_proj is not None:
        pairs += [(out_proj.weight, source.out_proj.weight), (out_proj.bias, source.out_proj.bias)]
    for param, weight in pairs:
        if param.shape != weight.shape:
            raise ValueError(
                f"target has a {tuple(param.shape)} weight where source gives {tuple(weight.shape)}: "
                "build both with the same d_in, d_out and num_heads"
            )
    for param, weight in pairs:
        param.copy_(weight)
    return target


def ensemble(seeds: list[int], *args, **kwargs) -> list[torch.Tensor]:
    """The parameters of one :class:`MultiHeadAttention` per seed, stacked on a new first axis (the model axis).

    ``args`` and ``kwargs`` go to ``MultiHeadAttention`` (dropout must be 0:
    :func:`ensemble_forward` has none). The stacked tensors are leaves, ready
    for an optimizer; Adam works element by element, so training them trains
    each model as if alone.

    >>> [tuple(p.shape) for p in ensemble([0, 1], 4, 6, 5, 0.0, num_heads=2)]
    [(2, 6, 4), (2, 6, 4), (2, 6, 4), (2, 6, 6), (2, 6)]
    """
    modules = []
    for s in seeds:
        torch.manual_seed(s)
        modules.append(MultiHeadAttention(*args, **kwargs))
    return [
        torch.stack(list(p)).detach().requires_grad_() for p in zip(*(m.parameters() for m in modules), strict=True)
    ]


def ensemble_forward(
    params: list[torch.Tensor], x: torch.Tensor, num_heads: int, scale: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """:class:`MultiHeadAttention`'s forward for M stacked models at once, on the same input ``x``.

    ``x`` is ``(n, T, d_in)``; ``scale`` holds each model's score divisor
    (``sqrt(head_dim)`` reproduces the module). Returns the ``(M, n, T, d_out)``
    outputs and the ``(M, n, heads, T, T)`` weights.

    >>> params = ensemble([0, 1], 4, 6, 5, 0.0, num_heads=2)
    >>> out, weights = ensemble_forward(params, torch.rand(3, 5, 4), 2, torch.full((2,), 3**0.5))
    >>> tuple(out.shape), tuple(weights.shape)
    ((2, 3, 5, 6), (2, 3, 2, 5, 5))
    """
    w_q, w_k, w_v, w_o, b_o = params  # (M, d_out, d_in), ... as nn.Linear stores them
    (m, d_out, _), (n, t, _) = w_q.shape, x.shape
    q, k, v = (
        torch.einsum("ntd,med->mnte", x, w).view(m, n, t, num_heads, d_out // num_heads).transpose(2, 3)
        for w in (w_q, w_k, w_v)
    )
    scores = (q @ k.transpose(-2, -1)).masked_fill(causal_mask(t, device=x.device), -torch.inf)
    weights = torch.softmax(scores / scale.view(m, 1, 1, 1, 1), dim=-1)
    context = (weights @ v).transpose(2, 3).reshape(m, n, t, d_out)
    return torch.einsum("mnte,mfe->mntf", context, w_o) + b_o[:, None, None], weights
