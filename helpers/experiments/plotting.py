"""Small matplotlib figures shared by the notebooks, in one style and colormap."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

CMAP = "viridis"
"""The one colormap every heatmap uses, so colours mean the same across notebooks."""


def literal(text: object) -> str:
    """``text`` escaped so that matplotlib draws it character for character, never as mathtext.

    Matplotlib reads text between two ``$`` as math: ``"$$"`` is an error and
    ``"$a_b$"`` draws a subscript. Every string a figure of :mod:`helpers.experiments`
    takes from its caller or from data (a token, a sentence, a name, a title)
    goes through here; escaping each ``$`` is exact, since matplotlib turns each
    ``\\$`` of non-math text back into ``$``. The figures' own labels may still
    use math on purpose (``"$d_k$"``).

    >>> literal("$$ and $x")
    '\\\\$\\\\$ and \\\\$x'
    """
    return str(text).replace("$", r"\$")


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
    bar.set_label(f"{literal(colorbar_label)} ({low:.2f} to {high:.2f})", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    ax.set_xticks(range(len(col_labels)), labels=list(map(literal, col_labels)), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(row_labels)), labels=list(map(literal, row_labels)), fontsize=8)
    ax.set_xlabel(literal(xlabel), fontsize=9)
    ax.set_ylabel(literal(ylabel), fontsize=9)
    if title:
        ax.set_title(literal(title), fontsize=9)
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
        ax.errorbar(xs, median, yerr=[low, high], marker=marker, capsize=3, label=f"{literal(name)} (median, min-max)")
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle="--", label="chance")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(xs), labels=[str(x) for x in xs])
    ax.set_xlabel(literal(xlabel), fontsize=9)
    ax.set_ylabel(literal(ylabel), fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(literal(title), fontsize=9)
    return fig


def heatmap_row(panels: Sequence[tuple[torch.Tensor, str]], labels: Sequence[str], **options):
    """Several heatmaps side by side, one per ``(values, title)`` panel, all with the same ``labels``.

    ``options`` go to :func:`heatmap` (``annotate=False``, for instance).

    >>> fig = heatmap_row([(torch.eye(2), "one"), (torch.ones(2, 2), "two")], ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes[:2]]  # then come the two colour bars
    ['one', 'two']
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3), squeeze=False)
    for ax, (values, title) in zip(axes[0], panels, strict=True):
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
        ax_w.plot(d_ks, [w for w, _ in pairs], marker=marker, label=literal(name))
        ax_g.plot(d_ks, [g for _, g in pairs], marker=marker, label=literal(name))
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
        "x": (1.4, 8.6, f'x "{literal(token)}"\n{_rows(x[None])}'),
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
    ax.set_title(f'Queries, keys and values for the query "{literal(token)}"', fontsize=9)
    return fig
