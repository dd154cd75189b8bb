"""One BPETokenizer shared by many threads, while its chunk cache overflows again and again."""

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
    monkeypatch.setattr(tokenizer_module, "CACHE_LIMIT", 50)  # overflows on nearly every call
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            results = list(pool.map(tok.encode, docs))
            assert results == expected
            decoded = list(pool.map(tok.decode, results))
            assert decoded == docs
    assert len(tok._cache) <= 50 + 2000  # replaced when full, so it never grows without bound


def test_cache_is_bounded_single_threaded(monkeypatch):
    tok = BPETokenizer().train("abc abd", 260)
    monkeypatch.setattr(tokenizer_module, "CACHE_LIMIT", 10)
    for n in range(100):
        assert tok.decode(tok.encode(f" w{n}")) == f" w{n}"
        assert len(tok._cache) <= 10
