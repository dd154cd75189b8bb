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
several such attentions on smaller slices and concatenates them; the efficient
version computes all heads with one matrix product per projection and splits
the result, then mixes heads with an output projection.

The modules create their parameters in the order query, key, value (then
``out_proj``) so seeded initialisations reproduce the book's numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import positive_int


def _check_dims(**dims: int) -> None:
    for name, value in dims.items():
        positive_int(value, name)


def _check_dropout(dropout: float) -> None:
    if isinstance(dropout, bool) or not isinstance(dropout, int | float):
        raise TypeError(f"dropout must be a float (a probability), got {type(dropout).__name__} {dropout!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is the probability of zeroing a weight and must lie in [0, 1), got {dropout!r}")


def _check_input(x: torch.Tensor, rank: int, d_in: int, shape_name: str) -> None:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"the input must be a floating-point tensor of shape {shape_name}")
    if x.dim() != rank:
        hint = " (add a batch dimension with x.unsqueeze(0))" if x.dim() == rank - 1 else ""
        raise ValueError(f"the input must have shape {shape_name}, got {tuple(x.shape)}{hint}")
    if x.shape[-1] != d_in:
        raise ValueError(f"the input's last dimension is {x.shape[-1]} but the module was built with d_in={d_in}")


def _check_length(num_tokens: int, context_length: int) -> None:
    if num_tokens > context_length:
        raise ValueError(
            f"the input has {num_tokens} tokens but context_length is {context_length}: "
            "the causal mask has no rows beyond that; truncate the input or build the "
            "module with a larger context_length"
        )


def causal_mask(num_tokens: int, device: torch.device | None = None) -> torch.Tensor:
    """A ``(num_tokens, num_tokens)`` bool mask, True above the diagonal (the future).

    >>> causal_mask(3).int().tolist()
    [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    """
    _check_dims(num_tokens=num_tokens)
    return torch.triu(torch.ones(num_tokens, num_tokens, dtype=torch.bool, device=device), diagonal=1)


def self_attention(inputs: torch.Tensor) -> torch.Tensor:
    """Context vectors of weight-free self-attention, ``softmax(X X^T) X``.

    >>> x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> self_attention(x)
    tensor([[0.7311, 0.2689],
            [0.2689, 0.7311]])
    """
    if not isinstance(inputs, torch.Tensor) or not inputs.is_floating_point():
        raise TypeError(f"inputs must be a float tensor of shape (num_tokens, d_in), got {type(inputs).__name__}")
    if inputs.dim() != 2:
        raise ValueError(f"inputs must be a float tensor of shape (num_tokens, d_in), got shape {tuple(inputs.shape)}")
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
        _check_dims(d_in=d_in, d_out=d_out)
        self.d_in = d_in
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(num_tokens, d_in)`` inputs to ``(num_tokens, d_out)`` context vectors."""
        _check_input(x, 2, self.d_in, "(num_tokens, d_in)")
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
        _check_dims(d_in=d_in, d_out=d_out)
        self.d_in = d_in
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(num_tokens, d_in)`` inputs to ``(num_tokens, d_out)`` context vectors."""
        _check_input(x, 2, self.d_in, "(num_tokens, d_in)")
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
        _check_dims(d_in=d_in, d_out=d_out, context_length=context_length)
        _check_dropout(dropout)
        self.d_in = d_in
        self.context_length = context_length
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", causal_mask(context_length))

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The ``(batch, num_tokens, num_tokens)`` causal attention weights, before dropout."""
        _check_input(x, 3, self.d_in, "(batch, num_tokens, d_in)")
        num_tokens = x.shape[1]
        _check_length(num_tokens, self.context_length)
        scores = self.W_query(x) @ self.W_key(x).transpose(1, 2)
        scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        return torch.softmax(scores / self.W_key.out_features**0.5, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        weights = self.dropout(self.attention_weights(x))
        return weights @ self.W_value(x)


class MultiHeadAttentionWrapper(nn.Module):
    """``num_heads`` independent :class:`CausalAttention` heads, outputs concatenated.

    The output has ``num_heads * d_out`` features.

    >>> _ = torch.manual_seed(123)
    >>> MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2)(torch.rand(2, 6, 3)).shape
    torch.Size([2, 6, 4])
    """

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, num_heads: int, qkv_bias: bool = False
    ):
        super().__init__()
        _check_dims(num_heads=num_heads)
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run every head on ``x`` and concatenate along the feature axis."""
        return torch.cat([head(x) for head in self.heads], dim=-1)


class MultiHeadAttention(nn.Module):
    """Causal multi-head attention with weight splits and an output projection.

    One ``d_in -> d_out`` projection per role computes all heads at once; its
    output is split into ``num_heads`` heads of ``d_out // num_heads`` features.

    ``fused=True`` (the default) computes queries, keys and values with one
    matrix product (the three weight matrices stacked, the parameters stay
    separate) and the attention itself with
    ``torch.nn.functional.scaled_dot_product_attention``, which never stores
    the ``T x T`` weights when its kernel allows it. ``fused=False`` spells out
    three projections, scores, mask, softmax and dropout as the book does; both
    agree to float precision. Dropout has the same meaning in both paths (each
    attention weight is zeroed with probability ``dropout`` during training and
    the rest are scaled by ``1 / (1 - dropout)``; in eval mode nothing is
    dropped), but they draw different random numbers, so a seeded run with
    dropout > 0 differs between the two paths.

    The mask: the explicit path keeps the book's ``mask`` buffer. The fused
    path never reads a mask (``is_causal=True``), so it stores none: a
    ``context_length``-squared bool tensor (1 MB at 1024 tokens, per layer)
    would only take memory. To stay interchangeable with the book's class,
    ``module.mask`` still answers (built on demand, on the weights' device),
    ``state_dict()`` still holds ``mask`` (built when the dict is made), and
    ``load_state_dict`` accepts a ``mask`` entry and checks it is causal.

    >>> _ = torch.manual_seed(123)
    >>> MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)(torch.rand(2, 6, 3)).shape
    torch.Size([2, 6, 2])
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        qkv_bias: bool = False,
        fused: bool = True,
    ):
        super().__init__()
        _check_dims(d_in=d_in, d_out=d_out, context_length=context_length, num_heads=num_heads)
        _check_dropout(dropout)
        if d_out % num_heads != 0:
            raise ValueError(
                f"d_out={d_out} is not divisible by num_heads={num_heads}: each head gets "
                f"d_out // num_heads features; choose d_out a multiple of {num_heads}"
            )
        self.d_in = d_in
        self.d_out = d_out
        self.context_length = context_length
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.fused = fused
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self._mask_on_demand = fused
        if not fused:
            self.register_buffer("mask", causal_mask(context_length))

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: a fused module has no mask buffer.
        if name == "mask" and self.__dict__.get("_mask_on_demand"):
            return causal_mask(self.context_length, device=self.W_query.weight.device)
        return super().__getattr__(name)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        if "mask" not in self._buffers:  # the book's class saves its mask; so do we, built just for the dict
            destination[prefix + "mask"] = self.mask

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors):
        key = prefix + "mask"
        if "mask" not in self._buffers:
            if key in state_dict:  # load_state_dict passes its own copy of the dict, so popping is safe
                saved = state_dict.pop(key)
                expected = (self.context_length, self.context_length)
                if tuple(saved.shape) != expected or (
                    not saved.is_meta and not torch.equal(saved.cpu(), causal_mask(self.context_length))
                ):
                    errors.append(
                        f"{key}: expected the causal mask of shape {expected}, got shape {tuple(saved.shape)}"
                    )
            elif strict:
                missing_keys.append(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors)

    def _split_heads(self, t: torch.Tensor) -> torch.Tensor:
        b, num_tokens, _ = t.shape
        return t.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)

    def _qkv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _check_input(x, 3, self.d_in, "(batch, num_tokens, d_in)")
        _check_length(x.shape[1], self.context_length)
        return (
            self._split_heads(self.W_query(x)),
            self._split_heads(self.W_key(x)),
            self._split_heads(self.W_value(x)),
        )

    def _qkv_one_product(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _check_input(x, 3, self.d_in, "(batch, num_tokens, d_in)")
        b, num_tokens, _ = x.shape
        _check_length(num_tokens, self.context_length)
        layers = (self.W_query, self.W_key, self.W_value)
        weight = torch.cat([layer.weight for layer in layers])
        bias = None if self.W_query.bias is None else torch.cat([layer.bias for layer in layers])
        qkv = F.linear(x, weight, bias).view(b, num_tokens, 3, self.num_heads, self.head_dim)
        queries, keys, values = qkv.permute(2, 0, 3, 1, 4)
        return queries, keys, values

    def _weights(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        num_tokens = queries.shape[2]
        scores = queries @ keys.transpose(2, 3)
        scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        return torch.softmax(scores / self.head_dim**0.5, dim=-1)

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The ``(batch, num_heads, num_tokens, num_tokens)`` weights, before dropout."""
        queries, keys, _ = self._qkv(x)
        return self._weights(queries, keys)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, num_tokens, d_in)`` to ``(batch, num_tokens, d_out)``."""
        queries, keys, values = self._qkv_one_product(x) if self.fused else self._qkv(x)
        b, _, num_tokens, _ = queries.shape
        if self.fused:
            context = F.scaled_dot_product_attention(
                queries, keys, values, dropout_p=self.dropout.p if self.training else 0.0, is_causal=True
            )
        else:
            context = self.dropout(self._weights(queries, keys)) @ values
        context = context.transpose(1, 2).contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context)
