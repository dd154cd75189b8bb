"""Data-parallel training of appendix A's toy network with ``DistributedDataParallel`` (appendix A.9.3).

DDP runs one process per device, called a *rank*. Every rank holds a full copy
of the model, reads its own share (*shard*) of each batch through a
``DistributedSampler``, and during ``backward()`` DDP averages the gradients of
all ranks, so that every rank takes the same optimizer step and the copies
stay identical. The result is the same as training in one process on the
global batch (all ranks' examples together).

This module is a script for ``torchrun``, which starts the processes and tells
each its rank. Two processes on the CPU, meeting on this machine only::

    python -m torch.distributed.run --nproc_per_node=2 --master_addr=127.0.0.1 --master_port=29533 \\
        -m helpers.ddp --out-dir runs/ddp

(``torchrun`` is the same program.) From Python, :func:`run_ddp` does this with a
free port and a time limit, and :func:`load_rank_results` reads what each rank
wrote. Each rank

1. joins the process group: NCCL when there is one CUDA GPU per rank, else
   gloo on the CPU (``--backend`` chooses explicitly), with a ``--timeout``: a rank that waits longer than that for a
   crashed or stuck peer raises an error instead of hanging;
2. builds the same seeded :class:`~helpers.toy.NeuralNetwork` and wraps it in DDP;
3. trains on its shard of the five toy points, calling ``set_epoch`` so that
   each epoch is shuffled differently, and prints its shard and loss per epoch;
4. gathers every rank's weights and checks they are identical, then writes
   ``rank<r>.pt`` (its weights) and ``rank<r>.json`` (shards, losses) to ``--out-dir``.

Rank 0 also trains in one process on the same global batches
(:func:`train_single_process`) and checks that the weights agree within
:data:`helpers.devices.RTOL` and :data:`~helpers.devices.ATOL`.

``--fail-rank R`` and ``--hang-rank R`` make rank ``R`` crash or get stuck at
its first training step, to show (and test) that the run then ends with a
non-zero exit code and a clear message rather than hanging.

>>> rank_shards(5, 2, epoch=0, seed=123)
[[2, 1, 4], [0, 3, 2]]
>>> [len(batch) for batch in global_batches(5, 2, batch_size=1, epoch=0, seed=123)]
[2, 2, 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import psutil
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from helpers.devices import ATOL, RTOL
from helpers.toy import NeuralNetwork, ToyDataset, toy_data

BACKENDS = ("auto", "gloo", "nccl")
"""``auto`` means NCCL when there is one CUDA GPU per process, else gloo on the CPU."""

REPO_ROOT = Path(__file__).resolve().parent.parent

MESSAGE_PREFIX = "helpers.ddp:"
"""Every error line the script writes starts with this, so a launcher can pick them out."""


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _check_positive_float(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive, finite number, got {value}")
    return float(value)


def check_world_size(world_size: int, num_examples: int) -> None:
    """Reject more processes than training examples: some ranks would only read padding copies.

    >>> check_world_size(6, 5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: world size 6 (--nproc_per_node) is larger than the 5 training examples: every rank needs ...
    """
    _check_int(world_size, "world_size", 1)
    _check_int(num_examples, "num_examples", 1)
    if world_size > num_examples:
        raise ValueError(
            f"world size {world_size} (--nproc_per_node) is larger than the {num_examples} training examples: "
            f"every rank needs at least one example of its own; use at most {num_examples} processes"
        )


def rank_shards(num_examples: int, world_size: int, epoch: int, seed: int) -> list[list[int]]:
    """The example indices each rank reads in ``epoch``, in order: what ``DistributedSampler`` hands out.

    The sampler shuffles all indices with a generator seeded ``seed + epoch``,
    repeats indices from the start until the count divides by ``world_size``
    (so every rank gets as many), and gives rank ``r`` every ``world_size``-th
    index starting at position ``r``.

    >>> rank_shards(5, 2, epoch=1, seed=123)
    [[4, 3, 2], [1, 0, 4]]
    """
    check_world_size(world_size, num_examples)
    _check_int(epoch, "epoch", 0)
    _check_int(seed, "seed", 0)
    shards = []
    for rank in range(world_size):
        sampler = DistributedSampler(range(num_examples), num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        shards.append(list(sampler))
    return shards


def global_batches(num_examples: int, world_size: int, batch_size: int, epoch: int, seed: int) -> list[list[int]]:
    """The global batch of each step in ``epoch``: the ranks' local batches of that step, rank 0 first.

    >>> global_batches(5, 2, batch_size=2, epoch=0, seed=123)
    [[2, 1, 0, 3], [4, 2]]
    """
    _check_int(batch_size, "batch_size", 1)
    shards = rank_shards(num_examples, world_size, epoch, seed)
    steps = math.ceil(len(shards[0]) / batch_size)
    return [[i for shard in shards for i in shard[k * batch_size : (k + 1) * batch_size]] for k in range(steps)]


def train_single_process(
    world_size: int, *, epochs: int = 3, batch_size: int = 1, lr: float = 0.5, seed: int = 123
) -> tuple[NeuralNetwork, list[list[float]]]:
    """Train in one process on the global batches a DDP run of ``world_size`` ranks would see.

    Returns the model and the loss of every step (a list per epoch). With the
    loss averaged over the global batch, this is what DDP computes.

    >>> model, losses = train_single_process(2, epochs=1)
    >>> [round(loss, 4) for loss in losses[0]]
    [0.7485, 0.6486, 0.2595]
    """
    _check_int(epochs, "epochs", 1)
    lr = _check_positive_float(lr, "lr")
    X_train, y_train, _, _ = toy_data()
    torch.manual_seed(seed)
    model = NeuralNetwork(num_inputs=2, num_outputs=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        epoch_losses = []
        for batch in global_batches(len(y_train), world_size, batch_size, epoch, seed):
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_losses.append(loss.item())
        losses.append(epoch_losses)
    return model, losses


def flat_weights(model: torch.nn.Module) -> torch.Tensor:
    """All parameters of ``model`` as one vector (for comparing two models with one call).

    >>> flat_weights(torch.nn.Linear(2, 3)).shape
    torch.Size([9])
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


# --- the script each rank runs -------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    def positive_int(text: str) -> int:
        value = int(text)
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be a positive int, got {value}")
        return value

    def rank_number(text: str) -> int:
        value = int(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be a rank, 0 or more, got {value}")
        return value

    def positive_float(text: str) -> float:
        value = float(text)
        if not value > 0 or math.isinf(value):
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
        return value

    parser = argparse.ArgumentParser(
        prog="python -m torch.distributed.run --nproc_per_node=N -m helpers.ddp",
        description="Train appendix A's toy network with DistributedDataParallel, one process per rank.",
    )
    parser.add_argument("--out-dir", type=Path, help="folder for each rank's rank<r>.pt and rank<r>.json")
    parser.add_argument("--epochs", type=positive_int, default=3)
    parser.add_argument("--batch-size", type=positive_int, default=1, help="examples per rank and step")
    parser.add_argument("--lr", type=positive_float, default=0.5, help="SGD learning rate")
    parser.add_argument("--seed", type=rank_number, default=123)
    parser.add_argument(
        "--backend", choices=BACKENDS, default="auto", help="auto: NCCL when there is a CUDA GPU per process, else gloo"
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=60.0,
        help="seconds a rank waits for the others before it gives up with an error",
    )
    parser.add_argument("--fail-rank", type=rank_number, help="for tests: this rank crashes at its first step")
    parser.add_argument("--hang-rank", type=rank_number, help="for tests: this rank gets stuck at its first step")
    return parser


def _backend_and_device(backend: str, local_rank: int, world_size: int) -> tuple[str, torch.device]:
    """The process-group backend and this rank's device; NCCL needs one CUDA GPU per rank."""
    if backend == "auto":
        enough_gpus = torch.cuda.is_available() and torch.cuda.device_count() >= world_size
        backend = "nccl" if enough_gpus else "gloo"
    if backend == "gloo":
        return backend, torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError("--backend nccl needs CUDA GPUs, and none is available; use --backend gloo for the CPU")
    if world_size > torch.cuda.device_count():
        raise ValueError(
            f"--nproc_per_node={world_size} with NCCL needs one GPU per process, but this machine has "
            f"{torch.cuda.device_count()}; start at most that many processes, or use --backend gloo"
        )
    torch.cuda.set_device(local_rank)
    return backend, torch.device("cuda", local_rank)


def _say(line: str, stream: TextIO | None = None) -> None:
    """Write ``line`` to ``stream`` (stdout by default) in one call, so that ranks sharing a pipe never interleave."""
    stream = stream or sys.stdout
    stream.write(line + "\n")
    stream.flush()


def _train_rank(args: argparse.Namespace, rank: int, world_size: int, device: torch.device) -> None:
    X_train, y_train, _, _ = toy_data()
    torch.manual_seed(args.seed)
    model = NeuralNetwork(num_inputs=2, num_outputs=2).to(device)
    # DDP broadcasts rank 0's weights at construction and averages gradients in backward().
    ddp_model = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=args.lr)
    dataset = ToyDataset(X_train, y_train)
    sampler = DistributedSampler(dataset, shuffle=True, seed=args.seed)
    # The sampler shuffles, so the loader must not.
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, shuffle=False)

    shards, step_losses = [], []
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle per epoch, the same on every rank
        shards.append(list(sampler))
        losses = []
        for features, labels in loader:
            if epoch == 0 and not losses:
                if rank == args.fail_rank:
                    raise RuntimeError(f"rank {rank} crashed on purpose (--fail-rank {rank})")
                if rank == args.hang_rank:
                    time.sleep(24 * 3600)  # stuck, as in a deadlock: the other ranks wait in backward()
            features, labels = features.to(device), labels.to(device)
            loss = F.cross_entropy(ddp_model(features), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        step_losses.append(losses)
        _say(f"rank {rank}/{world_size} epoch {epoch + 1}: shard {shards[-1]}, loss {sum(losses) / len(losses):.4f}")

    mine = flat_weights(model)
    everyone = [torch.empty_like(mine) for _ in range(world_size)]
    dist.all_gather(everyone, mine)
    identical = all(torch.equal(weights, everyone[0]) for weights in everyone)
    if rank == 0:
        _say(f"weights identical on all {world_size} ranks: {identical}")
        reference, _ = train_single_process(
            world_size, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed
        )
        same = torch.allclose(mine.cpu(), flat_weights(reference), rtol=RTOL, atol=ATOL)
        _say(f"weights equal single-process training on the global batches: {same}")
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, args.out_dir / f"rank{rank}.pt")
        summary = {
            "rank": rank,
            "world_size": world_size,
            "device": str(device),
            "shards": shards,
            "step_losses": step_losses,
            "weights_identical_across_ranks": identical,
        }
        (args.out_dir / f"rank{rank}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")


def _rank_environment() -> tuple[int, int, int]:
    """``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` as torchrun sets them, or a clear error."""
    missing = [name for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK") if name not in os.environ]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not set: helpers.ddp must be started by torchrun, e.g. "
            f"python -m torch.distributed.run --nproc_per_node=2 --master_addr=127.0.0.1 -m helpers.ddp"
        )
    return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ["LOCAL_RANK"])


@record
def main(argv: Sequence[str] | None = None) -> int:
    """Run one rank of the script (torchrun starts one per process); returns the exit code.

    Any error is reported as one line ``helpers.ddp: rank R failed: ...`` on
    stderr, then raised again, so that the process exits non-zero and torchrun
    stops the other ranks.
    """
    args = _parser().parse_args(argv)
    rank = os.environ.get("RANK", "?")
    try:
        rank, world_size, local_rank = _rank_environment()
        check_world_size(world_size, len(toy_data()[1]))
        for flag in ("fail_rank", "hang_rank"):
            value = getattr(args, flag)
            if value is not None and value >= world_size:
                raise ValueError(f"--{flag.replace('_', '-')} {value} is not a rank: ranks are 0 to {world_size - 1}")
        backend, device = _backend_and_device(args.backend, local_rank, world_size)
        dist.init_process_group(backend, timeout=timedelta(seconds=args.timeout))
        try:
            _train_rank(args, rank, world_size, device)
        finally:
            dist.destroy_process_group()
    except Exception as error:
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        if "timed out" in reason.lower() or "timeout" in reason.lower():
            reason = (
                f"waited more than --timeout {args.timeout:g} s for the other ranks "
                f"(one of them is stuck or died); {reason}"
            )
        _say(f"{MESSAGE_PREFIX} rank {rank} failed: {reason}", sys.stderr)
        raise
    return 0


# --- launching it from Python ---------------------------------------------------------------------


@dataclass
class DDPRun:
    """What a :func:`run_ddp` launch returned: the exit code and the launcher's output."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        """The script's own one-line error messages, sorted (one per failed rank)."""
        return sorted(line[line.index(MESSAGE_PREFIX) :] for line in self.stderr.splitlines() if MESSAGE_PREFIX in line)

    @property
    def rank_lines(self) -> list[str]:
        """The ranks' printed lines, sorted (ranks print concurrently, so their order varies)."""
        return sorted(line for line in self.stdout.splitlines() if line.startswith(("rank ", "weights ")))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun_command(nproc: int, port: int, script_args: Sequence[str] = ()) -> list[str]:
    """The command that starts ``nproc`` ranks of this script, meeting on ``127.0.0.1:port``.

    >>> " ".join(torchrun_command(2, 29533, ["--epochs", "1"])[1:])
    '-m torch.distributed.run --nproc_per_node=2 --master_addr=127.0.0.1 --master_port=29533 -m helpers.ddp --epochs 1'
    """
    _check_int(nproc, "nproc", 1)
    _check_int(port, "port", 1)
    if isinstance(script_args, str) or not all(isinstance(a, str) for a in script_args):
        raise TypeError("script_args must be a sequence of str, e.g. ['--epochs', '3']")
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        f"--nproc_per_node={nproc}",
        "--master_addr=127.0.0.1",
        f"--master_port={port}",
        "-m",
        "helpers.ddp",
        *script_args,
    ]


def run_ddp(
    nproc: int = 2,
    out_dir: str | Path | None = None,
    *,
    epochs: int = 3,
    batch_size: int = 1,
    lr: float = 0.5,
    seed: int = 123,
    backend: str = "auto",
    timeout: float = 30.0,
    launch_timeout: float = 120.0,
    fail_rank: int | None = None,
    hang_rank: int | None = None,
) -> DDPRun:
    """Launch this script on ``nproc`` local processes with torchrun and wait for it.

    The ranks meet on 127.0.0.1 at a free port and use no other network.
    ``timeout`` is how long a rank waits for its peers before failing (the
    process group's timeout); ``launch_timeout`` bounds the whole run: past it
    every process of the run is killed and a ``TimeoutError`` is raised. The
    exit code is not checked, so that failures can be inspected: see
    :attr:`DDPRun.errors` and :func:`load_rank_results`.

    >>> run_ddp(nproc=9)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: world size 9 (--nproc_per_node) is larger than the 5 training examples: ... use at most 5 processes
    """
    _check_int(nproc, "nproc", 1)
    check_world_size(nproc, len(toy_data()[1]))
    _check_int(epochs, "epochs", 1)
    _check_int(batch_size, "batch_size", 1)
    _check_int(seed, "seed", 0)
    lr = _check_positive_float(lr, "lr")
    timeout = _check_positive_float(timeout, "timeout")
    launch_timeout = _check_positive_float(launch_timeout, "launch_timeout")
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a str, one of {', '.join(BACKENDS)}; got {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not known: use one of {', '.join(BACKENDS)}")
    script_args = [
        f"--epochs={epochs}",
        f"--batch-size={batch_size}",
        f"--lr={lr!r}",
        f"--seed={seed}",
        f"--backend={backend}",
        f"--timeout={timeout!r}",
    ]
    if out_dir is not None:
        if not isinstance(out_dir, str | Path):
            raise TypeError(f"out_dir must be a str or Path, got {type(out_dir).__name__}")
        script_args.append(f"--out-dir={Path(out_dir).resolve()}")
    for value, flag in ((fail_rank, "fail_rank"), (hang_rank, "hang_rank")):
        if value is not None:
            _check_int(value, flag, 0)
            if value >= nproc:
                raise ValueError(f"{flag}={value} is not a rank: ranks are 0 to {nproc - 1}")
            script_args.append(f"--{flag.replace('_', '-')}={value}")

    env = dict(os.environ)
    # One thread per rank (torchrun's default, set here to silence its warning); the repository
    # on the path so that `-m helpers.ddp` imports from any working directory.
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        torchrun_command(nproc, free_port(), script_args),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so that a timeout can stop every rank
    )
    try:
        stdout, stderr = process.communicate(timeout=launch_timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate(timeout=30)
        raise TimeoutError(
            f"the DDP run did not finish within launch_timeout={launch_timeout:g} s and was stopped; "
            f"a rank is probably stuck (lower timeout= so that waiting ranks give up sooner)"
        ) from None
    return DDPRun(process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen) -> None:
    """Kill the launcher and every rank it started.

    torchrun starts each rank in a session of its own, so killing the launcher's
    process group would leave the ranks running, holding the output pipes open:
    collect the whole tree of processes first, then kill every one of them.
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


def load_rank_results(out_dir: str | Path) -> list[dict]:
    """Each rank's ``rank<r>.json`` from ``out_dir``, with its weights under ``"state_dict"``, sorted by rank."""
    if not isinstance(out_dir, str | Path):
        raise TypeError(f"out_dir must be a str or Path, got {type(out_dir).__name__}")
    folder = Path(out_dir)
    files = sorted(folder.glob("rank*.json"))
    if not files:
        raise ValueError(f"out_dir={str(out_dir)!r} holds no rank<r>.json: did the DDP run finish?")
    results = []
    for file in files:
        result = json.loads(file.read_text(encoding="utf-8"))
        result["state_dict"] = torch.load(folder / f"rank{result['rank']}.pt", weights_only=True)
        results.append(result)
    return sorted(results, key=lambda r: r["rank"])


if __name__ == "__main__":
    sys.exit(main())
