"""The DDP scripts, their launcher and their one-process reference: real two-process runs on the CPU, failures, checks.

Runs that start processes (gloo, 127.0.0.1) are marked ``slow``: the book's ``mp.spawn`` script
(:mod:`helpers.appendix_a.ddp_spawn`), the torchrun script, a crashing rank and a stuck rank (both injected by
``tests/ddp_faults.py``, test-only), and the launcher's own time limit.
The argument checks and the result files run in this process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from helpers.appendix_a import ddp_spawn
from helpers.appendix_a.ddp import (
    RESULT_KEYS,
    flat_weights,
    global_batches,
    load_rank_results,
    rank_shards,
    train_single_process,
)
from helpers.appendix_a.ddp_launch import REPO_ROOT, run_ddp, start_spawn, torchrun_command
from helpers.appendix_a.devices import ATOL, RTOL
from helpers.appendix_a.toy import NeuralNetwork, toy_data
from tests.nbtools import notebook_namespace

EPOCHS = 2


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("ddp")
    run = run_ddp(2, out_dir, epochs=EPOCHS, timeout=30, launch_timeout=120)
    return run, out_dir


@pytest.mark.slow
def test_run_succeeds_and_reports(finished_run):
    run, _ = finished_run
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.errors == []
    lines = run.rank_lines
    assert [line[:8] for line in lines] == ["[rank 0]"] * (EPOCHS + 1) + ["[rank 1]"] * (EPOCHS + 1)
    for rank in range(2):
        assert f"[rank {rank}] Epoch: 001/{EPOCHS:03d} | Batchsize 002 | Loss: " in lines[rank * (EPOCHS + 1)]
        assert lines[rank * (EPOCHS + 1) + EPOCHS].endswith("weights identical on all 2 ranks: True")


@pytest.mark.slow
def test_each_rank_reads_its_shard(finished_run):
    results = load_rank_results(finished_run[1], 2)
    assert [r["rank"] for r in results] == [0, 1]
    for epoch in range(EPOCHS):
        shards = [r["shards"][epoch] for r in results]
        assert shards == rank_shards(5, 2, epoch)
        assert set(shards[0]) | set(shards[1]) == set(range(5))  # every example, one of them twice (padding)


@pytest.mark.slow
def test_ranks_end_identical_and_equal_one_process(finished_run):
    results = load_rank_results(finished_run[1], 2)
    assert all(r["identical"] for r in results)
    rank0, rank1 = (r["state_dict"] for r in results)
    assert all(torch.equal(rank0[name], rank1[name]) for name in rank0)

    reference, reference_losses = train_single_process(2, epochs=EPOCHS)
    for name, weights in reference.state_dict().items():
        assert torch.allclose(rank0[name], weights, rtol=RTOL, atol=ATOL), name
    torch.manual_seed(123)
    untrained = flat_weights(NeuralNetwork(2, 2))
    assert not torch.allclose(flat_weights(reference), untrained, atol=1e-3), "training changed nothing"
    # The global loss of a step is the mean of the ranks' losses (equal batch sizes).
    for epoch in range(EPOCHS):
        mean = torch.tensor([r["losses"][epoch] for r in results]).mean(dim=0)
        assert torch.allclose(mean, torch.tensor(reference_losses[epoch]), rtol=RTOL, atol=ATOL)


@pytest.fixture(scope="module")
def spawned_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("spawn")
    return start_spawn(out_dir, epochs=EPOCHS, launch_timeout=120, cpu=True).wait(), out_dir  # two gloo ranks


@pytest.mark.parametrize(("cpu", "expected"), [(True, "cpu"), (False, "auto")])
def test_start_spawn_cpu_sets_llmfs_device_for_the_script_only(monkeypatch, cpu, expected):
    """``cpu=True`` gives the script LLMFS_DEVICE=cpu (two gloo ranks with any GPUs) and leaves this process's alone."""
    started = {}

    def fake_popen(command, **kwargs):
        started.update(command=command, env=kwargs["env"])
        return None

    monkeypatch.setenv("LLMFS_DEVICE", "auto")
    monkeypatch.setattr("helpers.appendix_a.ddp_launch.subprocess.Popen", fake_popen)
    start_spawn(epochs=1, cpu=cpu)
    assert started["command"][1:3] == ["-m", "helpers.appendix_a.ddp_spawn"]
    assert started["env"]["LLMFS_DEVICE"] == expected
    assert os.environ["LLMFS_DEVICE"] == "auto"


@pytest.mark.slow
def test_spawn_script_runs_two_gloo_ranks(spawned_run):
    run, _ = spawned_run
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.rank_lines
    per_rank = EPOCHS + 2  # a loss line per step (one step per epoch), then train and test accuracy
    assert [line[:8] for line in lines] == ["[rank 0]"] * per_rank + ["[rank 1]"] * per_rank
    for rank in range(2):
        own = lines[rank * per_rank : (rank + 1) * per_rank]
        assert own[0].startswith(f"[rank {rank}] Epoch: 001/{EPOCHS:03d} | Batchsize 002 | Loss: ")
        assert own[-2:] == [f"[rank {rank}] Training accuracy 1.0", f"[rank {rank}] Test accuracy 1.0"]


@pytest.mark.slow
def test_spawn_script_ranks_end_identical_and_equal_one_process(spawned_run):
    results = load_rank_results(spawned_run[1], 2)
    assert all(r["identical"] for r in results)
    rank0, rank1 = (r["state_dict"] for r in results)
    assert all(torch.equal(rank0[name], rank1[name]) for name in rank0)
    assert [r["shards"] for r in results] == [[rank_shards(5, 2, e)[rank] for e in range(EPOCHS)] for rank in (0, 1)]
    reference, reference_losses = train_single_process(2, epochs=EPOCHS)
    for name, weights in reference.state_dict().items():
        assert torch.allclose(rank0[name], weights, rtol=RTOL, atol=ATOL), name
    for epoch in range(EPOCHS):
        mean = torch.tensor([r["losses"][epoch] for r in results]).mean(dim=0)
        assert torch.allclose(mean, torch.tensor(reference_losses[epoch]), rtol=RTOL, atol=ATOL)


@pytest.mark.slow
def test_spawn_collected_twice_gives_the_same_run(spawned_run, tmp_path):
    launch = start_spawn(tmp_path, epochs=1)
    first = launch.wait()
    assert launch.wait() is first and first.returncode == 0, first.stderr[-2000:]


@pytest.mark.parametrize(
    ("gpus", "setting", "expected"),
    [(0, "", (False, 2)), (1, "", (False, 2)), (2, "", (True, 2)), (8, "", (True, 4)), (2, "cpu", (False, 2))],
)
def test_spawn_script_ranks_follow_the_gpus(monkeypatch, gpus, setting, expected):
    """One NCCL rank per GPU with two or more (at most 4), else two gloo ranks; LLMFS_DEVICE=cpu keeps the CPU."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setenv("LLMFS_DEVICE", setting)
    assert (ddp_spawn.on_gpus(), ddp_spawn.ranks_on_this_machine()) == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive int"),
        ({"out_dir": 3}, TypeError, "out_dir must be a str or pathlib.Path"),
        ({"launch_timeout": 0}, ValueError, "launch_timeout must be in"),
        ({"cpu": "yes"}, TypeError, "cpu must be True or False"),
    ],
)
def test_start_spawn_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        start_spawn(**kwargs)


@pytest.mark.slow
def test_spawn_from_a_notebook_kernel_fails_for_a_function_defined_there():
    """A function of ``__main__`` without a file (a notebook cell, ``python -c``) cannot be found by spawned ranks."""
    code = (
        "import torch.multiprocessing as mp\n"
        "def main(rank):\n    print('rank', rank, 'ran')\n"
        "if __name__ == '__main__':\n    mp.spawn(main, nprocs=1)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Can't get attribute 'main'" in result.stderr
    assert "ran" not in result.stdout


@pytest.mark.slow
def test_a_crashing_rank_ends_the_run_with_a_clear_error(tmp_path):
    # The peers' timeout is far beyond the launch limit: the run can only end in time (no TimeoutError)
    # because torchrun stops the other rank as soon as one fails.
    run = run_ddp(
        2, tmp_path, epochs=1, timeout=600, launch_timeout=120, script="tests.ddp_faults", script_args=["--fail-rank=1"]
    )
    assert run.returncode != 0
    expected = "helpers.appendix_a.ddp_launch: rank 1 failed: RuntimeError: rank 1 crashed on purpose (--fail-rank 1)"
    assert expected in run.errors
    with pytest.raises(FileNotFoundError, match="rank0.pt is missing"):
        load_rank_results(tmp_path, 2)


@pytest.mark.slow
def test_a_stuck_rank_ends_the_run_after_the_timeout(tmp_path):
    # Rank 1 sleeps for a day; without the 2 s process-group timeout this would hit launch_timeout.
    start = time.monotonic()
    run = run_ddp(
        2, tmp_path, epochs=1, timeout=2, launch_timeout=120, script="tests.ddp_faults", script_args=["--hang-rank=1"]
    )
    assert run.returncode != 0
    assert any(
        line.startswith("helpers.appendix_a.ddp_launch: rank 0 failed: waited longer than --timeout")
        for line in run.errors
    )
    assert time.monotonic() - start < 100


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
        run_ddp(
            2,
            out_dir,
            epochs=1,
            timeout=600,
            launch_timeout=4,
            script="tests.ddp_faults",
            script_args=["--hang-rank=1"],
        )
    time.sleep(0.5)
    assert _processes_mentioning(str(out_dir)) == []


@pytest.mark.slow
def test_script_started_without_torchrun_fails_naming_the_variable():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "helpers.appendix_a.ddp_launch", "helpers.appendix_a.ddp_script"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "helpers.appendix_a.ddp_launch: rank ? failed:" in result.stderr
    assert "RANK" in result.stderr


# --- bad arguments, checked before any process starts -------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"nproc": 5}, ValueError, "nproc must be an int in \\[1, 5\\).*no batch"),
        ({"nproc": "2"}, TypeError, "nproc must be an int"),
        ({"backend": "mpi"}, ValueError, "backend must be one of 'gloo', 'nccl'"),
        ({"backend": None}, TypeError, "backend must be one of"),
        ({"timeout": 0}, ValueError, "timeout must be in"),
        ({"launch_timeout": float("inf")}, ValueError, "launch_timeout must be a finite number"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int"),
        ({"out_dir": 3}, TypeError, "out_dir must be a str or pathlib.Path"),
        ({"script_args": "--epochs 1"}, TypeError, "script_args must be a list"),
        ({"script_args": [1]}, TypeError, "each of script_args must be a str"),
        ({"script": None}, TypeError, "script must be a str"),
    ],
)
def test_run_ddp_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        run_ddp(**kwargs)


def test_torchrun_command_starts_the_script_under_the_launcher():
    command = torchrun_command(3, 29533, "helpers.appendix_a.ddp_script", ["--epochs=1"])
    assert command[1:3] == ["-m", "torch.distributed.run"]
    assert "--nproc_per_node=3" in command and "--master_port=29533" in command
    assert command[-4:] == ["-m", "helpers.appendix_a.ddp_launch", "helpers.appendix_a.ddp_script", "--epochs=1"]
    with pytest.raises(ValueError, match="port must be an int in"):
        torchrun_command(2, 70000, "helpers.appendix_a.ddp_script")


# --- rank results: missing, damaged or foreign files name the file ------------------------------


def _result(rank: int, world_size: int = 2) -> dict:
    return {"rank": rank, "world_size": world_size, "shards": [], "losses": [], "identical": True, "accuracy": {}}


def _write_results(folder: Path, world_size: int = 2) -> None:
    for rank in range(world_size):
        torch.save(
            _result(rank, world_size) | {"state_dict": NeuralNetwork(2, 2).state_dict()}, folder / f"rank{rank}.pt"
        )


def test_load_rank_results_reads_every_rank(tmp_path):
    _write_results(tmp_path)
    results = load_rank_results(tmp_path, 2)
    assert [r["rank"] for r in results] == [0, 1]
    assert all(set(RESULT_KEYS) <= set(r) for r in results)


def test_a_missing_rank_file_is_named(tmp_path):
    _write_results(tmp_path)
    (tmp_path / "rank1.pt").unlink()
    with pytest.raises(FileNotFoundError, match=r"rank1\.pt is missing: rank 1"):
        load_rank_results(tmp_path, 2)


@pytest.mark.parametrize("damage", ["truncate", "empty", "text"])
def test_a_damaged_rank_file_is_named(tmp_path, damage):
    _write_results(tmp_path)
    path = tmp_path / "rank1.pt"
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "empty": b"", "text": b"not a checkpoint"}[damage])
    with pytest.raises(ValueError, match=r"rank1\.pt is damaged"):
        load_rank_results(tmp_path, 2)


def test_a_foreign_rank_file_is_named(tmp_path):
    _write_results(tmp_path)
    torch.save({"rank": 1}, tmp_path / "rank1.pt")
    with pytest.raises(ValueError, match=r"rank1\.pt is not a rank result"):
        load_rank_results(tmp_path, 2)
    _write_results(tmp_path, world_size=3)  # rank0.pt and rank1.pt now say "of 3"
    with pytest.raises(ValueError, match=r"rank0\.pt holds rank 0 of 3, not rank 0 of 2"):
        load_rank_results(tmp_path, 2)


def test_load_rank_results_checks_its_arguments(tmp_path):
    with pytest.raises(TypeError, match="out_dir must be a str or pathlib.Path"):
        load_rank_results(3, 2)
    with pytest.raises(ValueError, match="world_size must be an int in"):
        load_rank_results(tmp_path, 0)


# --- the single-process reference and the notebook's shard rule ----------------------------------


@pytest.mark.parametrize("world_size", [1, 2, 3, 4])
def test_global_batches_hold_every_rank_batch(world_size):
    for epoch in range(3):
        shards = rank_shards(5, world_size, epoch)
        batches = global_batches(5, world_size, epoch)
        assert [len(b) for b in batches] == [2 * world_size] * (len(shards[0]) // 2)
        assert all(set(b) <= set(range(5)) for b in batches)


def test_shards_follow_set_epoch():
    assert rank_shards(5, 2, 0) != rank_shards(5, 2, 1)
    assert rank_shards(5, 2, 1) == rank_shards(5, 2, 1, sampler_seed=0)
    assert rank_shards(5, 2, 1) != rank_shards(5, 2, 1, sampler_seed=123)
    with pytest.raises(ValueError, match="world_size must be an int in \\[1, 6\\)"):
        rank_shards(5, 6, 0)


def test_one_rank_equals_plain_training_on_its_batches():
    """With one rank there is no padding: the reference is ordinary minibatch training on the sampler's order."""
    model, losses = train_single_process(1, epochs=1)
    torch.manual_seed(123)
    plain = NeuralNetwork(2, 2)
    X, y, _, _ = toy_data()
    optimizer = torch.optim.SGD(plain.parameters(), lr=0.5)
    plain_losses = []
    for batch in ([4, 0], [1, 3]):  # rank_shards(5, 1, 0) in batches of 2, the last one dropped
        loss = torch.nn.functional.cross_entropy(plain(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        plain_losses.append(loss.item())
    assert losses == [pytest.approx(plain_losses, rel=1e-6)]
    assert torch.allclose(flat_weights(model), flat_weights(plain), rtol=RTOL, atol=ATOL)


def test_notebook_shards_by_hand_equal_the_sampler():
    nb = notebook_namespace("00b-appendix-a9-devices-and-ddp.ipynb")
    for num_examples in (1, 4, 5, 7):
        for world_size in range(1, num_examples + 1):
            for epoch in range(3):
                assert nb["shards_by_hand"](num_examples, world_size, epoch) == rank_shards(
                    num_examples, world_size, epoch
                )
