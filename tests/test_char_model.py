"""helpers.experiments.char_model: each seed is the one-layer causal model of 03.5.

And the mask switch does what it says.
"""

from __future__ import annotations

import pytest
import torch

from helpers import CausalAttention
from helpers.experiments.char_model import (
    CharModels,
    best_checkpoint,
    char_batch,
    char_ids,
    next_char_loss,
    split_loss,
    train_char_models,
)

SEEDS, VOCAB, CONTEXT, D = 3, 7, 5, 4


def models_and_ids():
    torch.manual_seed(0)
    models = CharModels(SEEDS, VOCAB, CONTEXT, D).eval()
    return models, torch.randint(0, VOCAB, (SEEDS, 2, CONTEXT))


def test_each_seed_is_embeddings_plus_causal_attention_plus_a_linear_head():
    models, ids = models_and_ids()
    logits = models(ids)
    for s in range(SEEDS):
        attention = CausalAttention(D, D, CONTEXT, 0.0)
        with torch.no_grad():
            for name in ("W_query", "W_key", "W_value"):
                getattr(attention, name).weight.copy_(getattr(models, name).weight[s].T)
        x = models.tok_emb[s][ids[s]] + models.pos_emb[s]
        hidden = x + attention(x)
        expected = hidden @ models.head.weight[s] + models.head.bias[s]
        torch.testing.assert_close(logits[s], expected)


def test_with_the_mask_a_later_token_cannot_change_an_earlier_output():
    models, ids = models_and_ids()
    changed = ids.clone()
    changed[..., -1] = (changed[..., -1] + 1) % VOCAB
    assert torch.equal(models(ids)[..., :-1, :], models(changed)[..., :-1, :])
    models.causal = False
    assert not torch.equal(models(ids)[..., :-1, :], models(changed)[..., :-1, :])


def test_loss_is_one_number_per_seed_and_the_seeds_train_apart():
    models, ids = models_and_ids()
    loss = next_char_loss(models(ids), ids)
    assert loss.shape == (SEEDS,)
    loss[0].backward()
    assert models.head.weight.grad[1:].abs().sum() == 0 and models.head.weight.grad[0].abs().sum() > 0


def test_batches_are_windows_and_their_shifted_targets():
    vocab, ids = char_ids("abcdefgh")
    x, y = char_batch(ids, 4, 3, torch.Generator().manual_seed(0))
    assert vocab == list("abcdefgh") and x.shape == y.shape == (4, 3)
    assert torch.equal(x[:, 1:], y[:, :-1]) and torch.equal(y - x, torch.ones_like(x))


@pytest.mark.parametrize(("kwargs", "name"), [({"seeds": 0}, "seeds"), ({"dropout": 1.5}, "dropout"), ({"d": 0}, "d")])
def test_sizes_are_checked(kwargs, name):
    args = {"seeds": 2, "vocab_size": VOCAB, "context_length": CONTEXT, "d": D} | kwargs
    with pytest.raises((TypeError, ValueError), match=name):
        CharModels(**args)


def test_attention_weights_are_the_weights_forward_uses():
    models, ids = models_and_ids()
    weights = models.attention_weights(ids)
    assert torch.allclose(weights.sum(-1), torch.ones(()))
    assert weights.triu(diagonal=1).eq(0).all()  # causal: nothing on later positions
    models.causal = False
    assert weights.shape == models.attention_weights(ids).shape
    later = torch.ones(CONTEXT, CONTEXT).triu(diagonal=1).bool()
    assert models.attention_weights(ids)[..., later].gt(0).all()  # unmasked: every later position gets weight


def test_train_char_models_pairs_runs_by_initialisation_and_batches():
    ids = torch.randint(0, VOCAB, (200,), generator=torch.Generator().manual_seed(5))
    windows = char_batch(ids, 6, CONTEXT, torch.Generator().manual_seed(2))
    settings = {"seeds": SEEDS, "d": D, "steps": 4, "context_length": CONTEXT, "checkpoints": {"val": windows}}
    plain, history = train_char_models(ids, VOCAB, **settings, every=2)
    again, history_again = train_char_models(ids, VOCAB, **settings, every=2)
    assert [step for step, _ in history] == [2, 4]
    assert torch.equal(history[-1][1]["val"], history_again[-1][1]["val"])  # same batches, same start
    frozen_plain, _ = train_char_models(ids, VOCAB, **settings, lr=0.0)
    frozen_dropout, _ = train_char_models(ids, VOCAB, **settings, lr=0.0, dropout=0.5)
    assert torch.equal(frozen_plain.tok_emb, frozen_dropout.tok_emb)  # pair i starts from the same weights
    assert not torch.equal(plain.tok_emb[0], plain.tok_emb[1])  # the seeds differ from each other
    assert not plain.training


def test_best_checkpoint_is_early_stopping_per_seed():
    history = [
        (10, {"val": torch.tensor([3.0, 1.0]), "test": torch.tensor([3.5, 1.5])}),
        (20, {"val": torch.tensor([2.0, 2.0]), "test": torch.tensor([2.5, 2.5])}),
        (30, {"val": torch.tensor([1.0, 3.0]), "test": torch.tensor([1.5, 3.5])}),
    ]
    steps, scores = best_checkpoint(history, budget=30)
    assert steps.tolist() == [30, 10] and scores.tolist() == [1.5, 1.5]
    steps, scores = best_checkpoint(history, budget=25)  # the budget hides step 30
    assert steps.tolist() == [20, 10] and scores.tolist() == [2.5, 1.5]
    with pytest.raises(ValueError, match="budget"):
        best_checkpoint(history, budget=5)


def test_split_loss_restores_the_mask_switch_and_mode():
    models, ids = models_and_ids()
    models.train()
    windows = (ids[0], ids[0])
    assert not torch.equal(split_loss(models, windows), split_loss(models, windows, causal=False))
    assert models.causal and models.training
