"""Check your answer: one function per exercise of the book in these notebooks.

Each ``check_<chapter>_<number>`` takes what the exercise asks you to build,
prints one line, and returns ``True`` when the answer is right:

* ``✅ Correct: ...`` with what the answer shows, or
* ``❌ Not yet: ...`` with a hint towards the fix.

A wrong answer never ends in a traceback, not even a wrong type: the checks
inside raise ``TypeError`` (wrong type) or ``ValueError`` (wrong value) naming
the argument, and :func:`_checker` turns those, and any error your own code
raises while being checked, into the ``❌`` line.

========  =============  =====================================================
function  notebook       exercise
========  =============  =====================================================
2.1       02.5a, 02.5b   BPE on the unknown words "Akwirw ier"
2.2       02.6           data loaders with other ``max_length`` and ``stride``
3.1       03.4           ``SelfAttention_v1`` given v2's weights, same output
3.2       03.6           a ``MultiHeadAttentionWrapper`` with 2 output features
3.3       03.6           a ``MultiHeadAttention`` the size of GPT-2 small
========  =============  =====================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.data import DataLoader

__all__ = ["check_2_1", "check_2_2", "check_3_1", "check_3_2", "check_3_3"]

EXERCISE_2_1_TEXT = "Akwirw ier"
EXERCISE_2_2_SETTINGS = ((2, 2), (8, 2))
"""The ``(max_length, stride)`` pairs exercise 2.2 asks for, each with batch size 8."""

GPT2_SMALL = {"d_in": 768, "d_out": 768, "num_heads": 12, "context_length": 1024}


class NotYet(Exception):
    """A wrong answer, with the hint to print."""


def _checker(check: Callable[..., str]) -> Callable[..., bool]:
    """Turn a check that returns a success message or raises into one that prints and returns a bool."""

    @functools.wraps(check)
    def run(*args, **kwargs) -> bool:
        try:
            with torch.no_grad():
                message = check(*args, **kwargs)
        except (NotYet, TypeError, ValueError) as hint:
            print(f"❌ Not yet: {hint}")
            return False
        except Exception as err:  # the learner's own code failed while we ran it
            print(f"❌ Not yet: running your answer raised {type(err).__name__}: {err}")
            return False
        print(f"✅ Correct: {message}")
        return True

    return run


def _ids(value: object, name: str) -> list[int]:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be the list of token ids that encode() returned, got {type(value).__name__}")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise TypeError(f"{name} must hold ints (token ids), got {[type(i).__name__ for i in value][:3]}...")
    return list(value)


@functools.cache
def _gpt2():
    from helpers.data import gpt2_encoding

    return gpt2_encoding()


@_checker
def check_2_1(ids: list[int], decoded: str) -> str:
    """Exercise 2.1: ``ids`` are GPT-2's ids of ``"Akwirw ier"`` and ``decoded`` is their decoding.

    >>> check_2_1([33901, 86, 343, 86, 220, 959], "Akwirw ier")
    ✅ Correct: 'Akwirw ier' is 6 known pieces: 'Ak' 'w' 'ir' 'w' ' ' 'ier', and decoding restores it exactly.
    True
    >>> check_2_1("Akwirw ier", "Akwirw ier")
    ❌ Not yet: ids must be the list of token ids that encode() returned, got str
    False
    """
    ids = _ids(ids, "ids")
    if not isinstance(decoded, str):
        raise TypeError(f"decoded must be the str that tokenizer.decode(ids) returned, got {type(decoded).__name__}")
    expected = _gpt2().encode(EXERCISE_2_1_TEXT)
    if ids != expected:
        if ids and all(0 <= i < _gpt2().n_vocab for i in ids):
            raise NotYet(
                f"these ids decode to {_gpt2().decode(ids)!r}; encode exactly {EXERCISE_2_1_TEXT!r} "
                "(capital A, one space) with the GPT-2 tokenizer"
            )
        raise NotYet(f"these are not GPT-2 ids of the text; use tokenizer.encode({EXERCISE_2_1_TEXT!r})")
    if decoded != EXERCISE_2_1_TEXT:
        raise NotYet(f"decoded is {decoded!r}; decode the whole list at once: tokenizer.decode(ids)")
    pieces = " ".join(repr(_gpt2().decode([i])) for i in ids)
    return f"{EXERCISE_2_1_TEXT!r} is {len(ids)} known pieces: {pieces}, and decoding restores it exactly."


@functools.cache
def _verdict_ids() -> tuple[int, ...]:
    from helpers.data import load_text

    return tuple(_gpt2().encode(load_text("the-verdict.txt")))


@_checker
def check_2_2(loader: DataLoader, max_length: int, stride: int) -> str:
    """Exercise 2.2: ``loader`` gives The Verdict's windows with this ``max_length`` and ``stride``, 8 per batch.

    Call it once per setting the exercise asks for: ``(2, 2)`` and ``(8, 2)``.
    """
    if not isinstance(loader, DataLoader):
        raise TypeError(f"loader must be the DataLoader create_dataloader_v1 returned, got {type(loader).__name__}")
    for name, value in (("max_length", max_length), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if (max_length, stride) not in EXERCISE_2_2_SETTINGS:
        asked = " and ".join(f"max_length={m}, stride={s}" for m, s in EXERCISE_2_2_SETTINGS)
        raise ValueError(f"the exercise asks for {asked}; got max_length={max_length}, stride={stride}")
    batch = next(iter(loader))
    if not (isinstance(batch, (list, tuple)) and len(batch) == 2):
        raise NotYet("each batch should be a pair (inputs, targets); build the loader with create_dataloader_v1")
    inputs, targets = batch
    if tuple(inputs.shape) != (8, max_length):
        raise NotYet(
            f"the first batch has shape {tuple(inputs.shape)}, expected (8, {max_length}): "
            f"use batch_size=8 and max_length={max_length}"
        )
    ids = _verdict_ids()
    rows = [list(ids[i * stride : i * stride + max_length]) for i in range(8)]
    if inputs[0].tolist() != rows[0]:
        raise NotYet(
            "the first window is not the story's first tokens: use shuffle=False and the text of the-verdict.txt"
        )
    if inputs.tolist() != rows:
        raise NotYet(f"consecutive windows should start {stride} tokens apart: pass stride={stride}")
    shifted = [list(ids[i * stride + 1 : i * stride + max_length + 1]) for i in range(8)]
    if targets.tolist() != shifted:
        raise NotYet("the targets should be the inputs shifted by one token")
    overlap = max(max_length - stride, 0)
    return (
        f"batches of shape (8, {max_length}); each window starts {stride} tokens after the previous one "
        f"and shares {overlap} token{'s' * (overlap != 1)} with it; targets are the inputs shifted by one."
    )


def _module(value: object, name: str, what: str) -> nn.Module:
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def _tensor(value: object, name: str, rank: int) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or value.dim() != rank:
        shape = "(num_tokens, d_in)" if rank == 2 else "(batch, num_tokens, d_in)"
        raise TypeError(f"{name} must be the {shape} input tensor of the notebook, got {type(value).__name__}")
    return value


@_checker
def check_3_1(sa_v1: nn.Module, sa_v2: nn.Module, inputs: torch.Tensor) -> str:
    """Exercise 3.1: after copying v2's weights into v1, both give the same output on ``inputs``."""
    sa_v1 = _module(sa_v1, "sa_v1", "your SelfAttention_v1 instance")
    sa_v2 = _module(sa_v2, "sa_v2", "your SelfAttention_v2 instance")
    inputs = _tensor(inputs, "inputs", 2)
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


@_checker
def check_3_2(wrapper: nn.Module, batch: torch.Tensor) -> str:
    """Exercise 3.2: a ``MultiHeadAttentionWrapper`` with two heads whose output has 2 features."""
    wrapper = _module(wrapper, "wrapper", "your MultiHeadAttentionWrapper instance")
    batch = _tensor(batch, "batch", 3)
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


@_checker
def check_3_3(mha: nn.Module, num_params: int | None = None) -> str:
    """Exercise 3.3: ``mha`` is a ``MultiHeadAttention`` the size of GPT-2 small (and ``num_params`` its count).

    >>> from helpers import MultiHeadAttention
    >>> check_3_3(MultiHeadAttention(768, 768, 1024, 0.0, num_heads=12, qkv_bias=False), 2_360_064)
    ✅ Correct: 12 heads of 64 features over 1024 tokens: 2,360,064 parameters, as GPT-2 small has in each block.
    True
    """
    mha = _module(mha, "mha", "your MultiHeadAttention instance")
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
