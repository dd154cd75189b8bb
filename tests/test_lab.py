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


DAMAGED = {
    "not JSON": b"{not json",
    "empty": b"",
    "a list": b"[1, 2]",
    "not UTF-8": b'{"theme": "caf\xe9"}',
    "NaN": b'{"x": NaN}',
    "a 5000-digit int": b'{"x": ' + b"9" * 5000 + b"}",
    "nested too deep": b"[" * 100_000 + b"]" * 100_000,
    "our plugin's entry not an object": json.dumps({NOTIFICATION: [1]}).encode(),
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_settings_file_is_a_value_error_naming_it_and_is_left_as_it_was(tmp_path, content):
    path = lab.settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ValueError, match="overrides.json"):
        lab.install_settings(tmp_path)
    assert path.read_bytes() == content, "nothing the reader wrote is lost"
    assert list(path.parent.iterdir()) == [path], "no temporary file is left behind"


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
    ("arguments", "error", "name"),
    [
        ({"port": 0}, ValueError, "port"),
        ({"port": 70000}, ValueError, "port"),
        ({"port": 2**70}, ValueError, "port"),
        ({"port": True}, TypeError, "port"),
        ({"port": "8888"}, TypeError, "port"),
        ({"open_browser": "no"}, TypeError, "open_browser"),
        ({"open_browser": 0}, TypeError, "open_browser"),
        ({"extra": None}, TypeError, "extra"),
        ({"extra": "--ServerApp.token=abc"}, TypeError, "extra"),
        ({"extra": [8899]}, TypeError, "extra option"),
    ],
)
def test_bad_arguments_name_themselves(arguments, error, name):
    with pytest.raises(error, match=name):
        lab.lab_command(**arguments)


@pytest.mark.parametrize("prefix", [3, b"/env", ["/env"]])
def test_a_prefix_that_is_not_a_path_is_a_type_error(prefix):
    with pytest.raises(TypeError, match="prefix"):
        lab.install_settings(prefix)


def test_main_installs_settings_then_runs_jupyterlab(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(lab.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(lab.subprocess, "call", lambda command, cwd: calls.append((command, cwd)) or 0)
    assert lab.main(["--port", "8899", "--no-browser", "--ServerApp.token=abc"]) == 0
    ((command, cwd),) = calls
    assert cwd == lab.REPO_ROOT and "--ServerApp.token=abc" in command and "--no-browser" in command
    assert lab.settings_file(tmp_path).is_file()


@pytest.mark.parametrize("damage", ["not JSON", "a folder"])
def test_main_reports_a_damaged_settings_file_and_starts_nothing(monkeypatch, tmp_path, capsys, damage):
    monkeypatch.setattr(lab.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(lab.subprocess, "call", lambda command, cwd: pytest.fail("JupyterLab was started"))
    path = lab.settings_file(tmp_path)
    if damage == "a folder":
        path.mkdir(parents=True)
    else:
        path.parent.mkdir(parents=True)
        path.write_text("{")
    assert lab.main([]) == 2
    assert "overrides.json" in capsys.readouterr().err
