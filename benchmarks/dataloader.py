"""Build time and peak memory of GPTDatasetV1 against a one-tensor-per-window dataset.

Run from the repository root::

    python -m benchmarks.dataloader   # with the venv's Python (.venv/bin/ or .venv\\Scripts\\)

Text: tinyshakespeare (GPT-2 tokens), ``max_length=256``, strides 1 and 256.
Each (dataset, stride) pair is built in a fresh subprocess: the child loads the
text and the tokenizer (and encodes a short string, so lazy set-up is done)
*before* it reads its baseline, then builds the dataset and reports

- the build time (tokenizing included, as both datasets tokenize in ``__init__``);
- the peak resident memory added by the build: ``ru_maxrss`` after the build
  minus the resident size just before it (``psutil``), so it counts every
  temporary, not only what survives. On Linux the process's peak is reset
  first (``/proc/self/clear_refs``), so loading the tokenizer, which peaks
  higher than a small build, does not hide the build's own peak;
- the bytes of the tensors the dataset keeps (the distinct storages behind its
  windows: a deterministic count, unlike RSS).

The reference child then also builds ``GPTDatasetV1`` and checks that both
datasets give identical batches from a shuffled, seeded ``DataLoader``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import psutil
import torch
from torch.utils.data import DataLoader, Dataset

from helpers.data import gpt2_encoding, load_text
from helpers.dataset import GPTDatasetV1

TEXT = "tinyshakespeare.txt"
MAX_LENGTH = 256
STRIDES = (1, 256)
BATCH_SIZE = 8


class PerWindowDataset(Dataset):
    """The book's layout: a Python list of token ids, then one new tensor per input and per target window."""

    def __init__(self, txt: str, tokenizer, max_length: int, stride: int):
        token_ids = tokenizer.encode(txt, allowed_special={"<|endoftext|>"})
        self.inputs: list[torch.Tensor] = []
        self.targets: list[torch.Tensor] = []
        for start in range(0, len(token_ids) - max_length, stride):
            self.inputs.append(torch.tensor(token_ids[start : start + max_length]))
            self.targets.append(torch.tensor(token_ids[start + 1 : start + max_length + 1]))

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.inputs[idx], self.targets[idx]


def stored_bytes(dataset: Dataset) -> int:
    """Bytes of the distinct tensor storages behind every window of ``dataset``."""
    storages = {}
    for idx in range(len(dataset)):
        for tensor in dataset[idx]:
            storage = tensor.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


def same_batches(a: Dataset, b: Dataset) -> bool:
    """Whether two datasets give identical batches from equally seeded, shuffled loaders."""
    loaders = (
        DataLoader(ds, batch_size=BATCH_SIZE, shuffle=True, generator=torch.Generator().manual_seed(0)) for ds in (a, b)
    )
    return len(a) == len(b) and all(
        torch.equal(xa, xb) and torch.equal(ya, yb) for (xa, ya), (xb, yb) in zip(*loaders, strict=True)
    )


def peak_rss() -> int:
    """The process's peak resident memory in bytes, on Linux, macOS and Windows."""
    if sys.platform == "win32":
        return psutil.Process().memory_info().peak_wset  # Windows' name for the peak resident set
    import resource  # POSIX only, hence imported here

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS reports bytes, Linux KiB


def reset_peak() -> None:
    """Reset the process's peak RSS to its current RSS, where Linux allows it (else keep it)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def child(kind: str, stride: int) -> None:
    """Build one dataset in this (fresh) process and print its measurements as JSON."""
    text = load_text(TEXT)
    tokenizer = gpt2_encoding()
    tokenizer.encode_to_numpy("warm up", allowed_special={"<|endoftext|>"})
    tokenizer.encode("warm up", allowed_special={"<|endoftext|>"})
    reset_peak()
    baseline = psutil.Process().memory_info().rss
    peak_before = peak_rss()
    cls = GPTDatasetV1 if kind == "GPTDatasetV1" else PerWindowDataset
    start = time.perf_counter()
    dataset = cls(text, tokenizer, MAX_LENGTH, stride)
    build_s = time.perf_counter() - start
    peak_after = peak_rss()
    result = {
        "build_s": build_s,
        "peak_delta": peak_after - baseline,
        "peak_rose": peak_after > peak_before,
        "stored": stored_bytes(dataset),
        "windows": len(dataset),
        "token_bytes": len(tokenizer.encode_to_numpy(text, allowed_special={"<|endoftext|>"})) * 8,
    }
    if kind != "GPTDatasetV1":
        result["same_batches"] = same_batches(dataset, GPTDatasetV1(text, tokenizer, MAX_LENGTH, stride))
    print(json.dumps(result))


def measure(kind: str, stride: int) -> dict:
    """Run :func:`child` in a fresh interpreter and return its measurements."""
    command = [sys.executable, "-m", "benchmarks.dataloader", "--child", kind, "--stride", str(stride)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Measure both datasets at both strides and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("GPTDatasetV1", "per-window"), help=argparse.SUPPRESS)
    parser.add_argument("--stride", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.stride)
        return

    mib = 2**20
    print(f"{TEXT}, GPT-2 tokens, max_length={MAX_LENGTH}; each row measured in a fresh subprocess")
    header = f"{'dataset':<14}{'stride':>7}{'windows':>9}{'build s':>9}{'peak +MiB':>11}{'x tokens':>10}"
    print(header + f"{'kept MiB':>10}{'x tokens':>10}  batches")
    for stride in STRIDES:
        for kind in ("per-window", "GPTDatasetV1"):
            r = measure(kind, stride)
            token_bytes = r["token_bytes"]
            same = {True: "identical", False: "DIFFERENT"}.get(r.get("same_batches"), "")
            peak = r["peak_delta"] / mib if r["peak_rose"] else float("nan")
            print(
                f"{kind:<14}{stride:>7}{r['windows']:>9}{r['build_s']:>9.2f}{peak:>11.1f}"
                f"{r['peak_delta'] / token_bytes:>10.1f}{r['stored'] / mib:>10.1f}{r['stored'] / token_bytes:>10.1f}"
                f"  {same}"
            )
    print(f"token tensor: {token_bytes / mib:.2f} MiB ({token_bytes // 8} int64 ids)")
    print("peak +MiB: nan means the build never rose above the process's earlier peak")


if __name__ == "__main__":
    main()
