"""helpers.experiments.recall: each seed of the side-by-side models is a model of its own."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.experiments.recall import (
    RecallModel,
    SeedGRU,
    mode_guess,
    recall_accuracy,
    recall_batch,
    recall_by_position,
    weight_on_asked,
)


def test_each_seed_of_seed_gru_is_an_nn_gru():
    torch.manual_seed(0)
    gru = SeedGRU(3, 4, 5)
    x = torch.randn(3, 2, 7, 4)
    for s in range(3):
        alone = nn.GRU(4, 5, batch_first=True)
        with torch.no_grad():
            alone.weight_ih_l0.copy_(gru.w_ih[s].T)
            alone.weight_hh_l0.copy_(gru.w_hh[s].T)
            alone.bias_ih_l0.copy_(gru.b_ih[s, 0])
            alone.bias_hh_l0.copy_(gru.b_hh[s, 0])
        torch.testing.assert_close(gru(x)[s], alone(x[s])[0])


@pytest.mark.parametrize("attend", [False, True])
def test_one_seeds_loss_moves_only_that_seeds_weights(attend):
    torch.manual_seed(0)
    model = RecallModel(6, attend=attend, hidden=4, seeds=3)
    seqs, positions, answers = recall_batch(6, 8, torch.Generator().manual_seed(0))
    logits = model(seqs, positions)[0]
    nn.functional.cross_entropy(logits[1], answers).backward()
    for name, p in model.named_parameters():
        assert p.grad[1].abs().sum() > 0, name
        assert (p.grad[[0, 2]] == 0).all(), name


def test_the_one_vector_model_reads_only_the_last_state():
    torch.manual_seed(0)
    model = RecallModel(6, attend=False, hidden=4, seeds=2)
    seqs, positions, _ = recall_batch(6, 5, torch.Generator().manual_seed(1))
    changed = seqs.clone()
    changed[:, -1] = (changed[:, -1] + 1) % 10
    first = model(seqs, positions)
    # the last state depends on every token, so a changed token changes the answer ...
    assert not torch.allclose(first[0], model(changed, positions)[0])
    # ... and the answer is the readout of [last state, question] alone
    torch.testing.assert_close(first[0], model.answer(torch.cat([first[1][:, :, -1], first[2]], dim=-1)))


def test_attention_weights_are_a_distribution_over_positions():
    model = RecallModel(6, attend=True, hidden=4, seeds=2)
    seqs, positions, _ = recall_batch(6, 5, torch.Generator().manual_seed(1))
    _, states, question = model(seqs, positions)
    weights = model.weights(states, question)
    assert weights.shape == (2, 5, 6)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 5))


def test_checkpoints_test_the_model_on_the_way():
    both = recall_accuracy(4, attend=False, hidden=4, steps=3, seeds=2, test_size=50, checkpoints=(2,))
    at_2 = recall_accuracy(4, attend=False, hidden=4, steps=2, seeds=2, test_size=50)
    at_3 = recall_accuracy(4, attend=False, hidden=4, steps=3, seeds=2, test_size=50)
    torch.testing.assert_close(both, torch.stack([at_2, at_3]))


def test_the_guess_ignoring_k_is_better_than_chance_on_short_sequences():
    assert mode_guess(4) > 0.3 > mode_guess(16) > 0.1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"steps": 0}, ValueError), ({"checkpoints": (5,)}, ValueError), ({"attend": 1}, TypeError)],
)
def test_bad_arguments_name_themselves(kwargs, error):
    arguments = {"seq_len": 4, "attend": False, "hidden": 4, "steps": 3, "seeds": 2, "test_size": 10} | kwargs
    with pytest.raises(error, match=next(iter(kwargs))):
        recall_accuracy(**arguments)


def test_a_larger_state_keeps_the_inputs_as_they_were():
    torch.manual_seed(0)
    small = RecallModel(6, attend=False, hidden=4, seeds=2)
    torch.manual_seed(0)
    large = RecallModel(6, attend=False, hidden=16, seeds=2, embed=4)
    torch.testing.assert_close(small.tok_emb, large.tok_emb)
    torch.testing.assert_close(small.pos_emb, large.pos_emb)
    seqs, positions, _ = recall_batch(6, 5, torch.Generator().manual_seed(1))
    logits, states, question = large(seqs, positions)
    assert states.shape == (2, 5, 6, 16) and question.shape == (2, 5, 4) and logits.shape == (2, 5, 10)
    with pytest.raises(ValueError, match="embed"):
        RecallModel(6, attend=True, hidden=16, embed=4)


def test_recall_by_position_averages_back_to_the_test_recall():
    model, accuracy = recall_accuracy(6, attend=False, hidden=4, steps=3, seeds=2, return_model=True)
    _, positions, _ = recall_batch(6, 2000, torch.Generator().manual_seed(2))  # the test set's questions
    counts = torch.bincount(positions, minlength=6).float()
    torch.testing.assert_close(recall_by_position(model) @ counts / counts.sum(), accuracy)


def test_weight_on_asked_reads_the_weight_at_k_and_needs_attention():
    torch.manual_seed(0)
    model = RecallModel(6, attend=True, hidden=4, seeds=2)
    with torch.no_grad():
        model.pos_emb.zero_()  # every score is 0: uniform weights
    torch.testing.assert_close(weight_on_asked(model, test_size=20), torch.full((2,), 1 / 6))
    with pytest.raises(ValueError, match="attend"):
        weight_on_asked(RecallModel(6, attend=False, hidden=4, seeds=2))
