"""tools/dev.py: when the venv is refreshed, and which interpreter each platform uses."""

from __future__ import annotations

import os
from pathlib import Path

from tools.dev import COMMANDS, is_stale, venv_python


def test_venv_is_stale_until_installed_and_again_when_an_input_changes(tmp_path):
    requirements, pyproject, stamp = (tmp_path / name for name in ("requirements.txt", "pyproject.toml", ".installed"))
    requirements.write_text("torch==2.13.0\n")
    pyproject.write_text("[project]\n")
    assert is_stale(stamp, [requirements, pyproject]), "never installed"
    stamp.touch()
    os.utime(requirements, (1_000, 1_000))
    os.utime(pyproject, (1_000, 1_000))
    os.utime(stamp, (2_000, 2_000))
    assert not is_stale(stamp, [requirements, pyproject])
    os.utime(pyproject, (3_000, 3_000))  # pyproject.toml edited after the install
    assert is_stale(stamp, [requirements, pyproject])


def test_each_platform_gets_its_own_interpreter_path():
    assert venv_python(Path(".venv"), windows=True) == Path(".venv", "Scripts", "python.exe")
    assert venv_python(Path(".venv"), windows=False) == Path(".venv", "bin", "python")


def test_fast_run_leaves_out_notebooks_and_the_slow_export():
    fast = COMMANDS["test-fast"]
    assert "notebooks" not in fast and fast[fast.index("-m", 2) + 1] == "not slow"
    assert "tests/browser" in COMMANDS["test-browser"] and "no:nbval" in COMMANDS["test-browser"]
