"""helpers.experiments.char_model: each seed is the one-layer causal model of 03.5.

And the mask switch does what it says.
"""

from __future__ import annotations

import pytest
import torch

from helpers import CausalAttention
from helpers.experiments.char_model import CharModels, char_batch, char_ids, next_char_loss

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
