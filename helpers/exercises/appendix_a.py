"""Checks for appendix A's exercises (the PyTorch primer and A.9, devices and DDP).

=====================  ========  ========================================================
function               notebook  exercise
=====================  ========  ========================================================
A.1                    00        the Python and PyTorch versions this kernel runs
A.2                    00        the installed version of each library the notebooks import
A.3                    00        trainable parameters of the 2-input, 2-output network
A.4                    00        a 100×200 by 200×300 matrix product, on CPU or GPU
``check_rank_shards``  00b       which examples each of three ranks reads after set_epoch(1)
=====================  ========  ========================================================
"""

from __future__ import annotations

import importlib.metadata
import numbers
import platform
import re
from pathlib import Path

import torch

from helpers.exercises.checking import NotYet, checker, expect, shown

__all__ = ["check_a_1", "check_a_2", "check_a_3", "check_a_4", "check_rank_shards"]

MIN_PYTHON = (3, 11)  # pyproject.toml's requires-python
LIBRARIES = ("torch", "numpy", "tiktoken", "regex", "matplotlib")  # what helpers imports (pyproject's dependencies)
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
LAYER_SIZES = ((2, 30), (30, 20), (20, 2))  # NeuralNetwork(2, 2): 2 inputs, hidden 30 and 20, 2 outputs
SHARDS = {"num_examples": 5, "world_size": 3, "epoch": 1, "seed": 0}  # the A.9 exercise: the script's sampler


def _pins() -> dict[str, str] | None:
    """``name -> version`` of every ``name==version`` line of requirements.txt; ``None`` without the file."""
    if not REQUIREMENTS.is_file():
        return None
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return dict(m.groups() for m in (re.match(r"([\w.-]+)==(\S+)", line.strip()) for line in lines) if m)


def _release(version: str) -> str:
    """The version without a local build tag or surrounding spaces: ``2.13.0+cpu`` -> ``2.13.0``."""
    return version.strip().split("+")[0]


def _pin_note(installed: dict[str, str]) -> str:
    """Where the running versions differ from requirements.txt's pins, a note saying so (else nothing)."""
    pins = _pins()
    if pins is None:
        return f" (no {REQUIREMENTS.name} here to compare with the project's pins)."
    differ = [
        f"{name} {version} (pinned {pins[name]})"
        for name, version in installed.items()
        if name in pins and _release(version) != pins[name]
    ]
    if not differ:
        return f", and the ones {REQUIREMENTS.name} pins."
    return f". Note: they differ from {REQUIREMENTS.name}'s pins: {', '.join(differ)}; some outputs may differ."


@checker
def check_a_1(python_version: str, torch_version: str) -> str:
    """Exercise A.1: the Python and PyTorch versions of the kernel running this notebook.

    The answer is graded against what this kernel runs, in any environment;
    where those differ from requirements.txt's pins, the same line says so.

    >>> import platform, torch
    >>> check_a_1(platform.python_version(), torch.__version__)  # doctest: +ELLIPSIS
    ✅ Correct: these are the Python and PyTorch versions this kernel runs, and the ones requirements.txt pins.
    True
    >>> check_a_1(torch.__version__, platform.python_version())
    ❌ Not yet: python_version looks like PyTorch's: give Python's version first, then PyTorch's
    False
    """
    running, installed = platform.python_version(), torch.__version__
    expect(
        isinstance(python_version, str), "python_version must be a str, such as '3.10.4': the platform module can tell"
    )
    expect(
        isinstance(torch_version, str), "torch_version must be a str: the torch module this kernel imported can tell"
    )
    swapped = _release(python_version) == _release(installed) and _release(torch_version) == running
    expect(not swapped, "python_version looks like PyTorch's: give Python's version first, then PyTorch's")
    expect(
        python_version.strip() == running,
        f"this notebook runs Python {running}, not {python_version.strip()!r}: ask platform.python_version()",
    )
    expect(
        _release(torch_version) == _release(installed),
        f"this kernel imports PyTorch {installed}, not {torch_version.strip()!r}: ask torch.__version__ "
        "(a `pip` on another Python may report another copy)",
    )
    too_old = tuple(int(part) for part in running.split(".")[:2]) < MIN_PYTHON
    old = f" Python {running} is older than the {MIN_PYTHON[0]}.{MIN_PYTHON[1]} this project needs." if too_old else ""
    return "these are the Python and PyTorch versions this kernel runs" + _pin_note({"torch": installed}) + old


@checker
def check_a_2(versions: dict[str, str]) -> str:
    """Exercise A.2: ``versions`` maps each library the notebooks import to the version this kernel has installed.

    >>> import importlib.metadata
    >>> check_a_2({name: importlib.metadata.version(name) for name in LIBRARIES})  # doctest: +ELLIPSIS
    ✅ Correct: these are the versions of torch, numpy, tiktoken, regex and matplotlib this kernel has installed, ...
    True
    >>> check_a_2({"torch": torch.__version__})
    ❌ Not yet: versions has no numpy, tiktoken, regex, matplotlib: add one entry per library that helpers imports
    False
    """
    expect(
        isinstance(versions, dict),
        f"versions must be a dict of library name -> version str, got {type(versions).__name__}",
    )
    missing = [name for name in LIBRARIES if name not in versions]
    expect(not missing, f"versions has no {', '.join(missing)}: add one entry per library that helpers imports")
    installed = {}
    for name in LIBRARIES:
        reported = versions[name]
        expect(isinstance(reported, str), f"versions[{name!r}] must be a str, a version such as '2.4.6'")
        try:
            installed[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise NotYet(f"{name} is not installed for this kernel: install the project's requirements") from None
        expect(
            _release(reported) == _release(installed[name]),
            f"{name} {installed[name]} is installed, not {reported.strip()!r}: "
            f"read it with importlib.metadata.version({name!r})",
        )
    names = ", ".join(LIBRARIES[:-1]) + f" and {LIBRARIES[-1]}"
    return f"these are the versions of {names} this kernel has installed" + _pin_note(installed)


@checker
def check_a_3(num_params: int) -> str:
    """Exercise A.3: ``num_params`` is the trainable parameter count of ``NeuralNetwork(2, 2)``.

    >>> check_a_3(752)
    ✅ Correct: 2 → 30 → 20 → 2: 700 weights and 52 biases, 752 trainable parameters.
    True
    >>> check_a_3(700)
    ❌ Not yet: 700 counts the weights only: each Linear(n_in, n_out) also has n_out biases
    False
    """
    is_int = isinstance(num_params, int) and not isinstance(num_params, bool)
    expect(is_int, f"num_params must be an int (your count), got {type(num_params).__name__}")
    weights = sum(n_in * n_out for n_in, n_out in LAYER_SIZES)
    biases = sum(n_out for _, n_out in LAYER_SIZES)
    expect(
        num_params != weights, f"{num_params} counts the weights only: each Linear(n_in, n_out) also has n_out biases"
    )
    expect(
        num_params != biases,
        f"{num_params} counts the biases only: each Linear(n_in, n_out) also has n_in * n_out weights",
    )
    expect(
        num_params != 2213,
        f"{num_params} is the 50-input, 3-output network of A.5; the exercise has 2 inputs, 2 outputs",
    )
    expect(
        num_params == weights + biases,
        f"{num_params} is not the count: the layers are 2 → 30 → 20 → 2, "
        "and each Linear(n_in, n_out) has n_in * n_out weights and n_out biases",
    )
    return f"2 → 30 → 20 → 2: {weights} weights and {biases} biases, {weights + biases} trainable parameters."


@checker
def check_a_4(a: torch.Tensor, b: torch.Tensor, product: torch.Tensor) -> str:
    """Exercise A.4: ``a`` is 100×200, ``b`` is 200×300 and ``product`` is ``a @ b`` (on any device).

    >>> a, b = torch.rand(100, 200), torch.rand(200, 300)
    >>> check_a_4(a, b, a @ b)
    ✅ Correct: a 100×200 by 200×300 product is 100×300, 6,000,000 multiply-adds, and it matches a @ b on the CPU.
    True
    >>> check_a_4(a, b, (a @ b).T)
    ❌ Not yet: product has shape (300, 100); a @ b of a 100×200 and a 200×300 matrix is (100, 300)
    False
    """
    for name, value in (("a", a), ("b", b), ("product", product)):
        is_matrix = isinstance(value, torch.Tensor) and value.dim() == 2
        expect(is_matrix, f"{name} must be a 2-D tensor (a matrix), got {type(value).__name__}")
    shapes = f"a is {tuple(a.shape)} and b {tuple(b.shape)}"
    expect(
        tuple(a.shape) != (200, 100) and tuple(b.shape) != (300, 200),
        f"{shapes}: the exercise has a 100×200 a, a 200×300 b",
    )
    expect(
        (tuple(a.shape), tuple(b.shape)) == ((100, 200), (200, 300)),
        f"{shapes}: make them torch.rand(100, 200), torch.rand(200, 300)",
    )
    expect(
        tuple(product.shape) == (100, 300),
        f"product has shape {tuple(product.shape)}; a @ b of a 100×200 and a 200×300 matrix is (100, 300)",
    )
    # Recomputed on the CPU. A GPU adds in another order (and may round through TF32), so compare with a tolerance;
    # a product of other matrices misses it by far more.
    expected = a.detach().cpu().float() @ b.detach().cpu().float()
    close = torch.allclose(product.detach().cpu().float(), expected, rtol=1e-3, atol=1e-3)
    expect(close, "product is not a @ b of these a and b: compute it from the same two matrices")
    return (
        f"a 100×200 by 200×300 product is 100×300, {100 * 200 * 300:,} multiply-adds, and it matches a @ b on the CPU."
    )


@checker
def check_rank_shards(shards: list[list[int]]) -> str:
    """The A.9 exercise: the indices each of 3 ranks reads after ``set_epoch(1)`` (the sampler's default seed, 0).

    >>> check_rank_shards([[0, 3], [4, 1], [2, 0]])
    ✅ Correct: 3 ranks read 2 examples each after set_epoch(1); example 0 is read twice (the padding).
    True
    >>> check_rank_shards([[4, 3], [0, 2], [1, 4]])
    ❌ Not yet: these are epoch 0's shards: set_epoch(1) shuffles with seed 0 + 1, the order the exercise gives
    False
    """
    is_list = isinstance(shards, list | tuple) and all(isinstance(s, list | tuple) for s in shards)
    expect(is_list, f"shards must be a list with one list of example indices per rank, got {type(shards).__name__}")
    shards = [list(shard) for shard in shards]
    strays = [i for shard in shards for i in shard if isinstance(i, bool) or not isinstance(i, numbers.Integral)]
    expect(not strays, f"shards must hold example indices (ints), got {shown(strays[:1])}")
    from helpers.appendix_a.ddp import rank_shards

    n, world_size, epoch, seed = SHARDS.values()
    expected = rank_shards(n, world_size, epoch, seed)
    order = [i for step in zip(*expected, strict=True) for i in step]  # the shuffled, padded order
    blocks = [order[r * len(expected[0]) : (r + 1) * len(expected[0])] for r in range(world_size)]
    in_order = [*range(n), *range(-n % world_size)]  # shuffle=False: 0..n-1, padded from the start
    expect(len(shards) == world_size, f"shards has {len(shards)} lists: give one per rank, {world_size} ranks")
    expect(
        shards != rank_shards(n, world_size, 0, seed),
        "these are epoch 0's shards: set_epoch(1) shuffles with seed 0 + 1, the order the exercise gives",
    )
    expect(
        shards != rank_shards(n, world_size, epoch, 123),
        "seed=123 is the model's seed: the script's sampler keeps its default, 0",
    )
    expect(
        shards != [in_order[r::world_size] for r in range(world_size)],
        "these are the examples in stored order: the sampler shuffles (shuffle=True is its default)",
    )
    expect(
        len({len(shard) for shard in shards}) == 1,
        "the ranks read different numbers of examples: "
        "the sampler repeats examples from the start until every rank gets as many",
    )
    expect(
        shards != blocks, f"rank r takes positions r, r + {world_size}, ... of the shuffled order, not a block of it"
    )
    expect(
        sorted(i for s in shards for i in s) != sorted(order) or shards == expected,
        f"the right examples, in another order: the sampler shuffles with seed + epoch = {seed + epoch}",
    )
    expect(
        shards == expected,
        "not the sampler's shards: start from the exercise's order and apply the sampler's rule step by step",
    )
    twice = sorted({i for i in order if order.count(i) > 1})
    return (
        f"{world_size} ranks read {len(expected[0])} examples each after set_epoch({epoch}); "
        f"example {', '.join(map(str, twice))} is read twice (the padding)."
    )
