"""helpers.ddp: real two-process DDP training on the CPU, its failure modes, and its argument checks.

Three runs start real processes with torchrun (gloo, 127.0.0.1): a normal run, a
crashing rank and a stuck rank; a fourth checks that the launcher's own time
limit kills every process. The argument checks run in this process.
The tests that start processes are marked ``slow`` (about 25 s together), so
``make test-fast`` leaves them out and ``make test`` runs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from helpers import ddp
from helpers.ddp import (
    REPO_ROOT,
    flat_weights,
    global_batches,
    load_rank_results,
    rank_shards,
    run_ddp,
    train_single_process,
)
from helpers.devices import ATOL, RTOL
from helpers.toy import NeuralNetwork
from tests.nbtools import notebook_namespace

EPOCHS = 2
SEED = 123


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("ddp")
    run = run_ddp(2, out_dir, epochs=EPOCHS, seed=SEED, timeout=30, launch_timeout=120)
    return run, out_dir


@pytest.mark.slow
def test_run_succeeds_and_reports(finished_run):
    run, _ = finished_run
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.errors == []
    lines = run.rank_lines
    assert "weights identical on all 2 ranks: True" in lines
    assert "weights equal single-process training on the global batches: True" in lines
    for rank in range(2):
        for epoch in range(1, EPOCHS + 1):
            shard = rank_shards(5, 2, epoch - 1, SEED)[rank]
            assert any(line.startswith(f"rank {rank}/2 epoch {epoch}: shard {shard}, loss ") for line in lines)


@pytest.mark.slow
def test_each_rank_reads_its_shard(finished_run):
    results = load_rank_results(finished_run[1])
    assert [r["rank"] for r in results] == [0, 1]
    for epoch in range(EPOCHS):
        shards = [r["shards"][epoch] for r in results]
        assert shards == rank_shards(5, 2, epoch, SEED)
        assert set(shards[0]) | set(shards[1]) == set(range(5))  # every example, one of them twice (padding)


@pytest.mark.slow
def test_ranks_end_identical_and_equal_one_process(finished_run):
    results = load_rank_results(finished_run[1])
    assert all(r["weights_identical_across_ranks"] for r in results)
    rank0, rank1 = (r["state_dict"] for r in results)
    assert all(torch.equal(rank0[name], rank1[name]) for name in rank0)

    reference, reference_losses = train_single_process(2, epochs=EPOCHS, seed=SEED)
    for name, weights in reference.state_dict().items():
        assert torch.allclose(rank0[name], weights, rtol=RTOL, atol=ATOL), name
    torch.manual_seed(SEED)
    untrained = flat_weights(NeuralNetwork(2, 2))
    assert not torch.allclose(flat_weights(reference), untrained, atol=1e-3), "training changed nothing"

    # The global loss of a step is the mean of the ranks' losses (equal shard sizes).
    for epoch in range(EPOCHS):
        mean = torch.tensor([r["step_losses"][epoch] for r in results]).mean(dim=0)
        assert torch.allclose(mean, torch.tensor(reference_losses[epoch]), rtol=RTOL, atol=ATOL)


@pytest.mark.slow
def test_a_crashing_rank_ends_the_run_with_a_clear_error(tmp_path):
    # The peers' timeout is far beyond the launch limit: the run can only end in time (no TimeoutError)
    # because torchrun stops the other rank as soon as one fails.
    run = run_ddp(2, tmp_path, epochs=1, timeout=600, launch_timeout=120, fail_rank=1)
    assert run.returncode != 0
    assert "helpers.ddp: rank 1 failed: RuntimeError: rank 1 crashed on purpose (--fail-rank 1)" in run.errors
    with pytest.raises(ValueError, match="holds no rank<r>.json"):
        load_rank_results(tmp_path)


@pytest.mark.slow
def test_a_stuck_rank_ends_the_run_after_the_timeout(tmp_path):
    # Rank 1 sleeps for a day; without the 2 s process-group timeout this would hit launch_timeout.
    run = run_ddp(2, tmp_path, epochs=1, timeout=2, launch_timeout=120, hang_rank=1)
    assert run.returncode != 0
    assert any(line.startswith("helpers.ddp: rank 0 failed: waited more than --timeout 2 s") for line in run.errors)


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="lists processes through /proc")
@pytest.mark.slow
def test_launch_timeout_kills_every_process(tmp_path):
    out_dir = tmp_path / "stuck-run"
    with pytest.raises(TimeoutError, match="did not finish within launch_timeout=4 s"):
        run_ddp(2, out_dir, epochs=1, timeout=600, launch_timeout=4, hang_rank=1)
    time.sleep(0.5)
    assert _processes_mentioning(str(out_dir)) == []


# --- bad arguments, checked before any process starts -------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"nproc": 6}, ValueError, "world size 6 .* larger than the 5 training examples"),
        ({"nproc": "2"}, TypeError, "nproc must be an int"),
        ({"backend": "mpi"}, ValueError, "backend='mpi' is not known: use one of auto, gloo, nccl"),
        ({"backend": None}, TypeError, "backend must be a str"),
        ({"fail_rank": 2}, ValueError, "fail_rank=2 is not a rank: ranks are 0 to 1"),
        ({"hang_rank": -1}, ValueError, "hang_rank must be at least 0"),
        ({"timeout": 0}, ValueError, "timeout must be a positive"),
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"out_dir": 3}, TypeError, "out_dir must be a str or Path"),
    ],
)
def test_run_ddp_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        run_ddp(**kwargs)


# main() is wrapped by torch's @record, which cannot install its fault handler under pytest's capture.
pytestmark = pytest.mark.filterwarnings("ignore:Unable to enable fault handler:UserWarning")


@pytest.fixture
def as_rank(monkeypatch):
    def set_rank(rank: int, world_size: int) -> None:
        for name, value in (("RANK", rank), ("LOCAL_RANK", rank), ("WORLD_SIZE", world_size)):
            monkeypatch.setenv(name, str(value))

    return set_rank


def test_script_refuses_more_processes_than_examples(as_rank, capsys):
    as_rank(0, 6)
    with pytest.raises(ValueError, match="world size 6 .* larger than the 5 training examples"):
        ddp.main([])
    assert "helpers.ddp: rank 0 failed: ValueError: world size 6" in capsys.readouterr().err


def test_script_refuses_an_unknown_backend(as_rank, capsys):
    as_rank(0, 2)
    with pytest.raises(SystemExit) as exit_info:
        ddp.main(["--backend", "mpi"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --backend: invalid choice: 'mpi' (choose from" in err
    assert all(name in err for name in ("auto", "gloo", "nccl"))


def test_script_refuses_nccl_without_cuda(as_rank, monkeypatch, capsys):
    as_rank(0, 2)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="--backend nccl needs CUDA GPUs"):
        ddp.main(["--backend", "nccl"])


def test_script_refuses_more_ranks_than_gpus(as_rank, monkeypatch):
    as_rank(0, 3)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(
        ValueError, match="--nproc_per_node=3 with NCCL needs one GPU per process, but this machine has 2"
    ):
        ddp.main(["--backend", "nccl"])


@pytest.mark.parametrize(("gpus", "expected"), [(0, "gloo"), (2, "gloo"), (3, "nccl")])
def test_auto_backend_needs_a_gpu_per_rank(monkeypatch, gpus, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: None)
    backend, device = ddp._backend_and_device("auto", local_rank=1, world_size=3)
    assert backend == expected
    assert device == (torch.device("cuda", 1) if expected == "nccl" else torch.device("cpu"))


def test_script_refuses_a_test_flag_that_is_not_a_rank(as_rank):
    as_rank(0, 2)
    with pytest.raises(ValueError, match="--fail-rank 2 is not a rank: ranks are 0 to 1"):
        ddp.main(["--fail-rank", "2"])


@pytest.mark.parametrize(("argv", "message"), [(["--epochs", "0"], "--epochs: must be a positive int")])
def test_script_rejects_bad_values(as_rank, capsys, argv, message):
    as_rank(0, 2)
    with pytest.raises(SystemExit):
        ddp.main(argv)
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_script_started_without_torchrun_says_how_to_start_it(monkeypatch):
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "helpers.ddp"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "helpers.ddp: rank ? failed: RuntimeError: RANK, WORLD_SIZE, LOCAL_RANK not set" in result.stderr
    assert "must be started by torchrun" in result.stderr


# --- the single-process reference and the notebook's shard rule ----------------------------------


@pytest.mark.parametrize(("world_size", "batch_size"), [(1, 2), (2, 1), (2, 2), (3, 1), (5, 1)])
def test_global_batches_hold_every_rank_batch(world_size, batch_size):
    for epoch in range(3):
        shards = rank_shards(5, world_size, epoch, SEED)
        batches = global_batches(5, world_size, batch_size, epoch, SEED)
        assert sum(len(b) for b in batches) == sum(len(s) for s in shards) == world_size * -(-5 // world_size)
        assert set().union(*map(set, batches)) == set(range(5))


def test_one_rank_equals_plain_training_without_padding():
    """With one rank there is no padding: the reference is ordinary minibatch training on a shuffled order."""
    model, losses = train_single_process(1, epochs=1, batch_size=5, seed=SEED)
    torch.manual_seed(SEED)
    plain = NeuralNetwork(2, 2)
    from helpers.toy import toy_data

    X, y, _, _ = toy_data()
    optimizer = torch.optim.SGD(plain.parameters(), lr=0.5)
    loss = torch.nn.functional.cross_entropy(plain(X), y)  # the full batch: order does not matter for the mean
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert losses == [[pytest.approx(loss.item(), rel=1e-6)]]
    assert torch.allclose(flat_weights(model), flat_weights(plain), rtol=RTOL, atol=ATOL)


def test_notebook_shards_by_hand_equal_helpers():
    nb = notebook_namespace("00b-appendix-a9-devices-and-ddp.ipynb")
    for num_examples in (1, 4, 5, 7):
        for world_size in range(1, num_examples + 1):
            for epoch in range(3):
                assert nb["shards_by_hand"](num_examples, world_size, epoch, 7) == rank_shards(
                    num_examples, world_size, epoch, 7
                )
