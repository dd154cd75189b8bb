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


def embedding_sum_figure(
    token_vectors: torch.Tensor,
    position_vectors: torch.Tensor,
    token_labels: Sequence[str],
    *,
    num_dims: int = 8,
):
    """Token embeddings + position embeddings = input embeddings, as three heatmaps.

    Each panel shows one row per token and the first ``num_dims`` numbers of
    its vector, on one shared colour scale, so the reader can check any cell
    of the sum by adding the two cells to its left (sections 2.8 and 2.9).

    >>> fig = embedding_sum_figure(torch.zeros(2, 3), torch.ones(2, 3), ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes]
    ['token embeddings', '+ position embeddings', '= input embeddings']
    >>> plt.close(fig)
    """
    for name, value in (("token_vectors", token_vectors), ("position_vectors", position_vectors)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if value.dim() != 2:
            raise ValueError(f"{name} must be 2-D (num_tokens, emb_dim), got shape {tuple(value.shape)}")
    if token_vectors.shape != position_vectors.shape:
        raise ValueError(
            f"token_vectors {tuple(token_vectors.shape)} and position_vectors {tuple(position_vectors.shape)} "
            "must have the same shape; pass one window, e.g. token_embeddings[0] and pos_embeddings"
        )
    if isinstance(num_dims, bool) or not isinstance(num_dims, int):
        raise TypeError(f"num_dims must be an int, got {type(num_dims).__name__}")
    if num_dims <= 0:
        raise ValueError(f"num_dims must be positive, got {num_dims}")
    if len(token_labels) != token_vectors.shape[0]:
        raise ValueError(f"got {len(token_labels)} token_labels for {token_vectors.shape[0]} rows; give one per token")
    token_part = token_vectors.detach().cpu()[:, :num_dims].float()
    position_part = position_vectors.detach().cpu()[:, :num_dims].float()
    panels = {
        "token embeddings": token_part,
        "+ position embeddings": position_part,
        "= input embeddings": token_part + position_part,
    }
    limit = max(float(p.abs().max()) for p in panels.values())
    fig, axes = plt.subplots(1, 3, figsize=(6.5, 2.6), sharey=True)
    for ax, (title, values) in zip(axes, panels.items(), strict=True):
        ax.imshow(values.numpy(), cmap=CMAP, vmin=-limit, vmax=limit)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(values.shape[1]))
        ax.set_xlabel("dimension", fontsize=8)
        ax.tick_params(labelsize=7)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = float(values[i, j])
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6, color="black" if v > 0 else "white")
    axes[0].set_yticks(range(len(token_labels)), labels=list(token_labels))
    fig.tight_layout()
    return fig
