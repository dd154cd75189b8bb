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

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap
from torch.nn.utils import parametrize

from helpers.checks import positive_int, require_instance

__all__ = ["Ensemble", "SeedLinear", "seed_gru", "split_seeds"]


class Ensemble(nn.Module):
    """Models of one architecture (one per seed) run as one: ``forward`` takes a leading seed axis.

    The models' weights are stacked into this module's parameters, and one vectorised call
    (``torch.func.vmap``) runs every copy on its own slice of the input, each with its own dropout
    draws. Train it with the sum of the seeds' losses; :meth:`unstack` copies the trained weights back
    into the models, which then work alone. (An ``nn.GRU`` cannot be vectorised: see :func:`seed_gru`.)

    >>> _ = torch.manual_seed(0)
    >>> models = [nn.Linear(3, 2) for _ in range(4)]
    >>> x = torch.randn(4, 5, 3)  # (seeds, batch, features)
    >>> ensemble = Ensemble(models)
    >>> torch.allclose(ensemble(x)[1], models[1](x[1]))
    True
    """

    def __init__(self, models: Sequence[nn.Module]):
        super().__init__()
        self.models = [require_instance(m, "models", nn.Module, "a list of nn.Module") for m in models]
        if len(self.models) < 2:
            raise ValueError(f"models must hold at least 2 models (one per seed), got {len(self.models)}")
        params, self.stacked_buffers = stack_module_state(self.models)
        # parameter names may not contain dots
        self.stacked = nn.ParameterDict({name.replace(".", "__"): nn.Parameter(p) for name, p in params.items()})
        self._shape = [copy.deepcopy(self.models[0]).to("meta")]  # a list: not registered as a submodule

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        shape = self._shape[0].train(self.training)  # dropout on or off, as this module is
        params = {name.replace("__", "."): p for name, p in self.stacked.items()}

        def one(p, b, *x):
            return functional_call(shape, (p, b), x)

        return vmap(one, randomness="different")(params, self.stacked_buffers, *inputs)

    def unstack(self) -> list[nn.Module]:
        """The models, each given its slice of the trained weights."""
        with torch.no_grad():
            for name, stacked in self.stacked.items():
                for s, model in enumerate(self.models):
                    model.get_parameter(name.replace("__", ".")).copy_(stacked[s])
        return self.models


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
    """One ``nn.Linear(d_in, d_out, bias)`` per seed: ``(seeds, batch, d_in)`` to ``(seeds, batch, d_out)``.

    >>> SeedLinear(4, 3, 2)(torch.ones(4, 5, 3)).shape
    torch.Size([4, 5, 2])
    """

    def __init__(self, seeds: int, d_in: int, d_out: int, bias: bool = True):
        super().__init__()
        seeds = positive_int(seeds, "seeds")
        layers = [nn.Linear(positive_int(d_in, "d_in"), positive_int(d_out, "d_out"), bias=bias) for _ in range(seeds)]
        self.weight = nn.Parameter(torch.stack([layer.weight.T for layer in layers]).detach())
        self.bias = nn.Parameter(torch.stack([layer.bias for layer in layers]).detach().unsqueeze(1)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.bmm(x, self.weight) if self.bias is None else torch.baddbmm(self.bias, x, self.weight)


def split_seeds(x: torch.Tensor, seeds: int) -> torch.Tensor:
    """``(batch, ..., seeds * hidden)`` to ``(seeds, batch, ..., hidden)``: each seed's slice on its own axis.

    >>> split_seeds(torch.arange(4.0).view(1, 4), 2).tolist()
    [[[0.0, 1.0]], [[2.0, 3.0]]]
    """
    return x.unflatten(-1, (seeds, -1)).movedim(-2, 0)
