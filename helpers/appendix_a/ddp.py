"""What the DDP scripts of appendix A.9.3 should produce, computed in one process, and reading what they wrote.

:mod:`helpers.appendix_a.ddp_spawn` (the book's) and :mod:`helpers.appendix_a.ddp_script` (torchrun) train the
toy network on several ranks; this module
says what each rank reads (:func:`rank_shards`), what one process trained on
the same global batches ends with (:func:`train_single_process`), and reads
every rank's ``rank<r>.pt`` (:func:`load_rank_results`), so that a notebook or
a test can compare the two. :mod:`helpers.appendix_a.ddp_launch` starts the script.

The script's recipe, mirrored here: ``DistributedSampler`` with its default
seed (0), batches of 2 per rank with ``drop_last=True``, ``torch.manual_seed(123)``
before the model, SGD with learning rate 0.5.

>>> rank_shards(5, 2, epoch=0)
[[4, 1, 2], [0, 3, 4]]
>>> global_batches(5, 2, epoch=0)
[[4, 1, 0, 3]]
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data.distributed import DistributedSampler

from helpers.appendix_a.toy import NeuralNetwork, toy_data
from helpers.checks import int_in_range, positive_int, real_number, require_instance, require_path, seed

BATCH_SIZE = 2
"""Examples per rank and step in the script (with ``drop_last=True``)."""

NUM_EXAMPLES = 5
"""The toy training set's size."""

MAX_RANKS = 4
"""More ranks than this leave each a shard of one example, which ``drop_last`` drops: no step at all."""

RESULT_KEYS = ("rank", "world_size", "shards", "losses", "identical", "accuracy", "state_dict")
"""What every ``rank<r>.pt`` holds."""


def rank_shards(num_examples: int, world_size: int, epoch: int, sampler_seed: int = 0) -> list[list[int]]:
    """The example indices each rank reads in ``epoch``: what ``DistributedSampler`` hands out.

    >>> rank_shards(5, 3, epoch=1)
    [[0, 3], [4, 1], [2, 0]]
    """
    num_examples = positive_int(num_examples, "num_examples")
    world_size = int_in_range(world_size, "world_size", 1, num_examples + 1, hint=": at most one rank per example")
    epoch = int_in_range(epoch, "epoch", 0)
    sampler_seed = seed(sampler_seed, "sampler_seed")
    shards = []
    for rank in range(world_size):
        sampler = DistributedSampler(range(num_examples), num_replicas=world_size, rank=rank, seed=sampler_seed)
        sampler.set_epoch(epoch)
        shards.append(list(sampler))
    return shards


def global_batches(num_examples: int, world_size: int, epoch: int, batch_size: int = BATCH_SIZE) -> list[list[int]]:
    """Each step's global batch in ``epoch``: the ranks' batches of that step, rank 0 first (``drop_last``).

    >>> global_batches(5, 1, epoch=0)
    [[4, 0], [1, 3]]
    """
    batch_size = positive_int(batch_size, "batch_size")
    shards = rank_shards(num_examples, world_size, epoch)
    steps = len(shards[0]) // batch_size
    return [[i for shard in shards for i in shard[k * batch_size : (k + 1) * batch_size]] for k in range(steps)]


def train_single_process(
    world_size: int, *, epochs: int = 3, lr: float = 0.5, model_seed: int = 123
) -> tuple[NeuralNetwork, list[list[float]]]:
    """Train in one process on the global batches ``world_size`` ranks of the script would see.

    Returns the model and each epoch's step losses (the loss averaged over the global batch).

    >>> model, losses = train_single_process(2, epochs=1)
    >>> [round(loss, 4) for loss in losses[0]]
    [0.6659]
    """
    world_size = int_in_range(world_size, "world_size", 1, MAX_RANKS + 1)
    epochs = positive_int(epochs, "epochs")
    lr = real_number(lr, "lr", 0.0)
    X_train, y_train, _, _ = toy_data()
    torch.manual_seed(seed(model_seed, "model_seed"))
    model = NeuralNetwork(num_inputs=2, num_outputs=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        losses.append([])
        for batch in global_batches(len(y_train), world_size, epoch):
            loss = F.cross_entropy(model(X_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[-1].append(loss.item())
    return model, losses


def flat_weights(model: torch.nn.Module) -> torch.Tensor:
    """All parameters of ``model`` as one vector, to compare two models in one call.

    >>> flat_weights(torch.nn.Linear(2, 3)).shape
    torch.Size([9])
    """
    require_instance(model, "model", torch.nn.Module, "a torch.nn.Module")
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def save_rank_result(out_dir: str | Path, model: torch.nn.Module, shards: list, losses: list, accuracy: dict) -> Path:
    """Inside a DDP run, on every rank: gather all ranks' weights and save this rank's ``rank<r>.pt``.

    ``identical`` records whether every rank ended with the same weights. Returns the file's path.
    """
    rank, world_size = dist.get_rank(), dist.get_world_size()
    weights = flat_weights(model)
    gathered = [torch.empty_like(weights) for _ in range(world_size)]
    dist.all_gather(gathered, weights)
    folder = require_path(out_dir, "out_dir")
    folder.mkdir(parents=True, exist_ok=True)
    result = {
        "rank": rank,
        "world_size": world_size,
        "shards": shards,
        "losses": losses,
        "identical": all(torch.equal(w, gathered[0]) for w in gathered),
        "accuracy": accuracy,
        "state_dict": {name: value.cpu() for name, value in model.state_dict().items()},
    }
    torch.save(result, folder / f"rank{rank}.pt")
    return folder / f"rank{rank}.pt"


def load_rank_results(out_dir: str | Path, world_size: int) -> list[dict]:
    """Every rank's ``rank<r>.pt`` from ``out_dir``, in rank order.

    A missing file is a ``FileNotFoundError``, a damaged or foreign one a
    ``ValueError``; both name the file.

    >>> load_rank_results("no-such-folder", 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: no-such-folder/rank0.pt is missing: rank 0 wrote no result (did the DDP run fail?)
    """
    folder = require_path(out_dir, "out_dir")
    world_size = int_in_range(world_size, "world_size", 1, MAX_RANKS + 1)
    return [_load_one(folder / f"rank{rank}.pt", rank, world_size) for rank in range(world_size)]


def _load_one(path: Path, rank: int, world_size: int) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: rank {rank} wrote no result (did the DDP run fail?)")
    try:
        result = torch.load(path, weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        reason = (str(error) or type(error).__name__).splitlines()[0].split(". ")[0]  # the rest is advice
        raise ValueError(f"{path} is damaged, not a result torch.save wrote: {reason}") from error
    if not isinstance(result, dict) or any(key not in result for key in RESULT_KEYS):
        raise ValueError(f"{path} is not a rank result: it needs the keys {', '.join(RESULT_KEYS)}")
    if (result["rank"], result["world_size"]) != (rank, world_size):
        raise ValueError(
            f"{path} holds rank {result['rank']} of {result['world_size']}, not rank {rank} of {world_size}: "
            "a file of another run; start from an empty out_dir"
        )
    return result
