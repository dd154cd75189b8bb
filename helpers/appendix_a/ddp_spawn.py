"""Appendix A.9.3 as the book runs it: ``mp.spawn`` starts one process per rank, each calls ``main(rank, ...)``.

A script: with two or more GPUs, one rank per GPU (NCCL, at most ``MAX_RANKS``);
otherwise two ranks on the CPU (gloo). ``LLMFS_DEVICE=cpu`` keeps it on the CPU::

    python -m helpers.appendix_a.ddp_spawn
    python -m helpers.appendix_a.ddp_spawn --out-dir runs/spawn  # also saves each rank's rank<r>.pt

``mp.spawn`` starts fresh interpreters, which import ``main`` by the name of the
file it was defined in; a function defined in a notebook cell has no such file.
"""

import argparse
import os
from datetime import timedelta
from pathlib import Path

import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.distributed import destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from helpers.appendix_a.ddp import MAX_RANKS, save_rank_result
from helpers.appendix_a.ddp_launch import free_port
from helpers.appendix_a.toy import NeuralNetwork, ToyDataset, toy_data


def on_gpus() -> bool:
    """One rank per GPU with two or more GPUs (unless ``LLMFS_DEVICE=cpu``); else every rank on the CPU."""
    return torch.cuda.device_count() >= 2 and os.environ.get("LLMFS_DEVICE", "").strip().lower() != "cpu"


def ranks_on_this_machine() -> int:
    """The book's one rank per GPU (at most ``MAX_RANKS``) with two or more GPUs; else two ranks on the CPU."""
    return min(torch.cuda.device_count(), MAX_RANKS) if on_gpus() else 2


def ddp_setup(rank, world_size, port=12345):
    os.environ["MASTER_ADDR"] = "localhost"  # where rank 0 listens: every rank is on this machine
    os.environ["MASTER_PORT"] = str(port)  # any free port, the same for every rank
    backend = "nccl" if on_gpus() else "gloo"  # NCCL talks between GPUs, gloo between CPU processes
    init_process_group(backend=backend, rank=rank, world_size=world_size, timeout=timedelta(seconds=60))
    if on_gpus():
        torch.cuda.set_device(rank)


def prepare_dataset():
    X_train, y_train, X_test, y_test = toy_data()
    train_ds, test_ds = ToyDataset(X_train, y_train), ToyDataset(X_test, y_test)
    train_loader = DataLoader(
        dataset=train_ds,
        batch_size=2,
        shuffle=False,  # the sampler shuffles
        pin_memory=on_gpus(),
        drop_last=True,
        sampler=DistributedSampler(train_ds),  # each rank reads its own shard
    )
    test_loader = DataLoader(dataset=test_ds, batch_size=2, shuffle=False)
    return train_loader, test_loader


def compute_accuracy(model, dataloader, device):
    model.eval()
    correct, total_examples = 0, 0
    for features, labels in dataloader:
        with torch.no_grad():
            predictions = torch.argmax(model(features.to(device)), dim=1)
        correct += torch.sum(predictions == labels.to(device)).item()
        total_examples += len(labels)
    return correct / total_examples


def log(rank, message):
    print(f"[rank {rank}] {message}\n", end="", flush=True)  # one write: the lines of two ranks never mix


def main(rank, world_size, num_epochs, port=12345, out_dir=None):
    ddp_setup(rank, world_size, port)
    device = torch.device("cuda", rank) if on_gpus() else torch.device("cpu")
    train_loader, test_loader = prepare_dataset()
    torch.manual_seed(123)  # ours: the book seeds only the parent process
    model = NeuralNetwork(num_inputs=2, num_outputs=2).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    model = DDP(model, device_ids=[rank] if device.type == "cuda" else None)  # rank 0's weights go to all

    shards, losses = [], []  # ours, saved for the notebook's check
    for epoch in range(num_epochs):
        train_loader.sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        shards.append(list(train_loader.sampler))
        losses.append([])
        model.train()
        for features, labels in train_loader:
            features, labels = features.to(device), labels.to(device)
            loss = F.cross_entropy(model(features), labels)
            optimizer.zero_grad()
            loss.backward()  # DDP averages the gradients of all ranks here
            optimizer.step()
            losses[-1].append(loss.item())
            log(rank, f"Epoch: {epoch + 1:03d}/{num_epochs:03d} | Batchsize {labels.shape[0]:03d} | Loss: {loss:.2f}")

    train_acc = compute_accuracy(model, train_loader, device)
    log(rank, f"Training accuracy {train_acc}")
    test_acc = compute_accuracy(model, test_loader, device)
    log(rank, f"Test accuracy {test_acc}")
    if out_dir is not None:
        save_rank_result(out_dir, model.module, shards, losses, {"train": train_acc, "test": test_acc})
    destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train appendix A's toy network with DDP, one process per rank.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, help="folder for each rank's rank<r>.pt")
    args = parser.parse_args()
    world_size = ranks_on_this_machine()
    port = free_port()  # ours: the book's fixed 12345 may be taken
    mp.spawn(main, args=(world_size, args.epochs, port, args.out_dir), nprocs=world_size)  # calls main(rank, ...)
