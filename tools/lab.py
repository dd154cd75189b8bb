"""Start JupyterLab on the notebooks, offline and on this machine only.

Run it from the repository root (``make lab`` does)::

    python -m tools.lab                  # opens a browser tab
    python -m tools.lab --port 8899 --no-browser
    python -m tools.lab --ServerApp.token=abc   # any other option goes to JupyterLab

What it does, in order:

1. **Installs the project's JupyterLab settings** (:data:`LAB_SETTINGS`) into
   ``<sys.prefix>/share/jupyter/lab/settings/overrides.json``, the file
   JupyterLab reads its default overrides from. They turn off the "Jupyter
   news?" question, the news feed and the update check, so JupyterLab never
   asks and the page never fetches anything from the web. Keys already in
   that file for other plugins are kept.
2. **Starts** ``jupyter lab notebooks/`` with the server bound to 127.0.0.1,
   the server's own news and update handlers turned off too
   (:data:`OFFLINE_OPTIONS`), and ``--allow-root`` when run as root (JupyterLab
   refuses root otherwise).

A damaged ``overrides.json`` (not UTF-8, not JSON, not an object of plugin
settings) stops it with a ``ValueError`` that names the file; the file is left
as it was, so nothing in it is lost: fix or delete it, and start again.

No POSIX-only call is used, so it runs the same on Linux, macOS and Windows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.checks import int_in_range, require_bool, require_iterable, require_path, require_str
from helpers.files import atomic_write, read_json_object

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository this package lives in."""

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
"""The folder JupyterLab opens (its file browser's root)."""

LAB_SETTINGS: dict[str, dict[str, object]] = {
    # "false" (a string in this schema) is "Never": no question, no news request.
    # The update check only runs when news are fetched; off as well, to be explicit.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
"""Plugin id -> setting overrides the project installs for JupyterLab."""

OFFLINE_OPTIONS = (
    "--ServerApp.ip=127.0.0.1",
    # The server side of the news and update checks: no feed URL, a checker that never asks.
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    # Lists installed extensions only; the default "pypi" manager searches the web.
    "--LabApp.extension_manager=readonly",
)
"""Command-line options that keep the server on this machine and off the web."""


def settings_file(prefix: str | os.PathLike[str] | None = None) -> Path:
    """The ``overrides.json`` JupyterLab of the environment ``prefix`` reads.

    >>> settings_file("/env").as_posix()
    '/env/share/jupyter/lab/settings/overrides.json'
    """
    folder = Path(sys.prefix) if prefix is None else require_path(prefix, "prefix")
    return folder / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install_settings(prefix: str | os.PathLike[str] | None = None) -> Path:
    """Merge :data:`LAB_SETTINGS` into the environment's ``overrides.json``; return its path.

    Other plugins' overrides and other keys of our plugins are kept; the file
    is replaced atomically. A damaged file (not UTF-8, not JSON, not an object,
    or one of our plugins' entries not an object) is a ``ValueError`` naming
    it, and the file is left untouched (JupyterLab would ignore it silently).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as env:
    ...     path = install_settings(env)
    ...     json.loads(path.read_text())["@jupyterlab/apputils-extension:notification"]["fetchNews"]
    'false'
    """
    path = settings_file(prefix)
    what = "JupyterLab's settings overrides (a JSON object of plugin settings); fix or delete it"
    current = read_json_object(path, what) if path.exists() else {}
    for plugin, values in LAB_SETTINGS.items():
        if not isinstance(current.get(plugin, {}), dict):
            raise ValueError(f"{path}: the entry {plugin!r} must be a JSON object of settings; fix or delete it")
        current[plugin] = {**current.get(plugin, {}), **values}
    atomic_write(path, json.dumps(current, indent=2, sort_keys=True) + "\n")
    return path


def _running_as_root() -> bool:
    # os.geteuid does not exist on Windows, where there is no root to refuse.
    return getattr(os, "geteuid", lambda: 1)() == 0


def lab_command(port: int | None = None, open_browser: bool = True, extra: Sequence[str] = ()) -> list[str]:
    """The command that starts JupyterLab on the notebooks with the offline options.

    ``extra`` is a list of further JupyterLab options, each a str.

    >>> cmd = lab_command(port=8899, open_browser=False)
    >>> cmd[1:3], "--ServerApp.port=8899" in cmd, "--no-browser" in cmd
    (['-m', 'jupyterlab'], True, True)
    """
    if port is not None:
        int_in_range(port, "port", 1, 65536)
    require_bool(open_browser, "open_browser")
    extra = [require_str(option, "each extra option") for option in require_iterable(extra, "extra", of="strs")]
    command = [sys.executable, "-m", "jupyterlab", *OFFLINE_OPTIONS]
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if not open_browser:
        command.append("--no-browser")
    if _running_as_root():
        command.append("--allow-root")
    return [*command, *extra, str(NOTEBOOK_DIR)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: install the settings, then run JupyterLab until it stops; returns its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.lab",
        description="Start JupyterLab on notebooks/, bound to 127.0.0.1, with news and update checks off. "
        "Other options are passed to JupyterLab.",
    )
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: JupyterLab's choice)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    args, extra = parser.parse_known_args(argv)
    try:
        install_settings()
        command = lab_command(args.port, not args.no_browser, extra)
    except (OSError, ValueError) as err:
        print(f"lab: {err}", file=sys.stderr)
        return 2
    try:
        return subprocess.call(command, cwd=REPO_ROOT)
    except KeyboardInterrupt:  # JupyterLab got the Ctrl-C too and shuts down by itself
        return 130


if __name__ == "__main__":
    sys.exit(main())
