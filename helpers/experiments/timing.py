"""Timing a forward + backward step fairly: several modules, interleaved rounds, medians.

Used by notebook 3.7 and ``benchmarks/attention.py``. In each round every
module runs once, in a rotating order, so a burst of load on a shared machine
hits them all alike; a caller then compares medians or per-round ratios.

>>> import statistics
>>> from torch import nn
>>> times = round_times({"a": nn.Linear(4, 4), "b": nn.Linear(4, 4)}, torch.rand(2, 4), rounds=3)
>>> {name: len(seconds) for name, seconds in times.items()}
{'a': 3, 'b': 3}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import torch
from torch import nn

from helpers.checks import int_in_range, positive_int, require_instance, require_mapping, require_tensor


def step_seconds(module: nn.Module, x: torch.Tensor, sync: Callable[[], None] = lambda: None) -> float:
    """Seconds for one forward pass, a ``.sum()`` and one backward pass of ``module`` on ``x``.

    ``sync`` waits for queued GPU work (``torch.cuda.synchronize``); on a CPU nothing is queued.

    >>> step_seconds(nn.Linear(3, 2), torch.rand(4, 3)) >= 0
    True
    """
    require_instance(module, "module", nn.Module, "a torch.nn.Module")
    require_tensor(x, "x", floating=True)
    module.zero_grad(set_to_none=True)
    x = x.detach().requires_grad_()
    sync()
    start = time.perf_counter()
    module(x).sum().backward()
    sync()
    return time.perf_counter() - start


def round_times(
    modules: Mapping[str, nn.Module],
    x: torch.Tensor,
    rounds: int = 7,
    warmup: int = 1,
    sync: Callable[[], None] = lambda: None,
) -> dict[str, list[float]]:
    """Seconds per round of every module in ``modules``, after ``warmup`` untimed rounds.

    The warm-up pays for first-call costs (allocation, kernel selection) outside the timings.

    >>> round_times({"a": nn.Linear(2, 2)}, torch.rand(1, 2), rounds=0)
    Traceback (most recent call last):
    ...
    ValueError: rounds must be a positive int, got 0
    """
    if not require_mapping(modules, "modules"):
        raise ValueError("modules must be a non-empty dict of name -> torch.nn.Module")
    for name, module in modules.items():
        require_instance(module, f"modules[{name!r}]", nn.Module, "a torch.nn.Module")
    require_tensor(x, "x", floating=True)
    positive_int(rounds, "rounds")
    int_in_range(warmup, "warmup", 0)
    names = list(modules)
    for _ in range(warmup):
        for name in names:
            step_seconds(modules[name], x, sync)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(step_seconds(modules[name], x, sync))
    return times
