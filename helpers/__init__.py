"""Reusable components of the notebooks: one home for each, imported by all.

Each notebook builds a component step by step, then switches to the version
here (``helpers.<name>??`` in Jupyter shows its source).
"""

from helpers.attention import (
    CausalAttention,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    SelfAttention_v1,
    SelfAttention_v2,
    causal_mask,
    self_attention,
)
from helpers.bpe import BPETokenizer
from helpers.data import data_file, gpt2_encoding, load_text, seed_tiktoken_cache
from helpers.dataset import GPTDatasetV1, create_dataloader_v1
from helpers.embeddings import GPTEmbedding
from helpers.tokenizers import SimpleTokenizerV1, SimpleTokenizerV2, UnknownTokenError, build_vocab, split_text

__all__ = [
    "BPETokenizer",
    "CausalAttention",
    "GPTDatasetV1",
    "GPTEmbedding",
    "MultiHeadAttention",
    "MultiHeadAttentionWrapper",
    "SelfAttention_v1",
    "SelfAttention_v2",
    "SimpleTokenizerV1",
    "SimpleTokenizerV2",
    "UnknownTokenError",
    "build_vocab",
    "causal_mask",
    "create_dataloader_v1",
    "data_file",
    "gpt2_encoding",
    "load_text",
    "seed_tiktoken_cache",
    "self_attention",
    "split_text",
]
