"""helpers.embeddings.GPTEmbedding: token + position embeddings, with clear errors."""

from __future__ import annotations

import pytest
import torch

from helpers import GPTEmbedding


@pytest.fixture
def emb():
    torch.manual_seed(123)
    return GPTEmbedding(vocab_size=50, emb_dim=8, context_length=6)


def test_book_shapes():
    torch.manual_seed(123)
    layer = GPTEmbedding(vocab_size=50257, emb_dim=256, context_length=4)
    ids = torch.randint(0, 50257, (8, 4))
    assert layer(ids).shape == (8, 4, 256)
    assert layer.pos_emb(torch.arange(4)).shape == (4, 256)


def test_token_table_is_created_first_as_in_the_book():
    torch.manual_seed(123)
    layer = GPTEmbedding(vocab_size=6, emb_dim=3, context_length=2)
    torch.manual_seed(123)
    book = torch.nn.Embedding(6, 3)
    assert torch.equal(layer.token_emb.weight, book.weight)
    assert torch.allclose(layer.token_emb.weight[3], torch.tensor([-0.4015, 0.9666, -1.1481]), atol=1e-4)


def test_equals_manual_token_plus_position_sum(emb):
    ids = torch.tensor([[1, 2, 3, 4, 5, 6], [7, 7, 7, 7, 7, 7]])
    manual = emb.token_emb.weight[ids] + emb.pos_emb.weight[:6]
    assert torch.equal(emb(ids), manual)
    # the same token at different positions gets different vectors
    out = emb(ids)
    assert not torch.equal(out[1, 0], out[1, 1])


def test_shorter_sequences_use_the_first_positions(emb):
    ids = torch.tensor([[3, 9]])
    assert torch.equal(emb(ids)[0], emb.token_emb.weight[[3, 9]] + emb.pos_emb.weight[:2])


def test_int32_ids_are_accepted(emb):
    ids = torch.tensor([[1, 2]])
    assert torch.equal(emb(ids.int()), emb(ids))


def test_sequence_longer_than_context_names_both_numbers(emb):
    with pytest.raises(ValueError) as err:
        emb(torch.zeros(1, 7, dtype=torch.long))
    message = str(err.value)
    assert "7 tokens" in message and "context_length is 6" in message


def test_one_dimensional_input_suggests_unsqueeze(emb):
    with pytest.raises(ValueError, match=r"shape \(batch, num_tokens\), got \(4,\).*unsqueeze\(0\)"):
        emb(torch.tensor([1, 2, 3, 4]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bool, torch.uint8, torch.int16])
def test_ids_of_another_dtype_are_a_type_error_saying_long(emb, dtype):
    with pytest.raises(TypeError, match=r"token_ids.*\.long\(\)"):
        emb(torch.tensor([[1, 2]]).to(dtype))


@pytest.mark.parametrize("ids", [[[1, 2]], None, 3, "12"], ids=repr)
def test_ids_that_are_not_a_tensor_are_a_type_error(emb, ids):
    with pytest.raises(TypeError, match="token_ids must be an integer tensor"):
        emb(ids)


def test_a_failure_that_is_not_the_inputs_fault_is_not_blamed_on_them(emb, monkeypatch):
    def broken(ids):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(emb.token_emb, "forward", broken)
    with pytest.raises(RuntimeError, match="out of memory"):
        emb(torch.tensor([[1, 2]]))


@pytest.mark.parametrize("bad_id", [50, 1000, -1, 2**62])
def test_ids_outside_vocab_are_rejected(emb, bad_id):
    with pytest.raises(ValueError) as err:
        emb(torch.tensor([[1, bad_id]]))
    message = str(err.value)
    assert "0 .. 49" in message and "vocab_size=50" in message and str(bad_id) in message


@pytest.mark.parametrize("name", ["vocab_size", "emb_dim", "context_length"])
@pytest.mark.parametrize("value", [0, -3, 2**63, 2**70, 2.5, True, None, "4", torch.tensor([4])], ids=repr)
def test_non_positive_or_non_int_sizes(name, value):
    # Changed deliberately (issue 10): a non-int size is a TypeError, a non-positive one a ValueError.
    sizes = {"vocab_size": 10, "emb_dim": 4, "context_length": 3} | {name: value}
    error = ValueError if isinstance(value, int) and not isinstance(value, bool) else TypeError
    with pytest.raises(error, match=f"{name} must be"):
        GPTEmbedding(**sizes)
