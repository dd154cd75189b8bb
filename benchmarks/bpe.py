"""How fast is helpers.bpe.BPETokenizer? Training and GPT-2 encoding, against references.

Run from the repository root (about 2-4 minutes on 2 cores, most of it the plain trainer):

    .venv/bin/python -m benchmarks.bpe                     # plain trainer measured in full
    .venv/bin/python -m benchmarks.bpe --plain-merges 100  # plain trainer extrapolated from 100 merges

1. Training a 1000-token vocabulary (744 merges) on the first 200 kB of
   tinyshakespeare: the plain algorithm (:func:`helpers.bpe.train_merges_plain`,
   a full recount per merge), our incremental trainer, and HF ``tokenizers``'
   Rust trainer (byte-level, same vocabulary size; it uses all cores).
2. Encoding all of tinyshakespeare with GPT-2's vocabulary: cold (build the
   tokenizer from its files, then encode; each cold run is a fresh Python
   process), after construction with an empty chunk cache (ours against
   tiktoken's ``encode_ordinary``, both single calls, timed in turns, median
   of 5), and warm (encode again
   with the same object), ours against tiktoken's single-threaded ``encode``.
3. Single long chunks of 2k, 4k, 8k and 16k characters (one letter repeated,
   random letters, random ``ACGT``), the four sizes timed in turns, best of 15:
   the merge queue should make each doubling cost about 2x (O(n log n)), not
   4x; the ids are checked against tiktoken's.
4. Memory: one ``encode_ordinary`` of 600,000 distinct chunks, and the Python
   memory still held once it returned (``tracemalloc``), with the chunk cache
   as shipped (bounded to :data:`~helpers.bpe.tokenizer.CACHE_LIMIT` entries,
   within the call too) and, as the control, with the bound lifted.

The last lines check the floors: empty-cache encoding at most 2x tiktoken,
training at least 30x the plain trainer, every doubling of a long chunk at
most 2.5x (near-linear), ids identical to tiktoken's.

Every ratio in the table comes from times measured in the same run. Times
are CPU seconds of the measuring process (``time.process_time``), so that
other programs running on the machine do not inflate them; for HF
``tokenizers``, which trains on several threads, that is the sum over threads.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping
from typing import TypeVar

from helpers.bpe import BPETokenizer, train_merges_plain
from helpers.bpe import tokenizer as tokenizer_module
from helpers.data import data_file, gpt2_encoding, load_text

TRAIN_CHARS = 200_000
VOCAB_SIZE = 1000
REPEATS = 3
CHUNK_SIZES = (2_000, 4_000, 8_000, 16_000)
DISTINCT_CHUNKS = 600_000
K = TypeVar("K")

COLD_OURS = """
import time
from helpers.bpe import BPETokenizer
from helpers.data import data_file, load_text
text = load_text("tinyshakespeare.txt")
paths = data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe")
start = time.process_time()
ids = BPETokenizer.from_gpt2(*paths).encode(text)
print(time.process_time() - start, len(ids))
"""

COLD_TIKTOKEN = """
import time
import tiktoken
from helpers.data import load_text, seed_tiktoken_cache
text = load_text("tinyshakespeare.txt")
seed_tiktoken_cache()
start = time.process_time()
ids = tiktoken.get_encoding("gpt2").encode(text)
print(time.process_time() - start, len(ids))
"""


def best_of(fn, repeats: int = REPEATS) -> float:
    """The shortest CPU time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def interleaved(
    fns: Mapping[K, Callable[[], object]], repeats: int = 7, pick: Callable[[list[float]], float] = min
) -> dict[K, float]:
    """``pick`` (the shortest, or the median) of each function's CPU times, calling them in turn ``repeats`` times.

    Taking turns means a slow moment of the machine hits every function alike,
    so their ratio is steadier than when each is timed in a block of its own.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    return {name: pick(values) for name, values in times.items()}


def cold_run(script: str, repeats: int = REPEATS) -> float:
    """The shortest time a fresh Python process reports for ``script``."""
    return min(
        float(
            subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.split()[0]
        )
        for _ in range(repeats)
    )


def long_chunks(n: int) -> dict[str, str]:
    """Three single chunks of ``n`` characters (no spaces, so the pattern keeps each whole)."""
    rng = random.Random(n)
    return {
        "one letter": "a" * n,
        "random letters": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n)),
        "random ACGT": "".join(rng.choice("ACGT") for _ in range(n)),
    }


def empty_cache_encode(tokenizer: BPETokenizer, text: str) -> None:
    tokenizer.clear_cache()  # as right after construction
    tokenizer.encode_ordinary(text)


def kept_mib(tokenizer: BPETokenizer, text: str) -> float:
    """MiB of Python memory still held after one ``encode_ordinary`` of ``text`` with an empty cache."""
    tokenizer.clear_cache()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tokenizer.encode_ordinary(text)  # the ids are dropped at once: what stays is the cache
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    tokenizer.clear_cache()
    return kept / 2**20


def distinct_chunks(n: int) -> str:
    """``n`` distinct chunks: a space and five letters, `` aaaaa aaaab ...``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(" " + "".join(letters[k // 26**p % 26] for p in range(4, -1, -1)) for k in range(n))


def hf_train(text: str, vocab_size: int) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator([text], trainer=trainer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--plain-merges",
        type=int,
        default=None,
        help="time the plain trainer on this many merges only and extrapolate linearly (default: all)",
    )
    args = parser.parse_args()

    train_text = load_text("tinyshakespeare.txt")[:TRAIN_CHARS]
    num_merges = VOCAB_SIZE - 256
    fast = BPETokenizer().train(train_text, VOCAB_SIZE)
    t_fast = best_of(lambda: BPETokenizer().train(train_text, VOCAB_SIZE))
    t_hf = best_of(lambda: hf_train(train_text, VOCAB_SIZE))
    plain_merges = num_merges if args.plain_merges is None else min(args.plain_merges, num_merges)
    start = time.process_time()
    plain = train_merges_plain(train_text, plain_merges)
    t_plain = (time.process_time() - start) * num_merges / plain_merges
    assert plain == list(fast.merges)[:plain_merges], "fast and plain trainers disagree"
    plain_note = "measured in full" if plain_merges == num_merges else f"EXTRAPOLATED from {plain_merges} merges"

    text = load_text("tinyshakespeare.txt")
    enc = gpt2_encoding()
    ours = BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))
    assert ours.encode(text) == enc.encode(text), "ids differ from tiktoken's"
    t_tik_cold = cold_run(COLD_TIKTOKEN)
    t_ours_cold = cold_run(COLD_OURS)
    t_tik_warm = best_of(lambda: enc.encode(text))
    t_ours_warm = best_of(lambda: ours.encode(text))
    empty = interleaved(
        {"tiktoken": lambda: enc.encode_ordinary(text), "ours": lambda: empty_cache_encode(ours, text)},
        repeats=5,
        pick=statistics.median,
    )
    t_tik_ordinary, t_ours_empty = empty["tiktoken"], empty["ours"]

    chunk_rows, doublings = [], []
    for kind in long_chunks(CHUNK_SIZES[0]):
        chunks = {n: long_chunks(n)[kind] for n in CHUNK_SIZES}
        for n, chunk in chunks.items():
            assert ours.encode_ordinary(chunk) == enc.encode_ordinary(chunk), f"ids differ: {kind}, {n}"
        # The four sizes in turns, so that a slow moment of the machine does not land on one size only.
        times = interleaved(
            {n: (lambda chunk=chunk: empty_cache_encode(ours, chunk)) for n, chunk in chunks.items()}, repeats=15
        )
        previous = None
        for n, seconds in times.items():
            if previous is not None:
                doublings.append(seconds / previous)
            growth = "" if previous is None else f"{seconds / previous:.2f}x the half-size chunk"
            chunk_rows.append((f"one chunk: {kind}" if previous is None else "", f"{n:,} chars", seconds, growth))
            previous = seconds

    many = distinct_chunks(DISTINCT_CHUNKS)
    bound = tokenizer_module.CACHE_LIMIT
    kept_bounded = kept_mib(ours, many)
    tokenizer_module.CACHE_LIMIT = DISTINCT_CHUNKS + 1  # the control: a cache that keeps every chunk
    kept_unbounded = kept_mib(ours, many)
    tokenizer_module.CACHE_LIMIT = bound

    rows = [
        (f"train {VOCAB_SIZE} tokens, {TRAIN_CHARS // 1000} kB", f"plain reference ({plain_note})", t_plain, "1.0x"),
        ("", "helpers.bpe (incremental + heap)", t_fast, f"{t_plain / t_fast:.0f}x faster than plain"),
        ("", "HF tokenizers (Rust, all cores)", t_hf, f"{t_plain / t_hf:.0f}x faster than plain"),
        (f"encode tinyshakespeare ({len(text):,} chars)", "tiktoken cold (get_encoding + encode)", t_tik_cold, "1.0x"),
        ("", "helpers.bpe cold (from_gpt2 + encode)", t_ours_cold, f"{t_ours_cold / t_tik_cold:.2f}x tiktoken cold"),
        ("", "tiktoken encode_ordinary (after construction)", t_tik_ordinary, "1.0x"),
        (
            "",
            "helpers.bpe encode_ordinary, empty cache",
            t_ours_empty,
            f"{t_ours_empty / t_tik_ordinary:.2f}x tiktoken encode_ordinary",
        ),
        ("", "tiktoken warm (encode, 1 thread)", t_tik_warm, "1.0x"),
        ("", "helpers.bpe warm (encode, chunk cache)", t_ours_warm, f"{t_ours_warm / t_tik_warm:.2f}x tiktoken warm"),
        *chunk_rows,
    ]
    print(f"{'task':<40} {'implementation':<48} {'CPU s':>8}  ratio")
    for task, impl, seconds, ratio in rows:
        print(f"{task:<40} {impl:<48} {seconds:8.3f}  {ratio}")
    print(f"({len(ours.encode(text)):,} ids, identical to tiktoken's; best of {REPEATS} except the plain trainer")
    print(" and the empty-cache rows; every long chunk's ids identical to tiktoken's)")
    print(
        f"memory held after one encode_ordinary of {DISTINCT_CHUNKS:,} distinct chunks (tracemalloc): "
        f"{kept_bounded:.1f} MiB with the cache bounded to {bound:,} entries; "
        f"{kept_unbounded:.1f} MiB with the bound lifted (the control)"
    )
    empty_ratio, train_ratio, worst_doubling = t_ours_empty / t_tik_ordinary, t_plain / t_fast, max(doublings)
    floors = [
        ("empty-cache encode_ordinary <= 2x tiktoken", empty_ratio, empty_ratio <= 2),
        ("training >= 30x the plain trainer", train_ratio, train_ratio >= 30),
        ("long chunks near-linear (each doubling <= 2.5x)", worst_doubling, worst_doubling <= 2.5),
    ]
    for floor, value, met in floors:
        print(f"floor {floor}: {value:.2f} -> {'met' if met else 'NOT MET'}")
    print("floor ids identical to tiktoken's: met (checked above for the text and every long chunk)")


if __name__ == "__main__":
    main()
