"""A new reader's first run: clone -> JupyterLab answering, with pip and with uv, from empty package caches.

Run it from the repository root with any Python 3.11+ (it needs nothing from the venv)::

    python -m benchmarks.first_run            # both installers, one after the other
    python -m benchmarks.first_run --only uv

For each installer it clones this repository's committed HEAD into a new
temporary folder, points ``UV_CACHE_DIR`` and ``PIP_CACHE_DIR`` at new empty
folders, and runs ``python tools/dev.py lab --no-browser --port <free port>``
there, as a reader's ``make lab`` does (``LLMFS_INSTALLER=pip`` makes the pip
run). Each line the command prints is timestamped; the steps are cut where the
command announces the next one:

- **uv bootstrap**: ``pip install uv`` into ``.cache/`` (uv only);
- **venv**: ``uv venv`` or ``python -m venv``;
- **install**: ``requirements.lock`` (``uv pip sync``, or ``pip install --require-hashes``);
- **editable install**: ``helpers`` in editable mode;
- **lab start**: from there until ``GET /api`` answers.

It prints each step's seconds side by side, the ratio install(uv) /
install(pip) (goal <= 0.4), the total from the clone (goal <= 30 s), and each
``.venv``'s size and whether it holds NVIDIA libraries. One run, on whatever
else the machine is doing: run it on an idle machine, and quote it with its
date. Each run's output is kept in ``build/first-run/<installer>.log``. POSIX
only (it stops JupyterLab's process group).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("clone", "uv bootstrap", "venv", "install", "editable install", "lab start")
MARKERS = {
    # The first line of each step in tools/dev.py's output; the lab starts after the editable install.
    "uv bootstrap": re.compile(r"^installing uv "),
    "venv": re.compile(r"^\+ .*( venv .*--clear| -m venv )"),
    "install": re.compile(r"^\+ .*(pip sync|--require-hashes)"),
    "editable install": re.compile(r"^\+ .*--no-deps -e \.$"),
    "lab start": re.compile(r"^\+ .*(seed_tiktoken_cache|-m tools\.lab)"),
}


def split_steps(events: list[tuple[float, str]], start: float, answered: float) -> dict[str, float]:
    """Seconds per step from timestamped output lines: each step runs until the next one starts.

    >>> lines = [(1.0, "installing uv 0.1"), (3.0, "+ uv venv --clear x"), (4.0, "+ uv pip sync lock"),
    ...          (9.0, "+ uv pip install --no-deps -e ."), (10.0, "+ py -m tools.lab")]
    >>> split_steps(lines, 0.0, 12.0)
    {'uv bootstrap': 2.0, 'venv': 1.0, 'install': 5.0, 'editable install': 1.0, 'lab start': 2.0}
    """
    starts: dict[str, float] = {}
    for when, line in events:
        for step, marker in MARKERS.items():
            if step not in starts and marker.search(line):
                starts[step] = when
    order = sorted(starts.items(), key=lambda item: item[1])
    ends = [when for _, when in order[1:]] + [answered]
    return {step: round(end - begin, 1) for (step, begin), end in zip(order, ends, strict=True)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    """Whether JupyterLab's server answers ``GET /api`` on 127.0.0.1:port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def first_run(installer: str, folder: Path, timeout: float = 900.0) -> dict[str, float | str]:
    """Clone, then ``tools/dev.py lab`` until it answers; return each step's seconds and the venv's facts."""
    clone = folder / "clone"
    env = {**os.environ, "UV_CACHE_DIR": str(folder / "uv-cache"), "PIP_CACHE_DIR": str(folder / "pip-cache")}
    env.pop("VIRTUAL_ENV", None)
    if installer == "pip":
        env["LLMFS_INSTALLER"] = "pip"
    start = time.perf_counter()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    cloned = time.perf_counter()
    port = free_port()
    command = [sys.executable, "tools/dev.py", "lab", "--no-browser", f"--port={port}"]
    lab = subprocess.Popen(
        command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    events: list[tuple[float, str]] = []
    log = ROOT / "build" / "first-run" / f"{installer}.log"  # kept after the clone is gone
    log.parent.mkdir(parents=True, exist_ok=True)

    def read() -> None:
        with log.open("w", encoding="utf-8") as out:
            for line in lab.stdout:
                events.append((time.perf_counter(), line.rstrip("\n")))
                out.write(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while not answers(port):
            if lab.poll() is not None or time.perf_counter() - start > timeout:
                raise SystemExit(f"{installer}: JupyterLab never answered; see {log}")
            time.sleep(0.2)
        answered = time.perf_counter()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)
    result: dict[str, float | str] = {"clone": round(cloned - start, 1)}
    result.update(split_steps(events, cloned, answered))
    result["total"] = round(answered - start, 1)
    du = subprocess.run(["du", "-sh", str(clone / ".venv")], capture_output=True, text=True).stdout.split()
    result["venv size"] = du[0] if du else "?"
    site = list((clone / ".venv" / "lib").glob("python3*/site-packages"))
    nvidia = [p.name for s in site for p in s.iterdir() if p.name.lower().startswith("nvidia")]
    result["NVIDIA libraries"] = ", ".join(nvidia) or "none"
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["pip", "uv"], help="one installer only")
    args = parser.parse_args(argv)
    installers = [args.only] if args.only else ["pip", "uv"]
    results = {}
    for installer in installers:
        # The venv's bytecode may still be compiling in the background (uv's install): never mind it there.
        with tempfile.TemporaryDirectory(prefix=f"first-run-{installer}-", ignore_cleanup_errors=True) as folder:
            print(f"{installer}: cloning into {folder} and running tools/dev.py lab ...", flush=True)
            results[installer] = first_run(installer, Path(folder))
    width = max(len(name) for name in [*STEPS, "total", "NVIDIA libraries"])
    print(f"\n{'step':<{width}}  " + "  ".join(f"{name:>10}" for name in installers))
    for step in [*STEPS, "total", "venv size", "NVIDIA libraries"]:
        cells = [str(results[name].get(step, "-")) for name in installers]
        print(f"{step:<{width}}  " + "  ".join(f"{cell:>10}" for cell in cells))
    if len(installers) == 2:
        ratio = results["uv"]["install"] / results["pip"]["install"]
        print(f"\ninstall(uv) / install(pip) = {ratio:.2f} (goal <= 0.4)")
    if "uv" in results:
        print(f"clone -> JupyterLab answering with uv: {results['uv']['total']} s (goal <= 30 s)")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
