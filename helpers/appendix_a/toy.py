"""Appendix A's toy problem: a small multilayer network and five 2-D training points.

The primer (appendix A.5–A.7) builds both step by step. They live here once so
that the A.9 notebook and the data-parallel scripts (:mod:`helpers.appendix_a.ddp_spawn`, the book's,
and :mod:`helpers.appendix_a.ddp_script`, for torchrun) train exactly the same network on exactly the same data.

>>> X_train, y_train, X_test, y_test = toy_data()
>>> tuple(X_train.shape), y_train.tolist()
((5, 2), [0, 0, 0, 1, 1])
>>> _ = torch.manual_seed(123)
>>> NeuralNetwork(2, 2)(X_test).shape
torch.Size([2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.utils.data import Dataset

from helpers.checks import positive_int, require_iterable, require_tensor


class NeuralNetwork(torch.nn.Module):
    """A multilayer perceptron: ``Linear`` layers with ReLU between them, logits out.

    The hidden sizes default to the book's 30 and 20 units, and the layers are
    created in the book's order, so a seed gives the book's initial weights.

    >>> _ = torch.manual_seed(123)
    >>> sum(p.numel() for p in NeuralNetwork(50, 3).parameters())
    2213
    >>> NeuralNetwork(2, 0)
    Traceback (most recent call last):
    ...
    ValueError: num_outputs must be a positive int, got 0
    """

    def __init__(self, num_inputs: int, num_outputs: int, hidden: Sequence[int] = (30, 20)):
        super().__init__()
        hidden = [positive_int(size, "each hidden size") for size in require_iterable(hidden, "hidden", of="ints")]
        sizes = [positive_int(num_inputs, "num_inputs"), *hidden, positive_int(num_outputs, "num_outputs")]
        layers: list[torch.nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
            if i:
                layers.append(torch.nn.ReLU())
            layers.append(torch.nn.Linear(n_in, n_out))
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, one row per example."""
        return self.layers(x)


class ToyDataset(Dataset):
    """Pairs ``(features[i], labels[i])`` from two tensors of equal length.

    >>> ds = ToyDataset(torch.zeros(3, 2), torch.tensor([0, 1, 0]))
    >>> len(ds), ds[1][1].item()
    (3, 1)
    """

    def __init__(self, features: torch.Tensor, labels: torch.Tensor):
        features, labels = require_tensor(features, "features"), require_tensor(labels, "labels")
        if len(features) != len(labels):
            raise ValueError(
                f"features and labels must have one label per example, got {len(features)} and {len(labels)}"
            )
        self.features, self.labels = features, labels

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]

    def __len__(self) -> int:
        return len(self.labels)


def toy_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The appendix's data: five training and two test points, class 0 upper left, class 1 lower right.

    Returns fresh tensors ``(X_train, y_train, X_test, y_test)`` on every call.

    >>> [tuple(t.shape) for t in toy_data()]
    [(5, 2), (5,), (2, 2), (2,)]
    """
    X_train = torch.tensor([[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]])
    y_train = torch.tensor([0, 0, 0, 1, 1])
    X_test = torch.tensor([[-0.8, 2.8], [2.6, -1.6]])
    y_test = torch.tensor([0, 1])
    return X_train, y_train, X_test, y_test
