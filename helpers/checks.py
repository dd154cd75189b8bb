"""One rule for learner mistakes, shared by every helper, and the checks that apply it.

A value of the wrong *type* raises ``TypeError``; a value of the right type
but outside what is allowed raises ``ValueError`` (or a documented subclass).
Every message names the argument and says what was expected, so the fix is
in the message. Each check is one line where input enters (a constructor, a
file, a download) and returns the value it checked::

    self.stride = positive_int(stride, "stride")
    self.dropout = probability(dropout, "dropout")
    self.qkv_bias = require_bool(qkv_bias, "qkv_bias")

The vocabulary: :func:`require_str`, :func:`require_bool`, :func:`require_int`,
:func:`positive_int`, :func:`int_in_range`, :func:`seed`, :func:`real_number`,
:func:`probability`, :func:`one_of`, :func:`require_iterable`,
:func:`require_mapping`, :func:`require_instance`, :func:`require_tensor`,
:func:`require_path`, :func:`token_ids` and :func:`require_tokenizer`.

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

import math
import numbers
import operator
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


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


def require_bool(value: object, name: str) -> bool:
    """``value`` if it is a bool; ``1``, ``"yes"`` or ``None`` are refused, so a flag means one thing.

    >>> require_bool(1, "verbose")
    Traceback (most recent call last):
    ...
    TypeError: verbose must be True or False, got int 1
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return value


def require_int(value: object, name: str) -> int:
    """``value`` as an int: a Python or NumPy integer (bools excluded: ``True`` is not a count).

    >>> require_int(2.0, "stride")
    Traceback (most recent call last):
    ...
    TypeError: stride must be an int, got float 2.0
    """
    if type(value) is int:
        return value
    if not isinstance(value, bool | str | bytes | float) and not getattr(value, "ndim", 0):
        try:
            return operator.index(value)  # a NumPy integer, or a 0-d integer tensor
        except TypeError:
            pass
    raise TypeError(f"{name} must be an int, got {type(value).__name__} {_short(value)}")


def int_in_range(value: object, name: str, low: int, high: int | None = None, hint: str = "") -> int:
    """``value`` as an int with ``low <= value`` (and ``value < high`` when given); ``hint`` says what it means.

    >>> int_in_range(2**64, "seed", 0, 2**64)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an int in [0, 2**64), got 18446744073709551616
    """
    number = require_int(value, name)
    if number < low or (high is not None and number >= high):
        span = f">= {low}" if high is None else f"in [{low}, {_power(high)})"
        raise ValueError(f"{name} must be an int {span}, got {_short(number)}{hint}")
    return number


def positive_int(value: object, name: str, hint: str = "") -> int:
    """``value`` if it is an int > 0; ``hint`` explains what the number means.

    >>> positive_int(0, "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride must be a positive int, got 0
    """
    number = require_int(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be a positive int, got {_short(number)}{hint}")
    return number


def seed(value: object, name: str = "seed") -> int:
    """``value`` if it is a seed ``torch.manual_seed`` takes: an int in [0, 2**64).

    >>> seed(123)
    123
    """
    return int_in_range(value, name, 0, 2**64)


def real_number(value: object, name: str, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float (ints accepted, bools and strings not), optionally within [low, high].

    >>> real_number(float("nan"), "lr")
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number, got nan
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_short(value)}")
    number = float(value) if not isinstance(value, int) or abs(value) < 2**1023 else math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {_short(value)}")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be in [{low}, {high}], got {number}")
    return number


def probability(value: object, name: str) -> float:
    """``value`` as a float in [0, 1], such as a dropout rate.

    >>> probability(1.5, "dropout")
    Traceback (most recent call last):
    ...
    ValueError: dropout must be in [0.0, 1.0], got 1.5
    """
    return real_number(value, name, 0.0, 1.0)


def one_of(value: object, name: str, choices: Iterable[object]) -> object:
    """``value`` if it is one of ``choices`` (a str among strs, for instance).

    >>> one_of("gpu", "device", ["cpu", "cuda"])
    Traceback (most recent call last):
    ...
    ValueError: device must be one of 'cpu', 'cuda', got 'gpu'
    """
    choices = list(choices)
    kinds = tuple({type(choice) for choice in choices})
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        raise TypeError(f"{name} must be one of {_listing(choices)}, got {type(value).__name__} {_short(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {_listing(choices)}, got {_short(value)}")
    return value


def require_iterable(value: object, name: str, of: str = "values", kind: type | None = None) -> list:
    """``value`` as a list if it is a list, tuple, set or other iterable; ``None``, numbers and strs are refused.

    A str is an iterable of characters, which is rarely what was meant. With
    ``kind``, every item must be an instance of it (bools never count as ints).

    >>> require_iterable(None, "special_tokens", of="strs")
    Traceback (most recent call last):
    ...
    TypeError: special_tokens must be a list of strs, got None
    >>> require_iterable(["a", 1], "allowed_special", of="strs", kind=str)
    Traceback (most recent call last):
    ...
    TypeError: allowed_special must be a list of strs, got the int 1 at position 1
    """
    if type(value) is not list and type(value) is not tuple:  # the common case skips the slower ABC checks
        if value is None or isinstance(value, str | bytes | numbers.Number) or not isinstance(value, Iterable):
            got = "None" if value is None else f"{type(value).__name__} {_short(value)}"
            raise TypeError(f"{name} must be a list of {of}, got {got}")
    items = list(value)
    if kind is not None:
        for position, item in enumerate(items):
            if not isinstance(item, kind) or (isinstance(item, bool) and kind is not bool):
                got = f"the {type(item).__name__} {_short(item)} at position {position}"
                raise TypeError(f"{name} must be a list of {of}, got {got}")
    return items


def require_mapping(value: object, name: str) -> Mapping:
    """``value`` if it is a dict (or other mapping), else a ``TypeError`` naming ``name``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
    return value


def require_instance(value: object, name: str, kind: type | tuple[type, ...], what: str) -> object:
    """``value`` if it is an instance of ``kind``; ``what`` says it in words ("an nn.Module").

    >>> require_instance(3, "model", dict, "a dict of weights")
    Traceback (most recent call last):
    ...
    TypeError: model must be a dict of weights, got int
    """
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def require_tensor(
    value: object, name: str, ndim: int | tuple[int, ...] | None = None, floating: bool | None = None
) -> torch.Tensor:
    """``value`` if it is a tensor with ``ndim`` dimensions and, when ``floating`` is given, a float dtype or not.

    Wrong type or dtype is a ``TypeError``; a wrong number of dimensions is a ``ValueError``.

    >>> import torch
    >>> require_tensor(torch.zeros(2, 3), "x", ndim=3)
    Traceback (most recent call last):
    ...
    ValueError: x must have 3 dimensions, got shape (2, 3)
    >>> require_tensor(torch.tensor([1, 2]), "x", floating=True)
    Traceback (most recent call last):
    ...
    TypeError: x must be a floating-point tensor, got dtype torch.int64; convert it with .float()
    """
    import torch

    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if floating is not None and value.is_floating_point() != floating:
        fix = "convert it with .float()" if floating else "token ids are integers: convert them with .long()"
        raise TypeError(
            f"{name} must be {'a floating-point' if floating else 'an integer'} tensor, got dtype {value.dtype}; {fix}"
        )
    if ndim is not None and value.dim() not in ((ndim,) if isinstance(ndim, int) else ndim):
        want = ndim if isinstance(ndim, int) else " or ".join(map(str, ndim))
        raise ValueError(f"{name} must have {want} dimensions, got shape {tuple(value.shape)}")
    return value


def require_path(value: object, name: str) -> Path:
    """``value`` as a ``Path`` if it is a str or a path."""
    if not isinstance(value, str | Path):
        raise TypeError(f"{name} must be a str or pathlib.Path, got {type(value).__name__}")
    return Path(value)


def _short(value: object) -> str:
    """``repr(value)``, cut to 60 characters (a 5,000-digit int should not fill the screen)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an int of about {int(value.bit_length() * 0.30103)} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _power(number: int) -> str:
    """``2**64`` for a power of two above 2**32, else the number."""
    return f"2**{number.bit_length() - 1}" if number > 2**32 and number & (number - 1) == 0 else str(number)


def _listing(choices: list[object]) -> str:
    return ", ".join(repr(choice) for choice in choices)


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
