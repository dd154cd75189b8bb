"""Test-suite wiring shared by every test module.

The HTML export tests (``tests/test_export.py``: nbconvert renders notebooks,
and one fixture exports the whole repository) and the tests that launch DDP
processes (marked one by one in ``tests/test_ddp.py``) take most of the
unit-test time, so they are marked ``slow``: ``python tools/dev.py test-fast``
(``make test-fast``) leaves them out with ``-m "not slow"``; ``make test`` runs them.
"""

from __future__ import annotations

import pytest

SLOW_MODULES = {"test_export.py"}
"""Test files whose every test is slow: they render notebooks to HTML."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in a slow module as ``slow``."""
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
