"""tools/dev.py: when the venv is refreshed, which interpreter each platform uses, how `test` splits the suite,
and how the commands that run notebooks get tiktoken's cache seeded for working offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import tools.dev as dev
from helpers.data import data_file
from tools.dev import COMMANDS, FAST, ROOT, TEST_PARTS, fast_parts, run_together, venv_python

# tiktoken.get_encoding("gpt2") in a process that cannot open a socket: it works only from a seeded cache.
OFFLINE_GPT2 = (
    "import socket\n"
    "def refuse(*args, **kwargs): raise OSError('no network in this test')\n"
    "socket.socket.connect = refuse\n"
    "socket.create_connection = refuse\n"
    "import tiktoken\n"
    "print(tiktoken.get_encoding('gpt2').encode('Hello'))\n"
)


def test_each_platform_gets_its_own_interpreter_path():
    assert venv_python(Path(".venv"), windows=True) == Path(".venv", "Scripts", "python.exe")
    assert venv_python(Path(".venv"), windows=False) == Path(".venv", "bin", "python")


def test_fast_run_leaves_out_notebooks_and_the_slow_tests_and_covers_every_test_file():
    assert FAST[FAST.index("-m", 1) + 1] == "not slow"
    parts = [path for part in fast_parts() for path in part]
    assert not any("notebooks" in path for path in parts) and len(parts) == len(set(parts))
    test_files = {f"tests/{path.name}" for path in (ROOT / "tests").glob("test_*.py")}
    assert {path for path in parts if path.startswith("tests/")} == test_files
    assert "tests/browser" in COMMANDS["test-browser"] and "no:nbval" in COMMANDS["test-browser"]


def test_full_run_covers_every_test_path_once():
    """`make test` runs its two halves side by side; together they are exactly pytest's testpaths."""
    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    parts = [path for part in TEST_PARTS for path in part]
    assert sorted(parts) == sorted(testpaths["testpaths"]) and len(parts) == len(set(parts))


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [((0, 0), 0), ((0, 5), 0), ((5, 0), 0), ((5, 5), 5), ((1, 0), 1), ((0, 2), 2), ((5, 1), 1)],
)
def test_run_together_passes_only_if_every_part_passes(statuses, expected, capfd):
    commands = [[sys.executable, "-c", f"print('part {n}'); raise SystemExit({s})"] for n, s in enumerate(statuses)]
    assert run_together(commands, dict(os.environ)) == expected
    out = capfd.readouterr().out
    assert 0 <= out.index("part 0") < out.index("part 1")  # the second part's output is kept and printed after


@pytest.fixture()
def data_folder(tmp_path) -> Path:
    """An ``LLMFS_DATA_DIR`` holding GPT-2's two files, copied from wherever helpers.data finds them."""
    folder = tmp_path / "data"
    for name in ("gpt2/encoder.json", "gpt2/vocab.bpe"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_file(name), folder / name)
    return folder


def _gpt2_offline(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", OFFLINE_GPT2], env=env, capture_output=True, text=True, timeout=120)


def _seeded(cache: Path) -> bool:
    """Whether ``cache`` holds GPT-2's two files under tiktoken's names (the first test shows tiktoken then loads)."""
    from helpers.data import FILES, GPT2_FILES, sha256_of, tiktoken_cache_name

    paths = {name: cache / tiktoken_cache_name(FILES[name].url) for name in GPT2_FILES}
    return all(path.is_file() and sha256_of(path) == FILES[name].sha256 for name, path in paths.items())


def _base_env() -> dict[str, str]:
    """This environment without any of the variables the offline preparation reads."""
    names = ("LLMFS_DATA_DIR", "TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")
    return {name: value for name, value in os.environ.items() if name not in names}


def test_an_empty_tiktoken_cache_is_seeded_from_the_data_folder(data_folder, tmp_path):
    cache = tmp_path / "empty-cache"
    env = {**_base_env(), "LLMFS_DATA_DIR": str(data_folder), "TIKTOKEN_CACHE_DIR": str(cache)}
    assert _gpt2_offline(env).returncode != 0, "without seeding, tiktoken must need the network here"
    dev.prepare_offline(Path(sys.executable), env)
    result = _gpt2_offline(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[15496]"
    assert env["TIKTOKEN_CACHE_DIR"] == str(cache), "a cache the reader named is kept"


def test_without_a_cache_variable_the_checkout_cache_is_used_and_passed_on(data_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(dev, "TIKTOKEN_CACHE", tmp_path / "project-cache")
    env = {**_base_env(), "LLMFS_DATA_DIR": str(data_folder)}
    dev.prepare_offline(Path(sys.executable), env)
    assert env["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "project-cache")
    assert _seeded(tmp_path / "project-cache"), "the command's processes inherit the seeded cache"


def test_tiktokens_other_cache_variable_is_respected(data_folder, tmp_path):
    env = {**_base_env(), "LLMFS_DATA_DIR": str(data_folder), "DATA_GYM_CACHE_DIR": str(tmp_path / "gym")}
    dev.prepare_offline(Path(sys.executable), env)
    assert "TIKTOKEN_CACHE_DIR" not in env
    assert _seeded(tmp_path / "gym")


def test_nothing_is_seeded_without_a_data_folder(tmp_path):
    env = {**_base_env(), "TIKTOKEN_CACHE_DIR": str(tmp_path / "cache")}
    dev.prepare_offline(Path("no-such-python"), env)  # would fail if it tried to run anything
    assert not (tmp_path / "cache").exists()


def test_a_failed_seeding_warns_and_the_command_still_runs(tmp_path, capsys):
    env = {**_base_env(), "LLMFS_DATA_DIR": str(tmp_path / "missing"), "TIKTOKEN_CACHE_DIR": str(tmp_path / "c")}
    dev.prepare_offline(Path(sys.executable), env)
    assert "warning" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["lab", "test", "test-fast", "test-browser", "notebooks"])
def test_every_command_that_runs_notebooks_prepares_offline_first(command, monkeypatch):
    calls = []
    monkeypatch.setattr(dev, "ensure_venv", lambda: Path(sys.executable))
    monkeypatch.setattr(dev, "prepare_offline", lambda python, env: calls.append("prepare"))
    monkeypatch.setattr(dev, "run", lambda args, env=None: calls.append("run") or 0)
    monkeypatch.setattr(dev, "run_together", lambda commands, env: calls.append("run") or 0)
    monkeypatch.setattr(dev, "notebook_paths", lambda patterns: ["notebooks/x.ipynb"])
    monkeypatch.setattr(dev, "merge_streams", lambda notebook: False)
    assert dev.main([command]) == 0
    assert calls[:2] == ["prepare", "run"]


@pytest.mark.parametrize("command", ["lint", "html", "venv"])
def test_commands_that_run_no_notebook_seed_nothing(command, monkeypatch):
    calls = []
    monkeypatch.setattr(dev, "ensure_venv", lambda: Path(sys.executable))
    monkeypatch.setattr(dev, "prepare_offline", lambda python, env: calls.append("prepare"))
    monkeypatch.setattr(dev, "run", lambda args, env=None: 0)
    assert dev.main([command]) == 0
    assert calls == []


def test_notebook_patterns_are_a_list_not_one_str():
    with pytest.raises(TypeError, match="patterns"):
        dev.notebook_paths("notebooks/02.4-special-context-tokens.ipynb")
    assert dev.notebook_paths(["notebooks/02.4-*.ipynb"]) == ["notebooks/02.4-special-context-tokens.ipynb"]


def test_a_notebook_pattern_that_matches_nothing_stops_with_its_name():
    with pytest.raises(SystemExit, match="no-such-notebook"):
        dev.notebook_paths(["notebooks/no-such-notebook.ipynb"])


@pytest.mark.slow  # starts a kernel that imports helpers (torch)
def test_notebooks_are_executed_by_this_venvs_python_and_helpers(tmp_path):
    """`make notebooks` runs the kernel with the venv's Python (a console script's first line may name another's)."""
    import nbformat

    notebook = tmp_path / "where.ipynb"
    code = "import sys, helpers\nprint(sys.executable)\nprint(helpers.__file__)"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), notebook)
    assert dev.run([sys.executable, *dev.NOTEBOOK_RUN, notebook], dict(os.environ)) == 0
    executable, helpers_file = nbformat.read(notebook, as_version=4).cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(helpers_file).resolve().is_relative_to(ROOT)


def test_stream_chunks_are_joined_so_a_rerun_leaves_the_notebook_unchanged(tmp_path, monkeypatch):
    """How a cell's printed text is split into outputs depends on timing; the saved notebook must not."""
    import nbformat

    def stream(name, text):
        return nbformat.v4.new_output("stream", name=name, text=text)

    cell = nbformat.v4.new_code_cell("print()")
    cell.outputs = [stream("stdout", "a\nb"), stream("stdout", "c\n"), stream("stderr", "w\n"), stream("stdout", "d\n")]
    notebook = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), notebook)
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    assert dev.merge_streams("n.ipynb")
    once = notebook.read_bytes()
    assert [(o["name"], o["text"]) for o in nbformat.read(notebook, as_version=4).cells[0].outputs] == [
        ("stdout", "a\nbc\n"),
        ("stderr", "w\n"),
        ("stdout", "d\n"),
    ]
    assert not dev.merge_streams("n.ipynb") and notebook.read_bytes() == once
    nbformat.write(nbformat.read(notebook, as_version=4), notebook)
    assert notebook.read_bytes() == once, "written as nbformat writes it"
