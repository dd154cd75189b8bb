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

from helpers.checks import positive_int


class GPTEmbedding(nn.Module):
    """``token_emb(ids) + pos_emb(positions)``, as GPT-2's input layer.

    The token table is created before the position table, as in the book, so
    seeded weights match its numbers.

    >>> torch.manual_seed(123)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> emb = GPTEmbedding(vocab_size=50257, emb_dim=256, context_length=4)
    >>> emb(torch.zeros(8, 4, dtype=torch.long)).shape
    torch.Size([8, 4, 256])
    """

    def __init__(self, vocab_size: int, emb_dim: int, context_length: int):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("emb_dim", emb_dim), ("context_length", context_length)):
            positive_int(value, name)
        self.vocab_size = vocab_size
        self.context_length = context_length
        self.token_emb = nn.Embedding(vocab_size, emb_dim)
        self.pos_emb = nn.Embedding(context_length, emb_dim)

    def forward(self, token_ids: torch.Tensor) -> torch.Tensor:
        """Embed a ``(batch, num_tokens)`` tensor of ids into ``(batch, num_tokens, emb_dim)``."""
        if not isinstance(token_ids, torch.Tensor) or token_ids.dtype not in (torch.long, torch.int):
            raise TypeError("token_ids must be an integer tensor of token ids (torch.long)")
        if token_ids.dim() != 2:
            raise ValueError(
                f"token_ids must have shape (batch, num_tokens), got {tuple(token_ids.shape)}; "
                "for a single sequence use token_ids.unsqueeze(0)"
            )
        num_tokens = token_ids.shape[1]
        if num_tokens > self.context_length:
            raise ValueError(
                f"the input has {num_tokens} tokens but context_length is {self.context_length}: "
                "there is no position embedding beyond that; truncate the input or build the "
                "layer with a larger context_length"
            )
        if token_ids.numel() and (token_ids.min() < 0 or token_ids.max() >= self.vocab_size):
            raise ValueError(
                f"token ids must lie in 0 .. {self.vocab_size - 1} (vocab_size={self.vocab_size}), "
                f"got values from {int(token_ids.min())} to {int(token_ids.max())}"
            )
        positions = torch.arange(num_tokens, device=token_ids.device)
        return self.token_emb(token_ids) + self.pos_emb(positions)
