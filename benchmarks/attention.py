"""Forward + backward time of seven causal multi-head attention implementations.

Run from the repository root, with the venv's Python (``.venv/bin/python``;
on Windows ``.venv\\Scripts\\python``)::

    python -m benchmarks.attention                          # CPU, and CUDA when present
    python -m benchmarks.attention --repeats 7 --threads 1  # steadier on a busy machine

GPT-2-small sizes (d_in = d_out = 768, 12 heads), float32, causal, dropout 0,
at batch 8 x 256 tokens and batch 2 x 1024 tokens. Each step is one forward
pass, a ``.sum()`` and one backward pass. The variants are timed in rounds: in
each round every variant runs once, in a rotating order, so a burst of load on
a shared machine hits them all alike. The table shows the median over the
rounds and two ratios to the ``F.scaled_dot_product_attention`` variant: the
ratio of the medians, and the median of the per-round ratios (less sensitive
to load that changes during the run).

Before timing, every variant is given the same weights and checked to compute
the same output as ``MultiHeadAttention(fused=False)`` (the wrapper of
single heads has no output projection, so it is only timed).
"""

from __future__ import annotations

import argparse
import statistics

import torch
from torch import nn

from helpers.attention import MultiHeadAttention, MultiHeadAttentionWrapper
from helpers.attention_variants import VARIANTS, copy_weights
from helpers.timing import round_times

D_MODEL = 768
NUM_HEADS = 12
SIZES = ((8, 256), (2, 1024))
CONTEXT_LENGTH = max(t for _, t in SIZES)
REFERENCE = "SDPA"


def build_variants(device: torch.device) -> dict[str, nn.Module]:
    """Every implementation, seeded, on ``device``; all but the wrapper share one set of weights."""
    torch.manual_seed(123)
    explicit = MultiHeadAttention(D_MODEL, D_MODEL, CONTEXT_LENGTH, 0.0, NUM_HEADS, fused=False)
    fused = MultiHeadAttention(D_MODEL, D_MODEL, CONTEXT_LENGTH, 0.0, NUM_HEADS)
    fused.load_state_dict(explicit.state_dict())
    modules: dict[str, nn.Module] = {
        "MultiHeadAttentionWrapper": MultiHeadAttentionWrapper(
            D_MODEL, D_MODEL // NUM_HEADS, CONTEXT_LENGTH, 0.0, NUM_HEADS
        ),
        "MultiHeadAttention": fused,
        "MultiHeadAttention(fused=False)": explicit,
    }
    for name, cls in VARIANTS.items():
        modules[name] = copy_weights(explicit, cls(D_MODEL, D_MODEL, CONTEXT_LENGTH, NUM_HEADS))
    return {name: module.to(device) for name, module in modules.items()}


def check_equal(modules: dict[str, nn.Module], x: torch.Tensor) -> float:
    """The largest difference between any variant's output and the explicit path's."""
    with torch.no_grad():
        reference = modules["MultiHeadAttention(fused=False)"](x)
        worst = 0.0
        for name, module in modules.items():
            if name == "MultiHeadAttentionWrapper":
                continue
            worst = max(worst, (module(x) - reference).abs().max().item())
    return worst


def print_table(title: str, times: dict[str, list[float]], max_diff: float) -> None:
    """One table: median ms, ratio of medians and median per-round ratio to the SDPA variant."""
    ref = times[REFERENCE]
    ref_median = statistics.median(ref)
    print(f"\n{title}  (largest output difference vs fused=False: {max_diff:.1e})")
    print(f"{'implementation':<34}{'median ms':>11}{'x SDPA':>9}{'x SDPA/round':>14}")
    for name, ts in times.items():
        median = statistics.median(ts)
        paired = statistics.median(t / r for t, r in zip(ts, ref, strict=True))
        print(f"{name:<34}{median * 1e3:>11.1f}{median / ref_median:>9.2f}{paired:>14.2f}")


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
        modules = build_variants(device)
        for batch, num_tokens in SIZES:
            x = torch.randn(batch, num_tokens, D_MODEL, generator=torch.Generator().manual_seed(0)).to(device)
            max_diff = check_equal(modules, x)
            if max_diff > 1e-4:
                raise AssertionError(f"a variant differs from the explicit path by {max_diff:.2e}")
            times = round_times(modules, x, args.repeats, args.warmup, sync)
            name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
            print_table(f"{name}: batch {batch} x {num_tokens} tokens", times, max_diff)


if __name__ == "__main__":
    main()
