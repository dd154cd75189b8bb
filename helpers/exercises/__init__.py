"""Check your answer: one function per exercise in these notebooks.

Each ``check_...`` function takes what its exercise asks you to build, prints
one line, and returns ``True`` when the answer is right: ``✅ Correct: ...``
with what the answer shows, or ``❌ Not yet: ...`` with a hint towards the fix,
never a traceback (see :mod:`helpers.exercises.checking`). The book's
exercises are ``check_<chapter>_<number>``.

Where each lives: :mod:`~helpers.exercises.appendix_a`,
:mod:`~helpers.exercises.chapter2` and :mod:`~helpers.exercises.chapter3` hold
the checks of those chapters' notebooks (each module lists its exercises and
notebooks), :mod:`~helpers.exercises.recaps` the self-tests of the three recaps;
import them from here::

    from helpers.exercises import check_2_2
"""

from helpers.exercises.appendix_a import check_a_1, check_a_2, check_a_3, check_a_4, check_rank_shards
from helpers.exercises.chapter2 import (
    check_2_1,
    check_2_2,
    check_glued_endoftext,
    check_punctuation_share,
    check_round_trip,
    check_round_trip_break,
    check_scaled_cosine,
    check_top_tokens,
    check_window_layout_bytes,
    check_window_layout_ratio,
)
from helpers.exercises.chapter3 import (
    check_3_1,
    check_3_2,
    check_3_3,
    check_bottleneck_bits,
    check_gpt2_attention_memory,
    check_most_attended,
)
from helpers.exercises.recaps import (
    check_recap2_batches,
    check_recap2_bpe_pieces,
    check_recap2_embedding,
    check_recap2_onehot,
    check_recap2_positions,
    check_recap2_relative,
    check_recap2_split,
    check_recap2_v2_ids,
    check_recap2_vocab_id,
    check_recap2_windows,
    check_recap3_attention_weights,
    check_recap3_causal_line,
    check_recap3_context_vector,
    check_recap3_dropout,
    check_recap3_masked_count,
    check_recap3_mha,
    check_recap3_normalise,
    check_recap3_scaled_score,
    check_recap3_selfattention_shapes,
    check_recap3_wrapper_shape,
    check_recapa_accumulate,
    check_recapa_batches,
    check_recapa_chain_rule,
    check_recapa_ddp_gradient,
    check_recapa_loop,
    check_recapa_mps,
    check_recapa_params,
    check_recapa_shards,
    check_recapa_state_dict,
    check_recapa_tensor,
)

__all__ = [
    # the book's exercises
    "check_a_1",
    "check_a_2",
    "check_a_3",
    "check_a_4",
    "check_2_1",
    "check_2_2",
    "check_3_1",
    "check_3_2",
    "check_3_3",
    # the notebooks' own exercises
    "check_bottleneck_bits",
    "check_glued_endoftext",
    "check_gpt2_attention_memory",
    "check_most_attended",
    "check_punctuation_share",
    "check_rank_shards",
    "check_round_trip",
    "check_round_trip_break",
    "check_scaled_cosine",
    "check_top_tokens",
    "check_window_layout_bytes",
    "check_window_layout_ratio",
    # the recaps' self-tests
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
