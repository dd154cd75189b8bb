"""Figures of multi-head attention (notebooks 3.6 and 3.7): the head split, per-head weights, timings, memory.

:func:`head_split_diagram` draws one sequence's projected queries as a grid
of labelled cells (``t1f4`` = token 1, feature 4), then the same cells after
``view`` + ``transpose(1, 2)`` (one ``tokens x head_dim`` block per head),
then after the merge back (``transpose(1, 2)`` + ``contiguous().view``).
The cells are placed by running those very tensor operations on a tensor of
entry numbers, so the picture cannot drift from the code.
:func:`head_weights_figure`, :func:`timing_bars` and :func:`saved_memory_figure`
draw what 3.6's and 3.7's experiments measured, so a reader's cell is one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.checks import positive_int
from helpers.experiments.plotting import CMAP, heatmap, literal


def _grid(ax, block: torch.Tensor, d_out: int, head_dim: int, title: str, first: bool = False) -> None:
    """One grid of entry numbers, coloured by the head each feature belongs to."""
    ax.imshow((block % d_out // head_dim).numpy(), cmap=CMAP, vmin=-0.5, vmax=d_out // head_dim - 0.5, aspect="auto")
    for i, row in enumerate(block.tolist()):
        for j, n in enumerate(row):
            ax.text(j, i, f"t{n // d_out}f{n % d_out}", ha="center", va="center", fontsize=8, color="white")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks(range(block.shape[0]), labels=[f"token {t}" for t in range(block.shape[0])] if first else [])


def head_split_diagram(num_tokens: int = 3, d_out: int = 4, num_heads: int = 2) -> Figure:
    """Split into heads, and merge back, for one sequence of ``num_tokens`` tokens; returns the figure.

    >>> fig = head_split_diagram()
    >>> [ax.get_title().replace("\\n", " ") for ax in fig.axes]
    ['projected (T, d_out)', 'head 1 (T, head_dim)', 'head 2 (T, head_dim)', 'merged back (T, d_out)']
    >>> plt.close(fig)
    """
    num_tokens, d_out = positive_int(num_tokens, "num_tokens"), positive_int(d_out, "d_out")
    num_heads = positive_int(num_heads, "num_heads")
    if d_out % num_heads:
        raise ValueError(f"d_out={d_out} is not divisible by num_heads={num_heads}")
    head_dim = d_out // num_heads
    ids = torch.arange(num_tokens * d_out).view(1, num_tokens, d_out)  # entry number = token * d_out + feature
    split = ids.view(1, num_tokens, num_heads, head_dim).transpose(1, 2)  # (1, heads, tokens, head_dim)
    merged = split.transpose(1, 2).contiguous().view(1, num_tokens, d_out)
    ratios = [d_out] + [head_dim] * num_heads + [d_out]
    fig, axes = plt.subplots(1, num_heads + 2, figsize=(6.4, 2.8), gridspec_kw={"width_ratios": ratios})
    _grid(axes[0], ids[0], d_out, head_dim, "projected\n(T, d_out)", first=True)
    for h in range(num_heads):
        _grid(axes[1 + h], split[0, h], d_out, head_dim, f"head {h + 1}\n(T, head_dim)")
    _grid(axes[-1], merged[0], d_out, head_dim, "merged back\n(T, d_out)")
    split_code, merge_code = (
        ".view(b, T, heads, head_dim).transpose(1, 2)",
        ".transpose(1, 2).contiguous().view(b, T, d_out)",
    )
    fig.text(0.5, 0.02, f"split: {split_code}\nattention per head, then merge: {merge_code}", ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def head_weights_figure(panels: Mapping[str, torch.Tensor], labels: Sequence[str], xlabel: str = "key") -> Figure:
    """One attention-weights heatmap per entry of ``panels`` (title -> ``(T, T)`` weights), side by side, 0 to 1.

    >>> fig = head_weights_figure({"head 1": torch.eye(3), "head 2": torch.eye(3)}, ["0", "1", "2"])
    >>> [ax.get_title() for ax in fig.axes[:2]]  # then the two colour bars
    ['head 1', 'head 2']
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(6.4, 2.8), squeeze=False)
    for ax, (title, weights) in zip(axes[0], panels.items(), strict=True):
        heatmap(weights, labels, ax=ax, annotate=False, title=title, xlabel=xlabel, ylabel="query", vmin=0, vmax=1)
    fig.tight_layout()
    return fig


def timing_bars(seconds: Mapping[str, float], title: str) -> Figure:
    """Horizontal bars of median milliseconds per implementation, fastest-to-read order kept as given.

    >>> fig = timing_bars({"a": 0.002, "b": 0.001}, "demo")
    >>> fig.axes[0].get_xlabel()
    'forward + backward, median ms (lower is faster)'
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = [literal(name) for name in seconds]
    colors = plt.get_cmap(CMAP)(torch.linspace(0.15, 0.9, len(names)).tolist())
    ax.barh(names, [seconds[n] * 1e3 for n in seconds], color=colors, edgecolor="black")
    ax.invert_yaxis()
    ax.set_xlabel("forward + backward, median ms (lower is faster)")
    ax.set_title(literal(title), fontsize=9)
    fig.tight_layout()
    return fig


def saved_memory_figure(lengths: Sequence[int], saved: Mapping[str, Sequence[int]], weights: Sequence[int]) -> Figure:
    """Log-log lines of bytes kept for backward per path against the sequence length, and the T x T weights alone.

    >>> fig = saved_memory_figure([1, 2], {"explicit": [4, 16], "fused": [2, 4]}, [4, 16])
    >>> fig.axes[0].get_ylabel()
    'MiB kept for backward'
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    colors = plt.get_cmap(CMAP)([0.2, 0.75])
    for (label, values), marker, color in zip(saved.items(), "os", colors, strict=False):
        ax.loglog(lengths, [v / 2**20 for v in values], marker + "-", color=color, label=literal(label))
    ax.loglog(lengths, [w / 2**20 for w in weights], "k:", label="T x T weights alone")
    ax.set_xticks(list(lengths), [str(t) for t in lengths])
    ax.minorticks_off()
    ax.set_xlabel("number of tokens T")
    ax.set_ylabel("MiB kept for backward")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
