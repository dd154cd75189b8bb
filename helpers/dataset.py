"""Next-token training windows over a token sequence (section 2.6).

An LLM learns to predict the next token. From token ids ``t`` we cut windows
of ``max_length`` ids; the input is ``t[i : i + max_length]`` and the target is
the same window shifted by one, ``t[i + 1 : i + max_length + 1]``. Window starts
are ``0, stride, 2 * stride, ...`` for every ``i < len(t) - max_length`` (the
book's ``range(0, len(t) - max_length, stride)``), so a stride smaller than
``max_length`` makes windows overlap.

Memory: the book stores one tensor per window, which for ``stride=1`` holds
every token ``2 * max_length`` times. :class:`GPTDatasetV1` keeps the token
ids once, as a single tensor, and slices each window from it on demand: the
slices are views, so memory stays proportional to the number of tokens for
any stride, and the batches are identical.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from helpers.checks import (
    int_in_range,
    positive_int,
    require_bool,
    require_int,
    require_str,
    require_tokenizer,
    token_ids,
)


class Tokenizer(Protocol):
    """Anything with tiktoken's ``encode(text, allowed_special=...)``."""

    def encode(self, text: str, *, allowed_special: set[str] | str = ...) -> list[int]: ...


def _takes_allowed_special(encode: object) -> bool:
    """Whether ``encode`` accepts ``allowed_special`` (tiktoken and BPETokenizer do; the simple tokenizers do not)."""
    try:
        parameters = inspect.signature(encode).parameters
    except (TypeError, ValueError):  # a builtin without a signature: assume tiktoken's interface
        return True
    return "allowed_special" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def encode_to_tensor(text: str, tokenizer: Tokenizer) -> torch.Tensor:
    """Token ids of ``text`` as one int64 tensor, ``<|endoftext|>`` allowed where the tokenizer has it.

    With tiktoken the ids go straight into a NumPy array, never through a
    Python list (which would cost ~36 bytes per token instead of 8). A
    tokenizer whose ``encode`` takes only the text (``SimpleTokenizerV2``) is
    called with the text alone. What ``encode`` returns must be an ordered
    sequence of ints >= 0 (a list, tuple, generator, or 1-d integer array or
    tensor); anything else (floats, bools, strs, nested lists, a set, negative
    ids) is a ``TypeError`` or ``ValueError`` naming ``tokenizer.encode``, not
    silently rounded.

    >>> class Floats:
    ...     def encode(self, text):
    ...         return [1.5]
    >>> encode_to_tensor("Hello", Floats())
    Traceback (most recent call last):
    ...
    TypeError: the ids of tokenizer.encode (Floats.encode) must be ints, got 1.5 (float) at position 0; ...
    """
    require_tokenizer(tokenizer)
    if hasattr(tokenizer, "encode_to_numpy"):
        ids = tokenizer.encode_to_numpy(text, allowed_special={"<|endoftext|>"})
    elif _takes_allowed_special(tokenizer.encode):
        ids = tokenizer.encode(text, allowed_special={"<|endoftext|>"})
    else:
        ids = tokenizer.encode(text)
    return _ids_tensor(ids, f"tokenizer.encode ({type(tokenizer).__name__}.encode)")


FIX = (
    "a tokenizer's encode must return the text's token ids, a list of ints >= 0, "
    'as tiktoken.get_encoding("gpt2") does'
)


def _ids_tensor(ids: object, source: str) -> torch.Tensor:
    """``ids`` returned by ``source`` as an int64 tensor; what is not token ids is an error naming ``source``."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu" and ids.ndim == 1:  # tiktoken's encode_to_numpy
        if ids.dtype.kind == "u" and ids.size and ids.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{source} returned an id of {int(ids.max()).bit_length()} bits; {FIX}")
        array = ids.astype(np.int64)
    else:
        if isinstance(ids, str | bytes | bytearray | AbstractSet | Mapping):
            raise TypeError(f"{source} returned a {type(ids).__name__}, not a sequence of token ids; {FIX}")
        if getattr(ids, "ndim", 1) > 1 and hasattr(ids, "shape"):
            raise ValueError(f"{source} returned ids of shape {tuple(ids.shape)}, not one sequence; {FIX}")
        if type(ids) is not list or not set(map(type, ids)) <= {int}:  # one quick pass finds any non-int
            try:
                ids = token_ids(ids, f"the ids of {source}")
            except (TypeError, ValueError) as err:
                raise type(err)(f"{err}; {FIX}") from None
        try:
            array = np.array(ids, dtype=np.int64)
        except OverflowError:
            raise ValueError(f"{source} returned an id of {max(map(abs, ids)).bit_length()} bits; {FIX}") from None
    unsigned = isinstance(ids, np.ndarray) and ids.dtype.kind == "u"  # tiktoken's ids: no check, no extra memory
    if not unsigned and array.size and array.min() < 0:
        position = int(np.argmax(array < 0))
        raise ValueError(f"{source} returned the negative id {array[position]} at position {position}; {FIX}")
    return torch.from_numpy(array)


class GPTDatasetV1(Dataset):
    """Input/target windows of ``max_length`` token ids, ``stride`` apart.

    >>> import tiktoken
    >>> ds = GPTDatasetV1("one two three four five six", tiktoken.get_encoding("gpt2"), 3, 2)
    >>> len(ds), ds[0][0].tolist(), ds[0][1].tolist()
    (2, [505, 734, 1115], [734, 1115, 1440])
    """

    def __init__(self, txt: str, tokenizer: Tokenizer, max_length: int, stride: int):
        require_str(txt, "txt")
        self.max_length = positive_int(max_length, "max_length", " (the number of tokens in one window)")
        self.stride = positive_int(stride, "stride", " (the step between window starts; 1 moves one token at a time)")
        self.token_ids = encode_to_tensor(txt, tokenizer)
        n = len(self.token_ids)
        if n <= max_length:
            raise ValueError(
                f"the text has {n} tokens, but one window needs max_length + 1 = {max_length + 1} "
                f"(max_length inputs plus the next token as the last target); "
                f"use a longer text or a smaller max_length"
            )
        self._num_windows = len(range(0, n - max_length, stride))

    def __len__(self) -> int:
        return self._num_windows

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not -self._num_windows <= require_int(idx, "idx") < self._num_windows:
            raise IndexError(f"window {idx} out of range for a dataset of {self._num_windows} windows")
        start = (idx % self._num_windows) * self.stride
        window = self.token_ids[start : start + self.max_length + 1]
        return window[:-1], window[1:]


def create_dataloader_v1(
    txt: str,
    batch_size: int = 4,
    max_length: int = 256,
    stride: int = 128,
    shuffle: bool = True,
    drop_last: bool = True,
    num_workers: int = 0,
) -> DataLoader:
    """A ``DataLoader`` of GPT-2-token windows of ``txt`` (the book's signature).

    >>> loader = create_dataloader_v1("one two three four five six", batch_size=2,
    ...                               max_length=2, stride=2, shuffle=False)
    >>> next(iter(loader))[0].tolist()
    [[505, 734], [1115, 1440]]
    """
    from helpers.data import gpt2_encoding

    require_str(txt, "txt")
    positive_int(batch_size, "batch_size")
    int_in_range(num_workers, "num_workers", 0)
    require_bool(shuffle, "shuffle")
    require_bool(drop_last, "drop_last")
    dataset = GPTDatasetV1(txt, gpt2_encoding(), max_length, stride)
    if drop_last and len(dataset) < batch_size:
        raise ValueError(
            f"the text gives {len(dataset)} windows, fewer than batch_size={batch_size}, "
            "so drop_last=True would leave no batch at all; use a smaller batch_size, "
            "a smaller stride, or drop_last=False"
        )
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        num_workers=num_workers,
    )
