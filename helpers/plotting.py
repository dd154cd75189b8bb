"""Small matplotlib figures shared by the notebooks, in one style and colormap."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

CMAP = "viridis"
"""The one colormap every heatmap uses, so colours mean the same across notebooks."""


def heatmap(
    values: torch.Tensor,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool = True,
    xlabel: str = "key (attended to)",
    ylabel: str = "query (attending)",
) -> Axes:
    """Draw a 2-D tensor as a labelled heatmap, e.g. attention weights.

    Rows are labelled with ``row_labels``, columns with ``col_labels`` (the
    row labels by default); with ``annotate`` each cell shows its value to two
    decimals.

    >>> ax = heatmap(torch.eye(2), ["a", "b"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'b']
    """
    values = torch.as_tensor(values).detach().cpu()
    if values.dim() != 2:
        raise ValueError(f"heatmap needs a 2-D tensor, got shape {tuple(values.shape)}")
    col_labels = row_labels if col_labels is None else col_labels
    if values.shape != (len(row_labels), len(col_labels)):
        raise ValueError(
            f"got {len(row_labels)} row and {len(col_labels)} column labels for a tensor of shape {tuple(values.shape)}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.8))
    ax.imshow(values.float().numpy(), cmap=CMAP, vmin=0.0, vmax=max(1.0, float(values.max())))
    ax.set_xticks(range(len(col_labels)), labels=list(col_labels), rotation=45, ha="right")
    ax.set_yticks(range(len(row_labels)), labels=list(row_labels))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if annotate:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = float(values[i, j])
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="black" if v > 0.6 else "white")
    return ax
