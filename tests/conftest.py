"""Test-suite wiring shared by every test module.

Tests that run the real HTML export of the whole repository (they use the
``exported`` fixture of ``tests/test_export.py``) take most of the unit-test
time, so they are marked ``slow``: ``python tools/dev.py test-fast`` (``make
test-fast``) leaves them out with ``-m "not slow"``; ``make test`` runs them.
"""

from __future__ import annotations

import pytest

SLOW_FIXTURES = {"exported"}
"""Fixtures that make a test slow: the real export of every notebook."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a slow fixture as ``slow``."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
