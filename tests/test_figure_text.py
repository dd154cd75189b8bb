"""Every figure of helpers.experiments draws the strings it is given literally: ``$`` never starts mathtext.

And no text is drawn under 8 pt, the project's smallest readable size.

A token, a sentence or a name may hold ``$`` (GPT-2 encodes ``$$`` fine); matplotlib reads text between two
``$`` as math, where ``$$`` is an error and ``_``/``^`` make sub- and superscripts.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.cbook import is_math_text  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from helpers.experiments import diagrams, pipeline_figures, plotting  # noqa: E402
from helpers.experiments.explorer import AttentionExplorer  # noqa: E402

WEIRD = ["$", "$$", "\\", "_", "^", "$x", "$a_b^2$", "\\$", "5$ or 6$"]
"""Strings that matplotlib would read as math (or fail on) unless escaped, and a few that are plain anyway."""


def on_purpose(text: str) -> bool:
    """Math that the figures write themselves: the ``$d_k$`` label, and log-axis ticks (``$\\mathdefault{10^{2}}$``)."""
    return text == "$d_k$" or text.startswith("$\\mathdefault{")


def drawn_texts(fig) -> list[str]:
    """Draw ``fig`` (as a notebook's inline backend would) and return each visible text as it appears.

    A text that matplotlib would parse as math fails the test; in the others matplotlib shows ``\\$`` as ``$``.
    """
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    math = [text for text in texts if is_math_text(text) and not on_purpose(text)]
    assert not math, f"drawn as mathtext: {math}"
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    small = [(text, size) for text, size in small if size < 8]
    assert not small, f"text under 8 pt (the project's minimum): {small}"
    plt.close(fig)
    return [text.replace("\\$", "$") for text in texts]


def assert_all_shown(fig, strings) -> None:
    shown = drawn_texts(fig)
    for string in strings:
        assert any(string in text for text in shown), (string, shown)


def test_heatmap_and_heatmap_row_draw_labels_titles_literally():
    n = len(WEIRD)
    ax = plotting.heatmap(torch.eye(n), WEIRD, title="$$", xlabel="$x", ylabel="a_b^c", colorbar_label="$ per $")
    assert_all_shown(ax.figure, [*WEIRD, "$$", "$x", "a_b^c", "$ per $"])
    assert_all_shown(plotting.heatmap_row([(torch.eye(n), "$t$")], WEIRD), [*WEIRD, "$t$"])


def test_line_figures_draw_names_and_labels_literally():
    series = {name: torch.rand(2, 5) for name in WEIRD[:3]}
    fig = plotting.seed_spread_figure([4, 8], series, xlabel="$n$", ylabel="$$", title="$acc_1$")
    assert_all_shown(fig, [*WEIRD[:3], "$n$", "$$", "$acc_1$"])
    fig = plotting.softmax_scaling_figure([2, 4], {"$\\sqrt{d}$": [(0.5, 0.1), (0.6, 0.2)]})
    assert_all_shown(fig, ["$\\sqrt{d}$", "$d_k$"])


def test_qkv_flow_diagram_draws_the_token_literally():
    ones = torch.ones(2, 2)
    fig = plotting.qkv_flow_diagram(
        torch.ones(3), torch.ones(2, 3), torch.ones(2), ones, ones, torch.ones(2), torch.ones(2), "$$"
    )
    assert_all_shown(fig, ['"$$"'])


def test_pipeline_figures_draw_tokens_and_names_literally():
    assert_all_shown(pipeline_figures.sliding_window_figure(WEIRD, max_length=3), WEIRD)
    fig = pipeline_figures.input_embedding_figure(torch.zeros(len(WEIRD), 3), torch.ones(len(WEIRD), 3), WEIRD)
    assert_all_shown(fig, WEIRD)
    assert_all_shown(pipeline_figures.layout_bytes_figure([1, 2], {"$a$": [2**20, 2**20]}, 4), ["$a$"])
    dollars = [[36, 36, 120, 36], [256, 120, 36]]  # "$$x$", then "$$" merged
    fig = pipeline_figures.bpe_merges_figure(dollars, {36: b"$", 120: b"x", 256: b"$$"}, {256: "$$"}, ["$", "+ $$"])
    assert_all_shown(fig, ["$", "$$", "+ $$", "x"])


def test_diagrams_draw_titles_and_names_literally():
    assert_all_shown(diagrams.head_weights_figure({"$h$": torch.eye(3)}, WEIRD[:3], xlabel="$k$"), [*WEIRD[:3], "$h$"])
    assert_all_shown(diagrams.timing_bars({"$a$": 0.002, "b_c^d": 0.001}, "$$"), ["$a$", "b_c^d", "$$"])
    assert_all_shown(diagrams.saved_memory_figure([1, 2], {"$x$": [4, 16]}, [4, 16]), ["$x$"])


@pytest.mark.parametrize("sentence", ["Pay $$ or $x_1^2$", "a \\ b _ c ^ d $", "$a$ $b$ $c$ $d$"])
def test_the_explorer_draws_any_sentence_gpt2_encodes(sentence):
    explorer = AttentionExplorer(sentence)
    assert any("$" in token for token in explorer.tokens) or "\\" in sentence
    assert_all_shown(explorer.figure(), explorer.tokens)
