"""03.1's recall task: a GRU encoder read through its last hidden state (one vector) or through attention.

A model sees a random sequence of token ids and a position ``k``, and must name
the token at ``k``. The encoder is a GRU over token plus position embeddings.
The *bottleneck* model answers from the GRU's last hidden state only, the
*attention* model from a softmax-weighted average of every hidden state (its
weights: dot products between an embedding of ``k`` and each state). Either
way the answer is read from ``[summary, question]`` by a readout: linear
(``readout_units=0``) or one ReLU layer.

:class:`RecallModel` holds ``seeds`` such models side by side
(``helpers.experiments.ensemble``): every output has the seed axis first.

>>> acc = recall_accuracy(seq_len=4, attend=True, hidden=8, steps=5, seeds=2, test_size=50)
>>> acc.shape  # one test accuracy per seed
torch.Size([2])
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.checks import int_in_range, positive_int, require_bool, require_int
from helpers.experiments.ensemble import SeedLinear

__all__ = [
    "VOCAB_SIZE",
    "RecallModel",
    "SeedGRU",
    "mode_guess",
    "recall_accuracy",
    "recall_by_position",
    "recall_batch",
    "spread",
    "weight_on_asked",
]

VOCAB_SIZE = 10  # token ids 0..9


def recall_batch(seq_len: int, n: int, generator: torch.Generator):
    """``n`` random sequences ``(n, seq_len)``, a random position in each ``(n,)``, and the token found there.

    >>> seqs, positions, answers = recall_batch(5, 2, torch.Generator().manual_seed(0))
    >>> bool((seqs[torch.arange(2), positions] == answers).all())
    True
    """
    seqs = torch.randint(0, VOCAB_SIZE, (n, seq_len), generator=generator)
    positions = torch.randint(0, seq_len, (n,), generator=generator)
    return seqs, positions, seqs[torch.arange(n), positions]


class SeedGRU(nn.Module):
    """``seeds`` independent one-layer GRUs (``nn.GRU``'s equations and initialisation) run as one:
    inputs ``(seeds, batch, T, d_in)`` to hidden states ``(seeds, batch, T, hidden)``.

    Each seed's weights sit on a leading axis, so one batched matrix product per step serves every seed.

    >>> SeedGRU(3, 4, 5)(torch.zeros(3, 2, 7, 4)).shape
    torch.Size([3, 2, 7, 5])
    """

    def __init__(self, seeds: int, d_in: int, hidden: int):
        super().__init__()
        seeds, d_in, hidden = positive_int(seeds, "seeds"), positive_int(d_in, "d_in"), positive_int(hidden, "hidden")
        bound = hidden**-0.5

        def uniform(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

        # the gates (reset, update, new) side by side, as nn.GRU stacks them
        self.w_ih, self.w_hh = uniform(seeds, d_in, 3 * hidden), uniform(seeds, hidden, 3 * hidden)
        self.b_ih, self.b_hh = uniform(seeds, 1, 3 * hidden), uniform(seeds, 1, 3 * hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seeds, batch, steps, _ = x.shape
        from_input = (x.flatten(1, 2) @ self.w_ih + self.b_ih).view(seeds, batch, steps, -1)
        h = x.new_zeros(seeds, batch, self.w_hh.shape[1])
        states = []
        for t in range(steps):
            i_r, i_z, i_n = from_input[:, :, t].chunk(3, dim=-1)
            h_r, h_z, h_n = torch.baddbmm(self.b_hh, h, self.w_hh).chunk(3, dim=-1)
            reset, update = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            new = torch.tanh(i_n + reset * h_n)
            h = new + update * (h - new)  # (1 - update) * new + update * h
            states.append(h)
        return torch.stack(states, dim=2)


class RecallModel(nn.Module):
    """``seeds`` recall models of state size ``hidden``: ids ``(batch, seq_len)``, positions ``(batch,)`` to
    logits ``(seeds, batch, VOCAB_SIZE)``, hidden states ``(seeds, batch, seq_len, hidden)`` and the question
    ``(seeds, batch, embed)``.

    Token and position embeddings have ``embed`` features (``hidden`` unless given), so a larger state can be
    tried with the inputs unchanged; attention needs ``embed == hidden`` (it scores states against the question).

    >>> model = RecallModel(6, attend=False, hidden=4, seeds=3)
    >>> [tuple(t.shape) for t in model(torch.zeros(2, 6, dtype=torch.long), torch.zeros(2, dtype=torch.long))]
    [(3, 2, 10), (3, 2, 6, 4), (3, 2, 4)]
    """

    def __init__(
        self,
        seq_len: int,
        attend: bool,
        hidden: int = 16,
        readout_units: int = 64,
        seeds: int = 5,
        embed: int | None = None,
    ):
        super().__init__()
        seq_len, hidden = positive_int(seq_len, "seq_len"), positive_int(hidden, "hidden")
        embed = hidden if embed is None else positive_int(embed, "embed")
        self.seeds = positive_int(seeds, "seeds")
        self.attend = require_bool(attend, "attend")
        if self.attend and embed != hidden:
            raise ValueError(f"embed must equal hidden ({hidden}) for attention, got {embed}: leave embed out")
        self.tok_emb = nn.Parameter(torch.randn(seeds, VOCAB_SIZE, embed))  # as nn.Embedding draws them
        self.pos_emb = nn.Parameter(torch.randn(seeds, seq_len, embed))
        self.encoder = SeedGRU(seeds, embed, hidden)
        readout_units = require_int(readout_units, "readout_units")
        if readout_units <= 0:
            self.answer = SeedLinear(seeds, hidden + embed, VOCAB_SIZE)
        else:
            self.answer = nn.Sequential(
                SeedLinear(seeds, hidden + embed, readout_units),
                nn.ReLU(),
                SeedLinear(seeds, readout_units, VOCAB_SIZE),
            )

    def weights(self, states: torch.Tensor, question: torch.Tensor) -> torch.Tensor:
        """Attention weights of the question over every hidden state: ``(seeds, batch, seq_len)``."""
        return torch.softmax((states @ question.unsqueeze(-1)).squeeze(-1), dim=-1)

    def forward(self, seqs: torch.Tensor, positions: torch.Tensor):
        seed = torch.arange(self.seeds)[:, None, None]
        states = self.encoder(self.tok_emb[seed, seqs] + self.pos_emb[:, None, : seqs.shape[1]])
        question = self.pos_emb[:, positions]  # (seeds, batch, embed): "which token at k?"
        if self.attend:
            summary = (self.weights(states, question).unsqueeze(-1) * states).sum(dim=2)
        else:
            summary = states[:, :, -1]  # the final hidden state: one vector for the whole sequence
        return self.answer(torch.cat([summary, question], dim=-1)), states, question


def recall_accuracy(
    seq_len: int,
    attend: bool,
    hidden: int = 16,
    steps: int = 120,
    readout_units: int = 64,
    seeds: int = 5,
    test_size: int = 2000,
    checkpoints: tuple[int, ...] = (),
    return_model: bool = False,
    embed: int | None = None,
):
    """Train ``seeds`` models (Adam, lr 0.03, 64 sequences a step) ``steps`` times; each one's test accuracy.

    The seeds are initialisations drawn after ``torch.manual_seed(0)``, fed one data stream; the test set is
    ``test_size`` held-out sequences; ``embed`` is as in :class:`RecallModel`. ``checkpoints`` lists earlier
    steps to test at as well: the result is then ``(len(checkpoints) + 1, seeds)``, one row per checkpoint, then
    ``steps``. With ``return_model`` the trained model comes back too.

    >>> recall_accuracy(4, attend=False, hidden=4, steps=2, seeds=2, test_size=20).shape
    torch.Size([2])
    >>> recall_accuracy(4, attend=False, hidden=4, steps=2, seeds=2, test_size=20, checkpoints=(1,)).shape
    torch.Size([2, 2])
    """
    steps, test_size = positive_int(steps, "steps"), positive_int(test_size, "test_size")
    checkpoints = [int_in_range(step, "checkpoints", 1, steps) for step in checkpoints]
    torch.manual_seed(0)
    model = RecallModel(seq_len, attend, hidden, readout_units, seeds, embed)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    data = torch.Generator().manual_seed(1)
    test = recall_batch(seq_len, test_size, _test_generator())
    tested = []
    for step in range(1, steps + 1):
        seqs, positions, answers = recall_batch(seq_len, 64, data)
        logits = model(seqs, positions)[0].transpose(1, 2)  # (seeds, VOCAB_SIZE, batch)
        # the sum of the seeds' mean losses: each seed's weights get only their own loss's gradient
        loss = seeds * nn.functional.cross_entropy(logits, answers.expand(seeds, -1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step in checkpoints or step == steps:
            with torch.no_grad():
                tested.append((model(*test[:2])[0].argmax(dim=-1) == test[2]).float().mean(dim=-1))
    accuracy = torch.stack(tested) if checkpoints else tested[0]
    return (model, accuracy) if return_model else accuracy


def _test_generator() -> torch.Generator:
    return torch.Generator().manual_seed(2)


def recall_by_position(model: RecallModel, test_size: int = 2000) -> torch.Tensor:
    """Test recall grouped by the position ``k`` each question asks about: ``(seeds, seq_len)``.

    >>> model = RecallModel(4, attend=False, hidden=4, seeds=2)
    >>> recall_by_position(model, test_size=40).shape
    torch.Size([2, 4])
    """
    seq_len = model.pos_emb.shape[1]
    seqs, positions, answers = recall_batch(seq_len, positive_int(test_size, "test_size"), _test_generator())
    with torch.no_grad():
        right = (model(seqs, positions)[0].argmax(dim=-1) == answers).float()  # (seeds, test_size)
    return torch.stack([right[:, positions == k].mean(dim=-1) for k in range(seq_len)], dim=1)


def weight_on_asked(model: RecallModel, test_size: int = 2000) -> torch.Tensor:
    """Mean attention weight on the position asked about, over the test set: one value per seed ``(seeds,)``.

    >>> model = RecallModel(4, attend=True, hidden=4, seeds=2)
    >>> bool(((weight_on_asked(model, test_size=10) > 0) & (weight_on_asked(model, test_size=10) < 1)).all())
    True
    """
    if not model.attend:
        raise ValueError("model must be an attention model (attend=True): the one-vector model has no weights")
    seqs, positions, _ = recall_batch(model.pos_emb.shape[1], positive_int(test_size, "test_size"), _test_generator())
    with torch.no_grad():
        _, states, question = model(seqs, positions)
        return model.weights(states, question)[:, torch.arange(len(positions)), positions].mean(dim=-1)


def mode_guess(seq_len: int, test_size: int = 2000) -> float:
    """Accuracy on the test set of a guess that ignores ``k``: the most frequent token of each sequence.

    >>> 0.0 < mode_guess(4, 100) < 1.0
    True
    """
    seqs, _, answers = recall_batch(seq_len, positive_int(test_size, "test_size"), _test_generator())
    return (seqs.mode(dim=-1).values == answers).float().mean().item()


def spread(accuracy: torch.Tensor) -> str:
    """``min / median / max`` over the seeds, two decimals.

    >>> spread(torch.tensor([0.1, 0.5, 0.2]))
    '0.10 / 0.20 / 0.50'
    """
    return f"{accuracy.min():.2f} / {accuracy.median():.2f} / {accuracy.max():.2f}"
