"""Checks for chapter 3's exercises (self-attention to multi-head attention).

========  =============  =====================================================
function  notebook       exercise
========  =============  =====================================================
3.1       03.4           ``SelfAttention_v1`` given v2's weights, same output
3.2       03.6           a ``MultiHeadAttentionWrapper`` with 2 output features
3.3       03.6           a ``MultiHeadAttention`` the size of GPT-2 small
========  =============  =====================================================
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.exercises.checking import NotYet, checker, module_argument, tensor_argument

__all__ = ["check_3_1", "check_3_2", "check_3_3"]

GPT2_SMALL = {"d_in": 768, "d_out": 768, "num_heads": 12, "context_length": 1024}


@checker
def check_3_1(sa_v1: nn.Module, sa_v2: nn.Module, inputs: torch.Tensor) -> str:
    """Exercise 3.1: after copying v2's weights into v1, both give the same output on ``inputs``."""
    sa_v1 = module_argument(sa_v1, "sa_v1", "your SelfAttention_v1 instance")
    sa_v2 = module_argument(sa_v2, "sa_v2", "your SelfAttention_v2 instance")
    inputs = tensor_argument(inputs, "inputs", 2)
    for role in ("W_query", "W_key", "W_value"):
        mine, theirs = getattr(sa_v1, role, None), getattr(sa_v2, role, None)
        if not isinstance(mine, torch.Tensor):
            raise NotYet(f"sa_v1.{role} should be a weight matrix (nn.Parameter); pass SelfAttention_v1 first")
        if not isinstance(theirs, nn.Linear):
            raise NotYet(f"sa_v2.{role} should be an nn.Linear layer; pass SelfAttention_v2 second")
        if mine.shape == theirs.weight.shape and mine.shape != theirs.weight.T.shape:
            raise NotYet(
                f"sa_v1.{role} has shape {tuple(mine.shape)}, nn.Linear's weight layout (d_out, d_in); "
                f"v1 computes x @ W, so it needs the transpose: nn.Parameter(sa_v2.{role}.weight.T)"
            )
        if mine.shape != theirs.weight.T.shape or not torch.allclose(mine, theirs.weight.T):
            raise NotYet(f"sa_v1.{role} is not sa_v2.{role}.weight.T yet; copy all three: query, key and value")
    out_v1, out_v2 = sa_v1(inputs), sa_v2(inputs)
    if not torch.allclose(out_v1, out_v2, atol=1e-6):
        raise NotYet("the weights match but the outputs differ: did you change another part of either module?")
    return f"v1 and v2 agree on all {tuple(out_v1.shape)} outputs: they compute the same attention."


@checker
def check_3_2(wrapper: nn.Module, batch: torch.Tensor) -> str:
    """Exercise 3.2: a ``MultiHeadAttentionWrapper`` with two heads whose output has 2 features."""
    wrapper = module_argument(wrapper, "wrapper", "your MultiHeadAttentionWrapper instance")
    batch = tensor_argument(batch, "batch", 3)
    heads = getattr(wrapper, "heads", None)
    if not isinstance(heads, nn.ModuleList):
        raise NotYet("wrapper should be a MultiHeadAttentionWrapper (it keeps its heads in .heads)")
    if len(heads) != 2:
        raise NotYet(f"the wrapper has {len(heads)} heads; keep num_heads=2 and change d_out instead")
    out = wrapper(batch)
    if out.shape[-1] != 2:
        per_head = out.shape[-1] // len(heads)
        raise NotYet(
            f"the output has {out.shape[-1]} features: the wrapper concatenates the heads, so it has "
            f"num_heads * d_out = 2 * {per_head}; choose d_out so that 2 * d_out == 2"
        )
    return f"two heads of d_out=1 concatenate to {tuple(out.shape)} context vectors."


def _context_length(module: nn.Module) -> int | None:
    if isinstance(getattr(module, "context_length", None), int):
        return module.context_length
    mask = getattr(module, "mask", None)
    return mask.shape[-1] if isinstance(mask, torch.Tensor) else None


@checker
def check_3_3(mha: nn.Module, num_params: int | None = None) -> str:
    """Exercise 3.3: ``mha`` is a ``MultiHeadAttention`` the size of GPT-2 small (and ``num_params`` its count).

    >>> from helpers import MultiHeadAttention
    >>> check_3_3(MultiHeadAttention(768, 768, 1024, 0.0, num_heads=12, qkv_bias=False), 2_360_064)
    ✅ Correct: 12 heads of 64 features over 1024 tokens: 2,360,064 parameters, as GPT-2 small has in each block.
    True
    """
    mha = module_argument(mha, "mha", "your MultiHeadAttention instance")
    if num_params is not None and (isinstance(num_params, bool) or not isinstance(num_params, int)):
        raise TypeError(f"num_params must be an int (your count), got {type(num_params).__name__}")
    query = getattr(mha, "W_query", None)
    if not isinstance(query, nn.Linear) or not hasattr(mha, "num_heads"):
        raise NotYet("mha should be a MultiHeadAttention (with W_query and num_heads)")
    found = {
        "d_in": query.in_features,
        "d_out": query.out_features,
        "num_heads": mha.num_heads,
        "context_length": _context_length(mha),
    }
    for name, expected in GPT2_SMALL.items():
        if found[name] != expected:
            raise NotYet(f"{name} is {found[name]}, GPT-2 small uses {name}={expected}")
    if query.bias is not None:
        raise NotYet("the exercise asks for no query/key/value bias: pass qkv_bias=False")
    actual = sum(p.numel() for p in mha.parameters())
    if num_params is not None and num_params != actual:
        raise NotYet(
            f"your count {num_params:,} is not the module's; count with sum(p.numel() for p in mha.parameters()) "
            "and by hand: three d_in x d_out matrices, plus out_proj's weight and bias"
        )
    head_dim = GPT2_SMALL["d_out"] // GPT2_SMALL["num_heads"]
    return f"12 heads of {head_dim} features over 1024 tokens: {actual:,} parameters, as GPT-2 small has in each block."
