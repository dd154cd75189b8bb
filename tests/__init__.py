"""The test suite: a package, so test utilities are imported one way (``from tests.nbtools import ...``)."""
