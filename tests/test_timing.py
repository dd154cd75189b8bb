"""helpers.experiments.timing: every module timed once per round in a rotating order.

And the times are the steps' own.
"""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from helpers.experiments.timing import round_times, step_seconds


class Recorder(nn.Module):
    """A tiny module that logs each forward pass and can take a fixed extra time."""

    def __init__(self, name: str, log: list[str], delay: float = 0.0):
        super().__init__()
        self.name, self.log, self.delay = name, log, delay
        self.weight = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.log.append(self.name)
        if self.delay:
            time.sleep(self.delay)
        return x * self.weight


def test_rounds_run_every_module_once_in_a_rotating_order():
    log: list[str] = []
    modules = {name: Recorder(name, log) for name in "abc"}
    times = round_times(modules, torch.rand(2), rounds=4, warmup=1)
    assert {name: len(seconds) for name, seconds in times.items()} == {"a": 4, "b": 4, "c": 4}
    # one untimed warm-up round, then rounds starting at a, b, c, a
    assert "".join(log) == "abc" + "abc" + "bca" + "cab" + "abc"


def test_times_measure_the_step_itself():
    """A module that sleeps 30 ms per step is timed at >= 30 ms; one that does not, well below."""
    log: list[str] = []
    times = round_times({"slow": Recorder("slow", log, delay=0.03), "fast": Recorder("fast", log)}, torch.rand(2), 3)
    assert min(times["slow"]) >= 0.03
    assert max(times["fast"]) < 0.03


def test_a_step_includes_the_backward_pass_and_starts_from_fresh_gradients():
    module = nn.Linear(3, 1)
    module.weight.grad = torch.full_like(module.weight, 100.0)
    x = torch.ones(2, 3)
    step_seconds(module, x)
    # the gradient of sum(x @ W.T + b) with respect to W is the column sums of x: 2, not 100 + 2
    torch.testing.assert_close(module.weight.grad, torch.full((1, 3), 2.0))


def test_learner_mistakes_are_named():
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got function"):
        step_seconds(lambda x: x, torch.rand(2))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        step_seconds(nn.Linear(2, 2), [1.0, 2.0])
    with pytest.raises(TypeError, match="x must be a floating-point tensor.*float"):
        step_seconds(nn.Linear(2, 2), torch.tensor([1, 2]))


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"modules": [nn.Linear(2, 2)]}, TypeError, "modules must be a dict"),
        ({"modules": None}, TypeError, "modules must be a dict"),
        ({"modules": {}}, ValueError, "modules must be a non-empty dict"),
        ({"modules": {"a": "not a module"}}, TypeError, r"modules\['a'\] must be a torch.nn.Module"),
        ({"x": [1.0, 2.0]}, TypeError, "x must be a torch.Tensor"),
        ({"rounds": 2.0}, TypeError, "rounds must be an int"),
        ({"rounds": True}, TypeError, "rounds must be an int"),
        ({"rounds": 0}, ValueError, "rounds must be a positive int"),
        ({"warmup": -1}, ValueError, "warmup must be an int >= 0"),
        ({"warmup": None}, TypeError, "warmup must be an int"),
    ],
)
def test_round_times_arguments_are_checked_before_anything_runs(kwargs, error, name):
    log: list[str] = []
    arguments = {"modules": {"a": Recorder("a", log)}, "x": torch.rand(2)} | kwargs
    with pytest.raises(error, match=name):
        round_times(**arguments)
    assert log == []
