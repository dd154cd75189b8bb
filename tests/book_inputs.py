"""The book's chapter-3 example: 3-d embeddings of "Your journey starts with one step".

One copy lives in :mod:`helpers.experiments.explorer` (the explorer starts from it); the tests
read it from there, as independent fixed data the notebooks also print.
"""

from helpers.experiments.explorer import BOOK_INPUTS, BOOK_SENTENCE

TOKENS = BOOK_SENTENCE.split()

__all__ = ["BOOK_INPUTS", "TOKENS"]
