"""The self-tests of the three recaps: predict on a new input, then check.

Each question of ``02.9-chapter-2-recap``, ``03.8-chapter-3-recap`` and
``00d-appendix-a-recap`` has one check here (``check_recap2_*``,
``check_recap3_*``, ``check_recapa_*``). The inputs are new (not the book's),
so the answers are printed nowhere; each check computes or states the right
value and, like every check (:mod:`helpers.exercises.checking`), prints one
``✅``/``❌`` line and returns a bool. A hint points at the step, never at the
value. A "why" question takes a letter (``"A"`` to ``"D"``).

>>> check_recap2_split(None)
❌ Not yet: num_tokens is None: replace None with your answer (an int)
False
>>> check_recap3_masked_count(21)
✅ Correct: 7 tokens have 7·6/2 = 21 (query, later key) pairs, each masked.
True
"""

from __future__ import annotations

import math

import torch

from helpers.exercises.answers import (
    close_to,
    integer_answer,
    ints_answer,
    letter_answer,
    placeholder,
    real_answer,
    sequence_answer,
    shape_answer,
)
from helpers.exercises.checking import checker, expect

__all__ = [
    "check_recap2_batches",
    "check_recap2_bpe_pieces",
    "check_recap2_embedding",
    "check_recap2_onehot",
    "check_recap2_positions",
    "check_recap2_relative",
    "check_recap2_split",
    "check_recap2_v2_ids",
    "check_recap2_vocab_id",
    "check_recap2_windows",
    "check_recap3_attention_weights",
    "check_recap3_causal_line",
    "check_recap3_context_vector",
    "check_recap3_dropout",
    "check_recap3_masked_count",
    "check_recap3_mha",
    "check_recap3_normalise",
    "check_recap3_scaled_score",
    "check_recap3_selfattention_shapes",
    "check_recap3_wrapper_shape",
    "check_recapa_accumulate",
    "check_recapa_batches",
    "check_recapa_chain_rule",
    "check_recapa_ddp_gradient",
    "check_recapa_loop",
    "check_recapa_mps",
    "check_recapa_params",
    "check_recapa_shards",
    "check_recapa_state_dict",
    "check_recapa_tensor",
]


# --- chapter 2 ------------------------------------------------------------------------------------------------


@checker
def check_recap2_onehot(onehot_length: object, onehot_distance: object) -> str:
    """2.1: one-hot vectors of a 7,000-word vocabulary: their length, and the distance between two of them."""
    length, distance = integer_answer(onehot_length, "onehot_length"), real_answer(onehot_distance, "onehot_distance")
    expect(length == 7000, "onehot_length: a one-hot vector has one entry per word of the vocabulary")
    expect(close_to(distance, math.sqrt(2)), "onehot_distance: two different one-hot vectors differ in two entries")
    return "7,000 numbers, one of them 1; any two words are √2 apart, related or not."


@checker
def check_recap2_split(num_tokens: object) -> str:
    """2.2: how many tokens the book's regex makes of "Well, well--it's late."."""
    from helpers.tokenizers import split_text

    count, right = integer_answer(num_tokens, "num_tokens"), len(split_text("Well, well--it's late."))
    expect(count != 5, "num_tokens: the regex also splits off punctuation, the double dash and the apostrophe")
    expect(count == right, "num_tokens: list the pieces: words, each punctuation mark, '--', and the apostrophe")
    return f"{right} tokens: the apostrophe and '--' are tokens of their own, whitespace is dropped."


@checker
def check_recap2_vocab_id(sat_id: object) -> str:
    """2.3: the id of "sat" in the sorted vocabulary of "the cat sat on the mat"."""
    answer = integer_answer(sat_id, "sat_id")
    expect(answer != 2, "sat_id: the vocabulary holds each distinct token once ('the' appears twice)")
    expect(answer == 3, "sat_id: sort the distinct tokens alphabetically and count from 0")
    return "cat 0, mat 1, on 2, sat 3, the 4: ids follow the sorted distinct tokens."


@checker
def check_recap2_v2_ids(v2_ids: object) -> str:
    """2.4: SimpleTokenizerV2's ids for "the dog sat", vocabulary of "the cat sat on the mat" plus the two specials."""
    ids = ints_answer(v2_ids, "v2_ids")
    expect(len(ids) == 3, "v2_ids: one id per token of 'the dog sat'")
    expect(ids[1] != 5, "v2_ids: 'dog' is unknown, and <|endoftext|> marks a text boundary, not an unknown word")
    expect(ids == [4, 6, 3], "v2_ids: the special tokens come after the 5 words, <|endoftext|> first")
    return "[4, 6, 3]: 'dog' becomes <|unk|> (id 6), and decoding cannot bring it back."


@checker
def check_recap2_bpe_pieces(max_pieces: object) -> str:
    """2.5: at most how many GPT-2 tokens an unseen 6-letter word with one "é" becomes."""
    answer = integer_answer(max_pieces, "max_pieces")
    expect(answer != 1, "max_pieces: an unseen word has no entry of its own; it is spelled in smaller pieces")
    expect(answer != 6, "max_pieces: count bytes, not letters: how many bytes is é in UTF-8?")
    expect(answer == 7, "max_pieces: what is the smallest piece BPE's vocabulary always contains, and how many?")
    return "7: é is 2 bytes in UTF-8; at worst one token per byte, and every byte is in the vocabulary."


@checker
def check_recap2_windows(num_windows: object, second_target: object) -> str:
    """2.6: ids 10..19, max_length=4, stride=2: the number of windows, and the second window's target."""
    count, target = integer_answer(num_windows, "num_windows"), ints_answer(second_target, "second_target")
    right = len(range(0, 10 - 4, 2))
    expect(count != 4, "num_windows: a window needs one id after it for its last target")
    expect(count == right, "num_windows: count the starts 0, stride, 2·stride, ... that leave room for the target")
    expect(target != [12, 13, 14, 15], "second_target: that is the second input; the target is one token on")
    expect(target == [13, 14, 15, 16], "second_target: the second window starts at index stride")
    return f"{right} windows; the second input is [12, 13, 14, 15] and its target [13, 14, 15, 16]."


@checker
def check_recap2_batches(num_batches: object, batch_shape: object) -> str:
    """2.6: 210 ids, max_length=6, stride=6, batch_size=8, drop_last=True: batches per epoch, and their shape."""
    count, shape = integer_answer(num_batches, "num_batches"), shape_answer(batch_shape, "batch_shape")
    windows = len(range(0, 210 - 6, 6))
    expect(count != 5, "num_batches: drop_last=True drops the short last batch")
    expect(count == windows // 8, "num_batches: first count the windows (each needs a target id after it)")
    expect(shape == (8, 6), "batch_shape: (windows per batch, tokens per window)")
    return f"{windows} windows make {windows // 8} full batches of shape (8, 6); the last {windows % 8} are dropped."


@checker
def check_recap2_embedding(table_params: object, lookup_shape: object) -> str:
    """2.7: nn.Embedding(50257, 768): its number of weights, and the output shape for ids of shape (2, 5)."""
    params, shape = integer_answer(table_params, "table_params"), shape_answer(lookup_shape, "lookup_shape")
    expect(params == 50257 * 768, "table_params: one row of output_dim numbers per token id")
    expect(shape != (2, 5), "lookup_shape: each id becomes a whole row")
    expect(shape == (2, 5, 768), "lookup_shape: the ids' shape, then one more axis for the row")
    return f"{50257 * 768:,} trainable numbers; (2, 5) ids become (2, 5, 768) vectors."


@checker
def check_recap2_positions(pos_shape: object, input_shape: object) -> str:
    """2.8: context_length=256, output_dim=64, ids (3, 10): pos_emb(torch.arange(10)), and the input embeddings."""
    pos, total = shape_answer(pos_shape, "pos_shape"), shape_answer(input_shape, "input_shape")
    expect(pos != (256, 64), "pos_shape: that is the whole table; torch.arange(10) looks up only some rows")
    expect(pos == (10, 64), "pos_shape: one row per position of the sequence")
    expect(total == (3, 10, 64), "input_shape: the (10, 64) positions broadcast over the batch of token embeddings")
    return "(10, 64) position rows, added to every sequence: input embeddings (3, 10, 64)."


@checker
def check_recap2_relative(new_rows: object, offset: object) -> str:
    """2.8: a phrase at positions 3-5 moves two tokens later: its pos_emb rows, and its first-to-last offset."""
    rows, gap = ints_answer(new_rows, "new_rows"), integer_answer(offset, "offset")
    expect(rows != [3, 4, 5], "new_rows: the table has one row per index; at which indices does the phrase sit now?")
    expect(rows == [5, 6, 7], "new_rows: add the move to each of the positions 3, 4, 5")
    expect(gap == 2, "offset: the last token's position minus the first's, before and after the move")
    return "rows 5, 6, 7: new absolute vectors; the offset (2) is the same, and a relative scheme sees only that."


# --- chapter 3 ------------------------------------------------------------------------------------------------


@checker
def check_recap3_attention_weights(num_weights: object, equal_weight: object) -> str:
    """3.2: a decoder attends over 12 encoder states for 5 output steps: weights in all, and each if scores tie."""
    count, weight = integer_answer(num_weights, "num_weights"), real_answer(equal_weight, "equal_weight")
    expect(count != 12, "num_weights: the decoder computes a fresh set of weights at every output step")
    expect(count == 60, "num_weights: one weight per input state, at each output step")
    expect(close_to(weight, 1 / 12), "equal_weight: the softmax of 12 equal scores; the weights sum to 1")
    return "5 steps × 12 states = 60 weights; with equal scores each is 1/12 ≈ 0.0833."


def _context_vector() -> list[float]:
    inputs = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return (torch.softmax(inputs[2] @ inputs.T, dim=0) @ inputs).tolist()


@checker
def check_recap3_context_vector(z3: object) -> str:
    """3.3: the context vector of x3 = [1, 1] among x1 = [1, 0], x2 = [0, 1], x3, with weight-free attention."""
    values = [real_answer(v, "z3") for v in sequence_answer(z3, "z3", "two numbers, such as [0.1, 0.2]")]
    right = _context_vector()
    expect(len(values) == 2, "z3: a context vector has as many numbers as an input (2)")
    expect(not close_to(values[0], 2 / 3, 2), "z3: that divides by the sum; use the softmax of the scores")
    expect(all(close_to(v, r) for v, r in zip(values, right, strict=True)), "z3: scores x3·xj, softmax, then Σ α_j x_j")
    return f"[{right[0]:.4f}, {right[1]:.4f}]: x3 scores 1, 1, 2, so it weighs itself most."


@checker
def check_recap3_normalise(divided_first: object, softmax_first: object) -> str:
    """3.3: scores [2, -1, 0]: the first weight when dividing by the sum, and with the softmax."""
    divided, soft = real_answer(divided_first, "divided_first"), real_answer(softmax_first, "softmax_first")
    right = torch.softmax(torch.tensor([2.0, -1.0, 0.0]), dim=0)[0].item()
    expect(close_to(divided, 2.0), "divided_first: 2 divided by the sum of the three scores")
    expect(close_to(soft, right), "softmax_first: e^2 / (e^2 + e^-1 + e^0)")
    return f"2.0 against {right:.4f}: dividing by the sum gives a weight above 1 (and a negative one); softmax cannot."


@checker
def check_recap3_selfattention_shapes(weights_shape: object, context_shape: object, num_params: object) -> str:
    """3.4: SelfAttention_v2(d_in=5, d_out=3) on inputs (7, 5): weights, context vectors, parameters."""
    weights, context = shape_answer(weights_shape, "weights_shape"), shape_answer(context_shape, "context_shape")
    params = integer_answer(num_params, "num_params")
    expect(weights == (7, 7), "weights_shape: one weight per (query token, key token) pair")
    expect(context != (7, 5), "context_shape: the values are projected to d_out")
    expect(context == (7, 3), "context_shape: one context vector of d_out numbers per token")
    expect(params != 15, "num_params: there are three projections, query, key and value")
    expect(params == 45, "num_params: three d_in × d_out matrices, no bias")
    return "weights (7, 7), context vectors (7, 3), 3 × 5 × 3 = 45 parameters."


@checker
def check_recap3_scaled_score(unscaled_std: object, scaled_std: object) -> str:
    """3.4: the spread (std) of q·k for random unit-variance q, k with d_k = 100, before and after scaling (±10%)."""
    unscaled, scaled = real_answer(unscaled_std, "unscaled_std"), real_answer(scaled_std, "scaled_std")
    expect(abs(unscaled - 100) > 10, "unscaled_std: 100 is the variance of the sum; the std is its square root")
    expect(abs(unscaled - 10) <= 1, "unscaled_std: q·k adds d_k products, each of variance 1")
    expect(abs(scaled - 0.1) > 0.01, "scaled_std: dividing by √d_k divides the std by √d_k, once")
    expect(abs(scaled - 1) <= 0.1, "scaled_std: the unscaled std divided by √d_k")
    return "about 10 (the std of a sum of 100 unit-variance products is √100), and about 1 after ÷√d_k at any d_k."


@checker
def check_recap3_causal_line(causal_choice: object) -> str:
    """3.5: which of four masking lines lets a token see later tokens (a letter)."""
    hints = {
        "A": "causal_choice: print A's mask for T = 3: which (query, key) entries does it hide?",
        "B": "causal_choice: print B's mask for T = 3: is any key after its query left visible?",
        "C": "causal_choice: print C's tril(ones(3, 3)) and the weights it keeps for T = 3",
    }
    letter = letter_answer(causal_choice, "causal_choice")
    expect(letter == "D", hints.get(letter, ""))
    return "D: tril(..., diagonal=-1) masks the past and keeps every later token visible."


@checker
def check_recap3_masked_count(num_masked: object) -> str:
    """3.5: how many of a 7-token sequence's attention weights the causal mask sets to 0."""
    value = integer_answer(num_masked, "num_masked")
    expect(value != 28, "num_masked: the diagonal stays visible (a token sees itself)")
    expect(value == 21, "num_masked: count the entries above the diagonal of a 7 × 7 matrix")
    return "7 tokens have 7·6/2 = 21 (query, later key) pairs, each masked."


@checker
def check_recap3_dropout(train_value: object, eval_value: object) -> str:
    """3.5: dropout p=0.2 on a kept weight of 0.3, in training and in eval mode."""
    train, evaluation = real_answer(train_value, "train_value"), real_answer(eval_value, "eval_value")
    expect(not close_to(train, 0.24), "train_value: the kept values are scaled up, not down")
    expect(close_to(train, 0.375), "train_value: a kept value is divided by 1 - p")
    expect(close_to(evaluation, 0.3), "eval_value: what does dropout do in eval mode?")
    return "0.3 / 0.8 = 0.375 in training, 0.3 unchanged in eval mode."


@checker
def check_recap3_wrapper_shape(wrapper_shape: object) -> str:
    """3.6: MultiHeadAttentionWrapper(d_in=3, d_out=4, num_heads=3) on (2, 6, 3)."""
    shape = shape_answer(wrapper_shape, "wrapper_shape")
    expect(shape != (2, 6, 4), "wrapper_shape: in the wrapper d_out is per head, and the heads are concatenated")
    expect(shape == (2, 6, 12), "wrapper_shape: (batch, tokens, heads × d_out)")
    return "(2, 6, 12): three heads of 4 features, side by side."


@checker
def check_recap3_mha(head_dim: object, weights_shape: object, num_params: object) -> str:
    """3.6: MultiHeadAttention(d_in=8, d_out=12, num_heads=3, qkv_bias=False) on (2, 5, 8)."""
    dim, weights = integer_answer(head_dim, "head_dim"), shape_answer(weights_shape, "weights_shape")
    params = integer_answer(num_params, "num_params")
    expect(dim == 4, "head_dim: d_out is the total, split evenly over the heads")
    expect(weights == (2, 3, 5, 5), "weights_shape: (batch, heads, query tokens, key tokens)")
    expect(params != 432, "num_params: out_proj is an nn.Linear with its bias")
    expect(params == 3 * 8 * 12 + 12 * 12 + 12, "num_params: three d_in × d_out projections, plus out_proj")
    return "head_dim 4, weights (2, 3, 5, 5), 3·8·12 + 12·12 + 12 = 444 parameters."


# --- appendix A -----------------------------------------------------------------------------------------------


@checker
def check_recapa_mps(device_choice: object) -> str:
    """A.1/A.9: which line says whether PyTorch can use an Apple-silicon GPU (a letter)."""
    hints = {
        "A": "device_choice: a PyTorch can be built with MPS and still run where there is no Apple GPU",
        "C": "device_choice: does naming a device check anything? Try it on a machine without one",
        "D": "device_choice: what is the default device unless you set it?",
    }
    letter = letter_answer(device_choice, "device_choice")
    expect(letter == "B", hints.get(letter, ""))
    return "B: torch.backends.mps.is_available(); is_built() only says this PyTorch was compiled with MPS."


@checker
def check_recapa_tensor(product_dtype: object, product_shape: object) -> str:
    """A.2: t = torch.tensor([[1, 2, 3], [4, 5, 6]]): the dtype and shape of t.T @ t."""
    placeholder(product_dtype, "product_dtype", "a torch dtype, such as torch.float32")
    shape = shape_answer(product_shape, "product_shape")
    expect(isinstance(product_dtype, torch.dtype), "product_dtype: give a torch dtype, such as torch.float32")
    expect(product_dtype == torch.int64, "product_dtype: what dtype do Python ints become?")
    expect(shape == (3, 3), "product_shape: (3, 2) @ (2, 3)")
    return "torch.int64 (ints stay ints), shape (3, 3)."


@checker
def check_recapa_chain_rule(grad_w1: object) -> str:
    """A.3-A.4: ∂L/∂w1 for y=1, x1=2.0, w1=0.5, b=0, L the binary cross-entropy of sigmoid(w1·x1 + b)."""
    value = real_answer(grad_w1, "grad_w1")
    right = ((torch.sigmoid(torch.tensor(1.0)) - 1.0) * 2.0).item()
    expect(value < 0, "grad_w1: raising w1 raises a and lowers the loss, so the gradient is negative")
    expect(close_to(value, right), "grad_w1: chain rule: ∂L/∂a · ∂a/∂z · ∂z/∂w1 = (a − y) · x1")
    return f"(sigmoid(1) − 1) · 2 = {right:.4f}."


@checker
def check_recapa_accumulate(grad_after_two: object) -> str:
    """A.4/A.7: w = 2.0; backward() on 3·w, then on w**2, without zero_grad: w.grad."""
    value = real_answer(grad_after_two, "grad_after_two")
    expect(not close_to(value, 4.0), "grad_after_two: the first gradient is still in .grad")
    expect(close_to(value, 7.0), "grad_after_two: backward() adds each gradient to .grad")
    return "3 + 2·2 = 7.0: gradients accumulate until zero_grad() clears them."


@checker
def check_recapa_params(num_params: object) -> str:
    """A.5: parameters of the book's NeuralNetwork(num_inputs=10, num_outputs=2)."""
    value = integer_answer(num_params, "num_params")
    expect(value != 950, "num_params: every nn.Linear has a bias too")
    expect(value == 10 * 30 + 30 + 30 * 20 + 20 + 20 * 2 + 2, "num_params: layers 10→30→20→2, weights and biases")
    return "330 + 620 + 42 = 992."


@checker
def check_recapa_batches(num_batches: object, last_size: object) -> str:
    """A.6: 10 examples, batch_size=4: batches with drop_last=True, and the last batch's size with drop_last=False."""
    count, last = integer_answer(num_batches, "num_batches"), integer_answer(last_size, "last_size")
    expect(count == 2, "num_batches: drop_last=True keeps only full batches")
    expect(last == 2, "last_size: what is left after the full batches?")
    return "2 full batches (the 2 extra examples are dropped); without drop_last a third batch holds 2."


@checker
def check_recapa_loop(loop_choice: object) -> str:
    """A.7: what a loop doing zero_grad(), step(), backward() in that order does to the weights (a letter)."""
    hints = {
        "A": "loop_choice: what gradient does step() see right after zero_grad()?",
        "C": "loop_choice: each line is legal PyTorch; nothing raises",
        "D": "loop_choice: zero_grad() clears the late gradient before step() can use it",
    }
    letter = letter_answer(loop_choice, "loop_choice")
    expect(letter == "B", hints.get(letter, ""))
    return "B: step() always finds the gradients cleared, so the weights never change."


@checker
def check_recapa_state_dict(num_entries: object) -> str:
    """A.8: how many tensors the state_dict of the book's NeuralNetwork(2, 2) holds."""
    value = integer_answer(num_entries, "num_entries")
    expect(value != 3, "num_entries: each layer stores more than one tensor")
    expect(value == 6, "num_entries: count the nn.Linear layers, then their tensors")
    return "6: a weight and a bias for each of the 3 linear layers."


@checker
def check_recapa_shards(per_rank: object, padded_total: object) -> str:
    """A.9.3: DistributedSampler with 7 examples over 3 ranks: examples per rank, and the padded total."""
    each, total = integer_answer(per_rank, "per_rank"), integer_answer(padded_total, "padded_total")
    expect(each == math.ceil(7 / 3), "per_rank: every rank takes as many examples (rounded up)")
    expect(total == 3 * math.ceil(7 / 3), "padded_total: ranks × examples per rank")
    return "3 per rank, 9 in all: two examples are read twice."


@checker
def check_recapa_ddp_gradient(weight_after: object) -> str:
    """A.9.3: w = 1.0, SGD lr 0.5, two ranks with gradients 0.6 and 0.2: w on every rank after one step."""
    value = real_answer(weight_after, "weight_after")
    expect(
        not close_to(value, 0.6),
        "weight_after: that steps with the two gradients added; what does A.9's all-reduce compute?",
    )
    expect(
        not (close_to(value, 0.7) or close_to(value, 0.9)),
        "weight_after: after the all-reduce every rank holds the same gradient, so every rank the same weight",
    )
    expect(close_to(value, 0.8), "weight_after: w − lr · g, with g the one gradient the ranks agree on")
    return "1.0 − 0.5 · (0.6 + 0.2)/2 = 0.8 on both ranks: the mean keeps the ranks identical."
