"""helpers.experiments.ensemble: the seeds trained side by side are independent copies of the one-seed model."""

from __future__ import annotations

import torch

from helpers.experiments.ensemble import SeedLinear

SEEDS = 3


def test_seed_linear_is_one_linear_per_seed():
    layer = SeedLinear(SEEDS, 3, 2)
    x = torch.randn(SEEDS, 4, 3)
    for s in range(SEEDS):
        torch.testing.assert_close(layer(x)[s], x[s] @ layer.weight[s] + layer.bias[s])
