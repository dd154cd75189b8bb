"""The attention explorer: each switch changes the weights exactly as attention defines it."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.experiments.explorer import (
    BOOK_INPUTS,
    BOOK_SENTENCE,
    CONTROLS_TEXT,
    NUM_HEADS,
    PRESET_SENTENCES,
    AttentionExplorer,
    attention,
    explore_attention,
    head_projections,
    sentence_inputs,
)


def _manual(x, head, *, scale, causal):
    """Weights and context written out by hand, for one head of the explorer."""
    w_query, w_key, w_value = head_projections()[head - 1]
    scores = (x @ w_query) @ (x @ w_key).T
    if scale:
        scores = scores / math.sqrt(w_key.shape[-1])
    if causal:
        scores = scores + torch.triu(torch.full_like(scores, float("-inf")), diagonal=1)
    weights = torch.softmax(scores, dim=-1)
    return weights, weights @ (x @ w_value)


@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("head", [1, 2])
def test_update_matches_attention_written_out(scale, causal, head):
    explorer = AttentionExplorer()
    explorer.update(scale=scale, causal=causal, head=head)
    weights, context = _manual(BOOK_INPUTS, head, scale=scale, causal=causal)
    torch.testing.assert_close(explorer.weights, weights)
    torch.testing.assert_close(explorer.context, context)


def test_causal_mask_toggles_the_future_weights():
    explorer = AttentionExplorer(causal=True)
    assert explorer.weights.triu(diagonal=1).abs().sum() == 0
    explorer.update(causal=False)
    assert (explorer.weights.triu(diagonal=1)[0, 1:] > 0).all(), "without the mask the first token sees every token"


def test_scaling_flattens_the_weights():
    """Dividing the scores by sqrt(d_k) > 1 brings every row closer to uniform (higher entropy)."""
    explorer = AttentionExplorer(causal=False, scale=False)
    unscaled = explorer.weights.clone()
    explorer.update(scale=True)
    entropy = lambda w: -(w * w.log()).sum(-1)  # noqa: E731
    assert (entropy(explorer.weights) > entropy(unscaled)).all()
    assert not torch.allclose(explorer.weights, unscaled)


def test_dropout_zeroes_weights_and_scales_the_rest():
    explorer = AttentionExplorer(causal=False)
    full = explorer.weights.clone()
    explorer.update(dropout=0.5)
    dropped = explorer.weights == 0
    assert dropped.any() and not dropped.all()
    torch.testing.assert_close(explorer.weights[~dropped], full[~dropped] / 0.5)
    again = AttentionExplorer(causal=False, dropout=0.5)
    assert torch.equal(again.weights, explorer.weights), "a setting always shows the same picture"


def test_heads_differ_and_rows_sum_to_one():
    explorer = AttentionExplorer()
    first = explorer.weights.clone()
    explorer.update(head=2)
    assert not torch.allclose(first, explorer.weights)
    torch.testing.assert_close(explorer.weights.sum(-1), torch.ones(6))


def test_exploring_leaves_the_global_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    AttentionExplorer(sentence=PRESET_SENTENCES[1], dropout=0.3).figure()
    assert torch.equal(torch.rand(3), expected)


def test_sentences():
    tokens, x = sentence_inputs(BOOK_SENTENCE)
    assert tokens == BOOK_SENTENCE.split() and torch.equal(x, BOOK_INPUTS)
    for sentence in PRESET_SENTENCES[1:]:
        tokens, x = sentence_inputs(sentence)
        assert x.shape == (len(tokens), 3) and 2 < len(tokens) <= 12
    explorer = AttentionExplorer(sentence=PRESET_SENTENCES[1])
    assert explorer.weights.shape == (len(explorer.tokens), len(explorer.tokens))


def test_figure_has_the_heatmap_and_the_context_vectors():
    fig = AttentionExplorer().figure()
    heat, points = fig.axes[:2]
    assert heat.get_title() == "head 1 weights: scaled, causal, dropout 0.0"
    assert points.get_title() == "head 1 context vectors"
    assert len(points.collections) == 2  # values and context vectors


def test_controls_drive_the_update():
    explorer = AttentionExplorer()
    sentence, switches, sliders = explorer.controls().children
    scale, causal = switches.children
    dropout, head = sliders.children
    causal.value = False
    assert explorer.causal is False and explorer.weights.triu(diagonal=1).sum() > 0
    head.value = 2
    dropout.value = 0.2
    scale.value = False
    sentence.value = PRESET_SENTENCES[2]
    assert (explorer.head, explorer.dropout, explorer.scale, explorer.sentence) == (2, 0.2, False, PRESET_SENTENCES[2])
    assert explorer.controls() is explorer.controls()


def test_explore_attention_shows_a_stable_text_and_a_figure(monkeypatch):
    shown = []

    class Handle:
        def __init__(self):
            self.updates = []

        def update(self, obj):
            self.updates.append(obj)

    handle = Handle()

    def fake_display(obj, raw=False, display_id=None):
        shown.append((obj, raw, display_id))
        return handle if display_id else None

    monkeypatch.setattr("IPython.display.display", fake_display)
    explorer = explore_attention(causal=False)
    (bundle, raw, _), (figure, _, display_id) = shown
    assert raw and bundle["text/plain"] == CONTROLS_TEXT
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # A PNG, so the kernel shows a picture without pyplot's inline backend (a notebook that imports only the explorer).
    assert display_id is True and figure.format == "png" and figure.data.startswith(b"\x89PNG")
    explorer.update(causal=True)
    assert len(handle.updates) == 1, "a change redraws the shown figure in place"
    assert handle.updates[0].data != figure.data, "the redrawn picture shows the change"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"sentence": 3}, TypeError, "sentence must be a str"),
        ({"sentence": "  "}, ValueError, "sentence is empty"),
        ({"sentence": "word " * 20}, ValueError, "at most 12"),
        ({"scale": 1}, TypeError, "scale must be True or False"),
        ({"causal": "yes"}, TypeError, "causal must be True or False"),
        ({"dropout": "0.1"}, TypeError, "dropout must be a number"),
        ({"dropout": True}, TypeError, "dropout must be a number"),
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0.0, 0.9\]"),
        ({"head": 1.0}, TypeError, "head must be an int"),
        ({"head": 0}, ValueError, rf"head must be an int in \[1, {NUM_HEADS + 1}\)"),
        ({"head": 3}, ValueError, rf"head must be an int in \[1, {NUM_HEADS + 1}\)"),
    ],
)
def test_bad_settings_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        AttentionExplorer(**kwargs)
    explorer = AttentionExplorer()
    before = explorer.weights.clone()
    with pytest.raises(error, match=message):
        explorer.update(**kwargs)
    assert torch.equal(explorer.weights, before) and explorer.head == 1, "a rejected update changes nothing"


def test_attention_checks_its_input():
    with pytest.raises(TypeError, match=r"x must be a torch.Tensor"):
        attention([[1.0]], torch.eye(1), torch.eye(1), torch.eye(1))
