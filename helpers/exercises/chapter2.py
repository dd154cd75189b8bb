"""Checks for chapter 2's exercises (text to token ids to training windows).

========  =============  =====================================================
function  notebook       exercise
========  =============  =====================================================
2.1       02.5a, 02.5b   BPE on the unknown words "Akwirw ier"
2.2       02.6           data loaders with other ``max_length`` and ``stride``
========  =============  =====================================================
"""

from __future__ import annotations

import functools

from torch.utils.data import DataLoader

from helpers.exercises.checking import NotYet, checker, gpt2, ids_argument

__all__ = ["check_2_1", "check_2_2"]

EXERCISE_2_1_TEXT = "Akwirw ier"
EXERCISE_2_2_SETTINGS = ((2, 2), (8, 2))
"""The ``(max_length, stride)`` pairs exercise 2.2 asks for, each with batch size 8."""


@checker
def check_2_1(ids: list[int], decoded: str) -> str:
    """Exercise 2.1: ``ids`` are GPT-2's ids of ``"Akwirw ier"`` and ``decoded`` is their decoding.

    >>> check_2_1([33901, 86, 343, 86, 220, 959], "Akwirw ier")
    ✅ Correct: 'Akwirw ier' is 6 known pieces: 'Ak' 'w' 'ir' 'w' ' ' 'ier', and decoding restores it exactly.
    True
    >>> check_2_1("Akwirw ier", "Akwirw ier")
    ❌ Not yet: ids must be the list of token ids that encode() returned, got str
    False
    """
    ids = ids_argument(ids, "ids")
    if not isinstance(decoded, str):
        raise TypeError(f"decoded must be the str that tokenizer.decode(ids) returned, got {type(decoded).__name__}")
    expected = gpt2().encode(EXERCISE_2_1_TEXT)
    if ids != expected:
        if ids and all(0 <= i < gpt2().n_vocab for i in ids):
            raise NotYet(
                f"these ids decode to {gpt2().decode(ids)!r}; encode exactly {EXERCISE_2_1_TEXT!r} "
                "(capital A, one space) with the GPT-2 tokenizer"
            )
        raise NotYet(f"these are not GPT-2 ids of the text; use tokenizer.encode({EXERCISE_2_1_TEXT!r})")
    if decoded != EXERCISE_2_1_TEXT:
        raise NotYet(f"decoded is {decoded!r}; decode the whole list at once: tokenizer.decode(ids)")
    pieces = " ".join(repr(gpt2().decode([i])) for i in ids)
    return f"{EXERCISE_2_1_TEXT!r} is {len(ids)} known pieces: {pieces}, and decoding restores it exactly."


@functools.cache
def _verdictids_argument() -> tuple[int, ...]:
    from helpers.data import load_text

    return tuple(gpt2().encode(load_text("the-verdict.txt")))


@checker
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
    ids = _verdictids_argument()
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
