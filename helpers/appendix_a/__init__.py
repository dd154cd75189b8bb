"""Appendix A's infrastructure: the toy network and data, device choice, the DDP scripts and their launcher.

Not the book's chapter 2-3 components (the top of ``helpers``), nor the Why? lab (``helpers.experiments``).
"""
