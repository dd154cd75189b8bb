"""Appendix A's checks: right answers pass, typical wrong ones get their hint and never a traceback."""

from __future__ import annotations

import copy
import importlib.metadata
import platform

import pytest
import torch

from helpers.exercises import appendix_a, check_a_1, check_a_2, check_a_3, check_a_4, check_rank_shards
from tests.test_exercises import assert_right, assert_wrong

SEED_123_SHARDS = [[4, 0], [1, 2], [3, 4]]  # rank_shards(5, 3, 1, sampler_seed=123)

# A.1 and A.2 grade the versions this kernel runs; a difference from the pins is a note on the same line.


def pins_file(tmp_path, versions):
    pins = tmp_path / "requirements.txt"
    pins.write_text("".join(f"{name}=={version}\n" for name, version in versions.items()))
    return pins


def test_a_1_right(capsys):
    assert_right(check_a_1(platform.python_version(), torch.__version__), capsys, "requirements.txt pins")
    assert_right(check_a_1(platform.python_version() + "\n", torch.__version__.split("+")[0]), capsys)


@pytest.mark.parametrize(
    ("python_version", "torch_version", "hint"),
    [
        (torch.__version__, platform.python_version(), "Python's version first"),
        ("2.7.18", torch.__version__, "not '2.7.18'"),
        (platform.python_version(), "1.0.0", "not '1.0.0'"),
        (3.11, torch.__version__, "python_version must be a str"),
        (None, None, "python_version must be a str"),
        (platform.python_version(), None, "torch_version must be a str"),
    ],
)
def test_a_1_wrong(capsys, python_version, torch_version, hint):
    assert_wrong(check_a_1(python_version, torch_version), capsys, hint)


def test_a_1_no_attempt_does_not_print_the_answer(capsys):
    check_a_1(None, None)
    line = capsys.readouterr().out
    assert platform.python_version() not in line and torch.__version__ not in line


def test_a_1_passes_away_from_the_pins_and_says_so(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(appendix_a, "REQUIREMENTS", pins_file(tmp_path, {"torch": "0.0.1"}))
    assert_right(check_a_1(platform.python_version(), torch.__version__), capsys, "differ", "pinned 0.0.1")
    monkeypatch.setattr(appendix_a, "REQUIREMENTS", tmp_path / "missing.txt")
    assert_right(check_a_1(platform.python_version(), torch.__version__), capsys, "no missing.txt here")
    monkeypatch.setattr(appendix_a, "MIN_PYTHON", (99, 0))
    assert_right(check_a_1(platform.python_version(), torch.__version__), capsys, "older than the 99.0")


@pytest.fixture
def versions():
    return {name: importlib.metadata.version(name) for name in appendix_a.LIBRARIES}


def test_a_2_right(capsys, versions):
    assert_right(check_a_2(versions), capsys, "torch, numpy, tiktoken, regex and matplotlib", "requirements.txt pins")


def test_a_2_wrong(capsys, versions):
    assert_wrong(check_a_2({"torch": versions["torch"]}), capsys, "no numpy, tiktoken, regex, matplotlib")
    assert_wrong(check_a_2(versions | {"numpy": "1.26.0"}), capsys, "not '1.26.0'", "version('numpy')")
    assert_wrong(check_a_2(versions | {"regex": 2026}), capsys, "versions['regex'] must be a str")
    assert_wrong(check_a_2(None), capsys, "versions must be a dict")
    assert_wrong(check_a_2(list(versions.items())), capsys, "versions must be a dict", "got list")


def test_a_2_not_installed(capsys, versions, monkeypatch):
    real = importlib.metadata.version

    def without_regex(name):
        if name == "regex":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", without_regex)
    assert_wrong(check_a_2(versions), capsys, "regex is not installed")


def test_a_2_passes_away_from_the_pins_and_says_so(capsys, versions, monkeypatch, tmp_path):
    pinned = dict.fromkeys(appendix_a.LIBRARIES, "0.0.1")
    monkeypatch.setattr(appendix_a, "REQUIREMENTS", pins_file(tmp_path, pinned))
    assert_right(check_a_2(versions), capsys, "differ", "numpy", "pinned 0.0.1")


# A.3


def test_a_3_right(capsys):
    assert_right(check_a_3(752), capsys, "700 weights and 52 biases")


@pytest.mark.parametrize(
    ("num_params", "hint"),
    [
        (700, "weights only"),
        (52, "biases only"),
        (2213, "50-input, 3-output network"),
        (750, "2 → 30 → 20 → 2"),
        ("752", "num_params must be an int"),
        (None, "num_params must be an int"),
        (True, "num_params must be an int"),
    ],
)
def test_a_3_wrong(capsys, num_params, hint):
    assert_wrong(check_a_3(num_params), capsys, hint)


# A.4


@pytest.fixture
def matrices():
    torch.manual_seed(123)
    return torch.rand(100, 200), torch.rand(200, 300)


def test_a_4_right(capsys, matrices):
    a, b = matrices
    assert_right(check_a_4(a, b, a @ b), capsys, "100×300", "6,000,000")
    assert_right(check_a_4(a, b, a.double() @ b.double()), capsys)  # another precision is still the product


def test_a_4_wrong(capsys, matrices):
    a, b = matrices
    assert_wrong(check_a_4(a, b, (a @ b).T), capsys, "shape (300, 100)")
    assert_wrong(check_a_4(a.T, b.T, b.T @ a.T), capsys, "the exercise has a 100×200 a")
    assert_wrong(check_a_4(a[:10], b, a[:10] @ b), capsys, "torch.rand(100, 200)")
    assert_wrong(check_a_4(a, b, torch.rand(100, 200) @ b), capsys, "not a @ b of these a and b")
    assert_wrong(check_a_4(a, b, (a @ b).tolist()), capsys, "product must be a 2-D tensor", "got list")
    assert_wrong(check_a_4(a.flatten(), b, a @ b), capsys, "a must be a 2-D tensor")
    assert_wrong(check_a_4(None, None, None), capsys, "a must be a 2-D tensor")


# A.9: three ranks


def test_rank_shards_right(capsys):
    assert_right(check_rank_shards([[0, 3], [4, 1], [2, 0]]), capsys, "example 0 is read twice")
    assert_right(check_rank_shards(((0, 3), (4, 1), (2, 0))), capsys)


@pytest.mark.parametrize(
    ("shards", "hints"),
    [
        ([[4, 3], [0, 2], [1, 4]], ("epoch 0's shards", "set_epoch(1)")),
        (SEED_123_SHARDS, ("seed=123 is the model's seed",)),
        ([[0, 3], [1, 4], [2, 0]], ("stored order", "shuffles")),
        ([[0, 3], [4, 1], [2]], ("different numbers of examples",)),
        ([[0, 4], [2, 3], [1, 0]], ("positions r, r + 3",)),
        ([[3, 0], [4, 1], [2, 0]], ("another order", "seed + epoch")),
        ([[0, 3, 4], [1, 2, 0]], ("give one per rank, 3 ranks",)),
        ([[1, 1], [2, 2], [3, 3]], ("not the sampler's shards",)),
        ("4 0 1 2 3 4", ("shards must be a list",)),
        (None, ("shards must be a list",)),
    ],
)
def test_rank_shards_wrong(capsys, shards, hints):
    assert_wrong(check_rank_shards(shards), capsys, *hints)


# Every check leaves the reader's state as it was: the random generators and the arguments.


@pytest.mark.parametrize(
    ("check", "args"),
    [
        (check_a_3, (752,)),
        (check_a_3, (700,)),
        (check_a_4, (torch.rand(100, 200), torch.rand(200, 300), torch.rand(100, 300))),
        (check_rank_shards, ([[0, 3], [4, 1], [2, 0]],)),
        (check_rank_shards, ([[4, 3], [0, 2], [1, 4]],)),
    ],
)
def test_checks_leave_the_readers_state_alone(capsys, check, args):
    torch.manual_seed(7)
    expected_next = torch.rand(3)
    torch.manual_seed(7)
    before = copy.deepcopy(args)
    check(*args)
    capsys.readouterr()
    assert torch.equal(torch.rand(3), expected_next), "the check moved the global random generator"
    for old, new in zip(before, args, strict=True):
        assert torch.equal(old, new) if isinstance(old, torch.Tensor) else old == new, "the check changed an argument"
