"""tools.lab: the settings it installs keep JupyterLab offline, and the command it runs stays on 127.0.0.1.

The browser test (tests/browser) starts JupyterLab through tools.lab and checks, in Chromium, that no
"Jupyter news?" question appears and no request leaves the machine.
"""

from __future__ import annotations

import json

import pytest

import tools.lab as lab

NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_settings_turn_news_and_update_checks_off(tmp_path):
    path = lab.install_settings(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(path.read_text())[NOTIFICATION] == {"fetchNews": "false", "checkForUpdates": False}


def test_settings_keep_other_overrides(tmp_path):
    path = lab.settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    other = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    path.write_text(json.dumps({**other, NOTIFICATION: {"doNotDisturbMode": True, "fetchNews": "true"}}))
    lab.install_settings(tmp_path)
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/apputils-extension:themes"] == other["@jupyterlab/apputils-extension:themes"]
    assert settings[NOTIFICATION] == {"doNotDisturbMode": True, "fetchNews": "false", "checkForUpdates": False}
    assert lab.install_settings(tmp_path).read_text() == path.read_text(), "installing twice changes nothing"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_damaged_settings_file_is_named(tmp_path, content):
    path = lab.settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(ValueError, match="overrides.json .*fix or delete it"):
        lab.install_settings(tmp_path)


def test_command_is_offline_and_local(monkeypatch):
    monkeypatch.setattr(lab, "_running_as_root", lambda: False)
    command = lab.lab_command(port=8899, open_browser=False, extra=["--ServerApp.token=abc"])
    assert command[-1] == str(lab.NOTEBOOK_DIR), "JupyterLab opens notebooks/, as `jupyter lab notebooks/` did"
    assert "--ServerApp.ip=127.0.0.1" in command and "--LabApp.news_url=None" in command
    assert "--ServerApp.port=8899" in command and "--no-browser" in command and "--ServerApp.token=abc" in command
    assert "--allow-root" not in command
    monkeypatch.setattr(lab, "_running_as_root", lambda: True)
    assert "--allow-root" in lab.lab_command()


@pytest.mark.parametrize(
    ("port", "error"), [(0, ValueError), (70000, ValueError), (True, TypeError), ("8888", TypeError)]
)
def test_bad_port(port, error):
    with pytest.raises(error, match="port must be"):
        lab.lab_command(port=port)


def test_main_installs_settings_then_runs_jupyterlab(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(lab.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(lab.subprocess, "call", lambda command, cwd: calls.append((command, cwd)) or 0)
    assert lab.main(["--port", "8899", "--no-browser", "--ServerApp.token=abc"]) == 0
    ((command, cwd),) = calls
    assert cwd == lab.REPO_ROOT and "--ServerApp.token=abc" in command and "--no-browser" in command
    assert lab.settings_file(tmp_path).is_file()


def test_main_reports_a_damaged_settings_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(lab.sys, "prefix", str(tmp_path))
    lab.settings_file(tmp_path).parent.mkdir(parents=True)
    lab.settings_file(tmp_path).write_text("{")
    assert lab.main([]) == 2
    assert capsys.readouterr().err.startswith("lab: ")
