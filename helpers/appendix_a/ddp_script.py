"""Appendix A.9.3: train the toy network with DistributedDataParallel, one process per rank.

A script for torchrun, which starts the processes and tells each its rank. Two ranks on the CPU::

    python -m torch.distributed.run --nproc_per_node=2 --master_addr=127.0.0.1 \
        -m helpers.appendix_a.ddp_script --out-dir runs/ddp

Each rank writes what it saw to ``<out-dir>/rank<r>.pt``; ``helpers.appendix_a.ddp.load_rank_results`` reads them.
"""

import argparse
from datetime import timedelta
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.distributed import all_gather, destroy_process_group, get_rank, get_world_size, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from helpers.appendix_a.toy import NeuralNetwork, ToyDataset, toy_data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train appendix A's toy network with DDP (start with torchrun).")
    parser.add_argument("--out-dir", type=Path, help="folder for each rank's rank<r>.pt")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--backend", choices=("gloo", "nccl"), default="gloo", help="gloo: CPU; nccl: a GPU per rank")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a rank waits for the others")
    args = parser.parse_args(argv)

    # torchrun has set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT: every rank meets the others here.
    init_process_group(args.backend, timeout=timedelta(seconds=args.timeout))
    rank, world_size = get_rank(), get_world_size()
    device = torch.device("cuda", rank) if args.backend == "nccl" else torch.device("cpu")  # one machine
    if device.type == "cuda":
        torch.cuda.set_device(device)

    X_train, y_train, X_test, y_test = toy_data()
    train_ds = ToyDataset(X_train, y_train)
    sampler = DistributedSampler(train_ds)  # rank r reads every world_size-th example of one shuffled order
    train_loader = DataLoader(train_ds, batch_size=2, shuffle=False, drop_last=True, sampler=sampler)
    if len(train_loader) == 0:
        raise ValueError(f"{world_size} ranks leave each a shard of under 2 of the 5 examples: start at most 4")

    torch.manual_seed(123)
    model = NeuralNetwork(num_inputs=2, num_outputs=2).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    model = DDP(model)  # copies rank 0's weights to every rank; backward() averages the ranks' gradients

    shards, losses = [], []
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle every epoch, the same on every rank
        shards.append(list(sampler))
        losses.append([])
        model.train()
        for features, labels in train_loader:
            features, labels = features.to(device), labels.to(device)
            loss = F.cross_entropy(model(features), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[-1].append(loss.item())
            step = f"Epoch: {epoch + 1:03d}/{args.epochs:03d} | Batchsize {len(labels):03d} | Loss: {loss:.2f}"
            print(f"[rank {rank}] {step}\n", end="", flush=True)  # one write: lines of two ranks never mix

    # Gather every rank's weights on every rank: after identical steps they must be identical.
    weights = torch.cat([p.detach().flatten() for p in model.parameters()])
    gathered = [torch.empty_like(weights) for _ in range(world_size)]
    all_gather(gathered, weights)
    identical = all(torch.equal(w, gathered[0]) for w in gathered)
    model.eval()
    with torch.no_grad():
        accuracy = {
            name: (model(X.to(device)).argmax(dim=1).cpu() == y).float().mean().item()
            for name, X, y in (("train", X_train, y_train), ("test", X_test, y_test))
        }
    print(
        f"[rank {rank}] Accuracy: train {accuracy['train']}, test {accuracy['test']}; "
        f"weights identical on all {world_size} ranks: {identical}\n",
        end="",
        flush=True,
    )
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        result = {
            "rank": rank,
            "world_size": world_size,
            "shards": shards,
            "losses": losses,
            "identical": identical,
            "accuracy": accuracy,
            "state_dict": {k: v.cpu() for k, v in model.module.state_dict().items()},
        }
        torch.save(result, args.out_dir / f"rank{rank}.pt")
    destroy_process_group()


if __name__ == "__main__":
    main()
