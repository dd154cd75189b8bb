"""Fixtures of the browser test: the system Chromium, JupyterLab started as `make lab` starts it, a network log.

Run with ``pytest tests/browser`` (``make test-browser``). It needs Chromium
from the system's package manager (Debian: ``apt-get install chromium``) and the
``playwright`` package; Playwright never downloads a browser here, it drives
the system one through ``executable_path``. Without either, every test is
skipped with a message that says what to install.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.network import NO_NETWORK, OFFLINE, NetworkLog

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
LAB_START_TIMEOUT_S = 90


def chromium_path() -> str | None:
    """The system Chromium: ``$CHROMIUM`` if set, else the first of :data:`CHROMIUM_NAMES` on the PATH."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser():
    """A headless system Chromium driven by Playwright (skips when either is missing)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no system Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -r requirements.txt")
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it listens and its token."""

    url: str
    token: str

    def start_url(self) -> str:
        """JupyterLab with a fresh, empty workspace."""
        return f"{self.url}/lab?reset&token={self.token}"


def _wait_until_serving(lab: Lab, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + LAB_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {process.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={lab.token}", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)  # the server is still starting; poll again
    raise RuntimeError(f"JupyterLab did not answer at {lab.url} within {LAB_START_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def tiktoken_cache(tmp_path_factory) -> Path:
    """tiktoken's cache for JupyterLab's kernels: a new, empty folder, as on a reader's first day."""
    return tmp_path_factory.mktemp("tiktoken-cache")


def _offline_env(tiktoken_cache: Path) -> dict[str, str]:
    """The environment variables that give the kernels :func:`tiktoken_cache` and, offline, no network."""
    env = {"TIKTOKEN_CACHE_DIR": str(tiktoken_cache)}
    if OFFLINE:
        env |= {name: NO_NETWORK for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
        env |= {"NO_PROXY": "", "no_proxy": ""}
    return env


@pytest.fixture(scope="session")
def lab(tmp_path_factory, tiktoken_cache) -> Iterator[Lab]:
    """JupyterLab started exactly as ``make lab`` starts it (``python tools/dev.py lab``), on 127.0.0.1 and a free port.

    Offline as promised: its kernels start with an empty tiktoken cache (:func:`tiktoken_cache`)
    and, with ``LLMFS_DATA_DIR`` set, no network (HTTP and HTTPS go to :data:`NO_NETWORK`), so every
    notebook runs only because ``tools/dev.py`` seeded that cache from the data folder.
    """
    port, token = _free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("lab")
    log = home / "lab.log"
    # Private user settings and workspaces: the test never touches the reader's, and never autosaves
    # (Run All changes the open notebooks; an autosave would overwrite the committed outputs).
    settings = home / "user-settings" / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"autosave": false}\n', encoding="utf-8")
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATA_GYM_CACHE_DIR"},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        **_offline_env(tiktoken_cache),
    }
    command = [
        sys.executable,
        str(REPO_ROOT / "tools" / "dev.py"),
        "lab",
        "--port",
        str(port),
        "--no-browser",
        f"--ServerApp.token={token}",
        # The test reads notebook state through JupyterLab's own API (window.jupyterapp).
        "--LabApp.expose_app_in_browser=True",
        # A private runtime folder, so a test run never touches the user's lab sessions.
        f"--ServerApp.runtime_dir={home / 'runtime'}",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token)
    try:
        _wait_until_serving(lab, process)
        yield lab
    except RuntimeError as err:
        raise RuntimeError(f"{err}; its log:\n{log.read_text(errors='replace')[-3000:]}") from None
    finally:
        _shut_down(lab, process)


def _shut_down(lab: Lab, process: subprocess.Popen) -> None:
    """Ask the server to stop (it stops its kernels too); terminate it if it does not."""
    try:
        request = urllib.request.Request(f"{lab.url}/api/shutdown?token={lab.token}", method="POST")
        urllib.request.urlopen(request, timeout=5).close()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass  # already gone
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def lab_page(browser, lab):
    """One JupyterLab page for all notebook tests (loading JupyterLab once saves seconds per notebook).

    Yields the page and its network log; each test clears the log first.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    network = NetworkLog()
    network.watch(context)
    page = context.new_page()
    page.goto(lab.start_url())
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    page.evaluate("() => window.jupyterapp.restored")
    yield page, network
    context.close()
