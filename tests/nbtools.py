"""Run the teaching code of a notebook inside a test.

A notebook builds a component step by step in code cells tagged ``teaching``
(cell metadata ``"tags": ["teaching"]``); its imports sit in a cell tagged
``setup``. :func:`notebook_namespace` executes just those cells, in order, and
returns the names they define, so a test can compare the notebook's version of
a component with the one in ``helpers``.
"""

from __future__ import annotations

import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def tagged_sources(notebook: str, tags: tuple[str, ...] = ("setup", "teaching")) -> list[str]:
    """The source of each code cell of ``notebooks/<notebook>`` carrying one of ``tags``."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    return [
        "".join(cell["source"])
        for cell in cells
        if cell["cell_type"] == "code" and set(cell.get("metadata", {}).get("tags", [])) & set(tags)
    ]


def notebook_namespace(notebook: str, tags: tuple[str, ...] = ("setup", "teaching")) -> dict:
    """Execute the tagged cells of a notebook and return the resulting globals."""
    sources = tagged_sources(notebook, tags)
    if not sources:
        raise ValueError(f"{notebook} has no cells tagged {tags}")
    namespace: dict = {"__name__": f"notebook:{notebook}"}
    for source in sources:
        exec(compile(source, f"{notebook}", "exec"), namespace)
    return namespace
