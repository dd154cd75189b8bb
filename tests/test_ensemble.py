"""helpers.experiments.ensemble: the seeds trained side by side are independent copies of the one-seed model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.experiments.ensemble import SeedLinear, seed_gru, split_seeds

SEEDS, HIDDEN = 3, 4


def test_each_seed_of_the_gru_is_a_gru_of_its_own_block():
    torch.manual_seed(0)
    wide = seed_gru(SEEDS, HIDDEN)
    x = torch.randn(2, 5, SEEDS * HIDDEN)
    states, last = wide(x)
    for s in range(SEEDS):
        block = slice(s * HIDDEN, (s + 1) * HIDDEN)
        alone = nn.GRU(HIDDEN, HIDDEN, batch_first=True)
        with torch.no_grad():
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                gates = getattr(wide, name).view(3, SEEDS * HIDDEN, -1)[:, block]
                gates = gates[..., block] if name.startswith("weight") else gates
                getattr(alone, name).copy_(gates.reshape(getattr(alone, name).shape))
        alone_states, alone_last = alone(x[..., block])
        torch.testing.assert_close(split_seeds(states, SEEDS)[s], alone_states)
        torch.testing.assert_close(split_seeds(last[0], SEEDS)[s], alone_last[0])


def test_one_seeds_loss_leaves_the_other_seeds_weights_without_gradient():
    torch.manual_seed(0)
    gru, head = seed_gru(SEEDS, HIDDEN), SeedLinear(SEEDS, HIDDEN, 2)
    states, _ = gru(torch.randn(2, 5, SEEDS * HIDDEN))
    out = head(split_seeds(states[:, -1], SEEDS))  # (SEEDS, batch, 2)
    out[0].sum().backward()
    assert head.weight.grad[1:].abs().sum() == 0 and head.weight.grad[0].abs().sum() > 0
    other_rows = gru.parametrizations.weight_hh_l0.original.grad.view(3, SEEDS, HIDDEN, -1)[:, 1:]
    assert other_rows.abs().sum() == 0


def test_seed_linear_is_one_linear_per_seed():
    layer = SeedLinear(SEEDS, 3, 2)
    x = torch.randn(SEEDS, 4, 3)
    for s in range(SEEDS):
        torch.testing.assert_close(layer(x)[s], x[s] @ layer.weight[s] + layer.bias[s])


@pytest.mark.parametrize(("seeds", "hidden", "name"), [(0, 4, "seeds"), (2, 0, "hidden"), (2.0, 4, "seeds")])
def test_sizes_are_checked(seeds, hidden, name):
    with pytest.raises((TypeError, ValueError), match=name):
        seed_gru(seeds, hidden)
