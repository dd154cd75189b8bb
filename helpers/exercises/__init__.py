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
from helpers.exercises.chapter2 import check_2_1, check_2_2
from helpers.exercises.chapter3 import (
    check_3_1,
    check_3_2,
    check_3_3,
    check_bottleneck_bits,
    check_gpt2_attention_memory,
    check_most_attended,
)

__all__ = ["check_2_1", "check_2_2", "check_3_1", "check_3_2", "check_3_3"]
__all__ += ["check_a_1", "check_a_2", "check_a_3", "check_a_4", "check_rank_shards"]
__all__ += ["check_bottleneck_bits", "check_gpt2_attention_memory", "check_most_attended"]
