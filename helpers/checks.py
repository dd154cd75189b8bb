"""One rule for learner mistakes, shared by every helper.

A value of the wrong *type* raises ``TypeError``; a value of the right type
but outside what is allowed raises ``ValueError`` (or a documented subclass).
Every message names the argument and says what was expected, so the fix is
in the message.

Token ids follow tiktoken: an id is an int (a Python int, a NumPy integer, or
an integer tensor/array with one element and no dimensions); floats, bools and
strings are not ids, even when they look like one.

>>> token_ids([1, 2])
[1, 2]
>>> token_ids([1.0])
Traceback (most recent call last):
...
TypeError: ids must be ints, got 1.0 (float) at position 0
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from pathlib import Path


def require_str(value: object, name: str = "text") -> str:
    """``value`` if it is a str, else a ``TypeError`` naming ``name``.

    >>> require_str(3, "text")
    Traceback (most recent call last):
    ...
    TypeError: text must be a str, got int
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def require_int(value: object, name: str) -> int:
    """``value`` if it is an int (bools excluded: ``True`` is not a count)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return value


def positive_int(value: object, name: str, hint: str = "") -> int:
    """``value`` if it is an int > 0; ``hint`` explains what the number means.

    >>> positive_int(0, "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride must be a positive int, got 0
    """
    require_int(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}{hint}")
    return value


def require_path(value: object, name: str) -> Path:
    """``value`` as a ``Path`` if it is a str or a path."""
    if not isinstance(value, str | Path):
        raise TypeError(f"{name} must be a str or pathlib.Path, got {type(value).__name__}")
    return Path(value)


def _one_id(value: object, position: int, name: str) -> int:
    """The int of one id: ints and NumPy ints pass, 0-d integer tensors/arrays are unwrapped."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise TypeError(f"{name} must be ints, got the bool {value!r} at position {position}")
    dtype = getattr(value, "dtype", None)
    if dtype is not None and getattr(value, "ndim", 0) == 0 and hasattr(value, "item"):
        if _is_integer_dtype(dtype):
            return int(value.item())
    elif not isinstance(value, str | bytes | float):
        try:
            return operator.index(value)  # an int subclass, or any other exact integer type
        except TypeError:
            pass
    raise TypeError(f"{name} must be ints, got {value!r} ({type(value).__name__}) at position {position}")


def _is_integer_dtype(dtype: object) -> bool:
    """True for integer (not bool) dtypes of torch and NumPy."""
    is_floating = getattr(dtype, "is_floating_point", None)
    if is_floating is not None:  # a torch.dtype
        import torch

        return not is_floating and not dtype.is_complex and dtype is not torch.bool
    kind = getattr(dtype, "kind", None)  # a numpy.dtype
    return kind in ("i", "u")


def token_ids(ids: object, name: str = "ids") -> list[int]:
    """``ids`` as a list of Python ints, checked the way tiktoken's decode checks them.

    Accepts a list, tuple or other iterable of ids, a 1-d integer tensor or
    array (a 0-d one is a single id). Strings, bytes, floats and bools raise
    ``TypeError``; a tensor of 2 or more dimensions raises ``ValueError``.

    >>> import torch
    >>> token_ids(torch.tensor([3, 4])), token_ids(torch.tensor(5))
    ([3, 4], [5])
    """
    if isinstance(ids, str | bytes | bytearray):
        raise TypeError(f"{name} must be a list of ints, got {type(ids).__name__}; encode text first")
    dtype = getattr(ids, "dtype", None)
    ndim = getattr(ids, "ndim", None)
    if dtype is not None and ndim is not None and hasattr(ids, "tolist"):
        if not _is_integer_dtype(dtype):
            raise TypeError(f"{name} must be ints, got a {type(ids).__name__} of dtype {dtype}")
        if ndim > 1:
            raise ValueError(
                f"{name} must be one sequence of ids (0 or 1 dimensions), got shape {tuple(ids.shape)}; "
                "decode one row at a time, e.g. ids[0]"
            )
        values = ids.tolist()
        return [values] if ndim == 0 else values
    if not isinstance(ids, Iterable):
        if isinstance(ids, int) and not isinstance(ids, bool):
            raise TypeError(f"{name} must be a list of ints, got the single int {ids}; write [{ids}]")
        raise TypeError(f"{name} must be a list of ints, got {type(ids).__name__}")
    return [_one_id(value, position, name) for position, value in enumerate(ids)]


def require_tokenizer(value: object, name: str = "tokenizer") -> object:
    """``value`` if it has a callable ``encode`` method, else a ``TypeError`` naming ``name``."""
    # A str has an encode method too (to bytes): tiktoken.get_encoding("gpt2") was probably meant.
    if isinstance(value, type | str | bytes) or not callable(getattr(value, "encode", None)):
        what = f"the class {value.__name__}" if isinstance(value, type) else f"{type(value).__name__} {value!r}"
        raise TypeError(
            f"{name} must be a tokenizer object with an encode(text) method, such as "
            f'tiktoken.get_encoding("gpt2") or BPETokenizer(...), got {what}'
        )
    return value
