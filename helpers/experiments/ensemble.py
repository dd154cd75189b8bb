"""Several seeds of one small model trained at once: each seed keeps its own block of every weight.

A Why? experiment runs at least five seeds, and five tiny models trained one
after the other pay five times the Python overhead of one. Here the copies sit
side by side: :class:`Ensemble` stacks the weights of several models and runs
them with one vectorised call, and :class:`SeedLinear` applies a separate
``nn.Linear`` to each seed's slice. No number flows from one seed's weights to
another's, so training the sum of the seeds' losses with Adam (whose update is
element by element) trains each copy exactly as it would be trained alone.
(03.1's GRUs side by side are ``helpers.experiments.recall.SeedGRU``.)

>>> SeedLinear(seeds=3, d_in=4, d_out=2)(torch.randn(3, 5, 4)).shape  # (seeds, batch, d_out)
torch.Size([3, 5, 2])
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from helpers.checks import positive_int, require_instance

__all__ = ["Ensemble", "SeedLinear"]


class Ensemble(nn.Module):
    """Models of one architecture (one per seed) run as one: ``forward`` takes a leading seed axis.

    The models' weights are stacked into this module's parameters, and one vectorised call
    (``torch.func.vmap``) runs every copy on its own slice of the input, each with its own dropout
    draws. Train it with the sum of the seeds' losses; :meth:`unstack` copies the trained weights back
    into the models, which then work alone. (An ``nn.GRU`` cannot be vectorised: see ``recall.SeedGRU``.)

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
