"""The step-by-step code of notebooks 2.6 and 2.8 agrees with helpers."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers import GPTDatasetV1, GPTEmbedding
from tests.nbtools import notebook_namespace


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
