"""Starting the DDP scripts of appendix A.9.3 from Python, and turning a crashed or stuck rank into an error.

:func:`start_spawn` starts the book's ``mp.spawn`` script, :mod:`helpers.appendix_a.ddp_spawn`, in the
background (it starts its own ranks).
:func:`run_ddp` starts ``nproc`` ranks of a script (:mod:`helpers.appendix_a.ddp_script` by
default) with torchrun, on 127.0.0.1 at a free port, and waits for them within a
time limit. Each rank runs under this module's own entry point::

    python -m torch.distributed.run --nproc_per_node=2 \
        -m helpers.appendix_a.ddp_launch helpers.appendix_a.ddp_script --epochs 3

which calls the script's ``main`` and, when it raises, writes one line
``helpers.appendix_a.ddp_launch: rank R failed: ...`` to stderr before exiting non-zero
(torchrun then stops the other ranks). Three guards keep a failing run from
hanging: the script's ``--timeout`` (a rank that waits longer for its peers
raises), torchrun stopping the others when one rank exits with an error, and
``launch_timeout``, past which every process of the run is killed.

>>> script = "helpers.appendix_a.ddp_script"
>>> " ".join(torchrun_command(2, 29533, script, ["--epochs", "1"])[1:])  # doctest: +NORMALIZE_WHITESPACE
'-m torch.distributed.run --nproc_per_node=2 --master_addr=127.0.0.1 --master_port=29533
 -m helpers.appendix_a.ddp_launch helpers.appendix_a.ddp_script --epochs 1'
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from helpers.appendix_a.ddp import MAX_RANKS
from helpers.checks import (
    int_in_range,
    one_of,
    positive_int,
    real_number,
    require_bool,
    require_iterable,
    require_path,
    require_str,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

MESSAGE_PREFIX = "helpers.appendix_a.ddp_launch:"
"""Every failure line a rank writes starts with this, so that a launcher can pick them out."""


@dataclass
class DDPRun:
    """What a :func:`run_ddp` launch returned: the exit code and the output of all ranks."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        """The ranks' one-line failure messages, sorted (one per failed rank)."""
        return sorted(line[line.index(MESSAGE_PREFIX) :] for line in self.stderr.splitlines() if MESSAGE_PREFIX in line)

    @property
    def rank_lines(self) -> list[str]:
        """The ranks' printed lines, rank 0's first, each rank's in its own order (ranks print concurrently)."""
        return sorted((line for line in self.stdout.splitlines() if line.startswith("[rank ")), key=_rank_of)


def _rank_of(line: str) -> int:
    return int(line[len("[rank ") : line.index("]")])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun_command(nproc: int, port: int, script: str, script_args: Sequence[str] = ()) -> list[str]:
    """The command that starts ``nproc`` ranks of the module ``script``, meeting on ``127.0.0.1:port``."""
    nproc = positive_int(nproc, "nproc")
    port = int_in_range(port, "port", 1, 65536)
    script_args = [require_str(arg, "each of script_args") for arg in require_iterable(script_args, "script_args")]
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        f"--nproc_per_node={nproc}",
        "--master_addr=127.0.0.1",
        f"--master_port={port}",
        "-m",
        "helpers.appendix_a.ddp_launch",
        require_str(script, "script"),
        *script_args,
    ]


@dataclass
class DDPLaunch:
    """A torchrun launch under way (from :func:`start_ddp`); :meth:`wait` collects it."""

    process: subprocess.Popen
    launch_timeout: float
    _run: DDPRun | None = field(default=None, repr=False)

    def wait(self) -> DDPRun:
        """Wait for every rank; past ``launch_timeout`` s, kill them all and raise ``TimeoutError``.

        A second call returns the same result (a notebook cell that collects a run can be re-run).
        """
        if self._run is not None:
            return self._run
        try:
            stdout, stderr = self.process.communicate(timeout=self.launch_timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(self.process)
            self.process.communicate(timeout=30)
            raise TimeoutError(
                f"the DDP run did not finish within launch_timeout={self.launch_timeout:g} s and was stopped; "
                "a rank is probably stuck (a lower timeout= makes waiting ranks give up sooner)"
            ) from None
        self._run = DDPRun(self.process.returncode, stdout, stderr)
        return self._run


def run_ddp(*args: Any, **kwargs: Any) -> DDPRun:
    """Run a script on local ranks with torchrun and wait for it: ``start_ddp(...).wait()``.

    >>> run_ddp(nproc=5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: nproc must be an int in [1, 5), got 5: with 5 examples in batches of 2 ...
    """
    return start_ddp(*args, **kwargs).wait()


def start_ddp(
    nproc: int = 2,
    out_dir: str | Path | None = None,
    *,
    epochs: int = 3,
    backend: str = "gloo",
    timeout: float = 30.0,
    launch_timeout: float = 120.0,
    script: str = "helpers.appendix_a.ddp_script",
    script_args: Sequence[str] = (),
) -> DDPLaunch:
    """Start ``script`` on ``nproc`` local ranks with torchrun, and return at once.

    The ranks run in the background (a notebook can do other work meanwhile);
    :meth:`DDPLaunch.wait` collects them. ``timeout`` is the script's
    ``--timeout``; past ``launch_timeout`` every process of the run is killed
    and ``wait`` raises ``TimeoutError``. The exit code is returned, not
    checked, so that a failure can be inspected (:attr:`DDPRun.errors`).
    ``script_args`` go to the script as they are.

    >>> start_ddp(nproc=5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: nproc must be an int in [1, 5), got 5: with 5 examples in batches of 2 ...
    """
    hint = ": with 5 examples in batches of 2 (drop_last), a 5th rank would have no batch to train on"
    nproc = int_in_range(nproc, "nproc", 1, MAX_RANKS + 1, hint=hint)
    args = [f"--epochs={positive_int(epochs, 'epochs')}", f"--backend={one_of(backend, 'backend', ('gloo', 'nccl'))}"]
    args.append(f"--timeout={real_number(timeout, 'timeout', 0.1, 3600.0)!r}")
    launch_timeout = real_number(launch_timeout, "launch_timeout", 1.0, 86400.0)
    if out_dir is not None:
        args.append(f"--out-dir={require_path(out_dir, 'out_dir').resolve()}")
    args += [require_str(arg, "each of script_args") for arg in require_iterable(script_args, "script_args")]

    return _start(torchrun_command(nproc, free_port(), script, args), launch_timeout)


def start_spawn(
    out_dir: str | Path | None = None, *, epochs: int = 3, launch_timeout: float = 120.0, cpu: bool = False
) -> DDPLaunch:
    """Start the book's ``mp.spawn`` script, :mod:`helpers.appendix_a.ddp_spawn`, and return at once.

    It starts its own ranks (two on the CPU, or one per GPU with two or more); :meth:`DDPLaunch.wait`
    collects them. ``cpu=True`` runs it with ``LLMFS_DEVICE=cpu``: two gloo ranks on any machine, so
    that its printout is the same with or without GPUs.

    >>> start_spawn(epochs=0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a positive int, got 0
    """
    command = [sys.executable, "-m", "helpers.appendix_a.ddp_spawn", f"--epochs={positive_int(epochs, 'epochs')}"]
    if out_dir is not None:
        command.append(f"--out-dir={require_path(out_dir, 'out_dir').resolve()}")
    extra_env = {"LLMFS_DEVICE": "cpu"} if require_bool(cpu, "cpu") else {}
    return _start(command, real_number(launch_timeout, "launch_timeout", 1.0, 86400.0), extra_env)


def _start(command: list[str], launch_timeout: float, extra_env: dict[str, str] | None = None) -> DDPLaunch:
    env = dict(os.environ) | (extra_env or {})
    # One thread per rank (torchrun's default, set here to silence its warning); the repository
    # on the path so that `-m helpers.appendix_a...` imports from any working directory.
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return DDPLaunch(process, launch_timeout)


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill the launcher and every rank it started.

    torchrun starts each rank in a session of its own, so killing the launcher's
    process group would leave the ranks running, holding the output pipes open:
    collect the whole tree first, then kill every member.
    """
    try:
        launcher = psutil.Process(process.pid)
        tree = [*launcher.children(recursive=True), launcher]
    except psutil.NoSuchProcess:
        return
    for member in tree:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=30)


def run_rank(script: str, argv: Sequence[str]) -> None:
    """Run one rank of ``script`` (its ``main(argv)``); on an error, write one line naming the rank, then re-raise."""
    rank = os.environ.get("RANK", "?")
    try:
        importlib.import_module(script).main(list(argv))
    except Exception as error:
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        if "timed out" in reason.lower() or "timeout" in reason.lower():
            reason = f"waited longer than --timeout for the other ranks (one is stuck or died); {reason}"
        sys.stderr.write(f"{MESSAGE_PREFIX} rank {rank} failed: {reason}\n")
        sys.stderr.flush()
        raise


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m torch.distributed.run ... -m helpers.appendix_a.ddp_launch SCRIPT_MODULE [ARGS...]")
    run_rank(sys.argv[1], sys.argv[2:])
