"""Checks for chapter 3's exercises (self-attention to multi-head attention).

=================================  ========  =====================================================
function                           notebook  exercise
=================================  ========  =====================================================
3.1                                03.4      ``SelfAttention_v1`` given v2's weights, same output
3.2                                03.6      a ``MultiHeadAttentionWrapper`` with 2 output features
3.3                                03.6      a ``MultiHeadAttention`` the size of GPT-2 small
``check_bottleneck_bits``          03.1      bits in a length-32 sequence of 10 possible tokens
``check_most_attended``            03.3      the token "step" attends to most, without weights
``check_gpt2_attention_memory``    03.7      GPT-2's attention: bytes of its weights
=================================  ========  =====================================================
"""

from __future__ import annotations

import math

import torch
from torch import nn

from helpers.checks import real_number
from helpers.exercises.checking import checker, expect, module_argument, shown, tensor_argument

__all__ = [
    "check_3_1",
    "check_3_2",
    "check_3_3",
    "check_bottleneck_bits",
    "check_gpt2_attention_memory",
    "check_most_attended",
]

GPT2_SMALL = {"d_in": 768, "d_out": 768, "num_heads": 12, "context_length": 1024}


@checker
def check_3_1(sa_v1: nn.Module, sa_v2: nn.Module, inputs: torch.Tensor) -> str:
    """Exercise 3.1: after copying v2's weights into v1, both give the same output on ``inputs``.

    A hint never names the fix before an attempt: an untouched ``sa_v1`` is told what to copy, not how.

    >>> from helpers import SelfAttention_v1, SelfAttention_v2
    >>> x = torch.rand(6, 3)
    >>> v1, v2 = SelfAttention_v1(3, 2), SelfAttention_v2(3, 2)
    >>> check_3_1(v1, v2, x)
    ❌ Not yet: sa_v1 still has its own random weights: give it sa_v2's three weight matrices (query, key, value)
    False
    >>> v1.W_query = nn.Parameter(v2.W_query.weight)
    >>> check_3_1(v1, v2, x)  # doctest: +ELLIPSIS
    ❌ Not yet: sa_v1.W_query has shape (2, 3), but x @ W_query needs (d_in, d_out) = (3, 2): ...
    False
    """
    sa_v1 = module_argument(sa_v1, "sa_v1", "your SelfAttention_v1 instance")
    sa_v2 = module_argument(sa_v2, "sa_v2", "your SelfAttention_v2 instance")
    inputs = tensor_argument(inputs, "inputs", 2)
    roles = ("W_query", "W_key", "W_value")
    mine = {role: getattr(sa_v1, role, None) for role in roles}
    theirs = {role: getattr(sa_v2, role, None) for role in roles}
    for role in roles:
        expect(
            isinstance(mine[role], torch.Tensor),
            f"sa_v1.{role} should be a weight matrix (nn.Parameter); pass SelfAttention_v1 first",
        )
        expect(
            isinstance(theirs[role], nn.Linear),
            f"sa_v2.{role} should be an nn.Linear layer; pass SelfAttention_v2 second",
        )

    def holds(w: torch.Tensor, layer: nn.Linear) -> bool:  # layer's weights, in either layout
        return any(w.shape == m.shape and torch.allclose(w, m) for m in (layer.weight, layer.weight.T))

    expect(
        any(holds(mine[a], theirs[b]) for a in roles for b in roles),
        "sa_v1 still has its own random weights: give it sa_v2's three weight matrices (query, key, value)",
    )
    d_out, d_in = theirs["W_query"].weight.shape
    for role in roles:
        for other in roles:
            expect(
                other == role or not holds(mine[role], theirs[other]),
                f"sa_v1.{role} holds sa_v2.{other}'s weights: copy each role into the same role",
            )
        expect(
            mine[role].shape == (d_in, d_out),
            f"sa_v1.{role} has shape {tuple(mine[role].shape)}, but x @ {role} needs (d_in, d_out) = "
            f"({d_in}, {d_out}): nn.Linear stores its weight as (d_out, d_in)",
        )
        weight = theirs[role].weight
        expect(
            weight.shape != weight.T.shape or not torch.allclose(mine[role], weight),
            f"sa_v1.{role} holds the weight as nn.Linear stores it, (d_out, d_in); x @ {role} needs (d_in, d_out)",
        )
        expect(holds(mine[role], theirs[role]), f"sa_v1.{role} is not yet sa_v2's {role} weights; copy all three")
    out_v1, out_v2 = sa_v1(inputs), sa_v2(inputs)
    expect(
        torch.allclose(out_v1, out_v2, atol=1e-6),
        "the weights match but the outputs differ: did you change another part of either module?",
    )
    return f"v1 and v2 agree on all {tuple(out_v1.shape)} outputs: they compute the same attention."


@checker
def check_3_2(wrapper: nn.Module, batch: torch.Tensor) -> str:
    """Exercise 3.2: a ``MultiHeadAttentionWrapper`` with two heads whose output has 2 features."""
    wrapper = module_argument(wrapper, "wrapper", "your MultiHeadAttentionWrapper instance")
    batch = tensor_argument(batch, "batch", 3)
    heads = getattr(wrapper, "heads", None)
    expect(
        isinstance(heads, nn.ModuleList), "wrapper should be a MultiHeadAttentionWrapper (it keeps its heads in .heads)"
    )
    expect(len(heads) == 2, f"the wrapper has {len(heads)} heads; keep num_heads=2 and change d_out instead")
    out = wrapper(batch)
    expect(
        out.shape[-1] == 2,
        f"the output has {out.shape[-1]} features: the wrapper concatenates its heads, so it has "
        f"num_heads * d_out = 2 * {out.shape[-1] // 2} features; which d_out gives 2?",
    )
    return f"two heads of d_out=1 concatenate to {tuple(out.shape)} context vectors."


def _context_length(module: nn.Module) -> int | None:
    if isinstance(getattr(module, "context_length", None), int):
        return module.context_length
    mask = getattr(module, "mask", None)
    return mask.shape[-1] if isinstance(mask, torch.Tensor) else None


def _whole_number(value: object, name: str) -> float:
    """``value`` as a number, whether an int, a float or a one-element tensor (``torch.tensor(...).numel()`` too)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number (replace None with your count), got {type(value).__name__}")
    if isinstance(value, int) and abs(value) >= 2**1023:  # float() would overflow
        raise ValueError(f"{name} is {shown(value)}: far too large for a count of parameters or bytes")
    return value


def _expect_gpt2_count(num_params: float, actual: int) -> None:
    """One hint per typical miscount of GPT-2 small's attention parameters."""
    d = GPT2_SMALL["d_out"]
    expect(num_params != 4 * d * d + 4 * d, f"{num_params:,} includes query/key/value biases; use qkv_bias=False")
    expect(num_params != 4 * d * d, f"{num_params:,} leaves out out_proj's {d} biases")
    expect(num_params != 3 * d * d, f"{num_params:,} counts query, key and value only; out_proj adds {d}×{d} + {d}")
    expect(
        num_params == actual,
        f"{num_params:,} is not the module's count: sum(p.numel() for p in module.parameters()), "
        "or by hand: three d_in × d_out matrices, plus out_proj's weight and bias",
    )


@checker
def check_3_3(mha: nn.Module, num_params: int | None = None) -> str:
    """Exercise 3.3: ``mha`` is a ``MultiHeadAttention`` the size of GPT-2 small and ``num_params`` its count.

    Both are graded: ``num_params`` left at None is not yet an answer.

    >>> from helpers import MultiHeadAttention
    >>> check_3_3(MultiHeadAttention(768, 768, 1024, 0.0, num_heads=12, qkv_bias=False), 2_360_064)
    ✅ Correct: 12 heads of 64 features over 1024 tokens: 2,360,064 parameters, GPT-2 small's size without qkv bias.
    True
    >>> check_3_3(MultiHeadAttention(768, 768, 1024, 0.0, num_heads=12), None)
    ❌ Not yet: num_params is still None: count the parameters of your module and run the cell again
    False
    >>> check_3_3(MultiHeadAttention(768, 768, 1024, 0.0, num_heads=12), 3 * 768 * 768)
    ❌ Not yet: 1,769,472 counts query, key and value only; out_proj adds 768×768 + 768
    False
    """
    mha = module_argument(mha, "mha", "your MultiHeadAttention instance (replace None with it)")
    query = getattr(mha, "W_query", None)
    expect(isinstance(query, nn.Linear) and hasattr(mha, "num_heads"), "mha should be a MultiHeadAttention")
    found = {
        "d_in": query.in_features,
        "d_out": query.out_features,
        "num_heads": mha.num_heads,
        "context_length": _context_length(mha),
    }
    for name, expected in GPT2_SMALL.items():
        expect(found[name] == expected, f"{name} is {found[name]}, GPT-2 small uses {name}={expected}")
    expect(query.bias is None, "the exercise asks for no query/key/value bias: pass qkv_bias=False")
    actual = sum(p.numel() for p in mha.parameters())
    expect(
        num_params is not None,
        "num_params is still None: count the parameters of your module and run the cell again",
    )
    _expect_gpt2_count(_whole_number(num_params, "num_params"), actual)
    head_dim = GPT2_SMALL["d_out"] // GPT2_SMALL["num_heads"]
    return (
        f"12 heads of {head_dim} features over 1024 tokens: {actual:,} parameters, GPT-2 small's size without qkv bias."
    )


# The notebooks' own exercises.

BOTTLENECK = {"seq_len": 32, "vocab_size": 10}  # 03.1's longest sequences, token ids 0..9


def _number(value: object, name: str) -> float:
    """The reader's numeric answer as a float: a Python number or a one-element tensor (``torch.log2(...)``)."""
    expect(value is not None, f"{name} is still None: replace None with your answer and run the cell again")
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    return real_number(value, name)


@checker
def check_bottleneck_bits(bits: object) -> str:
    """03.1: ``bits`` is the information in a length-32 sequence whose tokens take 10 values.

    >>> check_bottleneck_bits(32 * math.log2(10))
    ✅ Correct: 32 tokens of 10 values each carry 32 × log2(10) ≈ 106.3 bits: each token adds about 3.32 bits.
    True
    >>> check_bottleneck_bits(32 * math.log(10))
    ❌ Not yet: 73.68 is in nats (the natural log); bits count powers of two: 32 * math.log2(10)
    False
    """
    bits = _number(bits, "bits")
    seq_len, vocab_size = BOTTLENECK.values()
    per_token = math.log2(vocab_size)
    expected = seq_len * per_token

    def near(value: float) -> bool:
        return math.isclose(bits, value, rel_tol=1e-3)

    expect(
        not near(seq_len * math.log(vocab_size)),
        f"{bits:.4g} is in nats (the natural log); bits count powers of two: 32 * math.log2(10)",
    )
    expect(
        not near(seq_len * vocab_size),
        f"{bits:.4g} multiplies by the number of values; each token adds log2(10) bits, not 10",
    )
    # log10(10) = 1: one decimal digit a token, or one bit a token, both give 32
    expect(
        not near(seq_len),
        f"{bits:.4g} gives each token one digit or one bit; 10 possible values need log2(10) ≈ 3.32 bits",
    )
    expect(not near(vocab_size**seq_len), f"{bits:.4g} is the number of possible sequences; the bits are its log2")
    for length in (4, 8, 16):
        expect(
            not near(length * per_token),
            f"{bits:.1f} bits is a length-{length} sequence; the exercise asks for length 32",
        )
    expect(near(expected), f"{bits:.4g} is not it: each of the 32 tokens is one of 10 values, worth log2(10) bits")
    return (
        f"{seq_len} tokens of {vocab_size} values each carry {seq_len} × log2({vocab_size}) ≈ {expected:.1f} bits: "
        f"each token adds about {per_token:.2f} bits."
    )


MOST_ATTENDED = {"sentence": "Your journey starts with one step", "query": 5}  # 03.3's "step", token 6


@checker
def check_most_attended(token: object) -> str:
    """03.3: ``token`` (a word, or its 0-based index) is the one "step" attends to most without trainable weights.

    An index may be a tensor, as ``row.argmax()`` gives it.

    >>> check_most_attended("journey")
    ✅ Correct: "step" gives "journey" 0.2184 and itself only 0.1896: the dot product rewards length too.
    True
    >>> check_most_attended(torch.tensor(5))
    ❌ Not yet: "step" gives itself 0.1896, but another token more: read row 6 (index 5)
    False
    """
    from helpers.experiments.explorer import BOOK_INPUTS

    words = MOST_ATTENDED["sentence"].split()
    expect(token is not None, "most_attended is still None: put in the word (or its index) and run the cell again")
    if isinstance(token, torch.Tensor) and token.numel() == 1 and not token.is_floating_point():
        token = int(token.item())
    if isinstance(token, bool) or not isinstance(token, (str, int)):
        raise TypeError(f"token must be a word of the sentence (str) or its index (int), got {type(token).__name__}")
    if isinstance(token, int):
        expect(0 <= token < len(words), f"{token} is not an index of the 6 tokens: use 0 to {len(words) - 1}")
        token = words[token]
    expect(token in words, f"{token!r} is not one of the sentence's tokens {words}")
    query = MOST_ATTENDED["query"]
    weights = torch.softmax(BOOK_INPUTS @ BOOK_INPUTS[query], dim=-1)  # row 6 of the notebook's attn_weights
    best, itself = words[int(weights.argmax())], weights[query].item()
    share = weights[words.index(token)].item()
    second = words[int(weights.topk(2).indices[1])]
    expect(token != words[query], f'"step" gives itself {itself:.4f}, but another token more: read row 6 (index 5)')
    expect(token != words[query - 1], f'"{token}" is token 5 (index 4); "step" is token 6: read row 6 (index 5)')
    expect(token != second, f'"{token}" comes second ({share:.4f}); one token gets more')
    expect(token == best, f'"step" gives "{token}" {share:.4f}; find the largest weight in row 6 (index 5)')
    top = weights.max().item()
    return f'"step" gives "{best}" {top:.4f} and itself only {itself:.4f}: the dot product rewards length too.'


GPT2_WEIGHTS_BYTES = GPT2_SMALL["num_heads"] * GPT2_SMALL["context_length"] ** 2 * 4  # heads × T × T float32


@checker
def check_gpt2_attention_memory(weights_bytes: int) -> str:
    """03.7: GPT-2 small's attention weights for one 1024-token sequence take ``weights_bytes``.

    The count may be an int, a float or a one-element tensor (``weights.numel() * weights.element_size()``).

    >>> check_gpt2_attention_memory(12 * 1024 * 1024 * 4)
    ✅ Correct: 12 heads × 1024 × 1024 float32 weights = 50,331,648 bytes (48 MiB).
    True
    >>> check_gpt2_attention_memory(1024 * 1024 * 4)
    ❌ Not yet: 4,194,304 bytes is one head's weights; each of the 12 heads keeps its own
    False
    """
    weights_bytes = _whole_number(weights_bytes, "weights_bytes")
    d, heads, tokens = GPT2_SMALL["d_out"], GPT2_SMALL["num_heads"], GPT2_SMALL["context_length"]
    b = weights_bytes
    expect(b != GPT2_WEIGHTS_BYTES / 2**20, f"{b:g} is the size in MiB; weights_bytes counts bytes: × 2**20")
    expect(b != GPT2_WEIGHTS_BYTES / 2**30, f"{b:g} is the size in GiB; weights_bytes counts bytes: × 2**30")
    expect(b != tokens * tokens * 4, f"{b:,} bytes is one head's weights; each of the {heads} heads keeps its own")
    expect(b != heads * tokens * tokens, f"{b:,} counts numbers, not bytes: a float32 number takes 4 bytes")
    expect(b != heads * tokens * tokens * 8, f"{b:,} bytes uses 8 bytes a number (float64); float32 takes 4")
    half = heads * tokens * (tokens + 1) // 2 * 4
    expect(b != half, f"{b:,} bytes keeps only the unmasked half; the tensor holds the full matrix, zeros included")
    expect(b != heads * d * d * 4, f"{b:,} bytes uses the {d} features; the weights are tokens × tokens")
    expect(b == GPT2_WEIGHTS_BYTES, f"{b:,} bytes is not it: one {tokens} × {tokens} float32 matrix per head")
    mib = GPT2_WEIGHTS_BYTES // 2**20
    return f"{heads} heads × {tokens} × {tokens} float32 weights = {GPT2_WEIGHTS_BYTES:,} bytes ({mib} MiB)."
