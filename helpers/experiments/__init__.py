"""The Why? lab and the figures: small models, seed ensembles, timers, attention variants, the explorer, plots.

Not the book's components (the top of ``helpers``), nor appendix A's devices and DDP (``helpers.appendix_a``).
"""
