"""Byte pair encoding (BPE) from scratch: train it, and load GPT-2's (section 2.5).

One idea per module:

- :mod:`~helpers.bpe.pretokenize`: cut text into chunks that merges never cross;
- :mod:`~helpers.bpe.training`: learn the merges (plain and fast trainer);
- :mod:`~helpers.bpe.merge_queue`: encode one chunk, lowest-rank merge first;
- :mod:`~helpers.bpe.tokenizer`: :class:`BPETokenizer` (encode, decode, save, load);
- :mod:`~helpers.bpe.gpt2`: GPT-2's ``encoder.json``/``vocab.bpe`` files.

>>> BPETokenizer().train("aaabdaaabac", vocab_size=259).encode("aaabdaaabac")
[258, 100, 258, 97, 99]
"""

from helpers.bpe.gpt2 import gpt2_bytes_to_unicode
from helpers.bpe.pretokenize import GPT2_PATTERN
from helpers.bpe.tokenizer import ENDOFTEXT, FORMAT, VERSION, BPETokenizer
from helpers.bpe.training import train_merges_fast, train_merges_plain

__all__ = [
    "ENDOFTEXT",
    "FORMAT",
    "GPT2_PATTERN",
    "VERSION",
    "BPETokenizer",
    "gpt2_bytes_to_unicode",
    "train_merges_fast",
    "train_merges_plain",
]
