"""Does the HTML export stay linear in the length of an ANSI-coloured output?

Run from the repository root::

    python -m benchmarks.export                # 10k and 80k lines (a few minutes on 2 busy cores)
    python -m benchmarks.export --lines 5000 40000

Each size is one notebook with one code cell whose stdout holds that many
lines, each with three colour codes (``\\x1b[3Xm``, a reset, bold green),
exported by :func:`tools.export.export_html` into one folder (MathJax is
copied, and one export run, before any timing). It prints

- the seconds of the ``ansi2html`` filter alone, the export's
  (:func:`tools.ansi.ansi2html`) against nbconvert's own, which slices off the
  rest of the text after every code and so grows with the square of the length
  (nbconvert's is timed on the smaller sizes only: it takes minutes at 80k);
- the seconds of the whole export at each size, and the ratio of the largest
  to the smallest, as measured and net of the export's fixed cost (the same
  notebook with an empty output: reading the templates, writing the page).
  Linear time gives a ratio near ``largest / smallest`` lines (8 for 80k
  against 10k); a square would give 64.

Each time is the best of ``--rounds`` runs (default 1). The export's time is
mostly nbconvert's own template and BeautifulSoup pass (linear): run on an
idle machine before comparing with the recorded figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat
from nbconvert.filters.ansi import ansi2html as nbconvert_ansi2html

from tools.ansi import ansi2html
from tools.export import copy_mathjax, export_html


def coloured_lines(n: int) -> str:
    """``n`` lines of stdout, each with three ANSI colour codes."""
    return "".join(f"\x1b[3{i % 8}mline {i}\x1b[0m plain \x1b[1;32mok\x1b[0m\n" for i in range(n))


def best_seconds(call, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def export_seconds(n: int, tmp: Path, rounds: int) -> float:
    """Best wall-clock seconds to export a repository of one notebook with ``n`` coloured lines."""
    root = tmp / f"repo-{n}"
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    cell = nbformat.v4.new_code_cell("print(log)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=coloured_lines(n))]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [cell]
    nbformat.write(notebook, root / "notebooks" / "log.ipynb")
    return best_seconds(lambda: export_html(tmp / "out", root), rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 80_000], help="sizes, smallest first")
    parser.add_argument("--rounds", type=int, default=1, help="runs per size; the best counts")
    args = parser.parse_args()
    sizes = sorted(args.lines)
    small, large = sizes[0], sizes[-1]
    half = small // 2
    texts = {n: coloured_lines(n) for n in [half, *sizes]}
    print(f"{'ansi2html filter alone':<40} " + " ".join(f"{n:>9,} lines" for n in sizes))
    ours = {n: best_seconds(lambda n=n: ansi2html(texts[n]), args.rounds) for n in sizes}
    print(f"{'  tools.ansi (the export)':<40} " + " ".join(f"{ours[n]:>13.2f} s" for n in sizes))
    theirs = {n: best_seconds(lambda n=n: nbconvert_ansi2html(texts[n]), args.rounds) for n in (half, small)}
    print(
        f"  nbconvert's filter: {theirs[half]:.2f} s at {half:,} lines, {theirs[small]:.2f} s at {small:,} "
        f"({theirs[small] / theirs[half]:.1f}x for 2x the lines; {theirs[small] / ours[small]:.0f}x tools.ansi's time)"
    )
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        copy_mathjax(tmp / "out")
        export_seconds(0, tmp, 1)  # untimed: the first export also imports and compiles the templates
        fixed = export_seconds(0, tmp, args.rounds)
        total = {n: export_seconds(n, tmp, args.rounds) for n in sizes}
    print(f"{'whole export (tools.export.export_html)':<40} " + " ".join(f"{total[n]:>13.2f} s" for n in sizes))
    print(f"  the same notebook with an empty output (the fixed cost): {fixed:.2f} s")
    net = (total[large] - fixed) / (total[small] - fixed)
    print(
        f"ratio {large:,} / {small:,} lines: filter {ours[large] / ours[small]:.1f}; export "
        f"{total[large] / total[small]:.1f} as measured, {net:.1f} net of the fixed cost "
        f"(linear: {large / small:.0f}; quadratic: {(large / small) ** 2:.0f})"
    )


if __name__ == "__main__":
    main()
