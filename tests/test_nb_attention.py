"""The chapter-3 notebooks' step-by-step modules equal the helpers versions with the same seed."""

import pytest
import torch

import helpers
from helpers.experiments.attention_variants import ensemble, ensemble_forward
from tests.book_inputs import BOOK_INPUTS
from tests.nbtools import notebook_namespace


@pytest.fixture(scope="module")
def nb33():
    return notebook_namespace("03.3-self-attention-without-weights.ipynb")


@pytest.fixture(scope="module")
def nb34():
    return notebook_namespace("03.4-self-attention-with-weights.ipynb")


@pytest.fixture(scope="module")
def nb35():
    return notebook_namespace("03.5-causal-attention.ipynb")


@pytest.fixture(scope="module")
def nb36():
    return notebook_namespace("03.6-multi-head-attention.ipynb")


def random_batch(num_tokens: int = 5, d_in: int = 4) -> torch.Tensor:
    return torch.randn(3, num_tokens, d_in, generator=torch.Generator().manual_seed(7))


def build(seed: int, factory, *args, **kwargs):
    torch.manual_seed(seed)
    return factory(*args, **kwargs)


def test_loop_self_attention_equals_helpers(nb33):
    x = random_batch()[0]
    assert torch.allclose(nb33["self_attention_loop"](x), helpers.self_attention(x), atol=1e-6)
    book_row_1 = torch.tensor([0.4421, 0.5931, 0.5790])
    assert torch.allclose(nb33["self_attention_loop"](BOOK_INPUTS)[0], book_row_1, atol=1e-4)


@pytest.mark.parametrize("name", ["SelfAttention_v1", "SelfAttention_v2"])
@pytest.mark.parametrize("seed", [123, 789])
def test_self_attention_classes_equal_helpers(nb34, name, seed):
    x = random_batch()[0]
    ours = build(seed, nb34[name], 4, 3)
    theirs = build(seed, getattr(helpers, name), 4, 3)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


def test_self_attention_v1_book_numbers(nb34):
    out = build(123, nb34["SelfAttention_v1"], 3, 2)(nb34["inputs"])
    assert torch.allclose(out[1], torch.tensor([0.3061, 0.8210]), atol=1e-4)


def test_causal_attention_equals_helpers(nb35):
    x = random_batch()
    ours = build(123, nb35["CausalAttention"], 4, 2, 6, 0.0)
    theirs = build(123, helpers.CausalAttention, 4, 2, 6, 0.0)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)
    assert torch.allclose(ours(x[:, :2]), theirs(x[:, :2]), atol=1e-6)  # shorter than context_length


def test_causal_attention_dropout_matches_in_training(nb35):
    x = random_batch()
    ours = build(123, nb35["CausalAttention"], 4, 2, 6, 0.5)
    theirs = build(123, helpers.CausalAttention, 4, 2, 6, 0.5)
    torch.manual_seed(1)
    out_ours = ours(x)
    torch.manual_seed(1)
    assert torch.allclose(out_ours, theirs(x), atol=1e-6)


def test_wrapper_equals_helpers(nb36):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttentionWrapper"], 4, 2, 6, 0.0, num_heads=3)
    theirs = build(123, helpers.MultiHeadAttentionWrapper, 4, 2, 6, 0.0, num_heads=3)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


def test_multi_head_attention_equals_helpers(nb36):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttention"], 4, 6, 6, 0.0, num_heads=3)
    theirs = build(123, helpers.MultiHeadAttention, 4, 6, 6, 0.0, num_heads=3)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)
    theirs.load_state_dict(ours.state_dict())  # the reader's float mask loads into the bool buffer
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_multi_head_attention_book_numbers(nb36):
    ours = build(123, nb36["MultiHeadAttention"], 3, 2, 6, 0.0, num_heads=2)
    assert torch.allclose(ours(nb36["batch"])[0, 0], torch.tensor([0.3190, 0.4858]), atol=1e-4)


def test_helpers_mha_equals_readers_class_bit_for_bit_with_dropout(nb36):
    x = random_batch()
    ours = build(123, nb36["MultiHeadAttention"], 4, 6, 5, 0.5, num_heads=2).train()
    theirs = build(123, helpers.MultiHeadAttention, 4, 6, 5, 0.5, num_heads=2).train()
    torch.manual_seed(11)
    out_ours = ours(x)
    torch.manual_seed(11)
    out_theirs = theirs(x)
    assert torch.equal(out_ours, out_theirs)
    assert (out_ours != ours.eval()(x)).any()  # dropout really acted in train mode


def test_books_literal_a_gives_the_books_scores(nb36):
    scores = nb36["a"] @ nb36["a"].transpose(2, 3)
    assert torch.allclose(scores[0, 0, 0], torch.tensor([1.3208, 1.1631, 1.2879]), atol=1e-4)
    assert torch.allclose(scores[0, 1, 2], torch.tensor([0.5903, 1.0620, 0.9912]), atol=1e-4)


def test_notebook_loss_gives_each_model_its_own_gradient(nb36):
    """Summing the models' losses (x M) trains each model on its own mean loss, as separate training would."""
    toks, x = nb36["two_target_batch"](8, torch.Generator().manual_seed(0))
    d_in, d_out, seq = nb36["D_IN"], nb36["D_OUT"], nb36["SEQ"]
    params = ensemble([0, 1], d_in, d_out, seq, 0.0, 2)
    loss, _ = nb36["loss_and_accuracy"](ensemble_forward(params, x, 2, torch.full((2,), 4.0))[0], toks)
    loss.backward()
    alone = ensemble([1], d_in, d_out, seq, 0.0, 2)
    loss_alone, _ = nb36["loss_and_accuracy"](ensemble_forward(alone, x, 2, torch.full((1,), 4.0))[0], toks)
    loss_alone.backward()
    for p, q in zip(params, alone, strict=True):
        torch.testing.assert_close(p.grad[1], q.grad[0], atol=1e-6, rtol=1e-5)
