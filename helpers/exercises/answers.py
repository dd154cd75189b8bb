"""Reading a reader's answer: a number, a count, a shape, a list of ids or a letter, or a clear hint why not.

Each reader raises ``TypeError`` or ``ValueError`` naming the variable, which
:func:`~helpers.exercises.checking.checker` prints as the ``❌`` hint; ``None``
(the placeholder) says to replace it. Used by the recaps' self-tests
(:mod:`helpers.exercises.recaps`).

>>> shape_answer(torch.Size([2, 3]), "shape")
(2, 3)
>>> integer_answer(6.0, "count")
6
>>> letter_answer(" b ", "choice")
'B'
>>> real_answer(10**400, "x")
Traceback (most recent call last):
...
ValueError: x is too large to be right; recompute it
"""

from __future__ import annotations

import math
import numbers

import torch

__all__ = [
    "close_to",
    "integer_answer",
    "ints_answer",
    "letter_answer",
    "placeholder",
    "real_answer",
    "sequence_answer",
    "shape_answer",
]


def placeholder(value: object, name: str, kind: str) -> None:
    """A ``TypeError`` asking for an answer when ``value`` is still the placeholder ``None``."""
    if value is None:
        raise TypeError(f"{name} is None: replace None with your answer ({kind})")


def integer_answer(value: object, name: str) -> int:
    """An int answer: an int, or a float or one-element tensor holding a whole number."""
    placeholder(value, name, "an int")
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number (an int), got {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if not math.isfinite(value) or value != int(value):
        raise ValueError(f"{name} must be a whole number; a count or a size has no fraction")
    return int(value)


def real_answer(value: object, name: str) -> float:
    """A number answer: an int, a float or a one-element tensor, finite."""
    placeholder(value, name, "a number")
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large to be right; recompute it") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number}")
    return number


def sequence_answer(value: object, name: str, kind: str) -> list:
    """A list, tuple, ``torch.Size`` or 1-D tensor as a list (its items unchecked)."""
    placeholder(value, name, kind)
    if isinstance(value, torch.Tensor):
        value = value.tolist() if value.dim() == 1 else None
    if not isinstance(value, list | tuple | torch.Size):
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    return list(value)


def shape_answer(value: object, name: str) -> tuple[int, ...]:
    """A shape answer: a tuple, list or ``torch.Size`` of ints, such as ``(2, 3)``."""
    items = sequence_answer(value, name, "a shape such as (2, 3)")
    if isinstance(value, torch.Tensor) or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise TypeError(f"{name} must be a shape: a tuple of ints such as (2, 3), not the tensor or its values")
    return tuple(items)


def ints_answer(value: object, name: str) -> list[int]:
    """A list of ints (token ids), from a list, tuple or 1-D tensor."""
    items = sequence_answer(value, name, "a list of ints")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise TypeError(f"{name} must hold ints (token ids)")
    return items


def letter_answer(value: object, name: str, letters: str = "ABCD") -> str:
    """A multiple-choice answer: one of ``letters``, case and spaces ignored."""
    placeholder(value, name, f"one of the letters {', '.join(letters)}")
    if not isinstance(value, str):
        raise TypeError(f'{name} must be a letter in quotes, such as "A", got {type(value).__name__}')
    letter = value.strip().strip("()").upper()
    if letter not in letters or len(letter) != 1:
        raise ValueError(f"{name} must be one of {', '.join(letters)} (a single letter)")
    return letter


def close_to(answer: float, right: float, places: int = 3) -> bool:
    """Whether ``answer`` rounds to ``right`` at ``places`` decimals (a reader's 0.538 for -0.53788...).

    >>> close_to(0.375, 0.3751), close_to(0.37, 0.375)
    (True, False)
    """
    return abs(answer - right) <= 0.5 * 10**-places + 1e-12
