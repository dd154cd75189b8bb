"""Diagrams of how multi-head attention moves numbers around (notebook 3.6).

:func:`head_split_diagram` draws one sequence's projected queries as a grid
of labelled cells (``t1f4`` = token 1, feature 4), then the same cells after
``view`` + ``transpose(1, 2)`` (one ``tokens x head_dim`` block per head),
then after the merge back (``transpose(1, 2)`` + ``contiguous().view``).
The cells are placed by running those very tensor operations on a tensor of
entry numbers, so the picture cannot drift from the code.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.checks import positive_int
from helpers.plotting import CMAP


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
