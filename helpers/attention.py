"""Self-attention, from a plain dot product to multi-head attention (chapter 3).

The algorithm, for a sequence of ``T`` input vectors ``x(1) .. x(T)``:

1. **Scores**: how much token ``i`` should look at token ``j`` is a dot product,
   ``q(i) . k(j)``. Without trainable weights, ``q = k = x`` (section 3.3);
   with them, ``q = x W_q``, ``k = x W_k``, ``v = x W_v`` (section 3.4).
2. **Weights**: a softmax over ``j`` turns each row of scores into positive
   weights that sum to 1. The scores are divided by ``sqrt(d_k)`` first, or
   large dot products would push the softmax into a one-hot corner where its
   gradient vanishes.
3. **Context vectors**: ``z(i) = sum_j w(i, j) v(j)``.

A **causal** mask (section 3.5) sets the scores of future tokens to ``-inf``
before the softmax, so token ``i`` only sees tokens ``<= i``; dropout on the
weights regularises training. **Multi-head** attention (section 3.6) runs
several such attentions on slices of one projection per role, and mixes the
heads with an output projection.

These are the book's classes: the same parameter names, creation order
(query, key, value, then ``out_proj``) and ``mask`` buffer, so seeded
initialisations reproduce the book's numbers and a ``state_dict`` moves
between the book's class and these. Faster versions of
:class:`MultiHeadAttention` live in :mod:`helpers.experiments.attention_variants`.
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.checks import int_in_range, positive_int, probability, require_bool, require_tensor


def _too_long(context_length: int) -> str:
    return f" (context_length={context_length}): the mask has no rows beyond it; truncate the input"


def causal_mask(num_tokens: int, device: torch.device | None = None) -> torch.Tensor:
    """A ``(num_tokens, num_tokens)`` bool mask, True above the diagonal (the future).

    >>> causal_mask(3).int().tolist()
    [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    """
    num_tokens = positive_int(num_tokens, "num_tokens")
    return torch.triu(torch.ones(num_tokens, num_tokens, dtype=torch.bool, device=device), diagonal=1)


def self_attention(inputs: torch.Tensor) -> torch.Tensor:
    """Context vectors of weight-free self-attention, ``softmax(X X^T) X``.

    >>> x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> self_attention(x)
    tensor([[0.7311, 0.2689],
            [0.2689, 0.7311]])
    """
    inputs = require_tensor(inputs, "inputs", ndim=2, floating=True)  # (num_tokens, d_in)
    weights = torch.softmax(inputs @ inputs.T, dim=-1)
    return weights @ inputs


class SelfAttention_v1(nn.Module):
    """Scaled dot-product self-attention with raw ``nn.Parameter`` weight matrices.

    Weights are drawn from ``torch.rand`` in the order query, key, value.

    >>> _ = torch.manual_seed(123)
    >>> SelfAttention_v1(3, 2)(torch.rand(6, 3)).shape
    torch.Size([6, 2])
    """

    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        d_in, d_out = positive_int(d_in, "d_in"), positive_int(d_out, "d_out")
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(num_tokens, d_in)`` inputs to ``(num_tokens, d_out)`` context vectors."""
        require_tensor(x, "x", ndim=2)  # one (num_tokens, d_in) sequence, no batch
        queries, keys, values = x @ self.W_query, x @ self.W_key, x @ self.W_value
        scores = queries @ keys.T
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        return weights @ values


class SelfAttention_v2(nn.Module):
    """Like :class:`SelfAttention_v1`, but with ``nn.Linear`` layers (better initialisation).

    ``nn.Linear`` stores its weight transposed: ``W_query.weight.T`` plays the
    role of v1's ``W_query``.

    >>> _ = torch.manual_seed(789)
    >>> SelfAttention_v2(3, 2)(torch.rand(6, 3)).shape
    torch.Size([6, 2])
    """

    def __init__(self, d_in: int, d_out: int, qkv_bias: bool = False):
        super().__init__()
        d_in, d_out = positive_int(d_in, "d_in"), positive_int(d_out, "d_out")
        qkv_bias = require_bool(qkv_bias, "qkv_bias")
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(num_tokens, d_in)`` inputs to ``(num_tokens, d_out)`` context vectors."""
        require_tensor(x, "x", ndim=2)  # one (num_tokens, d_in) sequence, no batch
        queries, keys, values = self.W_query(x), self.W_key(x), self.W_value(x)
        scores = queries @ keys.T
        weights = torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)
        return weights @ values


class CausalAttention(nn.Module):
    """Single-head causal self-attention over batches, with dropout on the weights.

    The mask is a buffer: it moves with ``.to(device)`` and is saved in the
    ``state_dict``, but it is not a trainable parameter.

    >>> _ = torch.manual_seed(123)
    >>> CausalAttention(3, 2, context_length=6, dropout=0.0)(torch.rand(2, 6, 3)).shape
    torch.Size([2, 6, 2])
    """

    def __init__(self, d_in: int, d_out: int, context_length: int, dropout: float, qkv_bias: bool = False):
        super().__init__()
        d_in, d_out = positive_int(d_in, "d_in"), positive_int(d_out, "d_out")
        self.context_length = positive_int(context_length, "context_length")
        qkv_bias = require_bool(qkv_bias, "qkv_bias")
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(probability(dropout, "dropout"))
        self.register_buffer("mask", causal_mask(context_length))

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The ``(batch, num_tokens, num_tokens)`` causal attention weights, before dropout."""
        num_tokens = x.shape[1]
        int_in_range(num_tokens, "the input's num_tokens", 1, self.context_length + 1, _too_long(self.context_length))
        scores = self.W_query(x) @ self.W_key(x).transpose(1, 2)
        scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        return torch.softmax(scores / self.W_key.out_features**0.5, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        weights = self.dropout(self.attention_weights(x))
        return weights @ self.W_value(x)


class MultiHeadAttentionWrapper(nn.Module):
    """``num_heads`` independent :class:`CausalAttention` heads, outputs concatenated.

    ``d_out`` is per head: the output has ``num_heads * d_out`` features.

    >>> _ = torch.manual_seed(123)
    >>> MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2)(torch.rand(2, 6, 3)).shape
    torch.Size([2, 6, 4])
    """

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, num_heads: int, qkv_bias: bool = False
    ):
        super().__init__()
        num_heads = positive_int(num_heads, "num_heads")
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run every head on ``x`` and concatenate along the feature axis."""
        return torch.cat([head(x) for head in self.heads], dim=-1)


class MultiHeadAttention(nn.Module):
    """The book's causal multi-head attention: one projection per role, split into heads, then ``out_proj``.

    ``d_out`` is the total: each of the ``num_heads`` heads gets
    ``head_dim = d_out // num_heads`` features, and the output has ``d_out``.
    The causal ``mask`` is a buffer, as in :class:`CausalAttention`; the
    ``state_dict`` holds ``W_query``, ``W_key``, ``W_value``, ``out_proj`` and
    ``mask`` with the book's shapes, so it loads into the book's class and back.

    >>> _ = torch.manual_seed(123)
    >>> mha = MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)
    >>> mha(torch.rand(2, 6, 3)).shape
    torch.Size([2, 6, 2])
    >>> list(mha.state_dict())
    ['mask', 'W_query.weight', 'W_key.weight', 'W_value.weight', 'out_proj.weight', 'out_proj.bias']
    """

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, num_heads: int, qkv_bias: bool = False
    ):
        super().__init__()
        d_in, d_out = positive_int(d_in, "d_in"), positive_int(d_out, "d_out")
        self.num_heads = positive_int(num_heads, "num_heads")
        if d_out % num_heads:
            raise ValueError(f"d_out={d_out} is not divisible by num_heads={num_heads}: choose a multiple")
        self.d_out, self.head_dim = d_out, d_out // num_heads
        self.context_length = positive_int(context_length, "context_length")
        qkv_bias = require_bool(qkv_bias, "qkv_bias")
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)  # mixes the heads
        self.dropout = nn.Dropout(probability(dropout, "dropout"))
        self.register_buffer("mask", causal_mask(context_length))

    def _heads(self, t: torch.Tensor) -> torch.Tensor:
        """``(b, num_tokens, d_out)`` -> ``(b, num_heads, num_tokens, head_dim)``."""
        b, num_tokens, _ = t.shape
        return t.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The ``(batch, num_heads, num_tokens, num_tokens)`` weights, before dropout."""
        num_tokens = x.shape[1]
        int_in_range(num_tokens, "the input's num_tokens", 1, self.context_length + 1, _too_long(self.context_length))
        queries, keys = self._heads(self.W_query(x)), self._heads(self.W_key(x))
        scores = queries @ keys.transpose(2, 3)  # (b, num_heads, num_tokens, num_tokens)
        scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        return torch.softmax(scores / self.head_dim**0.5, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        b, num_tokens, _ = x.shape
        weights = self.dropout(self.attention_weights(x))
        context = (weights @ self._heads(self.W_value(x))).transpose(1, 2)  # (b, num_tokens, num_heads, head_dim)
        return self.out_proj(context.contiguous().view(b, num_tokens, self.d_out))
