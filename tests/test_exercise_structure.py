"""Every notebook's exercises test the reader's own answer: a static reading of the .ipynb JSON.

The order an exercise must follow (notebook-shape.md §7): the question, the
reader's cell with a placeholder, the check call, then the worked solution,
tagged ``exercise-solution`` and folded, with its own names and ending in its
own check call. So, for every notebook in ``notebooks/``:

1. a solution (a run of consecutive cells tagged ``exercise-solution``) comes
   after a cell outside the solutions that calls the same ``check_*``;
2. every name a check call outside the solutions reads is defined outside the
   solutions, before the call, so that a reader who skips the folded cell gets
   the check's hint, not a ``NameError``;
3. a solution assigns none of the names those check calls read (Run All would
   otherwise overwrite the reader's answer before a later check);
4. every solution cell is tagged and folded (``source_hidden``, and
   ``outputs_hidden`` for code), and no other cell is folded;
5. each solution's last code cell ends with a call of its own check;
6. the saved outputs agree: a check outside the solutions printed ``❌`` (the
   placeholder) and no ``✅``; a solution's check printed ``✅``.

A run with the solutions removed (``learner_path.py --run``) proves the same
dynamically, but takes minutes; this reading takes well under a second.
"""

from __future__ import annotations

import ast
import builtins
import copy
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTION = "exercise-solution"


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags") or []


def _is_solution(cell: dict) -> bool:
    return SOLUTION in _tags(cell)


def _folded(cell: dict) -> dict:
    jupyter = cell.get("metadata", {}).get("jupyter") or {}
    return {key: jupyter.get(key) is True for key in ("source_hidden", "outputs_hidden")}


def _parse(source: str) -> ast.Module | None:
    """The cell as Python, IPython's ``%magic`` and ``!shell`` lines blanked out; None if it still does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _is_check_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_")


def check_calls(tree: ast.Module) -> list[tuple[str, int, set[str]]]:
    """``(check name, line, names its arguments read)`` for each ``check_*(...)`` call in the cell."""
    calls = []
    for node in ast.walk(tree):
        if _is_check_call(node):
            read = {
                n.id
                for arg in [*node.args, *(k.value for k in node.keywords)]
                for n in ast.walk(arg)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
            calls.append((node.func.id, node.lineno, read))
    return sorted(calls, key=lambda call: call[1])


def defined_names(tree: ast.Module, before_line: int | None = None) -> set[str]:
    """Names a cell binds (assignments, imports, defs, loop and ``with`` targets), optionally before a line."""
    names = set()
    for node in ast.walk(tree):
        if before_line is not None and getattr(node, "lineno", 0) >= before_line:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _last_statement_checks(tree: ast.Module) -> str | None:
    """The check a cell ends with: its last statement is ``check_x(...)`` or ``name = check_x(...)``."""
    if not tree.body:
        return None
    last = tree.body[-1]
    value = last.value if isinstance(last, ast.Expr | ast.Assign | ast.AnnAssign) else None
    return value.func.id if value is not None and _is_check_call(value) else None


def _printed(cell: dict) -> str:
    return "".join(_source({"source": out.get("text", "")}) for out in cell.get("outputs", []))


def problems(notebook: dict, name: str) -> list[str]:
    """Every way the exercises of ``notebook`` (called ``name`` in messages) break the rules above."""
    found: list[str] = []
    cells = notebook.get("cells", [])
    defined: set[str] = set(dir(builtins))
    read_by_checks: dict[str, int] = {}  # a name a reader's check reads -> the cell of that check
    checked: dict[str, int] = {}  # a check a cell outside the solutions calls -> the first such cell
    solution_cells: list[int] = []

    for index, cell in enumerate(cells):
        where = f"{name}: cell {index}"
        folded = _folded(cell)
        if _is_solution(cell):
            solution_cells.append(index)
            if not folded["source_hidden"] or (cell["cell_type"] == "code" and not folded["outputs_hidden"]):
                found.append(
                    f"{where} is tagged {SOLUTION} but not folded (metadata.jupyter.source_hidden/outputs_hidden)"
                )
            continue
        if any(folded.values()):
            found.append(f"{where} is folded but not tagged {SOLUTION}: fold solutions only")
        if cell["cell_type"] != "code":
            continue
        tree = _parse(_source(cell))
        if tree is None:
            continue
        for check, line, read in check_calls(tree):
            visible = defined | defined_names(tree, before_line=line)
            for missing in sorted(read - visible):
                found.append(
                    f"{where}: {check} reads {missing!r}, which no cell outside the solutions defines before it"
                )
            for variable in read:
                read_by_checks.setdefault(variable, index)
            checked.setdefault(check, index)
            said = _printed(cell)
            if "✅" in said:
                found.append(f"{where}: the saved output of {check} says ✅ before any solution ran")
            elif "❌" not in said:
                found.append(f"{where}: the saved output of {check} shows no ❌ (the reader's placeholder should fail)")
        defined |= defined_names(tree)

    for group in _runs(solution_cells):
        where = f"{name}: solution at cell {group[0]}"
        code_cells = [i for i in group if cells[i]["cell_type"] == "code"]
        if not code_cells:
            found.append(f"{where} has no code cell: a solution ends with its own check call")
            continue
        trees = {i: _parse(_source(cells[i])) for i in code_cells}
        last_tree = trees[code_cells[-1]]
        check = _last_statement_checks(last_tree) if last_tree is not None else None
        if check is None:
            found.append(f"{where} does not end with a check_* call (cell {code_cells[-1]}'s last statement)")
        elif checked.get(check, len(cells)) > group[0]:
            found.append(f"{where} ends with {check}, but no cell outside the solutions called {check} before it")
        elif "✅" not in _printed(cells[code_cells[-1]]):
            found.append(f"{where}: the saved output of its {check} shows no ✅ (the solution should pass)")
        for i, tree in trees.items():
            for variable in sorted(defined_names(tree) if tree is not None else ()):
                if variable in read_by_checks:
                    found.append(
                        f"{name}: solution cell {i} assigns {variable!r}, the reader's answer "
                        f"that cell {read_by_checks[variable]}'s check reads: give the solution its own names"
                    )
    return found


def _runs(indices: list[int]) -> list[list[int]]:
    """Consecutive runs: [3, 4, 9] -> [[3, 4], [9]]."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def problems_in_file(path: Path) -> list[str]:
    return problems(json.loads(path.read_text(encoding="utf-8")), path.name)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda path: path.name)
def test_exercises_test_the_readers_answer(path):
    found = problems_in_file(path)
    assert not found, "\n".join(found)


# --- the checker itself, on small synthetic notebooks -------------------------------------------------


def _code(source: str, printed: str = "", tags: tuple[str, ...] = (), folded: bool = False) -> dict:
    metadata: dict = {"tags": list(tags)} if tags else {}
    if folded:
        metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": outputs}


def _md(source: str, **kwargs) -> dict:
    cell = _code(source, **kwargs)
    cell.update(cell_type="markdown")
    cell.pop("outputs")
    return cell


def _good() -> dict:
    return {
        "cells": [
            _md("**Exercise.** Put the answer in `answer`."),
            _code("answer = None"),
            _code("from helpers.exercises import check_x\n\ncorrect = check_x(answer)", "❌ Not yet: ...\n"),
            _code("answer_solution = 42\ncorrect = check_x(answer_solution)", "✅ Correct\n", (SOLUTION,), True),
        ]
    }


def test_a_well_formed_exercise_has_no_problem():
    assert problems(_good(), "good.ipynb") == []


def test_a_solution_before_its_check_is_found():
    nb = _good()
    nb["cells"][2], nb["cells"][3] = nb["cells"][3], nb["cells"][2]
    found = problems(nb, "early.ipynb")
    assert any("early.ipynb: solution at cell 2 ends with check_x, but no cell outside" in p for p in found), found


def test_a_check_reading_a_name_only_the_solution_defines_is_found():
    nb = _good()
    nb["cells"][1] = _md("(no placeholder)")
    found = problems(nb, "nameerror.ipynb")
    assert found == [
        "nameerror.ipynb: cell 2: check_x reads 'answer', which no cell outside the solutions defines before it"
    ]


def test_a_name_defined_later_does_not_count():
    nb = _good()
    nb["cells"].append(_code("answer = 1"))
    nb["cells"][1] = _md("(no placeholder)")
    assert any("reads 'answer'" in p for p in problems(nb, "late.ipynb"))


def test_a_solution_overwriting_the_readers_answer_is_found():
    nb = _good()
    nb["cells"][3]["source"] = "answer = 42\ncorrect = check_x(answer)"
    found = problems(nb, "overwrite.ipynb")
    assert any("solution cell 3 assigns 'answer'" in p and "cell 2's check" in p for p in found), found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c[3]["metadata"].pop("jupyter"), "cell 3 is tagged exercise-solution but not folded"),
        (lambda c: c[3]["metadata"]["jupyter"].pop("outputs_hidden"), "but not folded"),
        (lambda c: c[1]["metadata"].update(jupyter={"source_hidden": True}), "cell 1 is folded but not tagged"),
        (lambda c: c[3].update(source="answer_solution = 42\ncorrect = check_x(answer_solution)\nprint(1)"), "end"),
        (lambda c: c[3].update(source="answer_solution = 42\ncorrect = check_y(answer_solution)"), "called check_y"),
        (lambda c: c[2].update(outputs=[]), "shows no ❌"),
        (lambda c: c[2]["outputs"][0].update(text="✅ Correct\n"), "says ✅ before any solution ran"),
        (lambda c: c[3].update(outputs=[]), "shows no ✅"),
    ],
)
def test_each_rule_is_enforced(change, expected):
    nb = _good()
    change(nb["cells"])
    found = problems(nb, "broken.ipynb")
    assert any(expected in p for p in found), found


def test_a_markdown_solution_before_the_code_solution_is_one_solution():
    nb = _good()
    nb["cells"].insert(3, _md("**Solution.** Count.", tags=(SOLUTION,), folded=True))
    assert problems(nb, "two-cell.ipynb") == []
    nb["cells"][3]["metadata"].pop("tags")  # folded, but no longer tagged
    assert any("cell 3 is folded but not tagged" in p for p in problems(nb, "two-cell.ipynb"))


def test_magics_and_imports_are_understood():
    nb = _good()
    nb["cells"][1]["source"] = "%xmode Minimal\nimport numpy as answer"
    assert problems(nb, "magic.ipynb") == []


def test_a_broken_copy_of_a_real_notebook_fails(tmp_path):
    """Move 00's first solution before its check, in a copy: the checker must say so, naming notebook and cell."""
    original = NOTEBOOKS / "00-appendix-a-pytorch-primer.ipynb"
    nb = json.loads(original.read_text(encoding="utf-8"))
    assert problems(nb, original.name) == []
    broken = copy.deepcopy(nb)
    first = next(i for i, c in enumerate(broken["cells"]) if _is_solution(c))
    check = max(
        i for i in range(first) if "check_" in _source(broken["cells"][i]) and broken["cells"][i]["cell_type"] == "code"
    )
    broken["cells"].insert(check, broken["cells"].pop(first))  # the solution now runs before the reader's check
    path = tmp_path / original.name
    path.write_text(json.dumps(broken), encoding="utf-8")
    found = problems_in_file(path)
    assert any(
        p.startswith(f"{original.name}: solution at cell {check} ends with check_a_2, but no cell") for p in found
    ), found
