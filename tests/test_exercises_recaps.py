"""The recaps' self-tests (02.9, 03.8, 00d): each right answer passes, each typical wrong one gets its hint.

Each right answer is also derived here the way a reader would (running the
library), so a check whose stated answer drifted from what PyTorch or the
helpers compute fails here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

import helpers
import helpers.exercises as ex
from helpers.appendix_a.toy import NeuralNetwork
from tests.test_exercises import assert_right, assert_wrong


def _dataset_windows(num_ids: int, max_length: int, stride: int) -> list[tuple[list[int], list[int]]]:
    """The book's GPTDatasetV1 on ids 10, 11, ... (a tokenizer that maps each word to its number)."""

    class Numbers:
        def encode(self, text, allowed_special=None):
            return [int(word) for word in text.split()]

    text = " ".join(str(10 + i) for i in range(num_ids))
    dataset = helpers.GPTDatasetV1(text, Numbers(), max_length=max_length, stride=stride)
    return [(x.tolist(), y.tolist()) for x, y in (dataset[i] for i in range(len(dataset)))]


def _right_answers() -> dict:
    windows = _dataset_windows(10, 4, 2)
    two_words = torch.nn.functional.one_hot(torch.tensor([0, 1]), num_classes=7000).float()
    vocab = helpers.build_vocab(helpers.split_text("the cat sat on the mat"), ["<|endoftext|>", "<|unk|>"])
    emb = torch.nn.Embedding(50257, 768)
    pos = torch.nn.Embedding(256, 64)
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    v2 = helpers.SelfAttention_v2(5, 3)
    mha = helpers.MultiHeadAttention(8, 12, 5, 0.0, num_heads=3)
    wrapper = helpers.MultiHeadAttentionWrapper(3, 4, 6, 0.0, num_heads=3)
    w = torch.tensor(2.0, requires_grad=True)
    (3 * w).backward()
    (w**2).backward()
    x1, w1 = torch.tensor(2.0), torch.tensor(0.5, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(torch.sigmoid(w1 * x1), torch.tensor(1.0)).backward()
    t = torch.tensor([[1, 2, 3], [4, 5, 6]])
    loader = torch.utils.data.DataLoader(list(range(10)), batch_size=4)
    generator = torch.Generator().manual_seed(0)
    scores = (torch.randn(20000, 100, generator=generator) * torch.randn(20000, 100, generator=generator)).sum(-1)
    return {
        "check_recap2_onehot": (7000, float(torch.dist(two_words[0], two_words[1]))),
        "check_recap2_split": (len(helpers.split_text("Well, well--it's late.")),),
        "check_recap2_vocab_id": (vocab["sat"],),
        "check_recap2_v2_ids": (helpers.SimpleTokenizerV2(vocab).encode("the dog sat"),),
        "check_recap2_bpe_pieces": (len("éclair".encode()),),
        "check_recap2_windows": (len(windows), windows[1][1]),
        "check_recap2_batches": (len(_dataset_windows(210, 6, 6)) // 8, (8, 6)),
        "check_recap2_embedding": (emb.weight.numel(), tuple(emb(torch.zeros(2, 5, dtype=torch.long)).shape)),
        "check_recap2_positions": (
            tuple(pos(torch.arange(10)).shape),
            tuple((torch.zeros(3, 10, 64) + pos(torch.arange(10))).shape),
        ),
        "check_recap2_relative": ([p + 2 for p in (3, 4, 5)], 5 - 3),
        "check_recap3_attention_weights": (5 * 12, float(torch.softmax(torch.zeros(12), dim=0)[0])),
        "check_recap3_context_vector": ((torch.softmax(x[2] @ x.T, dim=0) @ x).tolist(),),
        "check_recap3_normalise": (2 / (2 - 1 + 0), torch.softmax(torch.tensor([2.0, -1.0, 0.0]), dim=0)[0]),
        "check_recap3_selfattention_shapes": (
            (7, 7),
            tuple(v2(torch.rand(7, 5)).shape),
            sum(p.numel() for p in v2.parameters()),
        ),
        "check_recap3_scaled_score": (scores.std(), (scores / math.sqrt(100)).std()),
        "check_recap3_causal_line": ("D",),
        "check_recap3_masked_count": (int(torch.triu(torch.ones(7, 7), diagonal=1).sum()),),
        "check_recap3_dropout": (0.3 / (1 - 0.2), 0.3),
        "check_recap3_wrapper_shape": (tuple(wrapper(torch.rand(2, 6, 3)).shape),),
        "check_recap3_mha": (
            mha.head_dim,
            tuple(mha.attention_weights(torch.rand(2, 5, 8)).shape),
            sum(p.numel() for p in mha.parameters()),
        ),
        "check_recapa_mps": ("B",),
        "check_recapa_tensor": ((t.T @ t).dtype, tuple((t.T @ t).shape)),
        "check_recapa_chain_rule": (w1.grad,),
        "check_recapa_accumulate": (w.grad,),
        "check_recapa_params": (sum(p.numel() for p in NeuralNetwork(10, 2).parameters()),),
        "check_recapa_batches": (10 // 4, len(list(loader)[-1])),
        "check_recapa_loop": ("B",),
        "check_recapa_state_dict": (len(NeuralNetwork(2, 2).state_dict()),),
        "check_recapa_shards": (len(list(_sampler(7, 3, 0))), 3 * len(list(_sampler(7, 3, 0)))),
        "check_recapa_ddp_gradient": (_ddp_step(1.0, 0.5, [0.6, 0.2]),),
    }


def _ddp_step(weight: float, lr: float, rank_grads: list[float]) -> float:
    """One SGD step on each rank after an all-reduce that averages the ranks' gradients (what DDP does)."""
    weights = [torch.nn.Parameter(torch.tensor(weight)) for _ in rank_grads]
    mean = torch.tensor(rank_grads).mean()
    for w in weights:
        w.grad = mean.clone()
        torch.optim.SGD([w], lr=lr).step()
    assert all(torch.equal(w, weights[0]) for w in weights)
    return weights[0].item()


def _sampler(num_examples: int, world_size: int, rank: int):
    from torch.utils.data.distributed import DistributedSampler

    return DistributedSampler(list(range(num_examples)), num_replicas=world_size, rank=rank, shuffle=False)


RIGHT = _right_answers()
RECAP_CHECKS = sorted(name for name in ex.__all__ if name.startswith("check_recap"))


def test_every_recap_check_has_a_right_answer_here():
    assert sorted(RIGHT) == RECAP_CHECKS and len(RECAP_CHECKS) >= 3 * 8


@pytest.mark.parametrize("name", RECAP_CHECKS)
def test_the_right_answer_passes(name, capsys):
    assert_right(getattr(ex, name)(*RIGHT[name]), capsys)


@pytest.mark.parametrize("name", RECAP_CHECKS)
def test_the_placeholder_fails_and_says_so(name, capsys):
    arguments = RIGHT[name]
    assert_wrong(getattr(ex, name)(*[None] * len(arguments)), capsys, "None")


def test_the_loop_question_is_what_pytorch_does():
    """Answer B of the loop question: zero_grad(), step(), backward() leaves the weights where they were."""
    torch.manual_seed(0)
    model = NeuralNetwork(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    before = [p.detach().clone() for p in model.parameters()]
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(model(torch.randn(4, 2)), torch.tensor([0, 1, 0, 1]))
        optimizer.zero_grad()
        optimizer.step()
        loss.backward()
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_the_causal_line_question_is_what_the_masks_do():
    """Only D lets a query see a later key; B leaves row 0 without keys (NaN), C equals A."""
    T = 4
    scores = torch.randn(T, T)

    def masked(mask):
        return torch.softmax(scores.masked_fill(mask.bool(), -torch.inf), dim=-1)

    a = masked(torch.triu(torch.ones(T, T), diagonal=1))
    b = masked(torch.triu(torch.ones(T, T), diagonal=0))
    c = torch.softmax(scores, dim=-1) * torch.tril(torch.ones(T, T))
    c = c / c.sum(-1, keepdim=True)
    d = masked(torch.tril(torch.ones(T, T), diagonal=-1))
    assert a.triu(1).sum() == 0 and torch.allclose(a, c) and torch.isnan(b[0]).all()
    assert d.triu(1).sum() > 0


@pytest.mark.parametrize(
    ("name", "answer", "hint"),
    [
        ("check_recap2_onehot", (7000, 1.0), "differ in two entries"),
        ("check_recap2_onehot", (1, math.sqrt(2)), "one entry per word"),
        ("check_recap2_split", (5,), "splits off punctuation"),
        ("check_recap2_split", (8,), "list the pieces"),
        ("check_recap2_vocab_id", (2,), "each distinct token once"),
        ("check_recap2_v2_ids", ([4, 5, 3],), "not an unknown word"),
        ("check_recap2_v2_ids", ([4, 3],), "one id per token"),
        ("check_recap2_bpe_pieces", (1,), "smaller pieces"),
        ("check_recap2_windows", (4, [13, 14, 15, 16]), "one id after it"),
        ("check_recap2_windows", (3, [12, 13, 14, 15]), "the target is one token on"),
        ("check_recap2_batches", (5, (8, 6)), "drop_last"),
        ("check_recap2_batches", (4, (6, 8)), "batch_shape"),
        ("check_recap2_embedding", (50257 * 768, (2, 5)), "whole row"),
        ("check_recap2_embedding", (50257, (2, 5, 768)), "table_params"),
        ("check_recap2_positions", ((256, 64), (3, 10, 64)), "whole table"),
        ("check_recap2_bpe_pieces", (6,), "count bytes"),
        ("check_recap2_relative", ([3, 4, 5], 2), "one row per index"),
        ("check_recap2_relative", ([5, 6, 7], 4), "offset"),
        ("check_recap3_attention_weights", (12, 1 / 12), "every output step"),
        ("check_recap3_attention_weights", (60, 1.0), "sum to 1"),
        ("check_recap3_context_vector", ([2 / 3, 2 / 3],), "divides by the sum"),
        ("check_recap3_context_vector", ([0.5, 0.5, 0.5],), "as many numbers"),
        ("check_recap3_normalise", (2 / 3, 0.8438), "divided_first"),
        ("check_recap3_normalise", (2.0, 0.6667), "softmax_first"),
        ("check_recap3_selfattention_shapes", ((7, 7), (7, 5), 45), "projected to d_out"),
        ("check_recap3_selfattention_shapes", ((7, 7), (7, 3), 15), "three projections"),
        ("check_recap3_scaled_score", (100.0, 1.0), "variance of the sum"),
        ("check_recap3_scaled_score", (10.0, 0.1), "once"),
        ("check_recap3_causal_line", ("B",), "T = 3"),
        ("check_recap3_masked_count", (28,), "diagonal stays visible"),
        ("check_recap3_dropout", (0.24, 0.3), "scaled up"),
        ("check_recap3_dropout", (0.375, 0.375), "eval mode"),
        ("check_recap3_wrapper_shape", ((2, 6, 4),), "concatenated"),
        ("check_recap3_mha", (4, (2, 3, 5, 5), 432), "bias"),
        ("check_recap3_mha", (12, (2, 3, 5, 5), 444), "head_dim"),
        ("check_recapa_mps", ("A",), "built with MPS"),
        ("check_recapa_mps", ("mps",), "device_choice"),
        ("check_recapa_tensor", (torch.float32, (3, 3)), "Python ints"),
        ("check_recapa_tensor", (None, None), "product_dtype is None"),
        ("check_recapa_tensor", ("int64", (3, 3)), "torch dtype"),
        ("check_recapa_chain_rule", (0.538,), "negative"),
        ("check_recapa_accumulate", (4.0,), "still in .grad"),
        ("check_recapa_params", (950,), "bias"),
        ("check_recapa_batches", (3, 2), "full batches"),
        ("check_recapa_loop", ("D",), "clears the late gradient"),
        ("check_recapa_state_dict", (3,), "more than one tensor"),
        ("check_recapa_shards", (2, 7), "rounded up"),
        ("check_recapa_ddp_gradient", (0.6,), "added"),
        ("check_recapa_ddp_gradient", (0.7,), "same gradient"),
    ],
)
def test_a_typical_wrong_answer_gets_its_hint(name, answer, hint, capsys):
    assert_wrong(getattr(ex, name)(*answer), capsys, hint)


@pytest.mark.parametrize(
    "answer",
    [True, "3", "3\n", 3.5, float("nan"), math.inf, 10**400, [3], {"n": 3}, torch.tensor([]), torch.ones(2, 2)],
)
def test_a_count_of_the_wrong_kind_is_a_hint(answer, capsys):
    assert_wrong(ex.check_recap3_masked_count(answer), capsys, "num_masked")


@pytest.mark.parametrize("answer", [(8, 6), [8, 6], torch.Size([8, 6])])
def test_a_shape_may_be_a_tuple_a_list_or_a_size(answer, capsys):
    assert_right(ex.check_recap2_batches(4, answer), capsys)


def test_a_shape_given_as_a_tensor_is_a_hint(capsys):
    assert_wrong(ex.check_recap2_batches(4, torch.zeros(8, 6)), capsys, "batch_shape")


# --- the page does not print the answers ---------------------------------------------------------------------

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
RECAP_OF = {
    "check_recap2_": "02.9-chapter-2-recap.ipynb",
    "check_recap3_": "03.8-chapter-3-recap.ipynb",
    "check_recapa_": "00d-appendix-a-recap.ipynb",
}


def _page(name: str) -> str:
    """What a reader sees without opening a solution: the prose before the self-test and every unfolded output."""
    seen, in_self_test = [], False
    for cell in json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]:
        if "exercise-solution" in (cell.get("metadata", {}).get("tags") or []):
            continue
        source = "".join(cell.get("source", ""))
        in_self_test = in_self_test or source.startswith("## Self-test")
        if cell["cell_type"] == "markdown" and not in_self_test:
            seen.append(source)
        for output in cell.get("outputs", []):
            seen.append("".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(seen)


def _spellings(value: object) -> list[str]:
    """How a page would show an answer that is not a small count: a shape, a large int, a number with decimals."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, tuple | list | torch.Size) and len(value) >= 2:
        return [str(tuple(value)), str(list(value))]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 100:
        return [str(value), f"{value:,}"]
    if isinstance(value, float) and value != int(value):
        return [f"{value:.3f}", f"{value:.4f}"]
    return []


@pytest.mark.parametrize("name", RECAP_CHECKS)
def test_the_page_does_not_print_the_answer(name):
    """A self-test question asks for something new: its answer is printed nowhere outside the folded solutions."""
    page = _page(next(notebook for prefix, notebook in RECAP_OF.items() if name.startswith(prefix)))
    shown = [s for value in RIGHT[name] for s in _spellings(value) if s in page]
    assert shown == [], f"{name}: the recap already prints {shown}"


def test_a_printed_answer_would_be_found():
    assert _spellings((2, 5, 768)) == ["(2, 5, 768)", "[2, 5, 768]"]
    assert _spellings(38597376) == ["38597376", "38,597,376"] and _spellings(6) == []
    assert _spellings(torch.tensor(-0.53788)) == ["-0.538", "-0.5379"]
