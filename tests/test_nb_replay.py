"""tools/nb_replay.py, the stand-in for nbval on a machine without Jupyter: it must catch what nbval catches."""

from __future__ import annotations

import json

from tools.nb_replay import replay


def _notebook(tmp_path, *cells):
    path = tmp_path / "small.ipynb"
    path.write_text(json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def _code(source, printed="", tags=(), error=None):
    outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
    if error:
        outputs.append({"output_type": "error", "ename": error, "evalue": "", "traceback": []})
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)}, "outputs": outputs}


def test_matching_outputs_and_timings_pass(tmp_path):
    path = _notebook(
        tmp_path,
        _code("x = 2\nprint(x + 1)", "3\n"),
        _code("print(f'took {x * 1.5} s')", "took 9.9 s\n"),  # a timing: sanitised on both sides
        _code("def main(rank):\n    pass\nimport pickle\nprint(len(pickle.dumps(main)) > 0)", "True\n"),
        _code("1 / 0", tags=["raises-exception"], error="ZeroDivisionError"),
        _code("print('anything')", "something else\n", tags=["nbval-ignore-output"]),
    )
    assert replay(path) == []


def test_differences_are_reported(tmp_path):
    path = _notebook(
        tmp_path,
        _code("print(3)", "4\n"),
        _code("print('no error')", tags=["raises-exception"], error="ValueError"),
        _code("undefined_name"),
    )
    problems = replay(path)
    assert len(problems) == 3
    assert "cell 0: printed" in problems[0]
    assert "cell 1: expected ValueError, got no error" in problems[1]
    assert "cell 2: raised NameError" in problems[2]
