"""tools/dev.py: when the venv is refreshed, which interpreter each platform uses, how `test` splits the suite."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

from tools.dev import COMMANDS, FAST, ROOT, TEST_PARTS, fast_parts, is_stale, run_together, venv_python


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


def test_fast_run_leaves_out_notebooks_and_the_slow_tests_and_covers_every_test_file():
    assert FAST[FAST.index("-m", 1) + 1] == "not slow"
    parts = [path for part in fast_parts() for path in part]
    assert not any("notebooks" in path for path in parts) and len(parts) == len(set(parts))
    test_files = {f"tests/{path.name}" for path in (ROOT / "tests").glob("test_*.py")}
    assert {path for path in parts if path.startswith("tests/")} == test_files
    assert "tests/browser" in COMMANDS["test-browser"] and "no:nbval" in COMMANDS["test-browser"]


def test_full_run_covers_every_test_path_once():
    """`make test` runs its two halves side by side; together they are exactly pytest's testpaths."""
    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    parts = [path for part in TEST_PARTS for path in part]
    assert sorted(parts) == sorted(testpaths["testpaths"]) and len(parts) == len(set(parts))


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [((0, 0), 0), ((0, 5), 0), ((5, 0), 0), ((5, 5), 5), ((1, 0), 1), ((0, 2), 2), ((5, 1), 1)],
)
def test_run_together_passes_only_if_every_part_passes(statuses, expected, capfd):
    commands = [[sys.executable, "-c", f"print('part {n}'); raise SystemExit({s})"] for n, s in enumerate(statuses)]
    assert run_together(commands, dict(os.environ)) == expected
    out = capfd.readouterr().out
    assert 0 <= out.index("part 0") < out.index("part 1")  # the second part's output is kept and printed after
