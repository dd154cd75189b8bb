"""Small matplotlib figures shared by the notebooks, in one style and colormap."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from helpers.checks import positive_int, require_iterable, require_tensor

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
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar_label: str = "weight",
) -> Axes:
    """Draw a 2-D tensor as a labelled heatmap with a colour bar, e.g. attention weights.

    Rows are labelled with ``row_labels``, columns with ``col_labels`` (the
    row labels by default); with ``annotate`` each cell shows its value to two
    decimals. The colours span the data's own range (``vmin``/``vmax`` fix
    them), so weights of 0.10 to 0.24 do not all look alike; the colour bar
    says which range it is.

    >>> ax = heatmap(torch.eye(2), ["a", "b"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'b']
    >>> ax.figure.axes[1].get_ylabel()  # the colour bar
    'weight (0.00 to 1.00)'
    """
    values = torch.as_tensor(values).detach().cpu().float()
    if values.dim() != 2:
        raise ValueError(f"heatmap needs a 2-D tensor, got shape {tuple(values.shape)}")
    col_labels = row_labels if col_labels is None else col_labels
    if values.shape != (len(row_labels), len(col_labels)):
        raise ValueError(
            f"got {len(row_labels)} row and {len(col_labels)} column labels for a tensor of shape {tuple(values.shape)}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.8))
    finite = values[values.isfinite()]
    low = float(finite.min()) if vmin is None and finite.numel() else (0.0 if vmin is None else vmin)
    high = float(finite.max()) if vmax is None and finite.numel() else (1.0 if vmax is None else vmax)
    high = high if high > low else low + 1.0  # a constant tensor still gets a scale
    image = ax.imshow(values.numpy(), cmap=CMAP, vmin=low, vmax=high)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.set_label(f"{colorbar_label} ({low:.2f} to {high:.2f})", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    ax.set_xticks(range(len(col_labels)), labels=list(col_labels), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(row_labels)), labels=list(row_labels), fontsize=8)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    if title:
        ax.set_title(title, fontsize=9)
    if annotate:
        middle = (low + high) / 2
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = float(values[i, j])
                ax.text(
                    j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="black" if v > middle else "white"
                )
    return ax


def seed_spread_figure(
    xs: Sequence[int],
    series: dict[str, torch.Tensor],
    *,
    chance: float | None = None,
    xlabel: str = "sequence length",
    ylabel: str = "accuracy",
    title: str | None = None,
):
    """One line per entry of ``series``: the median over seeds at each x, with bars from min to max.

    Each value of ``series`` is a tensor ``(len(xs), seeds)``; ``chance`` draws a dashed reference line.

    >>> fig = seed_spread_figure([4, 16], {"a": torch.tensor([[0.5, 0.7], [0.2, 0.4]])}, chance=0.1)
    >>> sorted(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    ['a (median, min-max)', 'chance']
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(5, 3))
    for (name, values), marker in zip(series.items(), "osd^v", strict=False):
        values = torch.as_tensor(values, dtype=torch.float32)
        if values.shape[0] != len(xs):
            raise ValueError(f"series {name!r} has {values.shape[0]} rows for {len(xs)} xs; give one row per x")
        median = values.median(dim=1).values
        low, high = median - values.min(dim=1).values, values.max(dim=1).values - median
        ax.errorbar(xs, median, yerr=[low, high], marker=marker, capsize=3, label=f"{name} (median, min-max)")
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle="--", label="chance")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(xs), labels=[str(x) for x in xs])
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def heatmap_row(panels: Sequence[tuple[torch.Tensor, str]], labels: Sequence[str], **options):
    """Several heatmaps side by side, one per ``(values, title)`` panel, all with the same ``labels``.

    ``options`` go to :func:`heatmap` (``annotate=False``, for instance).

    >>> fig = heatmap_row([(torch.eye(2), "one"), (torch.ones(2, 2), "two")], ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes[:2]]  # then come the two colour bars
    ['one', 'two']
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3))
    for ax, (values, title) in zip(list(axes), panels, strict=True):
        heatmap(values, labels, ax=ax, title=title, **options)
    fig.tight_layout()
    return fig


def softmax_scaling_figure(d_ks: Sequence[int], stats: dict[str, Sequence[tuple[float, float]]]):
    """The largest softmax weight and the gradient norm at the scores against ``d_k``, one line per scaling.

    ``stats`` maps a scaling's name to one ``(largest weight, gradient norm)`` pair per ``d_k`` (section 3.4).

    >>> fig = softmax_scaling_figure([2, 4], {"scaled": [(0.2, 0.3), (0.2, 0.3)]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['largest softmax weight', 'gradient norm at the scores']
    >>> plt.close(fig)
    """
    fig, (ax_w, ax_g) = plt.subplots(1, 2, figsize=(6.5, 3))
    for (name, pairs), marker in zip(stats.items(), "osd^", strict=False):
        ax_w.plot(d_ks, [w for w, _ in pairs], marker=marker, label=name)
        ax_g.plot(d_ks, [g for _, g in pairs], marker=marker, label=name)
    for ax in (ax_w, ax_g):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("$d_k$", fontsize=9)
        ax.tick_params(labelsize=8)
    ax_w.set_ylabel("largest softmax weight", fontsize=9)
    ax_w.set_ylim(0, 1.05)
    ax_g.set_ylabel("gradient norm at the scores", fontsize=9)
    ax_g.legend(fontsize=8)
    fig.suptitle("Softmax of q·k under each scaling", fontsize=9)
    fig.tight_layout()
    return fig


def _rows(matrix: torch.Tensor, digits: int = 2) -> str:
    """A small matrix as text, one bracketed row per line."""
    return "\n".join("[" + ", ".join(f"{v:.{digits}f}" for v in row) + "]" for row in matrix.tolist())


def qkv_flow_diagram(
    x: torch.Tensor,
    inputs: torch.Tensor,
    query: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    weights: torch.Tensor,
    context: torch.Tensor,
    token: str,
):
    """The query/key/value flow for one query token, every box showing the numbers it holds (section 3.4.1).

    ``x`` is the query token's input, ``inputs`` all inputs ``(num_tokens, d_in)``; ``query``, ``keys``,
    ``values``, ``weights`` and ``context`` are what the notebook computed from them.

    >>> fig = qkv_flow_diagram(torch.ones(3), torch.ones(2, 3), torch.ones(2), torch.ones(2, 2), torch.ones(2, 2),
    ...                        torch.full((2,), 0.5), torch.ones(2), "a")
    >>> min(t.get_fontsize() for t in fig.axes[0].texts) >= 8
    True
    >>> plt.close(fig)
    """
    for name, value in {"x": x, "query": query, "weights": weights, "context": context}.items():
        if not isinstance(value, torch.Tensor) or value.dim() != 1:
            raise ValueError(f"{name} must be a 1-D tensor (one token's vector), got {value!r:.40}")
    for name, value in {"inputs": inputs, "keys": keys, "values": values}.items():
        if not isinstance(value, torch.Tensor) or value.dim() != 2:
            raise ValueError(f"{name} must be a 2-D tensor (num_tokens, features), got {value!r:.40}")
    x, inputs, query, keys, values, weights, context = (
        t.detach().cpu().float() for t in (x, inputs, query, keys, values, weights, context)
    )
    d_k = keys.shape[-1]
    boxes = {
        "x": (1.4, 8.6, f'x "{token}"\n{_rows(x[None])}'),
        "X": (1.4, 3.6, f"all inputs X\n{_rows(inputs)}"),
        "q": (5.0, 8.6, f"query = x W_q\n{_rows(query[None], 4)}"),
        "k": (5.0, 5.6, f"keys = X W_k\n{_rows(keys)}"),
        "v": (5.0, 1.6, f"values = X W_v\n{_rows(values)}"),
        "w": (8.6, 6.4, f"weights = softmax(\nq keys.T / sqrt({d_k}))\n{_rows(weights[:, None])}"),
        "z": (8.6, 1.6, f"z = weights @ values\n{_rows(context[None], 4)}"),
    }
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")
    style = {"boxstyle": "round", "fc": "#e8eef7"}
    artists = {
        name: ax.text(bx, by, text, ha="center", va="center", fontsize=8, family="monospace", bbox=style)
        for name, (bx, by, text) in boxes.items()
    }
    arrows = [("x", "q", "W_q"), ("X", "k", "W_k"), ("X", "v", "W_v"), ("q", "w", ""), ("k", "w", "")]
    arrows += [("w", "z", ""), ("v", "z", "")]
    for a, b, label in arrows:
        # arrows start and end at the box edges (patchA/patchB clip them)
        arrow = {"arrowstyle": "->", "patchA": artists[a].get_bbox_patch(), "patchB": artists[b].get_bbox_patch()}
        ax.annotate("", xy=boxes[b][:2], xytext=boxes[a][:2], arrowprops=arrow)
        (xa, ya, _), (xb, yb, _) = boxes[a], boxes[b]
        ax.text((xa + xb) / 2, (ya + yb) / 2 + 0.3, label, fontsize=8, color="dimgray", ha="center")
    ax.set_title(f'Queries, keys and values for the query "{token}"', fontsize=9)
    return fig


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


# Chapter 2 figures


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
    labels = [str(label) for label in require_iterable(token_labels, "token_labels", of="strs")]
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
    labels = [str(label) for label in require_iterable(token_labels, "token_labels", of="strs")]
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
        ax.bar(offsets, [v / 2**20 for v in values], width, label=label, color=color, edgecolor="black")
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
            ax.text(x + width / 2, -row, names.get(token, chr(token)), ha="center", va="center", color=ink)
            x += width
    ax.set_xlim(0, sum(len(token_bytes[token]) for token in steps[0]))
    ax.set_ylim(-len(steps) + 0.5, 0.5)
    ax.set_yticks([-row for row in range(len(steps))], row_labels)
    ax.set_xlabel("byte position")
    ax.set_title("BPE merges, one per row", fontsize=10)
    fig.tight_layout()
    return fig
