"""Token embeddings plus absolute positional embeddings (sections 2.7 and 2.8).

An embedding layer is a lookup table: row ``i`` of its weight matrix is the
vector of token id ``i`` (the same as multiplying a one-hot vector by the
matrix, without building the one-hot vector). Attention without a mask, which
comes next, is blind to the order of its inputs (a causal mask sees only which
tokens came before, not their order), so GPT-2 adds a second learned table indexed
by *position* ``0 .. context_length - 1``; the sum carries both what a token is
and where it stands.
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.checks import int_in_range


class GPTEmbedding(nn.Module):
    """``token_emb(ids) + pos_emb(positions)``, as GPT-2's input layer.

    The token table is created before the position table, as in the book, so
    seeded weights match its numbers.

    >>> torch.manual_seed(123)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> emb = GPTEmbedding(vocab_size=50257, emb_dim=256, context_length=4)
    >>> emb(torch.zeros(8, 4, dtype=torch.long)).shape
    torch.Size([8, 4, 256])

    A good batch pays for no check: only when the lookup fails is the input
    examined, to say what is wrong (float ids, a missing batch dimension, too
    many tokens, ids outside the vocabulary).

    >>> emb(torch.tensor([[1.0, 2.0]]))
    Traceback (most recent call last):
    ...
    TypeError: token_ids must be an integer tensor of token ids, got dtype torch.float32; convert them with .long()
    """

    def __init__(self, vocab_size: int, emb_dim: int, context_length: int):
        super().__init__()
        # Sizes are positive and fit torch's int64 (a larger one would fail deep inside nn.Embedding).
        self.vocab_size = int_in_range(vocab_size, "vocab_size", 1, 2**63)
        self.context_length = int_in_range(context_length, "context_length", 1, 2**63)
        self.token_emb = nn.Embedding(vocab_size, int_in_range(emb_dim, "emb_dim", 1, 2**63))
        self.pos_emb = nn.Embedding(context_length, emb_dim)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        """Embed a ``(batch, num_tokens)`` tensor of ids into ``(batch, num_tokens, emb_dim)``."""
        try:
            positions = torch.arange(token_ids.shape[1], device=token_ids.device)
            return self.token_emb(token_ids) + self.pos_emb(positions)
        except (AttributeError, IndexError, RuntimeError):
            problem = self._problem(token_ids)
            if problem is None:  # the input is fine: the failure is something else
                raise
            raise problem from None

    def _problem(self, token_ids: object) -> Exception | None:
        """What is wrong with ``token_ids`` (looked for only after the lookup failed), or None."""
        if not isinstance(token_ids, torch.Tensor) or token_ids.dtype not in (torch.long, torch.int):
            got = f"dtype {token_ids.dtype}" if isinstance(token_ids, torch.Tensor) else type(token_ids).__name__
            return TypeError(f"token_ids must be an integer tensor of token ids, got {got}; convert them with .long()")
        if token_ids.dim() != 2:
            return ValueError(
                f"token_ids must have shape (batch, num_tokens), got {tuple(token_ids.shape)}; "
                "for a single sequence use token_ids.unsqueeze(0)"
            )
        if token_ids.shape[1] > self.context_length:
            return ValueError(
                f"the input has {token_ids.shape[1]} tokens but context_length is {self.context_length}: "
                "there is no position embedding beyond that; truncate the input or build the "
                "layer with a larger context_length"
            )
        low, high = int(token_ids.min()), int(token_ids.max())
        if low < 0 or high >= self.vocab_size:
            return ValueError(
                f"token ids must lie in 0 .. {self.vocab_size - 1} (vocab_size={self.vocab_size}), "
                f"got values from {low} to {high}"
            )
        return None
