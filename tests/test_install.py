"""tools/install.py and tools/pip_config.py: pip's configuration translated for uv, the lock, the venv's checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import tools.install as install
from tools.install import ROOT, lock_pins, unlocked_pins
from tools.pip_config import Unfaithful, parse_pip_config, uv_options


def test_environment_variables_win_over_install_and_install_over_global():
    listing = "\n".join(
        [
            "global.index-url='https://global/simple'",
            "global.find-links='/g'",
            "install.find-links='/i'",
            "install.index-url='https://install/simple'",
            ":env:.index-url='https://env/simple'",
            "download.no-index='1'",  # another command's setting: not the install's
        ]
    )
    assert parse_pip_config(listing) == {"index-url": "https://env/simple", "find-links": "/i"}


def test_every_source_is_kept_and_several_mean_the_best_version_across_them(tmp_path):
    (tmp_path / "wheels").mkdir()
    config = {
        "index-url": "https://mirror/simple",
        "extra-index-url": f"file://{tmp_path} https://extra/simple",
        "find-links": str(tmp_path / "wheels"),
        "constraint": str(tmp_path / "c.txt"),
    }
    options = uv_options(config)
    pairs = list(zip(options[::2], options[1::2], strict=True))
    assert ("--index-url", "https://mirror/simple") in pairs
    assert ("--extra-index-url", f"file://{tmp_path}") in pairs
    assert ("--extra-index-url", "https://extra/simple") in pairs
    assert ("--find-links", str(tmp_path / "wheels")) in pairs
    assert ("--constraint", str(tmp_path / "c.txt")) in pairs
    assert pairs[-1] == ("--index-strategy", "unsafe-best-match")


def test_local_sources_that_do_not_exist_are_skipped_as_pip_skips_them(tmp_path):
    config = {"extra-index-url": f"file://{tmp_path / 'gone'}", "find-links": str(tmp_path / "missing")}
    assert uv_options(config) == []


def test_one_index_alone_keeps_uvs_first_index_rule():
    assert uv_options({"index-url": "https://mirror/simple"}) == ["--index-url", "https://mirror/simple"]
    assert uv_options({}) == []


@pytest.mark.parametrize("key", ["user", "target", "client-cert", "prefix"])
def test_a_setting_uv_cannot_reproduce_is_refused(key):
    with pytest.raises(Unfaithful, match=key):
        uv_options({key: "x"})


def test_settings_about_pips_own_output_change_nothing():
    assert uv_options({"disable-pip-version-check": "1", "default-timeout": "180", "progress-bar": "off"}) == []


def test_requirements_pins_are_all_in_the_lock_at_the_same_version():
    """requirements.txt is what a reader edits; the lock must be recompiled (`python tools/dev.py lock`) after."""
    pins, locked = lock_pins(ROOT / "requirements.txt"), lock_pins(ROOT / "requirements.lock")
    assert pins and unlocked_pins() == []
    assert set(pins) <= set(locked)


def test_every_locked_package_has_a_hash():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries = [entry for entry in text.split("\n") if "==" in entry and not entry.startswith("#")]
    assert len(entries) == len(lock_pins(ROOT / "requirements.lock")) > 100
    blocks = text.split("==")[1:]
    assert all("--hash=sha256:" in block for block in blocks)


def test_a_changed_pin_is_reported_as_unlocked(tmp_path):
    lock = tmp_path / "lock"
    lock.write_text("torch==2.13.0+cpu \\\n    --hash=sha256:ab\nnumpy==2.4.6 \\\n    --hash=sha256:cd\n")
    requirements = tmp_path / "req"
    requirements.write_text("torch==2.13.0\nnumpy==2.4.7\n")
    assert unlocked_pins(requirements, lock) == ["numpy==2.4.7"]


def test_the_venv_is_checked_against_the_pins_and_with_exact_for_extras():
    python = Path(sys.executable)
    assert install.mismatches(python, {"pytest": pytest.__version__}) == []
    assert install.mismatches(python, {"pytest": "0.0.1"}) == [f"pytest: want 0.0.1, got {pytest.__version__}"]
    extras = install.mismatches(python, {"pytest": pytest.__version__}, exact=True)
    assert extras and all("want none" in line for line in extras)


def test_an_unchanged_venv_is_left_alone_without_asking_pip(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    monkeypatch.setattr(install, "STAMP", venv / ".installed.json")
    monkeypatch.setattr(install, "venv_python", lambda: Path(sys.executable))
    monkeypatch.setattr(install, "pip_config", lambda python: pytest.fail("pip was asked"))
    venv.mkdir()
    stamp = {**install.stamp_for({"index-url": "x"}), "fingerprint": install.config_fingerprint()}
    install.STAMP.write_text(json.dumps(stamp))
    assert install.ensure_venv() == Path(sys.executable)


@pytest.mark.parametrize("change", ["interpreter", "sources"])
def test_another_interpreter_or_other_sources_build_a_new_venv(change, tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    venv.mkdir()
    monkeypatch.setattr(install, "STAMP", venv / ".installed.json")
    monkeypatch.setattr(install, "venv_python", lambda: Path(sys.executable))
    monkeypatch.setattr(install, "pip_config", lambda python: {"index-url": "x"})
    stamp = {**install.stamp_for({"index-url": "x"}), "fingerprint": "old", change: "another"}
    install.STAMP.write_text(json.dumps(stamp))
    calls = []
    monkeypatch.setattr(install, "find_uv", lambda: Path("uv"))
    monkeypatch.setattr(install, "install_with_uv", lambda uv, options, fresh: calls.append(fresh) or {})
    monkeypatch.setattr(install, "compile_in_background", lambda python: calls.append("compile"))
    install.ensure_venv()
    assert calls == [True, "compile"], "a new venv, its bytecode compiled after"
    assert json.loads(install.STAMP.read_text())["installer"].startswith("uv")


@pytest.mark.parametrize("fresh", [False, True])
def test_a_failed_install_keeps_a_working_venv_and_stops_without_one(fresh, tmp_path, monkeypatch, capsys):
    """Offline, a changed lock cannot be installed: the venv that worked is used as it is, and retried next time."""
    venv = tmp_path / "venv"
    venv.mkdir()
    monkeypatch.setattr(install, "STAMP", venv / ".installed.json")
    monkeypatch.setattr(install, "venv_python", lambda: Path(sys.executable))
    monkeypatch.setattr(install, "pip_config", lambda python: {})
    stamp = {**install.stamp_for({}), "fingerprint": "old", "lock": "an older lock"}
    if fresh:
        stamp["interpreter"] = "another"
    install.STAMP.write_text(json.dumps(stamp))
    monkeypatch.setattr(install, "find_uv", lambda: Path("uv"))
    monkeypatch.setattr(install, "install_with_uv", lambda uv, options, fresh: None)
    if fresh:
        with pytest.raises(SystemExit, match="failed"):
            install.ensure_venv()
    else:
        assert install.ensure_venv() == Path(sys.executable)
        assert "warning" in capsys.readouterr().out
    assert not install.STAMP.exists(), "the next command tries again"


def test_a_changed_pyproject_alone_reinstalls_only_this_package(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    venv.mkdir()
    monkeypatch.setattr(install, "STAMP", venv / ".installed.json")
    monkeypatch.setattr(install, "venv_python", lambda: Path(sys.executable))
    monkeypatch.setattr(install, "pip_config", lambda python: {})
    install.STAMP.write_text(json.dumps({**install.stamp_for({}), "fingerprint": "old", "pyproject": "older"}))
    monkeypatch.setattr(install, "find_uv", lambda: Path("uv"))
    monkeypatch.setattr(install, "install_with_uv", lambda uv, options, fresh: pytest.fail("the packages were synced"))
    commands = []
    monkeypatch.setattr(install, "run", lambda args, env=None: commands.append([str(a) for a in args]) or 0)
    install.ensure_venv()
    assert len(commands) == 1 and commands[0][-3:] == ["--no-deps", "-e", "."]
    assert json.loads(install.STAMP.read_text())["pyproject"] == install.stamp_for({})["pyproject"]


def test_the_background_compile_writes_bytecode_even_where_python_would_not(tmp_path, monkeypatch):
    """pip compiles at install time; uv leaves it to a detached process, which writes even so."""
    module = tmp_path / "site" / "fresh_module.py"
    module.parent.mkdir()
    module.write_text("x = 1\n")
    folder = repr(str(module.parent))
    monkeypatch.setattr(install, "COMPILE", install.COMPILE.replace("sysconfig.get_paths()['purelib']", folder))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert install.compile_in_background(Path(sys.executable)).wait(timeout=120) == 0
    assert list((module.parent / "__pycache__").glob("fresh_module.*.pyc"))
