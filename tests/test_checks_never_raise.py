"""Every exercise check, given any wrong value in place of one argument, prints one ✅/❌ line and returns a bool.

The checks are found, not listed: every public ``check_*`` callable of :mod:`helpers.exercises` and of each of
its modules (a new module's checks are guarded as soon as it exists). Each check gets its right answer with one
argument replaced by a value a reader might pass by mistake: None, a bool, a str (with a trailing newline too),
an int (negative, 0, 10**400), a float (NaN, inf), a list, a dict, an empty tensor, a tensor of another dtype or
shape. The right answers are :data:`RIGHT` here and, for the recaps' self-tests, those of their own tests
(tests/test_exercises_recaps.py); a check with none gets wrong values for all its arguments (and fails
:func:`test_every_check_has_a_right_answer`).

For every call: it returns a bool within 1 s (a timer stops it), it prints exactly one line that starts with ✅ or
❌, nothing goes to stderr and no warning escapes, a long value is not echoed whole, and the reader's state is
unchanged afterwards (the random generators' states and the argument objects).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import itertools
import math
import pkgutil
import platform
import random
import re
import signal
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import helpers
import helpers.exercises
from tests.book_inputs import BOOK_INPUTS
from tests.test_exercises_recaps import _right_answers as recap_answers

LIMIT_S = 1.0
"""How long one check may take; the timer that enforces it interrupts a check that hangs."""


def discovered_checks() -> dict[str, Callable[..., bool]]:
    """Every public ``check_*`` callable of helpers.exercises and its modules, by name."""
    modules = [helpers.exercises]
    modules += [
        importlib.import_module(f"helpers.exercises.{m.name}") for m in pkgutil.iter_modules(helpers.exercises.__path__)
    ]
    found: dict[str, Callable[..., bool]] = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("check_") and callable(value):
                assert found.setdefault(name, value) is value, f"two different checks are named {name}"
    return found


CHECKS = discovered_checks()


# The right answers, built once: a wrong value then replaces one argument at a time.


def _story_loader():
    text = helpers.load_text("the-verdict.txt")
    return helpers.create_dataloader_v1(text, batch_size=8, max_length=2, stride=2, shuffle=False)


def _story_v1_and_v2():
    tokens = helpers.split_text(helpers.load_text("the-verdict.txt"))
    v1 = helpers.SimpleTokenizerV1(helpers.build_vocab(tokens))
    v2 = helpers.SimpleTokenizerV2(helpers.build_vocab(tokens, special_tokens=["<|endoftext|>", "<|unk|>"]))
    return v1, v2


class _SelfAttentionV1(nn.Module):  # the notebook's class, with v2's weights copied in
    def __init__(self, v2: nn.Module):
        super().__init__()
        for role in ("W_query", "W_key", "W_value"):
            setattr(self, role, nn.Parameter(getattr(v2, role).weight.T.detach().clone()))

    def forward(self, x):
        keys, queries, values = x @ self.W_key, x @ self.W_query, x @ self.W_value
        return torch.softmax(queries @ keys.T / keys.shape[-1] ** 0.5, dim=-1) @ values


def _right_answers() -> dict[str, Callable[[], tuple]]:
    def round_trip():
        v1, _ = _story_v1_and_v2()
        ids = v1.encode("I had always thought Jack a good fellow.")
        return "I had always thought Jack a good fellow.", ids, v1.decode(ids)

    def glued():
        _, v2 = _story_v1_and_v2()
        text = "Hello, do you like tea?<|endoftext|>In the sunlit terraces of the palace."
        return text, v2.encode(text)

    def attention_pair():
        torch.manual_seed(789)
        v2 = helpers.SelfAttention_v2(3, 2)
        return _SelfAttentionV1(v2), v2, BOOK_INPUTS.clone()

    def top_tokens():
        return [
            list(pair) for pair in Counter(helpers.split_text(helpers.load_text("the-verdict.txt"))).most_common(10)
        ]

    def versions():
        import importlib.metadata

        from helpers.exercises.appendix_a import LIBRARIES

        return ({name: importlib.metadata.version(name) for name in LIBRARIES},)

    def matrices():
        a, b = torch.rand(100, 200), torch.rand(200, 300)
        return a, b, a @ b

    return {
        "check_2_1": lambda: ([33901, 86, 343, 86, 220, 959], "Akwirw ier"),
        "check_2_2": lambda: (_story_loader(), 2, 2),
        "check_scaled_cosine": lambda: (torch.tensor([2.7, 0.6]), 2.7, 0.8107),
        "check_top_tokens": lambda: (top_tokens(),),
        "check_punctuation_share": lambda: (902 / 4690,),
        "check_round_trip": round_trip,
        "check_round_trip_break": lambda: ("Jack  had",),
        "check_glued_endoftext": glued,
        "check_window_layout_bytes": lambda: (337_769 * 2 * 256 * 8,),
        "check_window_layout_ratio": lambda: (511.6,),
        "check_3_1": attention_pair,
        "check_3_2": lambda: (
            helpers.MultiHeadAttentionWrapper(3, 1, 6, 0.0, num_heads=2),
            BOOK_INPUTS.expand(2, 6, 3),
        ),
        "check_3_3": lambda: (helpers.MultiHeadAttention(768, 768, 1024, 0.0, num_heads=12, qkv_bias=False), 2_360_064),
        "check_bottleneck_bits": lambda: (32 * math.log2(10),),
        "check_most_attended": lambda: ("journey",),
        "check_gpt2_attention_memory": lambda: (12 * 1024 * 1024 * 4,),
        "check_a_1": lambda: (platform.python_version(), torch.__version__),
        "check_a_2": versions,
        "check_a_3": lambda: (752,),
        "check_a_4": matrices,
        "check_rank_shards": lambda: ([[0, 3], [4, 1], [2, 0]],),
    }


RIGHT = _right_answers()


def _parameters(check: Callable[..., bool]) -> list[inspect.Parameter]:
    return list(inspect.signature(check).parameters.values())


@pytest.fixture(scope="module")
def right_answers() -> dict[str, tuple | None]:
    """Each check's right answer (None where none is known), built once; each check called once to warm up."""
    with torch.random.fork_rng(devices=[]):  # the seeds set here stay here
        known = {name: make() for name, make in RIGHT.items()} | recap_answers()
        answers = {}
        for name, check in CHECKS.items():
            answers[name] = known.get(name)
            with contextlib.redirect_stdout(io.StringIO()):
                check(*answers[name] or [None] * len(_parameters(check)))  # loads GPT-2's encoding, the story's tokens
    return answers


def test_every_check_is_found_and_takes_arguments():
    assert {"check_2_1", "check_3_3", "check_a_4", "check_rank_shards"} <= CHECKS.keys()
    assert all(_parameters(check) for check in CHECKS.values())


def test_every_check_has_a_right_answer(right_answers):
    assert [name for name, right in right_answers.items() if right is None] == []


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_the_right_answers_here_are_right(name, right_answers):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert CHECKS[name](*right_answers[name]) is True, out.getvalue()


# The wrong values.

TENSOR_DTYPES = (torch.float32, torch.float64, torch.float16, torch.int64, torch.uint8, torch.bool)


@st.composite
def tensors(draw) -> torch.Tensor:
    shape = draw(st.lists(st.integers(0, 5), max_size=4))
    values = torch.randn(shape, generator=torch.Generator().manual_seed(draw(st.integers(0, 99))))
    return values.to(draw(st.sampled_from(TENSOR_DTYPES)))


def _variants(right: object) -> list[object]:
    """Near misses of a right argument: another dtype or shape of a tensor, a list or str grown or emptied."""
    if isinstance(right, torch.Tensor):
        others = [right.to(dtype) for dtype in TENSOR_DTYPES if dtype != right.dtype]
        return [
            *others,
            right.flatten(),
            right.unsqueeze(0),
            right.mT if right.dim() >= 2 else right[None],
            right.flatten()[:0],
        ]
    if isinstance(right, str):
        return [right + "\n", right * 40, right.upper()]
    if isinstance(right, list | tuple):
        return [[], [*right, *right], [right], list(reversed(right))]
    if isinstance(right, dict):
        return [
            {},
            {key: None for key in right},
            {key: value + "\n" for key, value in right.items() if isinstance(value, str)},
        ]
    if isinstance(right, int | float) and not isinstance(right, bool):
        huge = right * 10**400 if isinstance(right, int) else right * 1e300
        return [-right, right + 1, huge, torch.tensor(right), torch.tensor([right, right])]
    return []


SPECIAL_NUMBERS = (0, -1, 10**400, -(10**400), math.nan, math.inf, -math.inf, 1e308, 2**63)
LONG_STR = "a story " * 20 + "\n"
CLASSIC_MISTAKES = [None, True, "42\n", LONG_STR, -1, 0, 10**400, math.nan, math.inf, [1, 2], {"a": 1}]
CLASSIC_MISTAKES += [torch.tensor([]), torch.ones(2, 3, dtype=torch.int64), torch.zeros(2, 3, 4, dtype=torch.float64)]
"""The issue's list: None, a bool, a str with a trailing newline, an int (negative, 0, 10**400), NaN and inf, a list,
a dict, an empty tensor, a tensor of another dtype, and of another shape (each check gets each in each place)."""
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.text(max_size=20).map(lambda text: text + "\n"),
    st.just(LONG_STR),
    st.integers(-(10**6), 10**6),
    st.sampled_from(SPECIAL_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(-5, 10**6) | st.text(max_size=5) | st.none(), max_size=12),
    st.lists(st.lists(st.integers(-3, 9), max_size=3), max_size=4),
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8) | st.none(), max_size=6),
    st.just(torch.tensor([])),
    tensors(),
)


def wrong_calls(right: tuple | None, arity: int) -> st.SearchStrategy[tuple]:
    """The right answer with one argument replaced by a wrong value (a near miss of it, or any other value).

    Where the right answer is not known here (``right`` is None), every argument is drawn.
    """
    if right is None:
        return st.tuples(*[WRONG] * arity)
    near = [_variants(value) for value in right]  # made once: converting a 100 × 300 tensor is not free
    return st.integers(0, len(right) - 1).flatmap(lambda position: _replaced(right, position, near[position]))


def _replaced(right: tuple, position: int, near: list[object]) -> st.SearchStrategy[tuple]:
    value = st.sampled_from(near) | WRONG if near else WRONG
    return value.map(lambda wrong: (*right[:position], wrong, *right[position + 1 :]))


# What a call must look like.


class Overtime(BaseException):
    """Raised by the timer; a BaseException, so that a check's own ``except Exception`` cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM: the main thread, on POSIX)."""

    def stop(signum, frame):
        raise Overtime(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fingerprint(value: object) -> object:
    """What must not change about an argument: its tensors' identities and in-place versions, the repr of the rest."""
    if isinstance(value, torch.Tensor):
        return ("tensor", id(value), value._version, value.requires_grad)
    if isinstance(value, nn.Module):
        tensors = {**dict(value.named_parameters()), **dict(value.named_buffers())}
        return ("module", value.training, {name: _fingerprint(t) for name, t in tensors.items()})
    if isinstance(value, list | tuple):
        return (type(value), [_fingerprint(item) for item in value])
    if isinstance(value, dict):
        return ("dict", [(key, _fingerprint(item)) for key, item in value.items()])
    if isinstance(value, torch.utils.data.DataLoader):
        return ("loader", id(value.dataset), value.batch_size)
    return ("value", repr(value))


def _rng_states() -> tuple:
    return torch.get_rng_state(), random.getstate(), np.random.get_state()[1].tobytes()


def call_and_judge(check: Callable[..., bool], args: tuple) -> None:
    """Call ``check(*args)`` and assert everything a call must do."""
    before, states = _fingerprint(args), _rng_states()
    out, err = io.StringIO(), io.StringIO()
    with (
        warnings.catch_warnings(record=True) as escaped,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        warnings.simplefilter("always")
        started = time.perf_counter()
        with time_limit(LIMIT_S):
            result = check(*args)
        took = time.perf_counter() - started
    line = out.getvalue()
    assert isinstance(result, bool), f"returned {result!r}"
    assert took < LIMIT_S
    assert line.count("\n") == 1 and line.endswith("\n"), f"not one line: {line!r}"
    assert line.startswith("✅ " if result else "❌ "), line
    assert err.getvalue() == "", err.getvalue()
    assert not escaped, [str(w.message) for w in escaped]
    assert len(line) <= 600 and all(len(run) <= 80 for run in re.findall(r"\S+", line)), f"too long: {line!r}"
    for arg in args:
        for echo in {str(arg), repr(arg)} if not isinstance(arg, torch.Tensor) else set():
            assert len(echo) <= 80 or echo not in line, f"{echo[:80]}... echoed whole: {line!r}"
    after = _rng_states()
    assert after[0].equal(states[0]) and after[1:] == states[1:], "the random generators moved"
    assert _fingerprint(args) == before, "an argument changed"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_wrong_argument_gets_one_line_and_a_bool(name, right_answers):
    check = CHECKS[name]

    @settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(args=wrong_calls(right_answers[name], len(_parameters(check))))
    def run(args):
        call_and_judge(check, args)

    run()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_classic_mistake_in_each_place(name, right_answers):
    check = CHECKS[name]
    right = right_answers[name] or (None,) * len(_parameters(check))
    for position, value in itertools.product(range(len(right)), CLASSIC_MISTAKES):
        call_and_judge(check, (*right[:position], value, *right[position + 1 :]))


def test_the_judge_fails_what_the_checks_must_not_do():
    def raises(value):
        raise TypeError("value must be an int")

    def two_lines(value):
        print("❌ Not yet: first line\nsecond line")
        return False

    def moves_the_generator(value):
        torch.rand(1)
        print("❌ Not yet: drew a number")
        return False

    def changes_its_argument(value):
        value.append(1)
        print("❌ Not yet: appended")
        return False

    for bad in (raises, two_lines, moves_the_generator, changes_its_argument):
        with pytest.raises((AssertionError, TypeError)):
            call_and_judge(bad, ([],))
