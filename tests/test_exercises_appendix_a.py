"""Appendix A's checks: right answers pass, typical wrong ones get their hint and never a traceback."""

from __future__ import annotations

import importlib.metadata
import platform

import pytest
import torch

from helpers.exercises import appendix_a, check_a_1, check_a_2, check_a_3, check_a_4, check_rank_shards
from tests.test_exercises import assert_right, assert_wrong

# A.1


def test_a_1_right(capsys):
    assert_right(check_a_1(platform.python_version(), torch.__version__), capsys, "requirements.txt pins")


@pytest.mark.parametrize(
    ("python_version", "torch_version", "hint"),
    [
        (torch.__version__, platform.python_version(), "pass platform.python_version() first"),
        ("2.7.18", torch.__version__, "not 2.7.18"),
        (platform.python_version(), "1.0.0", "not 1.0.0"),
        (3.11, torch.__version__, "python_version must be a str"),
        (platform.python_version(), None, "torch_version must be a str"),
    ],
)
def test_a_1_wrong(capsys, python_version, torch_version, hint):
    assert_wrong(check_a_1(python_version, torch_version), capsys, hint)


def test_a_1_too_old_or_not_the_pin(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(appendix_a, "MIN_PYTHON", (99, 0))
    assert_wrong(check_a_1(platform.python_version(), torch.__version__), capsys, "too old", "99.0")
    monkeypatch.undo()
    pins = tmp_path / "requirements.txt"
    pins.write_text("torch==0.0.1\n")
    monkeypatch.setattr(appendix_a, "REQUIREMENTS", pins)
    assert_wrong(check_a_1(platform.python_version(), torch.__version__), capsys, "pins 0.0.1", "rebuild")
    monkeypatch.setattr(appendix_a, "REQUIREMENTS", tmp_path / "missing.txt")
    assert_wrong(check_a_1(platform.python_version(), torch.__version__), capsys, "is missing")


# A.2


@pytest.fixture
def versions():
    return {name: importlib.metadata.version(name) for name in appendix_a.LIBRARIES}


def test_a_2_right(capsys, versions):
    assert_right(check_a_2(versions), capsys, "torch, numpy, tiktoken, regex and matplotlib")


def test_a_2_wrong(capsys, versions, monkeypatch, tmp_path):
    assert_wrong(check_a_2({"torch": versions["torch"]}), capsys, "no numpy, tiktoken, regex, matplotlib")
    assert_wrong(check_a_2(versions | {"numpy": "1.26.0"}), capsys, "not 1.26.0", "importlib.metadata.version('numpy')")
    assert_wrong(check_a_2(versions | {"regex": 2026}), capsys, "versions['regex'] must be a str")
    assert_wrong(check_a_2(list(versions.items())), capsys, "versions must be a dict", "got list")
    pins = tmp_path / "requirements.txt"
    pins.write_text("".join(f"{name}==0.0.1\n" for name in appendix_a.LIBRARIES))
    monkeypatch.setattr(appendix_a, "REQUIREMENTS", pins)
    assert_wrong(check_a_2(versions), capsys, "requirements.txt pins 0.0.1")


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


# A.9: three ranks


def test_rank_shards_right(capsys):
    assert_right(check_rank_shards([[4, 0], [1, 2], [3, 4]]), capsys, "example 4 is read twice")
    assert_right(check_rank_shards(((4, 0), (1, 2), (3, 4))), capsys)


@pytest.mark.parametrize(
    ("shards", "hints"),
    [
        ([[2, 3], [0, 4], [1, 2]], ("epoch 0's shards", "set_epoch(1)")),
        ([[0, 3], [1, 4], [2, 0]], ("stored order", "shuffle=True")),
        ([[4, 0], [1, 2], [3]], ("different numbers of examples",)),
        ([[4, 1], [3, 0], [2, 4]], ("positions r, r + 3",)),
        ([[0, 4], [2, 1], [3, 4]], ("another order", "seed + epoch")),
        ([[4, 0, 1], [2, 3, 4]], ("give one per rank, 3 ranks",)),
        ([[0, 1], [2, 3], [4, 0]], ("not the sampler's shards",)),
        ("4 0 1 2 3 4", ("shards must be a list",)),
    ],
)
def test_rank_shards_wrong(capsys, shards, hints):
    assert_wrong(check_rank_shards(shards), capsys, *hints)
