"""Check your answer: one function per exercise in these notebooks.

Each ``check_...`` function takes what its exercise asks you to build, prints
one line, and returns ``True`` when the answer is right: ``✅ Correct: ...``
with what the answer shows, or ``❌ Not yet: ...`` with a hint towards the fix,
never a traceback (see :mod:`helpers.exercises.checking`). The book's
exercises are ``check_<chapter>_<number>``.

Where each lives: :mod:`~helpers.exercises.appendix_a`,
:mod:`~helpers.exercises.chapter2` and :mod:`~helpers.exercises.chapter3` hold
the checks of those chapters' notebooks (each module lists its exercises and
notebooks); import them from here::

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
]
