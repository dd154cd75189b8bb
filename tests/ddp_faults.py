"""Test-only: :mod:`helpers.appendix_a.ddp_script` with one rank made to crash or hang at its first forward pass.

Started like the script itself, through :func:`helpers.appendix_a.ddp_launch.run_ddp`::

    run_ddp(2, out_dir, script="tests.ddp_faults", script_args=["--fail-rank", "1"])

``--fail-rank R`` makes rank R raise; ``--hang-rank R`` makes it sleep for a
day, as a deadlocked rank would, while the others wait for it in ``backward()``.
Every other argument goes to the script.
"""

from __future__ import annotations

import argparse
import os
import time

from helpers.appendix_a import ddp_script
from helpers.appendix_a.toy import NeuralNetwork


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-rank", type=int)
    parser.add_argument("--hang-rank", type=int)
    faults, script_args = parser.parse_known_args(argv)
    rank = int(os.environ["RANK"])
    forward = NeuralNetwork.forward

    def faulty_forward(self, x):
        if rank == faults.fail_rank:
            raise RuntimeError(f"rank {rank} crashed on purpose (--fail-rank {rank})")
        if rank == faults.hang_rank:
            time.sleep(24 * 3600)
        return forward(self, x)

    NeuralNetwork.forward = faulty_forward
    ddp_script.main(script_args)
