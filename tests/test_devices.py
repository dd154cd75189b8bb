"""helpers.appendix_a.devices: CUDA, then MPS, then the CPU, as the book picks; LLMFS_DEVICE overrides; clear errors.

Availability is faked with monkeypatch, so every kind of machine is tested on this one.
"""

from __future__ import annotations

import pytest
import torch

from helpers.appendix_a.devices import ATOL, DEVICE_ENV_VAR, RTOL, close_across_devices, pick_device, resolve_device
from tests.nbtools import notebook_namespace

MACHINES = {
    "cpu only": (False, False),
    "nvidia": (True, False),
    "apple": (False, True),
    "both": (True, True),
}


@pytest.fixture
def machine(monkeypatch):
    """Pretend the machine has (cuda, mps) available."""

    def fake(cuda: bool, mps: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return fake


@pytest.fixture(autouse=True)
def no_device_variable(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)


BOOK_CHOICE = {"cpu only": "cpu", "nvidia": "cuda", "apple": "mps", "both": "cuda"}
"""What the book's rule picks on each machine: CUDA, then MPS, then the CPU."""


@pytest.mark.parametrize("kind", MACHINES)
def test_default_is_the_books_rule(machine, kind):
    machine(*MACHINES[kind])
    assert pick_device() == torch.device(BOOK_CHOICE[kind])


@pytest.mark.parametrize("value", ["", "  "])
@pytest.mark.parametrize("kind", MACHINES)
def test_empty_variable_means_the_default(machine, monkeypatch, kind, value):
    machine(*MACHINES[kind])
    monkeypatch.setenv(DEVICE_ENV_VAR, value)
    assert pick_device() == torch.device(BOOK_CHOICE[kind])


@pytest.mark.parametrize("kind", MACHINES)
def test_auto_is_the_books_rule(machine, monkeypatch, kind):
    machine(*MACHINES[kind])
    monkeypatch.setenv(DEVICE_ENV_VAR, "auto")
    assert pick_device() == torch.device(BOOK_CHOICE[kind])
    assert pick_device("auto") == torch.device(BOOK_CHOICE[kind])


@pytest.mark.parametrize("kind", MACHINES)
def test_variable_cpu_overrides_a_gpu(machine, monkeypatch, kind):
    machine(*MACHINES[kind])
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert pick_device() == torch.device("cpu")


@pytest.mark.parametrize("setting", ["cuda", "mps", "cpu"])
def test_explicit_device_when_available(machine, monkeypatch, setting):
    machine(True, True)
    monkeypatch.setenv(DEVICE_ENV_VAR, setting)
    assert pick_device() == torch.device(setting)


def test_setting_is_case_and_space_insensitive(machine, monkeypatch):
    machine(True, False)
    monkeypatch.setenv(DEVICE_ENV_VAR, " Auto ")
    assert pick_device() == torch.device("cuda")
    assert pick_device("CPU") == torch.device("cpu")


def test_argument_overrides_the_variable(machine, monkeypatch):
    machine(True, False)
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda")
    assert pick_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize(("setting", "kind"), [("cuda", "cpu only"), ("cuda", "apple"), ("mps", "nvidia")])
def test_unavailable_device_is_an_error_not_a_fallback(machine, monkeypatch, setting, kind):
    machine(*MACHINES[kind])
    monkeypatch.setenv(DEVICE_ENV_VAR, setting)
    with pytest.raises(ValueError, match=rf"LLMFS_DEVICE='{setting}' asks for .* but none is available"):
        pick_device()
    with pytest.raises(ValueError, match=rf"setting='{setting}' asks for"):
        pick_device(setting)


@pytest.mark.parametrize("value", ["gpu", "cuda:0", "metal", "1"])
def test_invalid_variable_names_the_variable(monkeypatch, value):
    monkeypatch.setenv(DEVICE_ENV_VAR, value)
    with pytest.raises(ValueError, match=rf"LLMFS_DEVICE must be one of 'auto', 'cpu', 'cuda', 'mps', got '{value}'"):
        pick_device()


def test_invalid_argument_names_the_argument():
    with pytest.raises(ValueError, match="setting must be one of .*, got 'gpu'"):
        pick_device("gpu")


@pytest.mark.parametrize("bad", [1, b"cpu", torch.device("cpu")])
def test_wrong_types(bad):
    with pytest.raises(TypeError, match="setting must be a str"):
        pick_device(bad)
    with pytest.raises(TypeError, match="setting must be a str"):
        resolve_device(bad, cuda_available=False, mps_available=False)


def test_resolve_device_checks_its_flags():
    with pytest.raises(TypeError, match="cuda_available must be True or False"):
        resolve_device("auto", cuda_available=1, mps_available=False)
    with pytest.raises(TypeError, match="mps_available must be True or False"):
        resolve_device("auto", cuda_available=False, mps_available=None)


def test_close_across_devices_uses_the_tolerances():
    base = torch.tensor([1.0, 0.0])
    assert close_across_devices(base, base + torch.tensor([RTOL / 2, ATOL / 2]))
    assert not close_across_devices(base, base + torch.tensor([3 * RTOL, 0.0]))
    assert not close_across_devices(base, base + torch.tensor([0.0, 3 * ATOL]))
    with pytest.raises(ValueError, match="same shape"):
        close_across_devices(base, base[:1])
    with pytest.raises(TypeError, match="expected must be a torch.Tensor"):
        close_across_devices(base, [1.0, 0.0])


def test_notebook_rule_equals_helpers_on_every_machine(monkeypatch):
    """The notebook's step-by-step picker and helpers agree on every setting, machine and typo."""
    nb = notebook_namespace("00c-going-further-ddp-faults.ipynb")
    for cuda, mps in MACHINES.values():
        for setting in ["cpu", "cuda", "mps", "auto", "AUTO", "gpu"]:
            try:
                ours = nb["choose_device"](setting, cuda, mps)
            except ValueError:
                ours = "error"
            try:
                theirs = resolve_device(setting, cuda_available=cuda, mps_available=mps)
            except ValueError:
                theirs = "error"
            assert ours == theirs, (setting, cuda, mps)


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (torch.float32, torch.float64),
        (torch.float16, torch.float32),
        (torch.bfloat16, torch.float16),
        (torch.float32, torch.complex64),
        (torch.complex64, torch.complex128),
    ],
)
def test_close_across_devices_compares_different_float_dtypes_in_the_wider_one(low, high):
    reference = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    for a, b in ((low, high), (high, low)):
        assert close_across_devices(reference.to(a), reference.to(b))
        assert not close_across_devices(reference.to(a), (reference * 1.01).to(b))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8, torch.bool])
def test_close_across_devices_refuses_floats_against_exact_dtypes_naming_both(dtype):
    exact, floats = torch.ones(3, dtype=dtype), torch.ones(3)
    for actual, expected in ((exact, floats), (floats, exact)):
        with pytest.raises(TypeError, match="dtype") as caught:
            close_across_devices(actual, expected)
        assert str(actual.dtype) in str(caught.value) and str(expected.dtype) in str(caught.value)


@pytest.mark.parametrize(("a", "b"), [(torch.int64, torch.int64), (torch.int32, torch.int64), (torch.bool, torch.bool)])
def test_close_across_devices_asks_exact_dtypes_to_be_equal(a, b):
    counts = torch.tensor([0, 1, 1])
    assert close_across_devices(counts.to(a), counts.to(b))
    assert not close_across_devices(counts.to(a), torch.tensor([1, 1, 1]).to(b))  # no tolerance for a count


@pytest.mark.parametrize("bad", [None, 1.0, [1.0], "1.0"], ids=repr)
def test_close_across_devices_names_the_argument_that_is_not_a_tensor(bad):
    with pytest.raises(TypeError, match="actual must be a torch.Tensor"):
        close_across_devices(bad, torch.ones(1))
    with pytest.raises(TypeError, match="expected must be a torch.Tensor"):
        close_across_devices(torch.ones(1), bad)


def test_close_across_devices_refuses_shapes_that_differ_even_when_they_broadcast():
    with pytest.raises(ValueError, match=r"same shape.*\(2, 3\) and \(3,\)"):
        close_across_devices(torch.ones(2, 3), torch.ones(3, dtype=torch.float64))
    assert close_across_devices(torch.ones(2, 3, requires_grad=True), torch.ones(2, 3, dtype=torch.float64))
