"""Several seeds of one small model trained at once: each seed keeps its own block of every weight.

A Why? experiment runs at least five seeds, and five tiny models trained one
after the other pay five times the Python overhead of one. Here the copies sit
side by side in one wider module: an ``nn.GRU`` whose weight matrices are
block-diagonal (one block per seed, the blocks between seeds held at zero), and
a :class:`SeedLinear` that applies a separate ``nn.Linear`` to each seed's
slice. No number flows from one seed's block to another's, so training the sum
of the seeds' losses with Adam (whose update is element by element) trains each
copy exactly as it would be trained alone.

>>> gru = seed_gru(seeds=3, hidden=4)
>>> states, last = gru(torch.randn(2, 5, 12))  # (batch, steps, seeds * hidden)
>>> split_seeds(states, 3).shape  # (seeds, batch, steps, hidden)
torch.Size([3, 2, 5, 4])
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize

from helpers.checks import positive_int

__all__ = ["SeedLinear", "seed_gru", "split_seeds"]


class _KeepBlocks(nn.Module):
    """A parametrization: the weight times a fixed 0/1 mask, so the masked entries stay 0 and get no gradient."""

    def __init__(self, mask: torch.Tensor):
        super().__init__()
        self.register_buffer("mask", mask)

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight * self.mask


def seed_gru(seeds: int, hidden: int) -> nn.GRU:
    """``seeds`` independent one-layer GRUs of size ``hidden`` as one ``nn.GRU`` of size ``seeds * hidden``.

    Seed ``s`` reads features ``s * hidden`` to ``(s + 1) * hidden`` of the input and writes the same slice of
    the state. Weights start as a GRU of size ``hidden`` would (uniform within ``±1/sqrt(hidden)``).

    >>> gru = seed_gru(2, 3)
    >>> (gru.weight_hh_l0[:3, 3:] == 0).all().item()  # seed 0's reset gate ignores seed 1's state
    True
    """
    seeds, hidden = positive_int(seeds, "seeds"), positive_int(hidden, "hidden")
    gru = nn.GRU(seeds * hidden, seeds * hidden, batch_first=True)
    with torch.no_grad():
        for weight in gru.parameters():
            weight.uniform_(-(hidden**-0.5), hidden**-0.5)
    # nn.GRU stacks its three gates (reset, update, new) as row blocks; each must be block-diagonal
    mask = torch.block_diag(*[torch.ones(hidden, hidden)] * seeds).repeat(3, 1)
    for name in ("weight_ih_l0", "weight_hh_l0"):
        parametrize.register_parametrization(gru, name, _KeepBlocks(mask))
    return gru


class SeedLinear(nn.Module):
    """One ``nn.Linear(d_in, d_out)`` per seed: ``(seeds, batch, d_in)`` to ``(seeds, batch, d_out)``.

    >>> SeedLinear(4, 3, 2)(torch.ones(4, 5, 3)).shape
    torch.Size([4, 5, 2])
    """

    def __init__(self, seeds: int, d_in: int, d_out: int):
        super().__init__()
        seeds = positive_int(seeds, "seeds")
        layers = [nn.Linear(positive_int(d_in, "d_in"), positive_int(d_out, "d_out")) for _ in range(seeds)]
        self.weight = nn.Parameter(torch.stack([layer.weight.T for layer in layers]).detach())
        self.bias = nn.Parameter(torch.stack([layer.bias for layer in layers]).detach().unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


def split_seeds(x: torch.Tensor, seeds: int) -> torch.Tensor:
    """``(batch, ..., seeds * hidden)`` to ``(seeds, batch, ..., hidden)``: each seed's slice on its own axis.

    >>> split_seeds(torch.arange(4.0).view(1, 4), 2).tolist()
    [[[0.0, 1.0]], [[2.0, 3.0]]]
    """
    return x.unflatten(-1, (seeds, -1)).movedim(-2, 0)
