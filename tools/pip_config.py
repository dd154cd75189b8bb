"""pip's configuration, read the way pip reads it and translated into uv's options with pip's meaning.

``pip config list`` prints pip's settings from its files and its ``PIP_*``
variables; :func:`uv_options` turns those that choose what gets installed
(the index, extra indexes, find-links, constraints) into uv's options, and
refuses (:class:`Unfaithful`) any it cannot reproduce, so that pip installs
instead. Standard library only: it runs before the venv exists.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

PIP_KEYS_TO_UV = {"index-url": "--index-url", "extra-index-url": "--extra-index-url", "find-links": "--find-links"}
PIP_KEYS_IGNORED = frozenset(
    "cache-dir no-cache-dir default-timeout timeout retries disable-pip-version-check exists-action log no-color "
    "no-input no-warn-script-location progress-bar quiet verbose require-virtualenv root-user-action "
    "break-system-packages".split()
)
"""pip settings that change how pip talks or logs, not what it installs."""
SECTIONS = ("global", "install", ":env:")
"""The ``pip config list`` sections an install reads, weakest first (``PIP_*`` variables win)."""


class Unfaithful(ValueError):
    """A pip setting uv cannot reproduce: pip must do the install."""


def parse_pip_config(listing: str) -> dict[str, str]:
    """``pip config list``'s output as one setting per key, later sections winning.

    >>> parse_pip_config("global.index-url='https://a/simple'\\n:env:.index-url='https://b/simple'\\nlist.format='json'")
    {'index-url': 'https://b/simple'}
    """
    found: dict[str, dict[str, str]] = {section: {} for section in SECTIONS}
    for line in listing.splitlines():
        name, sep, value = line.partition("=")
        section, _, key = name.rpartition(".")
        if sep and section in found:
            found[section][key] = ast.literal_eval(value)
    return {key: value for section in SECTIONS for key, value in found[section].items()}


def pip_config(python: str | os.PathLike = sys.executable) -> dict[str, str]:
    """This machine's pip configuration for ``pip install`` (files and ``PIP_*`` variables), via pip itself."""
    listing = subprocess.run(
        [str(python), "-m", "pip", "config", "list"], capture_output=True, text=True, check=True
    ).stdout
    return parse_pip_config(listing)


def _local_path(location: str) -> Path | None:
    """The folder or file a pip location names on this machine, or None for a remote URL."""
    if location.startswith("file://"):
        return Path(location.removeprefix("file://"))
    return None if re.match(r"^[a-z][a-z0-9+.-]*://", location, re.I) else Path(location).absolute()


def uv_options(config: dict[str, str]) -> list[str]:
    """uv options that install from what pip's ``config`` names, with pip's semantics.

    A local index or link that does not exist is left out, as pip ignores it
    (with a warning). Several sources mean pip's best version across all of them.

    >>> uv_options({"index-url": "https://mirror/simple", "disable-pip-version-check": "1"})
    ['--index-url', 'https://mirror/simple']
    >>> uv_options({"extra-index-url": "https://a/simple https://b/simple"})[-2:]
    ['--index-strategy', 'unsafe-best-match']
    >>> uv_options({"user": "1"})
    Traceback (most recent call last):
    tools.pip_config.Unfaithful: pip's setting user=1 has no uv equivalent
    """
    options: list[str] = []
    sources = 0  # extra indexes and find-links: places besides the index
    for key, value in sorted(config.items()):
        values = value.split()
        if key in PIP_KEYS_TO_UV:
            kept = [v for v in values if (path := _local_path(v)) is None or path.exists()]
            sources += len(kept) if key != "index-url" else 0
            kept = [v if "://" in v else str(Path(v).absolute()) for v in kept]  # pip reads paths from the cwd
            options += [arg for v in kept for arg in (PIP_KEYS_TO_UV[key], v)]
        elif key == "constraint":
            options += [arg for v in values for arg in ("--constraint", str(Path(v).absolute()))]
        elif key == "no-index" and value.lower() in ("1", "true", "yes", "on"):
            options.append("--no-index")
        elif key == "trusted-host":
            options += [arg for v in values for arg in ("--allow-insecure-host", v)]
        elif key == "cert":
            options += ["--cert", value]
        elif key not in PIP_KEYS_IGNORED:
            raise Unfaithful(f"pip's setting {key}={value} has no uv equivalent")
    # pip takes the best version from every source; uv's default stops at the first index that has the package.
    if sources:
        options += ["--index-strategy", "unsafe-best-match"]
    return options


def config_fingerprint() -> str:
    """A cheap digest of pip's configuration files and ``PIP_*`` variables (running pip costs a second)."""
    home, prefix = Path.home(), Path(sys.base_prefix)  # pip runs as interpreter(): its site file is the base's
    xdg = [Path(p) for p in os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep) if p]
    files = [*(p / "pip" / "pip.conf" for p in xdg), Path("/etc/pip.conf"), prefix / "pip.conf", prefix / "pip.ini"]
    files += [home / ".pip" / "pip.conf", Path(os.environ.get("XDG_CONFIG_HOME", home / ".config")) / "pip/pip.conf"]
    files += [home / "Library/Application Support/pip/pip.conf", home / "pip" / "pip.ini"]
    files += [Path(os.environ[v], "pip", "pip.ini") for v in ("APPDATA", "PROGRAMDATA") if v in os.environ]
    files += [Path(os.environ["PIP_CONFIG_FILE"])] if os.environ.get("PIP_CONFIG_FILE") else []
    digest = hashlib.sha256(json.dumps(sorted((k, v) for k, v in os.environ.items() if k.startswith("PIP_"))).encode())
    for path in filter(Path.is_file, files):
        digest.update(f"{path}:{hashlib.sha256(path.read_bytes()).hexdigest()}".encode())
    return digest.hexdigest()
