"""The project's commands, the same on Linux, macOS and Windows.

Run it with any Python 3.11+ from the repository root; ``make <command>`` is a
thin wrapper around it::

    python tools/dev.py lab            # JupyterLab on notebooks/   (Windows: py tools\\dev.py lab)
    python tools/dev.py test           # everything: unit tests, doctests, strict nbval, the HTML export
                                       # (notebooks and the rest as two pytest processes side by side)
    python tools/dev.py test-fast      # unit tests and doctests only (no notebooks, no export, no DDP launch),
                                       # in two pytest processes side by side
    python tools/dev.py test-browser   # the notebooks driven in a real browser (needs Chromium)
    python tools/dev.py lint           # ruff check and ruff format --check, code and notebooks
    python tools/dev.py html           # render notebooks and pages to build/html
    python tools/dev.py notebooks [NB ...]   # re-execute notebooks (default: all), save outputs, join split streams
    python tools/dev.py venv           # only create or refresh .venv
    python tools/dev.py lock           # recompile requirements.lock from requirements.txt (uv, pip's sources)

Every command first makes sure ``.venv`` matches ``requirements.lock``
(:func:`tools.install.ensure_venv`: uv at a pinned version, or pip, from pip's
configuration), with this repository's ``helpers`` package installed in
editable mode, so ``import helpers`` works from any folder, notebook kernels
included. Extra arguments after a command go to it (``python tools/dev.py
test-fast -k bpe``; ``make test-fast ARGS="-k bpe"``).

**Offline.** When ``LLMFS_DATA_DIR`` is set, every command that runs
notebooks (``lab``, ``test``, ``test-fast``, ``test-browser``, ``notebooks``)
first seeds tiktoken's cache from that folder (:func:`prepare_offline`), so
``tiktoken.get_encoding("gpt2")`` in a notebook works with no network. The
cache is ``$TIKTOKEN_CACHE_DIR`` (or ``$DATA_GYM_CACHE_DIR``, tiktoken's other
variable); with neither set it is ``.cache/tiktoken`` in the checkout, and the
variable is set for the command, so JupyterLab's kernels and pytest inherit it.

This file uses only the standard library: it runs before the venv exists.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

if not __package__:  # run as a script (python tools/dev.py): make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.install import ROOT, VENV, compile_lock, ensure_venv, run, venv_python  # noqa: E402

PYTEST = ["-m", "pytest"]
TEST_PARTS = (["notebooks"], ["tests", "helpers", "benchmarks", "tools"])
"""``test`` runs these two halves of the suite at once, as two pytest processes.

The notebooks (strict nbval: one fresh kernel after another) take about as
long as everything else together, so on two cores the halves finish in about
the time of the longer one. Only one kernel starts at a time: with two
pytest-xdist workers running notebooks side by side a kernel once died at
start-up.
"""
FAST = [*PYTEST, "-m", "not slow"]
"""``test-fast``: only Python files (with no notebook among the paths nbval collects nothing),
and ``-m "not slow"`` leaves out the HTML export and DDP launch tests (see tests/conftest.py)."""


def fast_parts(root: Path = ROOT) -> list[list[str]]:
    """``test-fast``'s two halves, run side by side: the test files dealt out in turn, doctest folders in the second.

    >>> first, second = fast_parts()
    >>> "tests/test_bpe.py" in first + second and second[-3:] == ["helpers", "benchmarks", "tools"]
    True
    """
    files = sorted(Path(path).as_posix() for path in glob.glob(str(Path("tests", "test_*.py")), root_dir=root))
    return [files[0::2], [*files[1::2], "helpers", "benchmarks", "tools"]]


COMMANDS: dict[str, list[str]] = {
    "lab": ["-m", "tools.lab"],
    # The browser tests are ignored by the configured addopts, which also load nbval;
    # replace them here so that only the browser tests run, without nbval.
    "test-browser": [*PYTEST, "tests/browser", "-p", "no:nbval", "-o", "addopts=-p no:cacheprovider"],
    "html": ["-m", "tools.export", str(Path("build", "html"))],
}
"""Each command as arguments to the venv's Python (``test``, ``test-fast``, ``lint``, ``notebooks``: see main)."""

RUNS_NOTEBOOKS = ("lab", "test", "test-fast", "test-browser", "notebooks")
"""The commands that need tiktoken's cache seeded when ``LLMFS_DATA_DIR`` is set."""
TIKTOKEN_CACHE = ROOT / ".cache" / "tiktoken"
"""tiktoken's cache for the commands when neither of its variables is set (a lasting folder, unlike /tmp)."""
SEED = [
    "-c",
    # helpers.data needs only the standard library: load it without helpers/__init__.py, which imports
    # torch (seconds, before every command).
    "import sys, types\n"
    f"sys.modules['helpers'] = package = types.ModuleType('helpers'); package.__path__ = [{str(ROOT / 'helpers')!r}]\n"
    "from helpers.data import seed_tiktoken_cache\n"
    "seed_tiktoken_cache()",
]

LINT = [["-m", "ruff", "check", "."], ["-m", "ruff", "format", "--check", "."]]
NOTEBOOK_RUN = [
    # nbconvert as a module of the venv's Python, not through the `jupyter` launcher, which runs
    # the `jupyter-nbconvert` script with whatever Python its first line names (another venv's, in a copy).
    *("-m", "nbconvert", "--to", "notebook", "--execute", "--inplace"),
    "--ExecutePreprocessor.record_timing=False",
    # The explorer widget would otherwise save its state (random model ids) into the notebook.
    "--ExecutePreprocessor.store_widget_state=False",
]


def run_together(commands: Sequence[Sequence[str | os.PathLike]], env: dict[str, str]) -> int:
    """Run the commands at the same time; return 0 if all passed, else the first failure's status.

    The first command prints as it runs; the others' output is kept and
    printed after it, one command after another, so no lines interleave.
    pytest's status 5 ("no tests collected", say ``-k`` matched only in one
    half) counts as passed unless every command ends with it.
    """
    with tempfile.TemporaryDirectory() as folder:
        logs = [Path(folder, f"{n}.log") for n in range(len(commands))]
        processes = []
        # The log files are closed before they are read, and before the folder goes (Windows insists).
        with contextlib.ExitStack() as open_logs:
            for n, command in enumerate(commands):
                print("+", " ".join(str(a) for a in command), flush=True)
                out = None if n == 0 else open_logs.enter_context(logs[n].open("wb"))
                processes.append(
                    subprocess.Popen([str(a) for a in command], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
                )
            statuses = [process.wait() for process in processes]
        for n in range(1, len(commands)):
            print(f"\n+ output of: {' '.join(str(a) for a in commands[n])}", flush=True)
            sys.stdout.buffer.write(logs[n].read_bytes())
            sys.stdout.flush()
    failed = [status for status in statuses if status not in (0, 5)]
    if failed:
        return failed[0]
    return 5 if all(status == 5 for status in statuses) else 0


def venv_env() -> dict[str, str]:
    """This process's environment with the venv activated (its scripts first on PATH)."""
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = os.pathsep.join([str(venv_python().parent), env.get("PATH", "")])
    return env


def prepare_offline(python: Path, env: dict[str, str]) -> None:
    """Seed tiktoken's cache from ``LLMFS_DATA_DIR`` when that is set, so notebooks need no network.

    ``env`` (the commands' environment) gets ``TIKTOKEN_CACHE_DIR`` =
    :data:`TIKTOKEN_CACHE` unless it names a cache already; the copying is
    ``helpers.data.seed_tiktoken_cache``, run by the venv's Python. A failure
    is reported and the command still runs: its own errors then say what is
    missing (a notebook's download error names the file and the variable).

    >>> env = {}
    >>> prepare_offline(Path("no-python"), env)  # LLMFS_DATA_DIR unset: nothing to seed from
    >>> env
    {}
    """
    if not env.get("LLMFS_DATA_DIR"):
        return
    if not (env.get("TIKTOKEN_CACHE_DIR") or env.get("DATA_GYM_CACHE_DIR")):
        env["TIKTOKEN_CACHE_DIR"] = str(TIKTOKEN_CACHE)
    if run([python, *SEED], env) != 0:
        print("warning: could not seed tiktoken's cache (see above); notebooks may try to download", flush=True)


def notebook_paths(patterns: Sequence[str]) -> list[str]:
    """Notebooks named by ``patterns`` (globs expanded here, as Windows shells do not), default all.

    >>> [Path(path).name for path in notebook_paths(["notebooks/03.5-*.ipynb"])]
    ['03.5-causal-attention.ipynb']
    """
    if isinstance(patterns, str):  # a str would be globbed one character at a time
        raise TypeError(f"patterns must be a list of paths or globs, got the str {patterns!r}")
    paths = []
    for pattern in patterns or [str(Path("notebooks", "*.ipynb"))]:
        matches = sorted(glob.glob(pattern, root_dir=ROOT))
        if not matches:
            raise SystemExit(f"no notebook matches {pattern!r}; give paths like notebooks/02.6-*.ipynb")
        paths += matches
    return paths


def merge_streams(notebook: str | os.PathLike) -> bool:
    """Join each cell's consecutive outputs on the same stream into one; return whether the file changed.

    Where a cell's printed text is cut into chunks depends on timing, so a
    re-run would otherwise change an unchanged notebook (nbval compares the
    joined text, so the tests see no difference either way). The file is
    written as nbformat writes it.
    """
    path = ROOT / notebook
    content = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in content["cells"]:
        outputs: list[dict] = []
        for output in cell.get("outputs", []):
            last = outputs[-1] if outputs else {}
            if output.get("output_type") == "stream" == last.get("output_type") and output["name"] == last["name"]:
                text = "".join(last["text"]) + "".join(output["text"])
                last["text"], changed = text.splitlines(keepends=True), True
            else:
                outputs.append(output)
        if "outputs" in cell:
            cell["outputs"] = outputs
    if changed:
        path.write_text(json.dumps(content, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, prepare the venv and run the command; return the exit status."""
    parser = argparse.ArgumentParser(description="The project's commands (see the module docstring).")
    parser.add_argument("command", choices=[*COMMANDS, "test", "test-fast", "lint", "notebooks", "venv", "lock"])
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed on (pytest options, notebook paths)")
    ns = parser.parse_args(argv)
    if ns.command == "lock":  # before the venv: it is what the venv is installed from
        return compile_lock()
    python = ensure_venv()
    env = venv_env()
    if ns.command == "venv":
        return 0
    if ns.command in RUNS_NOTEBOOKS:
        prepare_offline(python, env)
    if ns.command == "lint":
        # Both checks run, so one report shows every problem; either failing fails the command.
        return max([run([python, *step, *ns.args], env) for step in LINT])
    if ns.command == "notebooks":
        for notebook in notebook_paths(ns.args):
            if (status := run([python, *NOTEBOOK_RUN, notebook], env)) != 0:
                return status
            merge_streams(notebook)
        return 0
    if ns.command in ("test", "test-fast"):
        command, parts = (PYTEST, TEST_PARTS) if ns.command == "test" else (FAST, fast_parts())
        return run_together([[python, *command, *part, *ns.args] for part in parts], env)
    return run([python, *COMMANDS[ns.command], *ns.args], env)


if __name__ == "__main__":
    sys.exit(main())
