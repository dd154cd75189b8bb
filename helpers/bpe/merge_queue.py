"""Encoding one chunk: apply the learned merges, lowest rank first, in O(n log n).

The algorithm (tiktoken's rule): start from the chunk's bytes; among all
adjacent pairs of parts whose joined bytes are a token, merge the one with the
lowest rank (the earliest learned token), the leftmost on a tie; repeat until
no adjacent pair is a token. The ids are the ranks of the final parts.

Rescanning all pairs after every merge costs O(n^2) for a chunk of n bytes.
Here the parts form a linked list (``prev``/``next`` indices) and the candidate
pairs sit in a heap keyed by ``(rank, position)`` (packed into one int). A merge changes only the
pairs next to it, so it pushes at most two new candidates; entries made stale
by earlier merges are recognised when popped (the pair at that position no
longer joins to a token of that rank) and skipped: lazy invalidation. Each
byte causes O(1) pushes, each costing O(log n).

Short chunks (most chunks of ordinary text) use the plain rescan, which is
faster below a few dozen bytes; both give the same ids.

>>> ranks = {bytes([b]): b for b in range(256)} | {b"aa": 256, b"ab": 257, b"aaab": 258}
>>> encode_chunk(b"aaabdaaabac", ranks)
[258, 100, 258, 97, 99]
>>> long = b"aaabdaaabac" * 20
>>> _merge_queue(long, ranks) == _rescan(long, ranks) == [258, 100, 258, 97, 99] * 20
True
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from itertools import pairwise

_BYTES = [bytes([b]) for b in range(256)]
_NO_RANK = 1 << 62  # larger than any token id: "this pair is not a token"
_SHORT = 48  # bytes; below this the rescan is faster than the heap's bookkeeping


def _rescan(data: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """The plain rule: rank every adjacent pair, merge the lowest (leftmost), repeat.

    After a merge only the two pairs touching it get new ranks; the rest are kept.
    """
    get = ranks.get
    parts = [_BYTES[b] for b in data]
    pair_ranks = [get(a + b, _NO_RANK) for a, b in pairwise(parts)]
    while pair_ranks:
        best = min(pair_ranks)
        if best == _NO_RANK:
            break
        i = pair_ranks.index(best)
        merged = parts[i] + parts[i + 1]
        parts[i] = merged
        del parts[i + 1], pair_ranks[i]
        if i < len(pair_ranks):
            pair_ranks[i] = get(merged + parts[i + 1], _NO_RANK)
        if i > 0:
            pair_ranks[i - 1] = get(parts[i - 1] + merged, _NO_RANK)
    return [ranks[p] for p in parts]


def _merge_queue(data: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """The same rule with a linked list of parts and a heap of candidate pairs."""
    n = len(data)
    parts: list[bytes | None] = [_BYTES[b] for b in data]
    nxt = list(range(1, n + 1))  # n means "no right neighbour"
    prv = list(range(-1, n - 1))  # -1 means "no left neighbour"
    get = ranks.get
    # One int per entry, rank * n + position: ints compare faster than tuples, same order.
    heap = [r * n + i for i in range(n - 1) if (r := get(parts[i] + parts[i + 1])) is not None]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        rank, i = divmod(pop(heap), n)
        left = parts[i]
        j = nxt[i]
        if left is None or j == n:
            continue  # stale: part i was merged into its left neighbour, or lost its right one
        merged = left + parts[j]
        if get(merged) != rank:
            continue  # stale: the pair at i changed since this entry was pushed
        parts[i] = merged
        parts[j] = None
        k = nxt[j]
        nxt[i] = k
        if k != n:
            prv[k] = i
            if (r := get(merged + parts[k])) is not None:
                push(heap, r * n + i)
        p = prv[i]
        if p >= 0 and (r := get(parts[p] + merged)) is not None:
            push(heap, r * n + p)
    return [ranks[part] for part in parts if part is not None]


def encode_chunk(data: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """The ids of one chunk's bytes under ``ranks`` (token bytes -> id), as tiktoken gives them."""
    whole = ranks.get(data)
    if whole is not None:  # tiktoken's shortcut: a chunk that is a token stays whole
        return [whole]
    if len(data) < _SHORT:
        return _rescan(data, ranks)
    return _merge_queue(data, ranks)
