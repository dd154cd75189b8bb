"""Every "check your answer" function: right answers pass, wrong ones get a hint and never a traceback."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import helpers
from helpers.exercises import check_2_1, check_2_2, check_3_1, check_3_2, check_3_3, check_rank_shards
from helpers.exercises.checking import checker, expect
from tests.book_inputs import BOOK_INPUTS


def _said(capsys) -> str:
    out = capsys.readouterr()
    assert out.err == "" and "Traceback" not in out.out
    assert out.out.count("\n") == 1, "one line per check"
    return out.out


def assert_right(result, capsys, *words):
    said = _said(capsys)
    assert result is True and said.startswith("✅ Correct: "), said
    for word in words:
        assert word in said


def assert_wrong(result, capsys, *words):
    said = _said(capsys)
    assert result is False and said.startswith("❌ Not yet: "), said
    for word in words:
        assert word in said, said


# The checker every check goes through: one line, whatever happens inside


@checker
def check_echo(value: object) -> str:
    expect(value == "right", f"value is {value}, not 'right'")
    return "right."


def test_a_long_or_multiline_value_is_echoed_cut_on_one_line(capsys):
    assert_wrong(check_echo("x" * 5000), capsys, "'xxxx", "...")
    check_echo("3.11\n"), check_echo(10**400), check_echo(list(range(1000))), check_echo(list(range(10**6)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "❌ Not yet: value is 3.11\\n, not 'right'",
        "❌ Not yet: value is an int of 401 digits, not 'right'",
        f"❌ Not yet: value is {str(list(range(1000)))[:57]}..., not 'right'",
    ]
    assert lines[3].startswith("❌ Not yet: value is [0, 1, 2") and len(lines[3]) <= 400  # too long to look for


def test_a_warning_or_a_print_inside_a_check_joins_its_line(capsys):
    @checker
    def check_noisy(value: object) -> str:
        print("debugging\nline two")
        warnings.warn("torch 2.0 differs from the pinned 2.13", UserWarning, stacklevel=1)
        return "fine."

    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        said = "(warning: torch 2.0 differs from the pinned 2.13)", "(your code printed: debugging\\nline two)"
        assert_right(check_noisy(1), capsys, *said)
    assert not escaped


def test_an_error_is_the_learners_or_the_checks_and_the_line_says_which(capsys):
    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("shapes\ncannot be multiplied")

    @checker
    def check_runs(module: nn.Module) -> str:
        module(torch.zeros(1))
        return "ran."

    in_helpers = {}  # a check whose own code fails: compiled as if it were a module of helpers
    exec(compile("def check_number(value):\n    return str(float(value))", helpers.__file__, "exec"), in_helpers)

    assert_wrong(check_runs(Broken()), capsys, "running your answer raised RuntimeError: shapes\\ncannot be multiplied")
    assert_wrong(checker(in_helpers["check_number"])(10**400), capsys, "checking your values raised OverflowError")


def test_a_check_leaves_the_random_generators_as_they_were(capsys):
    @checker
    def check_draws(value: object) -> str:
        torch.rand(3), np.random.rand(), random.random()
        return "drew."

    torch.manual_seed(0)
    before = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    assert_right(check_draws(None), capsys)
    assert torch.equal(torch.get_rng_state(), before[0]) and (np.random.get_state()[1] == before[1]).all()
    assert random.getstate() == before[2]


def test_a_value_the_check_cannot_compare_is_a_hint_naming_it(capsys):
    assert_wrong(check_rank_shards([[0, 3], ["4", 1], [2, 0]]), capsys, "shards must hold example indices", "['4']")


# 2.1


def test_2_1_right(capsys):
    tokenizer = helpers.gpt2_encoding()
    ids = tokenizer.encode("Akwirw ier")
    assert_right(check_2_1(ids, tokenizer.decode(ids)), capsys, "'Ak'", "'ier'")
    assert_right(check_2_1(torch.tensor(ids), "Akwirw ier"), capsys)


@pytest.mark.parametrize(
    ("ids", "decoded", "hint"),
    [
        ("Akwirw ier", "Akwirw ier", "ids must be the list of token ids"),
        ([1.0, 2.0], "x", "ids must hold ints"),
        ("GPT", None, "ids must be the list"),
        ([33901, 86], "Akwirw ier", "decode to 'Akw'"),
        ([-1, 99_999_999], "Akwirw ier", "not GPT-2 ids"),
        ([33901, 86, 343, 86, 220, 959], 3, "decoded must be the str"),
        ([33901, 86, 343, 86, 220, 959], "Akwirwier", "decode the whole list"),
    ],
)
def test_2_1_wrong(capsys, ids, decoded, hint):
    assert_wrong(check_2_1(ids, decoded), capsys, hint)


# 2.2


@pytest.fixture(scope="module")
def raw_text():
    return helpers.load_text("the-verdict.txt")


@pytest.mark.parametrize(("max_length", "stride"), [(2, 2), (8, 2)])
def test_2_2_right(capsys, raw_text, max_length, stride):
    loader = helpers.create_dataloader_v1(raw_text, batch_size=8, max_length=max_length, stride=stride, shuffle=False)
    assert_right(check_2_2(loader, max_length, stride), capsys, f"(8, {max_length})", f"{stride} tokens after")


def test_2_2_wrong(capsys, raw_text):
    def loader(**kwargs):
        settings = {"batch_size": 8, "max_length": 2, "stride": 2, "shuffle": False} | kwargs
        return helpers.create_dataloader_v1(raw_text, **settings)

    assert_wrong(check_2_2(loader(batch_size=4), 2, 2), capsys, "shape (4, 2)", "batch_size=8")
    assert_wrong(check_2_2(loader(stride=1), 2, 2), capsys, "pass stride=2")
    torch.manual_seed(0)
    assert_wrong(check_2_2(loader(shuffle=True), 2, 2), capsys, "shuffle=False")
    assert_wrong(check_2_2(loader(max_length=4), 2, 2), capsys, "max_length=2")
    assert_wrong(check_2_2(loader(), 4, 4), capsys, "the exercise asks for max_length=2, stride=2")
    assert_wrong(check_2_2([[1, 2]], 2, 2), capsys, "loader must be the DataLoader", "got list")
    assert_wrong(check_2_2(loader(), "2", 2), capsys, "max_length must be an int")


def test_2_2_targets_must_be_shifted(capsys, raw_text):
    dataset = helpers.GPTDatasetV1(raw_text, helpers.gpt2_encoding(), max_length=2, stride=2)
    same = torch.utils.data.DataLoader([(x, x) for x, _ in (dataset[i] for i in range(8))], batch_size=8)
    assert_wrong(check_2_2(same, 2, 2), capsys, "shifted by one")


# 3.1


class SelfAttention_v1(nn.Module):  # the notebook's own class, written out here
    def __init__(self, d_in, d_out):
        super().__init__()
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))

    def forward(self, x):
        keys, queries, values = x @ self.W_key, x @ self.W_query, x @ self.W_value
        weights = torch.softmax(queries @ keys.T / keys.shape[-1] ** 0.5, dim=-1)
        return weights @ values


def _pair():
    torch.manual_seed(123)
    v1 = SelfAttention_v1(3, 2)
    torch.manual_seed(789)
    return v1, helpers.SelfAttention_v2(3, 2)


def test_3_1_right(capsys):
    v1, v2 = _pair()
    for role in ("W_query", "W_key", "W_value"):
        setattr(v1, role, nn.Parameter(getattr(v2, role).weight.T))
    assert_right(check_3_1(v1, v2, BOOK_INPUTS), capsys, "(6, 2)")


def test_3_1_wrong(capsys):
    v1, v2 = _pair()
    assert check_3_1(v1, v2, BOOK_INPUTS) is False
    said = _said(capsys)  # before any attempt, the hint says what to copy, not how
    assert "own random weights" in said and ".T" not in said and "transpose" not in said, said
    v1.W_query = nn.Parameter(v2.W_query.weight)  # forgot the transpose
    assert_wrong(check_3_1(v1, v2, BOOK_INPUTS), capsys, "shape (2, 3)", "(d_in, d_out) = (3, 2)")
    v1.W_query = nn.Parameter(v2.W_key.weight.T)  # the wrong role
    assert_wrong(check_3_1(v1, v2, BOOK_INPUTS), capsys, "sa_v1.W_query holds sa_v2.W_key's weights")
    v1.W_query = nn.Parameter(v2.W_query.weight.T)
    assert_wrong(check_3_1(v1, v2, BOOK_INPUTS), capsys, "W_key", "copy all three")
    assert_wrong(check_3_1(v2, v1, BOOK_INPUTS), capsys, "pass SelfAttention_v1 first")
    assert_wrong(check_3_1(v1, v2, BOOK_INPUTS.tolist()), capsys, "inputs must be the (num_tokens, d_in) input")
    assert_wrong(check_3_1("v1", v2, BOOK_INPUTS), capsys, "sa_v1 must be your SelfAttention_v1", "got str")


def test_3_1_own_code_failing_is_a_hint_not_a_traceback(capsys):
    class Broken(SelfAttention_v1):
        def forward(self, x):
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    v1, v2 = _pair()
    broken = Broken(3, 2)
    for role in ("W_query", "W_key", "W_value"):
        setattr(broken, role, nn.Parameter(getattr(v2, role).weight.T))
    assert_wrong(check_3_1(broken, v2, BOOK_INPUTS), capsys, "raised RuntimeError: mat1 and mat2")


# 3.2

BATCH = torch.stack((BOOK_INPUTS, BOOK_INPUTS))


def test_3_2_right(capsys):
    torch.manual_seed(123)
    wrapper = helpers.MultiHeadAttentionWrapper(3, 1, 6, 0.0, num_heads=2)
    assert_right(check_3_2(wrapper, BATCH), capsys, "(2, 6, 2)")


def test_3_2_wrong(capsys):
    assert_wrong(check_3_2(helpers.MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2), BATCH), capsys, "4 features")
    assert_wrong(
        check_3_2(helpers.MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=1), BATCH), capsys, "keep num_heads"
    )
    assert_wrong(check_3_2(helpers.MultiHeadAttention(3, 2, 6, 0.0, num_heads=2), BATCH), capsys, "heads in .heads")
    assert_wrong(check_3_2(helpers.MultiHeadAttentionWrapper(3, 1, 6, 0.0, 2), BOOK_INPUTS), capsys, "batch must be")
    assert_wrong(check_3_2(None, BATCH), capsys, "wrapper must be", "got NoneType")


# 3.3


def gpt2_mha(**changes):
    settings = {"d_in": 768, "d_out": 768, "context_length": 1024, "dropout": 0.0, "num_heads": 12} | changes
    return helpers.MultiHeadAttention(**settings, qkv_bias=False)


def test_3_3_right(capsys):
    assert_right(check_3_3(gpt2_mha(), 2_360_064), capsys, "2,360,064")
    assert_right(check_3_3(gpt2_mha(), num_params=torch.tensor(2_360_064)), capsys, "head")


def test_3_3_grades_num_params_too(capsys):
    assert_wrong(check_3_3(gpt2_mha()), capsys, "num_params is still None")
    assert_wrong(check_3_3(gpt2_mha(), None), capsys, "num_params is still None")


def test_3_3_wrong(capsys):
    assert_wrong(check_3_3(gpt2_mha(num_heads=8)), capsys, "num_heads is 8", "num_heads=12")
    assert_wrong(check_3_3(gpt2_mha(context_length=256)), capsys, "context_length is 256")
    assert_wrong(check_3_3(gpt2_mha(d_in=512)), capsys, "d_in is 512")
    assert_wrong(check_3_3(helpers.MultiHeadAttention(768, 768, 1024, 0.0, 12, qkv_bias=True)), capsys, "qkv_bias")
    assert_wrong(check_3_3(gpt2_mha(), num_params=3 * 768 * 768), capsys, "1,769,472", "query, key and value only")
    assert_wrong(check_3_3(gpt2_mha(), num_params=2_000_000), capsys, "is not the module's count")
    assert_wrong(check_3_3(gpt2_mha(), num_params="2360064"), capsys, "num_params must be a number")
    assert_wrong(check_3_3(None, None), capsys, "replace None")
    assert_wrong(check_3_3(nn.Linear(2, 2)), capsys, "should be a MultiHeadAttention")
    assert_wrong(check_3_3(768), capsys, "mha must be your MultiHeadAttention", "got int")
