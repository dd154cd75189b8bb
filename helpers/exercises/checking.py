"""How every exercise check works: a check returns a success message or raises, and the learner sees one line.

A check function is written as ``def check_x(...) -> str``: it returns what a
right answer shows, and raises :class:`NotYet` (a hint), ``TypeError`` (wrong
type) or ``ValueError`` (wrong value) naming the argument. :func:`checker`
wraps it so that it prints exactly one line and returns a bool:

* ``✅ Correct: ...`` with what the answer shows, or
* ``❌ Not yet: ...`` with a hint towards the fix.

A wrong answer never ends in a traceback: any error the learner's own code
raises while being checked becomes the ``❌`` line too. A check never changes
the learner's state: the random generators (Python's, NumPy's and torch's)
are restored after it runs, and a check reads its arguments without changing
them (work on a copy where a computation would modify one).

The hint idiom, used by every check: one :func:`expect` line per typical
mistake, the condition a right answer meets and the hint for when it does not.
A hint names the shape, unit or step that is wrong.

>>> @checker
... def check_positive(x: int) -> str:
...     expect(x > 0, f"x is {x}; pick a number above 0")
...     return f"{x} is positive."
>>> check_positive(-1)
❌ Not yet: x is -1; pick a number above 0
False
>>> check_positive(2)
✅ Correct: 2 is positive.
True
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

__all__ = ["NotYet", "checker", "expect", "gpt2", "ids_argument", "module_argument", "tensor_argument"]


class NotYet(Exception):
    """A wrong answer, with the hint to print."""


def expect(condition: object, hint: str) -> None:
    """Raise :class:`NotYet` with ``hint`` unless ``condition`` holds: one line per typical mistake.

    >>> expect(2 + 2 == 4, "add again")
    >>> expect(2 + 2 == 5, "2 + 2 is 4, not 5")
    Traceback (most recent call last):
    ...
    helpers.exercises.checking.NotYet: 2 + 2 is 4, not 5
    """
    if not condition:
        raise NotYet(hint)


def checker(check: Callable[..., str]) -> Callable[..., bool]:
    """Turn a check that returns a success message or raises into one that prints and returns a bool."""

    @functools.wraps(check)
    def run(*args, **kwargs) -> bool:
        python_state, numpy_state = random.getstate(), np.random.get_state()
        try:
            with torch.no_grad(), torch.random.fork_rng(devices=[]):
                message = check(*args, **kwargs)
        except (NotYet, TypeError, ValueError) as hint:
            print(f"❌ Not yet: {hint}")
            return False
        except Exception as err:  # the learner's own code failed while we ran it
            print(f"❌ Not yet: running your answer raised {type(err).__name__}: {err}")
            return False
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)
        print(f"✅ Correct: {message}")
        return True

    return run


def ids_argument(value: object, name: str) -> list[int]:
    """``value`` as a list of token ids (a list, tuple or tensor of ints); ``TypeError`` naming ``name`` otherwise."""
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be the list of token ids that encode() returned, got {type(value).__name__}")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise TypeError(f"{name} must hold ints (token ids), got {[type(i).__name__ for i in value][:3]}...")
    return list(value)


@functools.cache
def gpt2():
    """GPT-2's tiktoken encoding, loaded once for every check that compares ids with it."""
    from helpers.data import gpt2_encoding

    return gpt2_encoding()


def module_argument(value: object, name: str, what: str) -> nn.Module:
    """``value`` if it is an ``nn.Module``; else a ``TypeError`` saying that ``name`` must be ``what``."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def tensor_argument(value: object, name: str, rank: int) -> torch.Tensor:
    """``value`` if it is a tensor with ``rank`` dimensions; else a ``TypeError`` naming ``name``."""
    if not isinstance(value, torch.Tensor) or value.dim() != rank:
        shape = "(num_tokens, d_in)" if rank == 2 else "(batch, num_tokens, d_in)"
        raise TypeError(f"{name} must be the {shape} input tensor of the notebook, got {type(value).__name__}")
    return value
