"""Training BPE: learn merges from text (section 2.5).

The algorithm: pre-tokenize the text into chunks (merges never cross a chunk
border) and start from each chunk's UTF-8 bytes, so ids 0..255 are the bytes.
Then repeat: count every adjacent pair of ids, make the most frequent pair the
new token ``256 + i``, replace it everywhere. Ties between pairs of equal count
go to the smallest pair of ids, ``min((-count, pair))``.

:func:`train_merges_plain` does exactly that (a full recount per merge) and is
the yardstick. :func:`train_merges_fast` learns the same merges much faster:
it counts each distinct chunk once (weighted by how often it occurs), updates
the pair counts only next to each occurrence of the merged pair (found through
an index from pair to chunks), and takes the next pair from a heap whose stale
entries are skipped when popped (lazy invalidation).

>>> train_merges_fast({"aaabdaaabac": 1}, 3)
[(97, 97), (97, 98), (256, 257)]
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping
from itertools import chain, pairwise

from helpers.bpe.pretokenize import GPT2_PATTERN, compile_pattern, utf8_safe
from helpers.checks import int_in_range, positive_int, require_bool, require_mapping, require_str


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace each occurrence of ``pair`` in ``ids``, left to right, by ``new_id``."""
    a, b = pair
    if a not in ids:
        return ids
    out = []
    i, n = 0, len(ids)
    while i < n:
        if i < n - 1 and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _merge_counting(
    ids: list[int],
    pair: tuple[int, int],
    new_id: int,
    freq: int,
    delta: dict[tuple[int, int], int],
    appeared: set[tuple[int, int]],
) -> list[int]:
    """:func:`_merge`, also adding to ``delta`` how each pair count changes.

    Only the neighbours of each merged occurrence change: ``x a b y`` loses
    the pairs ``(x, a)``, ``(a, b)``, ``(b, y)`` and gains ``(x, new)`` and
    ``(new, y)``, each ``freq`` times. Two occurrences in a row (``a b a b``)
    share a neighbour, which then becomes the pair ``(new, new)``. Pairs that
    are new to this chunk go into ``appeared``.
    """
    a, b = pair
    n = len(ids)
    out: list[int] = []
    copied = pos = 0
    last_end = -1
    while True:
        try:
            i = ids.index(a, pos)
        except ValueError:
            break
        if i + 1 >= n:
            break
        if ids[i + 1] != b:
            pos = i + 1
            continue
        out.extend(ids[copied:i])
        delta[pair] = delta.get(pair, 0) - freq
        if i > 0:
            if last_end == i:  # the left neighbour is the previous merge; its right side skipped this pair
                left = (new_id, new_id)
            else:
                old_left = (ids[i - 1], a)
                delta[old_left] = delta.get(old_left, 0) - freq
                left = (ids[i - 1], new_id)
            delta[left] = delta.get(left, 0) + freq
            appeared.add(left)
        if i + 2 < n:
            old_right = (b, ids[i + 2])
            delta[old_right] = delta.get(old_right, 0) - freq
            if not (ids[i + 2] == a and i + 3 < n and ids[i + 3] == b):
                right = (new_id, ids[i + 2])
                delta[right] = delta.get(right, 0) + freq
                appeared.add(right)
        out.append(new_id)
        copied = pos = last_end = i + 2
    out.extend(ids[copied:])
    return out


def train_merges_plain(text: str, num_merges: int, pattern: str = GPT2_PATTERN) -> list[tuple[int, int]]:
    """The plain BPE trainer, kept as the yardstick for the fast one.

    Every step counts all adjacent pairs in all chunks, merges the most
    frequent one everywhere (ties: the smallest pair of ids) and repeats.
    The ``i``-th merge creates token ``256 + i``.

    >>> [(bytes([a]), bytes([b])) for a, b in train_merges_plain("aaabdaaabac", 1)]
    [(b'a', b'a')]
    """
    text = utf8_safe(require_str(text))  # lone surrogates become U+FFFD, as when encoding
    int_in_range(num_merges, "num_merges", 0)
    chunks = [list(chunk.encode("utf-8")) for chunk in compile_pattern(pattern).findall(text)]
    merges: list[tuple[int, int]] = []
    for new_id in range(256, 256 + num_merges):
        counts = Counter(chain.from_iterable(pairwise(ids) for ids in chunks))
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        chunks = [_merge(ids, pair, new_id) for ids in chunks]
        merges.append(pair)
    return merges


def train_merges_fast(
    chunk_counts: Mapping[str, int], num_merges: int, progress: bool = False
) -> list[tuple[int, int]]:
    """The merges of :func:`train_merges_plain`, from the counts of distinct chunks and incremental pair counts.

    ``chunk_counts`` maps each chunk (a str) to how often it occurs (an int > 0);
    lone surrogates in a chunk become U+FFFD, as when encoding.
    """
    int_in_range(num_merges, "num_merges", 0)
    require_bool(progress, "progress")
    words: list[list[int]] = []
    freqs: list[int] = []
    for chunk, freq in require_mapping(chunk_counts, "chunk_counts").items():
        if not isinstance(chunk, str):
            kind = type(chunk).__name__
            raise TypeError(f"chunk_counts must map str chunks to counts, got the {kind} key {chunk!r:.60}")
        words.append(list(utf8_safe(chunk).encode("utf-8")))
        freqs.append(freq if type(freq) is int and freq > 0 else positive_int(freq, f"chunk_counts[{chunk!r}]"))
    counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], set[int]] = {}
    for i, (ids, freq) in enumerate(zip(words, freqs, strict=True)):
        for pair in pairwise(ids):
            counts[pair] = counts.get(pair, 0) + freq
            where.setdefault(pair, set()).add(i)
    heap = [(-count, pair) for pair, count in counts.items()]
    heapq.heapify(heap)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=num_merges, desc="merges")
    merges: list[tuple[int, int]] = []
    for new_id in range(256, 256 + num_merges):
        # The heap holds stale entries; the valid one for a pair matches its count.
        while heap and counts.get(heap[0][1]) != -heap[0][0]:
            heapq.heappop(heap)
        if not heap:
            break
        _, pair = heapq.heappop(heap)
        merges.append(pair)
        delta: dict[tuple[int, int], int] = {}
        for i in where.pop(pair):
            appeared: set[tuple[int, int]] = set()
            words[i] = _merge_counting(words[i], pair, new_id, freqs[i], delta, appeared)
            for p in appeared:
                where.setdefault(p, set()).add(i)
        for p, change in delta.items():
            if change:
                count = counts.get(p, 0) + change
                if count > 0:
                    counts[p] = count
                    heapq.heappush(heap, (-count, p))
                else:
                    counts.pop(p, None)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return merges
