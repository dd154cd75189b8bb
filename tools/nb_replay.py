"""Re-run a notebook's code cells in plain Python and compare what they print with the saved outputs.

A small stand-in for strict nbval where Jupyter is not installed (a GPU machine's own Python, say):
the cells run in order in one namespace, each cell's printed text is compared with its saved
``stream`` outputs after the same substitutions as ``tests/nbval_sanitize.cfg`` (timings,
addresses), a cell tagged ``raises-exception`` must raise the saved error's type, and a cell
tagged ``nbval-ignore-output`` is run but not compared. Rich outputs (figures) are not compared.

    python tools/nb_replay.py notebooks/00b-appendix-a9-devices-and-ddp.ipynb

Exit status 1 when any cell differs or raises unexpectedly.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SANITIZE = REPO_ROOT / "tests" / "nbval_sanitize.cfg"


def substitutions(path: Path = SANITIZE) -> list[tuple[re.Pattern, str]]:
    """The ``regex:``/``replace:`` pairs of an nbval sanitize file, in order."""
    pairs, pattern = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("regex: "):
            pattern = re.compile(line[len("regex: ") :])
        elif line.startswith("replace: ") and pattern is not None:
            pairs.append((pattern, line[len("replace: ") :]))
            pattern = None
    return pairs


def sanitize(text: str, pairs: list[tuple[re.Pattern, str]]) -> str:
    """``text`` with every substitution applied and trailing spaces dropped.

    >>> sanitize("took 3.2 s at 0x7f3a ", [(re.compile(r"\\d+\\.\\d+ s"), "TIME")])
    'took TIME at 0x7f3a'
    """
    for pattern, replacement in pairs:
        text = pattern.sub(replacement, text)
    return text.rstrip()


def replay(notebook: str | Path) -> list[str]:
    """Run ``notebook``'s code cells in order (working directory: its folder); describe each difference."""
    path = Path(notebook).resolve()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    pairs, problems = substitutions(), []
    main = types.ModuleType("__main__")  # as in a kernel, the cells' functions belong to a module __main__
    saved_main, saved_cwd = sys.modules["__main__"], os.getcwd()
    sys.modules["__main__"], namespace = main, main.__dict__
    os.chdir(path.parent)
    try:
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            tags = cell.get("metadata", {}).get("tags", [])
            saved = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream")
            error = next((o["ename"] for o in cell.get("outputs", []) if o["output_type"] == "error"), None)
            printed, raised = io.StringIO(), None
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
                try:
                    exec(compile(source, f"{path.name}, cell {index}", "exec"), namespace)
                except Exception as exc:  # a cell's own error is what is being compared
                    raised = type(exc).__name__
            if "raises-exception" in tags:
                if raised != error:
                    problems.append(f"{path.name} cell {index}: expected {error}, got {raised or 'no error'}")
            elif raised is not None:
                problems.append(f"{path.name} cell {index}: raised {raised}")
            elif "nbval-ignore-output" not in tags and sanitize(printed.getvalue(), pairs) != sanitize(saved, pairs):
                problems.append(f"{path.name} cell {index}: printed\n{printed.getvalue()}\n-- saved --\n{saved}")
    finally:
        sys.modules["__main__"] = saved_main
        os.chdir(saved_cwd)
    return problems


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    found = [problem for notebook in [Path(a).resolve() for a in sys.argv[1:]] for problem in replay(notebook)]
    print("\n".join(found) or f"nb_replay: the saved outputs of {len(sys.argv) - 1} notebook(s) match")
    sys.exit(1 if found else 0)
