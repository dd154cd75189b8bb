"""How every exercise check works: a check returns a success message or raises, and the learner sees one line.

A check function is written as ``def check_x(...) -> str``: it returns what a
right answer shows, and raises :class:`NotYet` (a hint), ``TypeError`` (wrong
type) or ``ValueError`` (wrong value) naming the argument. :func:`checker`
wraps it so that it prints exactly one line and returns a bool:

* ``✅ Correct: ...`` with what the answer shows, or
* ``❌ Not yet: ...`` with a hint towards the fix.

A wrong answer never ends in a traceback: any error the learner's own code
raises while being checked becomes the ``❌`` line too, and so does an error a
check meets on a value it did not expect. Whatever the arguments, the line is
one line: newlines are escaped, a long value is cut to about 60 characters
(:func:`shown`), and a warning or a print during the check joins the line
instead of going to stderr. A check never changes the learner's state: the
random generators (Python's, NumPy's and torch's) are restored after it runs,
and a check reads its arguments without changing them (work on a copy where a
computation would modify one). A check never sizes work by a number the
learner gives: it compares that number with the answer first.

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

import contextlib
import functools
import io
import itertools
import random
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = [
    "NotYet",
    "checker",
    "expect",
    "gpt2",
    "ids_argument",
    "module_argument",
    "one_line",
    "shown",
    "tensor_argument",
]

ECHO_LIMIT = 60
"""The most characters of one value a line echoes (a 5,000-character str, or 10**400, is cut)."""
LINE_LIMIT = 400
"""The most characters of one line, hint and echoed values together."""


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


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` on one line, cut to about ``limit`` characters: how a hint echoes a learner's value.

    >>> print(shown("Jack  had\\n"), shown(10**400), shown(torch.zeros(2, 2)), sep=" | ")
    'Jack  had\\n' | an int of 401 digits | tensor([[0., 0.], [0., 0.]])
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 190:
        return f"an int of {len(str(abs(value))) if value.bit_length() < 14_000 else 'over 4,000'} digits"
    try:
        text = repr(value) if isinstance(value, str) else " ".join(repr(value).split())  # a tensor's rows, joined
    except Exception:  # a learner's class with a broken __repr__
        text = f"a {type(value).__name__}"
    return _cut(one_line(text), limit)


def one_line(text: str) -> str:
    """``text`` on one line: a newline becomes ``\\n`` (its indent one space), other control characters escaped.

    >>> print(one_line("3.11.7\\n: ask"), one_line("tensor([[1, 2],\\n        [3, 4]])"), sep=" | ")
    3.11.7\\n: ask | tensor([[1, 2],\\n [3, 4]])
    """
    text = re.sub(r"\r?\n([ \t]+)?", lambda newline: "\\n" + " " * bool(newline.group(1)), text)
    return "".join(
        char if unicodedata.category(char) != "Cc" else char.encode("unicode_escape").decode() for char in text
    )


def _renderings(value: object) -> set[str]:
    """How a hint may have echoed ``value`` (str, repr, with thousands separators), where that is long.

    Only values that hints echo whole: a str, a number, a list or dict (a tensor is echoed by its shape).
    """
    if not isinstance(value, str | int | float | list | tuple | dict) or isinstance(value, bool):
        return set()
    if isinstance(value, list | tuple | dict) and len(value) > 1000:
        return set()  # printing it would take long; a hint that echoes it whole is cut with the line
    if isinstance(value, int) and value.bit_length() >= 14_000:
        return set()  # too long to print at all: no hint shows it
    forms = set()
    for render in (str, repr, "{:,}".format, "{:,.0f}".format):
        with contextlib.suppress(Exception):
            forms.add(render(value))
    return {form for form in forms if len(form) > ECHO_LIMIT}


def _fit(text: str, values: tuple[object, ...]) -> str:
    """The line to print: each long echo of an argument cut (:func:`shown`), on one line, within the limits."""
    parts = [*values]
    for value in values:  # one level into a list or dict: a hint may echo one of its items
        if isinstance(value, list | tuple):
            parts += value[:50]
        elif isinstance(value, dict):
            parts += [*itertools.islice(value.keys(), 25), *itertools.islice(value.values(), 25)]
    for value in parts:
        for form in sorted(_renderings(value), key=len, reverse=True):
            if form in text:
                text = text.replace(form, shown(value))
    text = one_line(text[: 4 * LINE_LIMIT])  # the rest would be cut anyway
    text = re.sub(rf"\S{{{ECHO_LIMIT + 1},}}", lambda run: _cut(run.group(), ECHO_LIMIT), text)
    return _cut(text, LINE_LIMIT)


_HELPERS = Path(__file__).resolve().parents[1]
_INSTALLED = tuple({Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _from_learner(error: BaseException) -> bool:
    """Whether the learner's own code (not helpers, not an installed library) is in ``error``'s traceback."""
    trace = error.__traceback__
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename  # "<frozen importlib...>" is Python's; "<doctest ...>" is not
        path = Path(name)
        ours = path.is_absolute() and any(path.is_relative_to(root) for root in (_HELPERS, *_INSTALLED))
        if not (ours or name.startswith("<frozen ")):
            return True
        trace = trace.tb_next
    return False


def _rng_devices() -> list[int]:
    """The CUDA devices whose generators a check must restore: none until the learner's code has used CUDA."""
    return list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []


def checker(check: Callable[..., str]) -> Callable[..., bool]:
    """Turn a check that returns a success message or raises into one that prints one line and returns a bool.

    Any exception becomes the ``❌`` line; a warning or a print during the check is added to that line.
    """

    @functools.wraps(check)
    def run(*args, **kwargs) -> bool:
        python_state, numpy_state = random.getstate(), np.random.get_state()
        said = io.StringIO()
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            try:
                with (
                    contextlib.redirect_stdout(said),
                    contextlib.redirect_stderr(said),
                    torch.no_grad(),
                    torch.random.fork_rng(devices=_rng_devices()),
                ):
                    line, right = f"✅ Correct: {check(*args, **kwargs)}", True
            except (NotYet, TypeError, ValueError) as hint:
                line, right = f"❌ Not yet: {hint}", False
            except Exception as err:
                if _from_learner(err):
                    line = f"❌ Not yet: running your answer raised {type(err).__name__}: {err}"
                else:
                    line = f"❌ Not yet: checking your values raised {type(err).__name__}: {err}"
                right = False
            finally:
                random.setstate(python_state)
                np.random.set_state(numpy_state)
        extra = [f"warning: {_cut(one_line(str(w.message)), ECHO_LIMIT)}" for w in warned[:1]]
        extra += [f"your code printed: {_cut(one_line(said.getvalue().strip()), ECHO_LIMIT)}"] * bool(said.getvalue())
        values = (*args, *kwargs.values())
        print(_fit(line, values) + "".join(f" ({note})" for note in extra))
        return right

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
