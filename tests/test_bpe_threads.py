"""BPETokenizer's chunk cache: one tokenizer shared by many threads, and a cache that stays bounded."""

from __future__ import annotations

import random
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.bpe import BPETokenizer
from helpers.bpe import tokenizer as tokenizer_module
from helpers.data import load_text


@pytest.fixture
def fast_switching():
    """Switch threads every microsecond, so that they interleave inside encode."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def documents(n: int, seed: int = 0) -> list[str]:
    text = load_text("the-verdict.txt")
    rng = random.Random(seed)
    words = text.split()
    # Fresh made-up words keep adding new chunks, so a small cache overflows all the time.
    return [
        " ".join(rng.choice(words) + rng.choice(["", "x", "qz", str(rng.randrange(10**6))]) for _ in range(200))
        for _ in range(n)
    ]


def test_shared_tokenizer_gives_the_same_ids_from_many_threads(monkeypatch, fast_switching):
    tok = BPETokenizer().train(load_text("the-verdict.txt"), 400)
    docs = documents(64)
    expected = [BPETokenizer().train(load_text("the-verdict.txt"), 400).encode(d) for d in docs]
    monkeypatch.setattr(tokenizer_module, "CACHE_LIMIT", 50)  # cleared many times within each call
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            results = list(pool.map(tok.encode, docs))
            assert results == expected
            assert list(pool.map(tok.decode, results)) == docs


@pytest.fixture
def merge_runs(monkeypatch) -> list[bytes]:
    """The chunks whose merges are run (the ones the cache does not hold)."""
    runs: list[bytes] = []

    def counting(data, ranks):
        runs.append(data)
        return encode_chunk(data, ranks)

    encode_chunk = tokenizer_module.encode_chunk
    monkeypatch.setattr(tokenizer_module, "encode_chunk", counting)
    return runs


def distinct_words(n: int) -> str:
    """`` aa ab ac ...``: ``n`` distinct chunks of 3 bytes (an untrained tokenizer has no token for any)."""
    return "".join(f" {chr(97 + k // 26)}{chr(97 + k % 26)}" for k in range(n))


@pytest.mark.parametrize("limit", [10, 1000])
def test_a_chunk_met_again_is_encoded_again_only_after_the_cache_filled(monkeypatch, merge_runs, limit):
    monkeypatch.setattr(tokenizer_module, "CACHE_LIMIT", limit)
    tok = BPETokenizer()
    text = distinct_words(100)
    ids = tok.encode(text + text)  # one call: the second half repeats the first
    assert tok.decode(ids) == text + text
    if limit > 100:
        assert len(merge_runs) == 100  # every chunk encoded once, then remembered
    else:
        assert len(merge_runs) >= 190  # bounded within the call: the first half was forgotten


def test_clear_cache_forgets_every_chunk(merge_runs):
    tok = BPETokenizer()
    tok.encode(distinct_words(20))
    tok.encode(distinct_words(20))
    assert len(merge_runs) == 20
    tok.clear_cache()
    tok.encode(distinct_words(20))
    assert len(merge_runs) == 40
