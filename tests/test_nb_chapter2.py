"""Notebooks 2.6–2.9: their step-by-step code agrees with helpers, and their saved outputs show the book's numbers.

The teaching cells are executed (:func:`tests.nbtools.notebook_namespace`); the printed numbers are read from
the outputs saved in the notebooks, which strict nbval proves are what a fresh run prints.
"""

from __future__ import annotations

import json
import re

import matplotlib
import pytest
import torch

import helpers
from helpers import GPTDatasetV1, GPTEmbedding, create_dataloader_v1, load_text
from helpers.experiments.pipeline_figures import (
    embedding_lookup_figure,
    input_embedding_figure,
    layout_bytes_figure,
    sliding_window_figure,
)
from tests.nbtools import NOTEBOOKS, notebook_namespace

matplotlib.use("Agg")


def saved_output(notebook: str) -> str:
    """Everything the code cells of ``notebooks/<notebook>`` printed, as saved, in one string."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    texts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts.append("".join(text))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def nb26():
    return notebook_namespace("02.6-sliding-window.ipynb")


@pytest.fixture(scope="module")
def nb28():
    return notebook_namespace("02.8-word-positions.ipynb")


@pytest.mark.parametrize(("max_length", "stride"), [(4, 1), (4, 4), (2, 2), (8, 2), (6, 9)])
def test_teaching_dataset_equals_helpers(nb26, max_length, stride):
    text, tokenizer = nb26["raw_text"], nb26["tokenizer"]
    ours = nb26["GPTDatasetV1"](text, tokenizer, max_length, stride)
    theirs = GPTDatasetV1(text, tokenizer, max_length, stride)
    assert type(ours).__module__ == "notebook:02.6-sliding-window.ipynb", "the notebook must build its own class"
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        assert torch.equal(ours[i][0], theirs[i][0])
        assert torch.equal(ours[i][1], theirs[i][1])


def test_teaching_dataset_reproduces_book_window(nb26):
    assert len(nb26["teaching_ds"]) == 5141
    x, y = nb26["teaching_ds"][0]
    assert x.tolist() == [40, 367, 2885, 1464] and y.tolist() == [367, 2885, 1464, 1807]


def _batches(make_loader, text, seed, **settings):
    torch.manual_seed(seed)
    return [[t.clone() for t in batch] for batch in make_loader(text, **settings)]


@pytest.mark.parametrize(
    "settings",
    [
        dict(batch_size=1, max_length=4, stride=1, shuffle=False),
        dict(batch_size=8, max_length=4, stride=4, shuffle=False),
        dict(batch_size=8, max_length=4, stride=4, shuffle=True),
        dict(batch_size=3, max_length=5, stride=7, shuffle=True, drop_last=False),
        dict(batch_size=64, max_length=16, stride=16, shuffle=False, drop_last=True),
    ],
)
def test_teaching_dataloader_equals_helpers(nb26, settings):
    ours_fn = nb26["create_dataloader_v1"]
    assert ours_fn is not helpers.create_dataloader_v1
    text = nb26["raw_text"]
    ours = _batches(ours_fn, text, 123, **settings)
    theirs = _batches(helpers.create_dataloader_v1, text, 123, **settings)
    assert len(ours) == len(theirs) > 0
    for (x_ours, y_ours), (x_theirs, y_theirs) in zip(ours, theirs, strict=True):
        assert torch.equal(x_ours, x_theirs) and torch.equal(y_ours, y_theirs)


def test_teaching_dataloader_defaults_match_the_book(nb26):
    """Same defaults as the book's signature: batch 4, windows of 256 every 128, shuffled, last batch dropped."""
    loader = nb26["create_dataloader_v1"](nb26["raw_text"])
    assert loader.batch_size == 4 and loader.drop_last and loader.num_workers == 0
    assert len(loader.dataset) == len(range(0, 5145 - 256, 128))
    assert type(loader.sampler).__name__ == "RandomSampler"


def test_teaching_embedding_equals_helpers(nb28):
    token_layer, pos_layer = nb28["token_embedding_layer"], nb28["pos_embedding_layer"]
    inputs = nb28["inputs"]
    layer = GPTEmbedding(vocab_size=50257, emb_dim=256, context_length=4)
    layer.load_state_dict({"token_emb.weight": token_layer.weight, "pos_emb.weight": pos_layer.weight})
    expected = layer(inputs)
    assert expected.shape == (8, 4, 256)
    assert torch.equal(nb28["input_embeddings"], expected)
    assert torch.equal(nb28["embed_tokens_and_positions"](inputs, token_layer, pos_layer), expected)


def test_teaching_function_equals_helpers_on_other_sizes(nb28):
    torch.manual_seed(0)
    layer = GPTEmbedding(vocab_size=30, emb_dim=5, context_length=7)
    ids = torch.randint(0, 30, (3, 7))
    ours = nb28["embed_tokens_and_positions"](ids, layer.token_emb, layer.pos_emb)
    assert torch.equal(ours, layer(ids))
    assert torch.equal(
        nb28["embed_tokens_and_positions"](ids[:, :3], layer.token_emb, layer.pos_emb), layer(ids[:, :3])
    )


# The same quantity under the same seed: 2.8 builds its tables step by step, 2.9 with GPTEmbedding.


def test_teaching_tables_are_gpt_embedding_from_the_same_seed(nb28):
    torch.manual_seed(123)
    layer = GPTEmbedding(vocab_size=50257, emb_dim=256, context_length=4)
    assert torch.equal(layer.token_emb.weight, nb28["token_embedding_layer"].weight)
    assert torch.equal(layer.pos_emb.weight, nb28["pos_embedding_layer"].weight)


def test_starting_a_data_loader_draws_from_the_global_generator():
    """Why 2.8 seeds after taking its batch: iter() takes a number even from an unshuffled loader."""
    loader = create_dataloader_v1(load_text("the-verdict.txt"), batch_size=8, max_length=4, stride=4, shuffle=False)
    torch.manual_seed(123)
    untouched = torch.rand(1)
    torch.manual_seed(123)
    iter(loader)
    assert not torch.equal(torch.rand(1), untouched)


FIRST_NUMBERS = re.compile(r"first token, first 4 numbers: tensor\(\[([^\]]*)\]")


def test_recap_prints_the_input_embeddings_of_2_8():
    printed = [
        FIRST_NUMBERS.findall(saved_output(nb)) for nb in ("02.8-word-positions.ipynb", "02.9-chapter-2-recap.ipynb")
    ]
    assert all(len(found) == 1 for found in printed), printed
    assert printed[0] == printed[1]


# Every number the book prints for 2.6–2.8 appears in the notebook's saved outputs.

BOOK_OUTPUTS = {
    "02.6-sliding-window.ipynb": [
        "5145",
        "x: [290, 4920, 2241, 287]",
        "y:      [4920, 2241, 287, 257]",
        "[290, 4920, 2241, 287] ----> 257",
        " and established himself in ---->  a",
        "[tensor([[  40,  367, 2885, 1464]]), tensor([[ 367, 2885, 1464, 1807]])]",
        "[tensor([[ 367, 2885, 1464, 1807]]), tensor([[2885, 1464, 1807, 3619]])]",
        "[  284,  3285,   326,    11]]",
        "[ 3285,   326,    11,   287]]",
    ],
    "02.7-token-embeddings.ipynb": [
        "[ 0.3374, -0.1778, -0.1690]",
        "[-2.8400, -0.7849, -1.4096]], requires_grad=True)",
        "tensor([[-0.4015,  0.9666, -1.1481]], grad_fn=<EmbeddingBackward0>)",
        "[ 0.9178,  1.5810,  1.3010]], grad_fn=<EmbeddingBackward0>)",
    ],
    "02.8-word-positions.ipynb": [
        "Inputs shape:\n torch.Size([8, 4])",
        "torch.Size([8, 4, 256])",
        "torch.Size([4, 256])",
    ],
}


@pytest.mark.parametrize("notebook", list(BOOK_OUTPUTS))
def test_notebook_prints_the_books_numbers(notebook):
    printed = saved_output(notebook)
    assert [line for line in BOOK_OUTPUTS[notebook] if line not in printed] == []


def test_exercise_2_2_solution_prints_the_books_batches():
    """The book's solution uses batches of 4: they are the first rows the notebook's solution prints."""
    printed = saved_output("02.6-sliding-window.ipynb")
    assert "tensor([[  40,  367],\n        [2885, 1464],\n        [1807, 3619],\n        [ 402,  271]])" in printed
    assert "[  402,   271, 10899,  2138,   257,  7026, 15632,   438]])" in printed


# The chapter-2 figures: readable at their saved size.


def _figures():
    torch.manual_seed(0)
    return {
        "sliding_window_figure": sliding_window_figure([f"t{i}" for i in range(14)]),
        "embedding_lookup_figure": embedding_lookup_figure(torch.randn(6, 3), torch.tensor([2, 3, 5, 1])),
        "input_embedding_figure": input_embedding_figure(torch.randn(4, 8), torch.randn(4, 8), list("abcd")),
        "layout_bytes_figure": layout_bytes_figure([1, 4], {"a": [2**20, 2**18], "b": [2**10, 2**10]}, 4),
    }


def test_chapter_2_figures_have_no_text_under_8_points():
    for name, fig in _figures().items():
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
        assert texts, name
        assert min(t.get_fontsize() for t in texts) >= 8, name
        matplotlib.pyplot.close(fig)


def test_heatmap_figures_have_a_colour_bar_and_label_rows():
    figures = _figures()
    for name in ("embedding_lookup_figure", "input_embedding_figure"):
        fig = figures[name]
        assert any(ax.get_label() == "<colorbar>" for ax in fig.axes), name
        assert [t.get_text() for t in fig.axes[0].get_yticklabels()][:2] in (["row 0", "row 1"], ["a", "b"]), name
    for fig in figures.values():
        matplotlib.pyplot.close(fig)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: input_embedding_figure(torch.zeros(4, 8), torch.zeros(3, 8), list("abcd")), "must match"),
        (lambda: input_embedding_figure([[0.0]], torch.zeros(1, 1), ["a"]), "token_vectors must be"),
        (lambda: embedding_lookup_figure(torch.zeros(6, 3), torch.tensor([6])), "input_ids must lie in 0 .. 5"),
        (lambda: sliding_window_figure(["a", "b"], max_length=4), "fewer than one window"),
        (lambda: layout_bytes_figure([1, 4], {"a": [1]}, 4), "one number per stride"),
    ],
)
def test_chapter_2_figures_name_the_wrong_argument(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
