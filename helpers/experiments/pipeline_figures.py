"""Figures of chapter 2's input pipeline: sliding windows, embedding lookups, input embeddings, BPE merges.

Each notebook's cell is one call; the style and colormap are :mod:`helpers.experiments.plotting`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from helpers.checks import positive_int, require_iterable, require_tensor
from helpers.experiments.plotting import CMAP, literal


def _annotate(ax: Axes, values: torch.Tensor) -> None:
    """Write each cell's value on it (8 pt, two decimals) on a colour scale symmetric around 0.

    The sign says which half of the colormap a cell is on: dark text on the bright half, light on the dark.
    """
    for i, row in enumerate(values.tolist()):
        for j, v in enumerate(row):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="black" if v > 0 else "white")


def sliding_window_figure(token_labels: Sequence[str], max_length: int = 4, strides: Sequence[int] = (1, 2, 4)):
    """The first input windows of ``max_length`` tokens over a strip of tokens, one panel per stride (section 2.6).

    Each bar is one window; the stride is the step between the left ends of consecutive bars.

    >>> fig = sliding_window_figure(list("abcdefgh"), max_length=3, strides=(1, 3))
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['stride 1', 'stride 3']
    >>> plt.close(fig)
    """
    labels = [literal(label) for label in require_iterable(token_labels, "token_labels", of="strs")]
    max_length = positive_int(max_length, "max_length")
    strides = [positive_int(s, "strides") for s in require_iterable(strides, "strides", of="ints")]
    if len(labels) < max_length:
        raise ValueError(f"token_labels has {len(labels)} tokens, fewer than one window of max_length={max_length}")
    colors = plt.get_cmap(CMAP)([0.35, 0.75])
    fig, axes = plt.subplots(len(strides), 1, figsize=(6, 1.1 + 1.0 * len(strides)), sharex=True, squeeze=False)
    for ax, stride in zip(axes[:, 0], strides, strict=True):
        starts = list(range(0, len(labels) - max_length + 1, stride))[:4]
        for row, start in enumerate(starts):
            ax.barh(row, max_length, left=start - 0.5, height=0.7, color=colors[row % 2], edgecolor="black")
            ink = "white" if row % 2 == 0 else "black"  # light text on the darker of the two bar colours
            ax.text(start - 0.5 + max_length / 2, row, f"window {row}", ha="center", va="center", fontsize=8, color=ink)
        ax.set_ylim(len(starts) - 0.4, -0.6)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_yticks([])
        ax.set_ylabel(f"stride {stride}", fontsize=9)
    axes[-1, 0].set_xticks(range(len(labels)), labels=labels, rotation=60, fontsize=9)
    axes[0, 0].set_title(f"Input windows of max_length={max_length}", fontsize=10)
    fig.tight_layout()
    return fig


def embedding_lookup_figure(weight: torch.Tensor, input_ids: torch.Tensor):
    """An embedding lookup: the weight matrix, the rows the ids select (framed), and the output (section 2.7).

    >>> fig = embedding_lookup_figure(torch.arange(6.0).reshape(3, 2), torch.tensor([2, 0]))
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['weight (3 × 2)', 'embedded ids (2 × 2)']
    >>> plt.close(fig)
    """
    from matplotlib.patches import ConnectionPatch, Rectangle

    weight = require_tensor(weight, "weight", ndim=2, floating=True).detach().cpu()
    ids = require_tensor(input_ids, "input_ids", ndim=1, floating=False).tolist()
    if any(not 0 <= i < len(weight) for i in ids):
        raise ValueError(f"input_ids must lie in 0 .. {len(weight) - 1} (rows of weight), got {ids}")
    embedded = weight[ids]
    limit = float(weight.abs().max())
    fig, (ax_w, ax_out) = plt.subplots(1, 2, figsize=(6, 3.4), gridspec_kw={"wspace": 0.7})
    for ax, values, name in ((ax_w, weight, "weight"), (ax_out, embedded, "embedded ids")):
        image = ax.imshow(values.numpy(), cmap=CMAP, vmin=-limit, vmax=limit)
        ax.set_title(f"{name} ({values.shape[0]} × {values.shape[1]})", fontsize=10)
        ax.set_xticks(range(values.shape[1]), labels=[f"dim {d}" for d in range(values.shape[1])], fontsize=9)
        _annotate(ax, values)
    ax_w.set_yticks(range(len(weight)), labels=[f"row {i}" for i in range(len(weight))], fontsize=9)
    ax_out.set_yticks(range(len(ids)), labels=[f"id {i}" for i in ids], fontsize=9)
    ax_out.yaxis.tick_right()  # the arrows arrive on the left
    for position, token_id in enumerate(ids):
        ax_w.add_patch(Rectangle((-0.5, token_id - 0.5), weight.shape[1], 1, fill=False, edgecolor="red", lw=1.5))
        fig.add_artist(
            ConnectionPatch(
                xyA=(weight.shape[1] - 0.5, token_id),
                coordsA=ax_w.transData,
                xyB=(-0.5, position),
                coordsB=ax_out.transData,
                arrowstyle="->",
                color="red",
            )
        )
    fig.colorbar(image, ax=[ax_w, ax_out], shrink=0.8, pad=0.1)
    return fig


def input_embedding_figure(
    token_vectors: torch.Tensor, position_vectors: torch.Tensor, token_labels: Sequence[str], *, num_dims: int = 4
):
    """Token embeddings + position embeddings = input embeddings of one window, on one colour scale (2.8, 2.9).

    One row per token (labelled with ``token_labels``) and the first ``num_dims`` numbers of its vector, each
    cell annotated, so any cell of the sum can be checked by adding the two cells to its left.

    >>> fig = input_embedding_figure(torch.zeros(2, 3), torch.ones(2, 3), ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['token embeddings', '+ position embeddings', '= input embeddings']
    >>> plt.close(fig)
    """
    tokens = require_tensor(token_vectors, "token_vectors", ndim=2, floating=True).detach().cpu()
    positions = require_tensor(position_vectors, "position_vectors", ndim=2, floating=True).detach().cpu()
    labels = [literal(label) for label in require_iterable(token_labels, "token_labels", of="strs")]
    num_dims = positive_int(num_dims, "num_dims")
    if tokens.shape != positions.shape or len(labels) != len(tokens):
        raise ValueError(
            f"token_vectors {tuple(tokens.shape)}, position_vectors {tuple(positions.shape)} and {len(labels)} "
            "token_labels must match: pass one window, e.g. token_embeddings[0], pos_embeddings and one label a token"
        )
    panels = {"token embeddings": tokens[:, :num_dims], "+ position embeddings": positions[:, :num_dims]}
    panels["= input embeddings"] = panels["token embeddings"] + panels["+ position embeddings"]
    limit = max(float(p.abs().max()) for p in panels.values())
    fig, axes = plt.subplots(1, 3, figsize=(6.4, 1.3 + 0.45 * len(labels)), sharey=True, layout="constrained")
    for ax, (title, values) in zip(axes, panels.items(), strict=True):
        image = ax.imshow(values.numpy(), cmap=CMAP, vmin=-limit, vmax=limit)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(values.shape[1]))
        ax.tick_params(labelsize=9)
        ax.set_xlabel("dimension", fontsize=9)
        _annotate(ax, values)
    axes[0].set_yticks(range(len(labels)), labels=labels)
    fig.colorbar(image, ax=list(axes), shrink=0.9)
    return fig


def layout_bytes_figure(strides: Sequence[int], kept: dict[str, Sequence[int]], max_length: int):
    """Bytes each dataset layout keeps at each stride, as grouped bars on a log scale (section 2.6b).

    ``kept`` maps a layout's name to its bytes, one number per stride.

    >>> fig = layout_bytes_figure([1, 4], {"per window": [8 * 2**20, 2**20], "views": [2**10, 2**10]}, 256)
    >>> fig.axes[0].get_yscale()
    'log'
    >>> plt.close(fig)
    """
    strides = [positive_int(s, "strides") for s in require_iterable(strides, "strides", of="ints")]
    max_length = positive_int(max_length, "max_length")
    if not kept or any(len(values) != len(strides) for values in kept.values()):
        raise ValueError("kept must map each layout's name to its bytes, one number per stride")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / len(kept)
    colors = plt.get_cmap(CMAP)(torch.linspace(0.3, 0.8, len(kept)).tolist())
    for n, ((label, values), color) in enumerate(zip(kept.items(), colors, strict=True)):
        offsets = [i + (n - (len(kept) - 1) / 2) * width for i in range(len(strides))]
        ax.bar(offsets, [v / 2**20 for v in values], width, label=literal(label), color=color, edgecolor="black")
    ax.set_yscale("log")
    ax.set_xticks(range(len(strides)), [str(s) for s in strides])
    ax.set_xlabel(f"stride (max_length = {max_length})")
    ax.set_ylabel("tensor memory kept (MiB, log scale)")
    ax.set_title("The Verdict: bytes kept by the dataset", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def bpe_merges_figure(
    steps: Sequence[Sequence[int]], token_bytes: dict[int, bytes], names: dict[int, str], row_labels: Sequence[str]
):
    """Each row is the sequence after one more BPE merge; a box is as wide as the bytes its token covers (2.5b).

    ``token_bytes`` maps every id in ``steps`` to its bytes; ``names`` gives merged ids (256 and up) a short label.

    >>> fig = bpe_merges_figure([[97, 97], [256]], {97: b"a", 256: b"aa"}, {256: "Z"}, ["bytes", "+ aa→Z"])
    >>> len(fig.axes[0].patches)
    3
    >>> plt.close(fig)
    """
    steps = [list(seq) for seq in require_iterable(steps, "steps", of="lists of token ids")]
    if len(row_labels) != len(steps):
        raise ValueError(f"row_labels must name each of the {len(steps)} rows, got {len(row_labels)} labels")
    fig, ax = plt.subplots(figsize=(6, 3))
    colours = plt.get_cmap(CMAP)
    for row, seq in enumerate(steps):
        x = 0
        for token in seq:
            width, merged = len(token_bytes[token]), token >= 256
            level = min(0.1 + 0.35 * (token - 256), 0.9)
            ax.add_patch(
                plt.Rectangle((x + 0.05, -row - 0.4), width - 0.1, 0.8, color=colours(level) if merged else "0.88")
            )
            ink = "white" if merged and level < 0.6 else "black"  # dark boxes get white labels
            ax.text(x + width / 2, -row, literal(names.get(token, chr(token))), ha="center", va="center", color=ink)
            x += width
    ax.set_xlim(0, sum(len(token_bytes[token]) for token in steps[0]))
    ax.set_ylim(-len(steps) + 0.5, 0.5)
    ax.set_yticks([-row for row in range(len(steps))], [literal(label) for label in row_labels])
    ax.set_xlabel("byte position")
    ax.set_title("BPE merges, one per row", fontsize=10)
    fig.tight_layout()
    return fig
