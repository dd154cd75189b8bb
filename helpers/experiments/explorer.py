"""An interactive attention explorer for sections 3.5 and 3.6.

The reader picks a sentence and switches the pieces of causal attention on and
off, one at a time, and watches two pictures change: the attention weights of
one head (a heatmap) and that head's context vectors.

The computation, for a sentence of ``T`` tokens with ``d_in = 3`` features:

1. **Inputs**: the book's sentence "Your journey starts with one step" uses the
   book's 6×3 embeddings; any other sentence is split into GPT-2 tokens
   (tiktoken) and each token id looks up a row of a random table drawn once
   from a seeded generator, as an untrained ``nn.Embedding`` would.
2. **Projections**: each of the two heads has its own ``W_query``, ``W_key``
   and ``W_value`` (``3 x 2``, drawn with ``torch.rand`` from a seeded
   generator, as the book's ``SelfAttention_v1`` does).
3. **Weights**: ``scores = Q K^T``, divided by ``sqrt(d_k)`` when *scale* is
   on, the future set to ``-inf`` when *causal* is on, then a softmax per row;
   with dropout ``p > 0`` each weight is zeroed with probability ``p`` and the
   rest are scaled by ``1 / (1 - p)`` (a fixed seed, so a setting always shows
   the same picture).
4. **Context vectors**: ``weights @ V``, two features per head, drawn as points
   beside the value vectors they average.

Every random draw uses its own seeded ``torch.Generator``: exploring never
changes the global random state a notebook relies on.

**In a notebook**, ``explore_attention()`` displays the controls and the
figure for the starting settings. The figure is an ordinary image output, so
the saved notebook (on GitHub, in the HTML export, under nbval) shows a static
picture; in a running JupyterLab each change of a control redraws that same
output in place. The controls' plain-text fallback is a fixed sentence, so
nbval compares a stable text and never a widget's id.
"""

from __future__ import annotations

import functools
import math

import torch
from matplotlib.figure import Figure

from helpers.checks import int_in_range, real_number, require_bool, require_str, require_tensor
from helpers.experiments.plotting import heatmap, literal

BOOK_SENTENCE = "Your journey starts with one step"
"""The book's chapter-3 sentence; it uses the book's 3-d embeddings."""

BOOK_INPUTS = torch.tensor(
    [
        [0.43, 0.15, 0.89],  # Your
        [0.55, 0.87, 0.66],  # journey
        [0.57, 0.85, 0.64],  # starts
        [0.22, 0.58, 0.33],  # with
        [0.77, 0.25, 0.10],  # one
        [0.05, 0.80, 0.55],  # step
    ]
)
"""The book's embeddings of :data:`BOOK_SENTENCE`, one row per word."""

PRESET_SENTENCES = (
    BOOK_SENTENCE,
    "The cat sat on the mat because it was tired",
    "Every token looks back at the tokens before it",
)
"""The sentences the explorer offers; the first is the starting one."""

D_IN = 3
HEAD_DIM = 2
NUM_HEADS = 2
MAX_TOKENS = 12
"""The longest sentence, in tokens, that still gives a readable heatmap."""

SEED = 123

CONTROLS_TEXT = "Attention explorer controls: run this notebook in JupyterLab to move them and redraw the figure."
"""What a saved notebook shows for the controls where widgets cannot run (GitHub, nbval, HTML)."""


MAX_DROPOUT = 0.9
"""The largest dropout the explorer draws (at 1.0 nothing is left to rescale)."""


def _check_sentence(sentence: object) -> str:
    if not require_str(sentence, "sentence").strip():
        raise ValueError("sentence is empty; pass a few words, e.g. 'The cat sat on the mat'")
    return sentence


@functools.cache
def _embedding_table() -> torch.Tensor:
    """One random ``d_in``-vector per GPT-2 id, like an untrained, seeded ``nn.Embedding``."""
    from helpers.data import gpt2_encoding

    generator = torch.Generator().manual_seed(SEED)
    return torch.randn(gpt2_encoding().n_vocab, D_IN, generator=generator)


def sentence_inputs(sentence: str) -> tuple[list[str], torch.Tensor]:
    """The token labels and the ``(T, 3)`` input embeddings of a sentence.

    >>> tokens, x = sentence_inputs(BOOK_SENTENCE)
    >>> tokens, tuple(x.shape)
    (['Your', 'journey', 'starts', 'with', 'one', 'step'], (6, 3))
    """
    _check_sentence(sentence)
    if sentence == BOOK_SENTENCE:
        return sentence.split(), BOOK_INPUTS.clone()
    from helpers.data import gpt2_encoding

    encoding = gpt2_encoding()
    ids = encoding.encode_ordinary(sentence)
    if len(ids) > MAX_TOKENS:
        raise ValueError(
            f"sentence has {len(ids)} GPT-2 tokens; the explorer draws at most {MAX_TOKENS}, pass a shorter sentence"
        )
    labels = [encoding.decode([i]).strip() or "␣" for i in ids]
    return labels, _embedding_table()[ids]


@functools.cache
def head_projections() -> torch.Tensor:
    """``(NUM_HEADS, 3, d_in, HEAD_DIM)``: each head's query, key and value matrices.

    >>> tuple(head_projections().shape)
    (2, 3, 3, 2)
    """
    generator = torch.Generator().manual_seed(SEED)
    return torch.rand(NUM_HEADS, 3, D_IN, HEAD_DIM, generator=generator)


def attention(
    x: torch.Tensor,
    w_query: torch.Tensor,
    w_key: torch.Tensor,
    w_value: torch.Tensor,
    *,
    scale: bool = True,
    causal: bool = True,
    dropout: float = 0.0,
    seed: int = SEED,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One head's ``(T, T)`` attention weights and ``(T, d_out)`` context vectors.

    Each switch removes or adds one step of causal attention (see the module
    docstring); dropout draws from a generator seeded with ``seed``.

    >>> x = torch.eye(3)
    >>> w, z = attention(x, x, x, x, causal=True)
    >>> w[0].tolist()  # the first token can only see itself
    [1.0, 0.0, 0.0]
    """
    require_bool(scale, "scale")
    require_bool(causal, "causal")
    dropout = real_number(dropout, "dropout", 0.0, MAX_DROPOUT)
    require_tensor(x, "x", ndim=2)  # (num_tokens, d_in)
    queries, keys, values = x @ w_query, x @ w_key, x @ w_value
    scores = queries @ keys.T
    if scale:
        scores = scores / math.sqrt(keys.shape[-1])
    if causal:
        future = torch.triu(torch.ones_like(scores, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if dropout > 0:
        generator = torch.Generator().manual_seed(seed)
        keep = torch.rand(weights.shape, generator=generator) >= dropout
        weights = weights * keep / (1.0 - dropout)
    return weights, weights @ values


class AttentionExplorer:
    """The state behind the explorer: settings, the numbers they give, and the picture.

    >>> explorer = AttentionExplorer(causal=False)
    >>> explorer.update(causal=True)
    >>> explorer.weights.triu(diagonal=1).abs().sum().item()  # no weight on the future
    0.0
    """

    def __init__(
        self,
        sentence: str = BOOK_SENTENCE,
        *,
        scale: bool = True,
        causal: bool = True,
        dropout: float = 0.0,
        head: int = 1,
    ) -> None:
        self.sentence = BOOK_SENTENCE
        self.scale, self.causal, self.dropout, self.head = True, True, 0.0, 1
        self._display = None
        self._controls = None
        self.update(sentence=sentence, scale=scale, causal=causal, dropout=dropout, head=head)

    def update(
        self,
        *,
        sentence: str | None = None,
        scale: bool | None = None,
        causal: bool | None = None,
        dropout: float | None = None,
        head: int | None = None,
    ) -> None:
        """Change some settings, recompute the weights and context vectors, and redraw a shown figure.

        Settings left at ``None`` keep their value. All are checked before any changes.
        """
        new_sentence = self.sentence if sentence is None else _check_sentence(sentence)
        tokens, x = sentence_inputs(new_sentence)
        new_scale = self.scale if scale is None else require_bool(scale, "scale")
        new_causal = self.causal if causal is None else require_bool(causal, "causal")
        new_dropout = self.dropout if dropout is None else real_number(dropout, "dropout", 0.0, MAX_DROPOUT)
        new_head = self.head if head is None else int_in_range(head, "head", 1, NUM_HEADS + 1)
        self.sentence, self.scale, self.causal, self.dropout, self.head = (
            new_sentence,
            new_scale,
            new_causal,
            new_dropout,
            new_head,
        )
        self.tokens, self.inputs = tokens, x
        w_query, w_key, w_value = head_projections()[self.head - 1]
        self.values = x @ w_value
        self.weights, self.context = attention(
            x, w_query, w_key, w_value, scale=self.scale, causal=self.causal, dropout=self.dropout
        )
        if self._display is not None:
            self._display.update(png(self.figure()))

    def figure(self) -> Figure:
        """The weights heatmap and the context vectors for the current settings (a new figure)."""
        fig = Figure(figsize=(6.4, 3.2))
        ax_weights, ax_context = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        switches = [
            "scaled" if self.scale else "unscaled",
            "causal" if self.causal else "no mask",
            f"dropout {self.dropout:.1f}",
        ]
        heatmap(
            self.weights,
            self.tokens,
            ax=ax_weights,
            title=f"head {self.head} weights: " + ", ".join(switches),
            annotate=len(self.tokens) <= 6,
        )
        for text in (ax_weights.title, ax_weights.xaxis.label, ax_weights.yaxis.label):
            text.set_fontsize(8)
        ax_weights.tick_params(labelsize=8)
        values, context = self.values.numpy(), self.context.numpy()
        ax_context.scatter(values[:, 0], values[:, 1], marker="x", color="0.6", label="value vectors")
        ax_context.scatter(context[:, 0], context[:, 1], color="tab:blue", label="context vectors")
        for label, (cx, cy) in zip(self.tokens, context, strict=True):
            ax_context.annotate(literal(label), (cx, cy), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax_context.set_title(f"head {self.head} context vectors", fontsize=8)
        ax_context.set_xlabel("feature 1", fontsize=8)
        ax_context.set_ylabel("feature 2", fontsize=8)
        ax_context.tick_params(labelsize=8)
        ax_context.legend(fontsize=8, loc="best")
        fig.tight_layout()
        return fig

    def controls(self):
        """The ipywidgets controls, wired to :meth:`update` (built once)."""
        if self._controls is not None:
            return self._controls
        import ipywidgets as widgets

        options = list(PRESET_SENTENCES) + ([self.sentence] if self.sentence not in PRESET_SENTENCES else [])
        style = {"description_width": "initial"}
        sentence = widgets.Dropdown(options=options, value=self.sentence, description="sentence", style=style)
        scale = widgets.Checkbox(value=self.scale, description="scale by √d_k", indent=False)
        causal = widgets.Checkbox(value=self.causal, description="causal mask", indent=False)
        dropout = widgets.FloatSlider(
            value=self.dropout,
            min=0.0,
            max=0.8,
            step=0.1,
            description="dropout p",
            continuous_update=False,
            readout_format=".1f",
            style=style,
        )
        head = widgets.ToggleButtons(options=[(f"head {h}", h) for h in range(1, NUM_HEADS + 1)], value=self.head)
        for name, widget in [("sentence", sentence), ("scale", scale), ("causal", causal), ("dropout", dropout)]:
            widget.observe(lambda change, name=name: self.update(**{name: change["new"]}), names="value")
        head.observe(lambda change: self.update(head=change["new"]), names="value")
        self._controls = widgets.VBox([sentence, widgets.HBox([scale, causal]), widgets.HBox([dropout, head])])
        return self._controls

    def show(self) -> None:
        """Display the controls, then the figure as an output that the controls redraw in place."""
        from IPython.display import display

        bundle = self.controls()._repr_mimebundle_()
        bundle["text/plain"] = CONTROLS_TEXT  # stable for nbval, readable where widgets cannot run
        display(bundle, raw=True)
        self._display = display(png(self.figure()), display_id=True)


def explore_attention(
    sentence: str = BOOK_SENTENCE,
    *,
    scale: bool = True,
    causal: bool = True,
    dropout: float = 0.0,
    head: int = 1,
) -> AttentionExplorer:
    """Show the attention explorer in a notebook and return it.

    The arguments are the starting settings (see :class:`AttentionExplorer`);
    a sentence that is not a preset is added to the choices. Assign the result
    (``explorer = explore_attention()``) so the cell prints nothing else.
    """
    explorer = AttentionExplorer(sentence, scale=scale, causal=causal, dropout=dropout, head=head)
    explorer.show()
    return explorer


__all__ = [
    "AttentionExplorer",
    "BOOK_SENTENCE",
    "PRESET_SENTENCES",
    "attention",
    "explore_attention",
    "head_projections",
    "sentence_inputs",
]


def png(fig: Figure):
    """``fig`` as a PNG image for IPython's display, whatever matplotlib backend the kernel has (none imported).

    A bare ``Figure`` shows as its text repr unless pyplot's inline backend was loaded first.

    >>> png(Figure(figsize=(1, 1))).format
    'png'
    """
    import io

    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")
