"""Forward + backward time of causal multi-head attention implementations, against plain SDPA.

Run from the repository root, with the venv's Python (``.venv/bin/python``;
on Windows ``.venv\\Scripts\\python``)::

    python -m benchmarks.attention                          # CPU, and CUDA when present
    python -m benchmarks.attention --repeats 7 --threads 1  # steadier on a busy machine

GPT-2-small sizes (d_in = d_out = 768, 12 heads), float32, causal, dropout 0,
at batch 8 x 256 tokens and batch 2 x 1024 tokens. Each step is one forward
pass, a ``.sum()`` and one backward pass. The reference is :class:`PlainSDPA`,
written here: one QKV ``nn.Linear``, PyTorch's own
``F.scaled_dot_product_attention`` and an output projection, nothing else.
The implementations are timed in rounds: in each round every one runs once,
in a rotating order, so a burst of load on a shared machine hits them all
alike. The table shows the median over the rounds and two ratios to the
reference, measured in the same process: the ratio of the medians, the
median of the per-round ratios (less sensitive to load that changes during the
run), and the ratio of the best rounds (least sensitive to bursts of load, which
only ever add time). The last line says whether ``FusedMultiHeadAttention`` (the drop-in fast
version of the book's class) stays within 1.05x of the reference.

Before timing, every implementation is given the same weights and checked to
compute the same output as the book's ``MultiHeadAttention`` (the wrapper of
single heads has no output projection, so it is only timed).
"""

from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F
from torch import nn

from helpers.attention import MultiHeadAttention, MultiHeadAttentionWrapper
from helpers.experiments.attention_variants import VARIANTS, FusedMultiHeadAttention, copy_weights
from helpers.experiments.timing import round_times

D_MODEL = 768
NUM_HEADS = 12
SIZES = ((8, 256), (2, 1024))
CONTEXT_LENGTH = max(t for _, t in SIZES)
REFERENCE = "plain SDPA (reference)"
FAST = "FusedMultiHeadAttention"
GOAL = 1.05


class PlainSDPA(nn.Module):
    """The reference: a QKV projection, ``F.scaled_dot_product_attention`` and an output projection."""

    def __init__(self, d_model: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        return self.out_proj(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, d))


def build_modules(device: torch.device) -> dict[str, nn.Module]:
    """Every implementation, seeded, on ``device``; all but the wrapper share one set of weights."""
    torch.manual_seed(123)
    book = MultiHeadAttention(D_MODEL, D_MODEL, CONTEXT_LENGTH, 0.0, NUM_HEADS)
    modules: dict[str, nn.Module] = {
        REFERENCE: copy_weights(book, PlainSDPA(D_MODEL, NUM_HEADS)),
        FAST: copy_weights(book, FusedMultiHeadAttention(D_MODEL, D_MODEL, CONTEXT_LENGTH, 0.0, NUM_HEADS)),
        "MultiHeadAttention (the book's)": book,
        "MultiHeadAttentionWrapper": MultiHeadAttentionWrapper(
            D_MODEL, D_MODEL // NUM_HEADS, CONTEXT_LENGTH, 0.0, NUM_HEADS
        ),
    }
    for name, cls in VARIANTS.items():
        modules[name] = copy_weights(book, cls(D_MODEL, D_MODEL, CONTEXT_LENGTH, NUM_HEADS))
    return {name: module.to(device) for name, module in modules.items()}


def check_equal(modules: dict[str, nn.Module], x: torch.Tensor) -> float:
    """The largest difference between any implementation's output and the book's class's."""
    with torch.no_grad():
        reference = modules["MultiHeadAttention (the book's)"](x)
        return max(
            (module(x) - reference).abs().max().item()
            for name, module in modules.items()
            if name != "MultiHeadAttentionWrapper"
        )


def print_table(title: str, times: dict[str, list[float]], max_diff: float) -> float:
    """One table: median ms and the three ratios to the reference; returns the fast class's per-round ratio."""
    ref = times[REFERENCE]
    print(f"\n{title}  (largest output difference vs the book's class: {max_diff:.1e})")
    print(f"{'implementation':<34}{'median ms':>11}{'x ref':>8}{'x ref/round':>13}{'x ref best':>12}")
    paired = {}
    for name, ts in times.items():
        paired[name] = statistics.median(t / r for t, r in zip(ts, ref, strict=True))
        ratio = statistics.median(ts) / statistics.median(ref)
        best = min(ts) / min(ref)
        print(f"{name:<34}{statistics.median(ts) * 1e3:>11.1f}{ratio:>8.2f}{paired[name]:>13.2f}{best:>12.2f}")
    return paired[FAST]


def main() -> None:
    """Parse the arguments and print one table per device and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per size (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--cpu-only", action="store_true", help="skip CUDA even when present")
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's choice, one per core)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    devices = [torch.device("cpu")]
    if torch.cuda.is_available() and not args.cpu_only:
        devices.append(torch.device("cuda"))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, float32, causal, dropout 0")
    print(f"d_in = d_out = {D_MODEL}, {NUM_HEADS} heads; forward + backward; {args.repeats} rounds")
    if not torch.cuda.is_available():
        print("CUDA: not available on this machine, CPU tables only")
    for device in devices:
        sync = torch.cuda.synchronize if device.type == "cuda" else lambda: None
        modules = build_modules(device)
        name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
        for batch, num_tokens in SIZES:
            x = torch.randn(batch, num_tokens, D_MODEL, generator=torch.Generator().manual_seed(0)).to(device)
            max_diff = check_equal(modules, x)
            if max_diff > 1e-4:
                raise AssertionError(f"an implementation differs from the book's class by {max_diff:.2e}")
            times = round_times(modules, x, args.repeats, args.warmup, sync)
            fast = print_table(f"{name}: batch {batch} x {num_tokens} tokens", times, max_diff)
            verdict = "within" if fast <= GOAL else "NOT within"
            print(f"{FAST}: {fast:.2f}x the reference per round, {verdict} {GOAL}x")


if __name__ == "__main__":
    main()
