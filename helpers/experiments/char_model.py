"""The smallest next-character model with causal attention, several seeds side by side (03.5's whys).

One model is: a token and a position embedding, one attention layer as in
``CausalAttention`` (scaled scores, the causal mask, dropout on the weights)
added back to its input, and a linear layer that scores every character as
the next one. :class:`CharModels` holds ``seeds`` such models, each with its
own weights, and runs them all in one pass: its input and output have the seed
axis first. Train it with the sum of the seeds' losses; Adam's element-wise
update then trains each copy exactly as it would train alone.

>>> text = "hello world, hello attention"
>>> vocab, ids = char_ids(text)
>>> models = CharModels(seeds=3, vocab_size=len(vocab), context_length=8, d=16)
>>> x, y = char_batch(ids, 3 * 4, 8, torch.Generator().manual_seed(0))
>>> models(x.view(3, 4, 8)).shape  # (seeds, batch, tokens, vocab_size)
torch.Size([3, 4, 8, 13])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from helpers.attention import causal_mask
from helpers.checks import positive_int, probability, require_str
from helpers.experiments.ensemble import SeedLinear

__all__ = [
    "CharModels",
    "best_checkpoint",
    "char_batch",
    "char_ids",
    "next_char_loss",
    "split_loss",
    "train_char_models",
]


def char_ids(text: str) -> tuple[list[str], torch.Tensor]:
    """The sorted characters of ``text`` (the vocabulary) and ``text`` as their ids.

    >>> char_ids("abba")
    (['a', 'b'], tensor([0, 1, 1, 0]))
    """
    text = require_str(text, "text")
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    return vocab, torch.tensor([index[ch] for ch in text])


def char_batch(ids: torch.Tensor, n: int, length: int, generator: torch.Generator):
    """``n`` random windows of ``length`` ids and their targets, the same windows shifted by one (as in 2.6)."""
    starts = torch.randint(0, len(ids) - length, (n,), generator=generator)
    windows = ids[starts[:, None] + torch.arange(length + 1)]
    return windows[:, :-1], windows[:, 1:]


class CharModels(nn.Module):
    """``seeds`` one-layer next-character models side by side: ids ``(seeds, batch, T)`` to logits.

    ``causal`` switches the mask on or off (an attribute, so a model trained without it can be tested
    with it); ``dropout`` is applied to the attention weights in training mode.
    """

    def __init__(self, seeds: int, vocab_size: int, context_length: int, d: int, dropout: float = 0.0):
        super().__init__()
        self.seeds, self.d = positive_int(seeds, "seeds"), positive_int(d, "d")
        vocab_size, context_length = (
            positive_int(vocab_size, "vocab_size"),
            positive_int(context_length, "context_length"),
        )
        self.tok_emb = nn.Parameter(torch.randn(seeds, vocab_size, d))  # as nn.Embedding draws them
        self.pos_emb = nn.Parameter(torch.randn(seeds, context_length, d))
        self.W_query, self.W_key, self.W_value = (SeedLinear(seeds, d, d, bias=False) for _ in range(3))
        self.head = SeedLinear(seeds, d, vocab_size)
        self.dropout = nn.Dropout(probability(dropout, "dropout"))
        self.register_buffer("mask", causal_mask(context_length))
        self.causal = True

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        seeds, batch, num_tokens = ids.shape
        x, weights, v = self._attend(ids)
        hidden = x + self.dropout(weights) @ v  # the attention's output added to its input
        return self.head(hidden.flatten(1, 2)).view(seeds, batch, num_tokens, -1)

    def attention_weights(self, ids: torch.Tensor) -> torch.Tensor:
        """The attention weights before dropout, ``(seeds, batch, T, T)``: row t is where position t looks.

        >>> models = CharModels(seeds=2, vocab_size=5, context_length=4, d=8)
        >>> w = models.attention_weights(torch.zeros(2, 1, 4, dtype=torch.long))
        >>> w.shape, bool(w[..., 0, 1:].eq(0).all())  # causal: the first position sees only itself
        (torch.Size([2, 1, 4, 4]), True)
        """
        return self._attend(ids)[1]

    def _attend(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The embedded input, the attention weights (masked if ``causal``) and the values."""
        seeds, batch, num_tokens = ids.shape
        x = self.tok_emb[torch.arange(seeds)[:, None, None], ids] + self.pos_emb[:, None, :num_tokens]
        flat = x.flatten(1, 2)  # (seeds, batch * num_tokens, d): SeedLinear works on 3-D tensors
        q, k, v = (
            layer(flat).view(seeds, batch, num_tokens, self.d) for layer in (self.W_query, self.W_key, self.W_value)
        )
        scores = q @ k.transpose(-2, -1)  # (seeds, batch, num_tokens, num_tokens)
        if self.causal:
            scores = scores.masked_fill(self.mask[:num_tokens, :num_tokens], float("-inf"))
        return x, torch.softmax(scores / self.d**0.5, dim=-1), v


def next_char_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Each seed's mean cross-entropy, shape ``(seeds,)``: logits ``(seeds, batch, T, vocab)``, targets ``(batch, T)``
    shared by all seeds or ``(seeds, batch, T)``."""
    targets = targets.expand(logits.shape[:-1])
    return F.cross_entropy(logits.flatten(1, 2).transpose(1, 2), targets.flatten(1), reduction="none").mean(dim=-1)


Windows = tuple[torch.Tensor, torch.Tensor]
"""Fixed evaluation windows and their targets, each ``(n, T)``, as :func:`char_batch` returns them."""


def split_loss(models: CharModels, windows: Windows, causal: bool = True) -> torch.Tensor:
    """Each seed's loss on fixed ``windows``, shape ``(seeds,)``, in eval mode (no dropout).

    ``causal=False`` lets every position see the whole window; the models' own setting is restored.
    """
    x, y = windows
    trained_causal, was_training = models.causal, models.training
    models.causal = causal
    with torch.no_grad():
        loss = next_char_loss(models.eval()(x.expand(models.seeds, -1, -1)), y)
    models.causal = trained_causal
    models.train(was_training)
    return loss


def train_char_models(
    train_ids: torch.Tensor,
    vocab_size: int,
    *,
    seeds: int,
    d: int,
    steps: int,
    dropout: float = 0.0,
    causal: bool = True,
    context_length: int = 16,
    batch: int = 16,
    lr: float = 3e-2,
    checkpoints: dict[str, Windows] | None = None,
    every: int = 20,
) -> tuple[CharModels, list[tuple[int, dict[str, torch.Tensor]]]]:
    """Train ``seeds`` models with Adam, each on its own random windows of ``train_ids``; return them in eval mode.

    The initialisation (``torch.manual_seed(0)``) and the windows (a generator seeded 1) depend only on the
    sizes, so two calls that differ in ``dropout`` or ``causal`` train pairs: seed i of one call starts from
    seed i's weights of the other and sees the same batches. Every ``every`` steps each seed's loss on each
    of ``checkpoints`` (name -> fixed windows) is recorded: the history is a list of ``(step, {name: (seeds,)})``.

    >>> vocab, ids = char_ids("hello world, hello attention " * 4)
    >>> windows = char_batch(ids, 8, 8, torch.Generator().manual_seed(2))
    >>> models, history = train_char_models(
    ...     ids, len(vocab), seeds=2, d=8, steps=4, context_length=8, checkpoints={"val": windows}, every=2
    ... )
    >>> [step for step, _ in history], history[0][1]["val"].shape
    ([2, 4], torch.Size([2]))
    """
    seeds, steps, batch = positive_int(seeds, "seeds"), positive_int(steps, "steps"), positive_int(batch, "batch")
    every, context_length = positive_int(every, "every"), positive_int(context_length, "context_length")
    torch.manual_seed(0)
    models = CharModels(seeds, vocab_size, context_length, d, dropout)
    models.causal = causal
    optimizer = torch.optim.Adam(models.parameters(), lr=lr)
    data = torch.Generator().manual_seed(1)
    history = []
    for step in range(1, steps + 1):
        x, y = char_batch(train_ids, seeds * batch, context_length, data)
        shape = (seeds, batch, context_length)
        loss = next_char_loss(models(x.view(shape)), y.view(shape)).sum()  # each seed gets its own mean's gradient
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if checkpoints and step % every == 0:
            history.append((step, {name: split_loss(models, w, causal) for name, w in checkpoints.items()}))
    return models.eval(), history


def best_checkpoint(
    history: list[tuple[int, dict[str, torch.Tensor]]], budget: int, pick: str = "val", score: str = "test"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Early stopping, per seed: the step (among those <= ``budget``) with the lowest ``pick`` loss, and its
    ``score`` loss. Returns two ``(seeds,)`` tensors: the steps and the scores.

    >>> history = [(10, {"val": torch.tensor([2.0, 1.0]), "test": torch.tensor([2.1, 1.1])}),
    ...            (20, {"val": torch.tensor([1.5, 1.2]), "test": torch.tensor([1.6, 1.3])})]
    >>> best_checkpoint(history, budget=20)
    (tensor([20, 10]), tensor([1.6000, 1.1000]))
    """
    kept = [(step, losses) for step, losses in history if step <= budget]
    if not kept:
        raise ValueError(f"budget={budget} comes before the first checkpoint; use a budget of at least {history[0][0]}")
    steps = torch.tensor([step for step, _ in kept])
    picked = torch.stack([losses[pick] for _, losses in kept]).argmin(dim=0)
    scores = torch.stack([losses[score] for _, losses in kept])
    return steps[picked], scores[picked, torch.arange(scores.shape[1])]
