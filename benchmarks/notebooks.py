"""How long does each notebook take to run top to bottom in a fresh kernel?

Run from the repository root::

    python -m benchmarks.notebooks                      # every notebook (about 2 minutes on 2 cores)
    python -m benchmarks.notebooks notebooks/03.1-*.ipynb

Each notebook is executed as a reader's Run All would: a fresh ``python3``
kernel started in ``notebooks/``, every cell in order, nothing saved. The
time printed is wall-clock from asking for the kernel to the last cell's
output, so it includes the kernel's start and the imports of the first cell
(on this project about 2 s of every notebook). The budgets are the ones the
notebooks must keep on 2 CPU cores: 15 s each (the last column says whether
it did) and 150 s for all of them (the last line). Going-further notebooks
count too: they are found like the others.
Wall-clock time counts whatever else the machine is doing: measure on an idle
machine and read ``nproc`` (printed first) before comparing with the budget.

A notebook that raises outside a ``raises-exception`` cell stops the run with
its error, as it would fail nbval.
"""

from __future__ import annotations

import argparse
import glob
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 15.0
"""Every notebook runs in at most this many seconds on 2 cores (DEVELOPERS.md, issue 9)."""
TOTAL_BUDGET_S = 150.0
"""All notebooks together run in at most this many seconds on 2 cores."""


def run_seconds(path: Path) -> float:
    """Wall-clock seconds to execute ``path`` in a fresh kernel, kernel start included."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook paths or globs (default: notebooks/*.ipynb)")
    args = parser.parse_args()
    patterns = args.notebooks or [str(ROOT / "notebooks" / "*.ipynb")]
    paths = [Path(p) for pattern in patterns for p in sorted(glob.glob(pattern))]
    if not paths:
        raise SystemExit(f"no notebook matches {patterns}")
    print(f"{os.cpu_count()} CPU cores; budget {BUDGET_S:.0f} s per notebook, kernel start included")
    print(f"{'notebook':<48} {'seconds':>8}  within budget")
    times = {}
    for path in paths:
        times[path] = run_seconds(path)
        print(f"{path.stem:<48} {times[path]:8.1f}  {'yes' if times[path] <= BUDGET_S else 'NO'}", flush=True)
    slowest = max(times, key=times.get)
    total = sum(times.values())
    within = "yes" if total <= TOTAL_BUDGET_S else "NO"
    print(f"total {total:.1f} s for {len(times)} notebooks (within {TOTAL_BUDGET_S:.0f} s: {within}); ", end="")
    print(f"slowest {slowest.stem} ({times[slowest]:.1f} s)")


if __name__ == "__main__":
    main()
