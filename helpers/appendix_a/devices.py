"""Which device to compute on (appendix A.9): a GPU when there is one, as in the book.

:func:`pick_device` follows the book's rule: CUDA if available, else Apple's
MPS if available, else the CPU. The environment variable ``LLMFS_DEVICE``
overrides it:

========  =============================================================
``auto``  the book's rule (also when the variable is unset or empty)
``cpu``   the CPU, even on a machine with a GPU
``cuda``  an NVIDIA GPU; an error if there is none
``mps``   an Apple-silicon GPU; an error if there is none
========  =============================================================

A GPU adds up the terms of each sum in its own order, so its float32 results
differ from the CPU's in the last digits. The notebooks therefore print
comparisons, shapes and rounded values, which do not change with the device;
compare raw results across devices with :func:`close_across_devices`, which
allows ``RTOL``/``ATOL`` of difference.

>>> resolve_device("auto", cuda_available=False, mps_available=True)
'mps'
>>> pick_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import os

import torch

from helpers.checks import one_of, require_bool, require_str, require_tensor

DEVICE_ENV_VAR = "LLMFS_DEVICE"
"""The environment variable that selects the device."""

SETTINGS = ("auto", "cpu", "cuda", "mps")
"""The values ``LLMFS_DEVICE`` (or the ``setting`` argument) may take."""

RTOL = 1e-4
"""Relative tolerance when comparing float32 results computed on different devices."""

ATOL = 1e-5
"""Absolute tolerance when comparing float32 results computed on different devices (for values near 0)."""


def resolve_device(setting: str, *, cuda_available: bool, mps_available: bool, name: str = "setting") -> str:
    """The device name (``"cpu"``, ``"cuda"`` or ``"mps"``) that ``setting`` selects, given what is available.

    The rules, without looking at the machine: ``auto`` prefers CUDA, then MPS,
    then the CPU; an explicit ``cuda`` or ``mps`` that is not available is an
    error rather than a silent fall back to the CPU. ``name`` is what error
    messages call the setting (``"LLMFS_DEVICE"`` when it came from there).

    >>> resolve_device("auto", cuda_available=True, mps_available=True)
    'cuda'
    >>> resolve_device("auto", cuda_available=False, mps_available=False)
    'cpu'
    >>> resolve_device("cuda", cuda_available=False, mps_available=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: setting='cuda' asks for a CUDA GPU, but none is available on this machine; use 'auto' ... or 'cpu'
    """
    name = require_str(name, "name")
    cuda_available, mps_available = (
        require_bool(cuda_available, "cuda_available"),
        require_bool(mps_available, "mps_available"),
    )
    value = one_of(require_str(setting, name).strip().lower(), name, SETTINGS)
    if value == "auto":
        return "cuda" if cuda_available else "mps" if mps_available else "cpu"
    available = {"cpu": True, "cuda": cuda_available, "mps": mps_available}[value]
    if not available:
        kind = "a CUDA GPU" if value == "cuda" else "Apple's MPS (an Apple-silicon GPU)"
        raise ValueError(
            f"{name}={setting!r} asks for {kind}, but none is available on this machine; "
            f"use 'auto' (CUDA, then MPS, then the CPU) or 'cpu'"
        )
    return value


def pick_device(setting: str | None = None) -> torch.device:
    """The device to compute on: ``setting`` if given, else ``$LLMFS_DEVICE``, else CUDA, then MPS, then the CPU.

    >>> pick_device("CPU")
    device(type='cpu')
    >>> pick_device("gpu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: setting must be one of 'auto', 'cpu', 'cuda', 'mps', got 'gpu'
    """
    if setting is None:
        setting, name = os.environ.get(DEVICE_ENV_VAR, "").strip() or "auto", DEVICE_ENV_VAR
    else:
        name = "setting"
    return torch.device(
        resolve_device(
            setting,
            cuda_available=torch.cuda.is_available(),
            mps_available=torch.backends.mps.is_available(),
            name=name,
        )
    )


def close_across_devices(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    """Whether two float tensors, possibly on different devices, agree within ``RTOL`` and ``ATOL``.

    Tensors of different float (or complex) dtypes are compared in the wider
    one, such as a float32 result against a float64 reference. Integer and bool
    tensors do not round, so they must be equal (a ``state_dict``'s counters, for
    instance); a float tensor against an integer or bool one is a ``TypeError``.

    >>> close_across_devices(torch.tensor([1.0]), torch.tensor([1.00001]))
    True
    >>> close_across_devices(torch.tensor([1.0]), torch.tensor([1.001], dtype=torch.float64))
    False
    """
    actual, expected = require_tensor(actual, "actual"), require_tensor(expected, "expected")
    rounds = [value.is_floating_point() or value.is_complex() for value in (actual, expected)]
    if rounds[0] != rounds[1]:
        raise TypeError(
            f"actual has dtype {actual.dtype} and expected {expected.dtype}: compare floats with floats "
            "(convert with .float()) and integer or bool tensors with each other"
        )
    if actual.shape != expected.shape:
        raise ValueError(
            f"actual and expected must have the same shape, got {tuple(actual.shape)} and {tuple(expected.shape)}"
        )
    common = torch.promote_types(actual.dtype, expected.dtype)
    actual, expected = (value.detach().cpu().to(common) for value in (actual, expected))
    if not rounds[0]:
        return torch.equal(actual, expected)
    return torch.allclose(actual, expected, rtol=RTOL, atol=ATOL)
