"""Installing ``.venv``: uv at a pinned version where it can be had, pip otherwise, from pip's own configuration.

``tools/dev.py`` calls :func:`ensure_venv` before every command. It installs
``requirements.lock``, the whole environment with a SHA-256 for every file
(compiled from ``requirements.txt`` by ``python tools/dev.py lock``), then this
repository's ``helpers`` package in editable mode: installed as a link to
``helpers/``, so an edit there shows at the next import, with no reinstall.

- **uv** (:data:`UV_VERSION`) does the work: one from an earlier run in
  ``.cache/``, or one on PATH at that version, or one this module installs
  there with pip. Where uv cannot be had, pip does everything.
- **pip's configuration applies to uv too.** ``pip config list`` (pip's files
  and its ``PIP_*`` variables) is translated into uv's options by
  :func:`uv_options`: the index, the extra indexes, find-links and
  constraints, with pip's rule of the best version across all of them
  (``--index-strategy unsafe-best-match``). A setting with no faithful
  translation (``--user``, a client certificate, ...) makes pip do the install.
- **The result is checked:** every package is at the lock's version
  (:func:`mismatches`); otherwise pip installs again.
- **A venv is refreshed** when it was built by another installer, from other
  sources, with another interpreter, or from another lock (:func:`stamp_for`).
  Standard library only: it runs before the venv exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.pip_config import Unfaithful, config_fingerprint, pip_config, uv_options

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed.json"
"""Written after a complete install: how and from what the venv was built (see :func:`stamp_for`)."""
LOCK = ROOT / "requirements.lock"
REQUIREMENTS = ROOT / "requirements.txt"
UV_VERSION = "0.13.10"
UV_HOME = ROOT / ".cache" / f"uv-{UV_VERSION}"
INSTALLER_ENV = "LLMFS_INSTALLER"
"""Set to ``pip`` to install with pip alone (the first-run benchmark compares the two)."""
"""Where uv is installed when it is not on PATH at :data:`UV_VERSION` (a private folder, like a venv's)."""


def lock_pins(path: Path = LOCK) -> dict[str, str]:
    """``name -> version`` for every package a requirements or lock file pins with ``==``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     lock = "Torch==2.13.0+cpu \\\\\\n    --hash=sha256:ab\\n# c\\nnumpy==2.4.6\\n"
    ...     _ = Path(folder, "r.txt").write_text(lock)
    ...     lock_pins(Path(folder, "r.txt"))
    {'torch': '2.13.0+cpu', 'numpy': '2.4.6'}
    """
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line):
            pins[normalize(match[1])] = match[2]
    return pins


def normalize(name: str) -> str:
    """A distribution's name the way packaging compares them (PEP 503).

    >>> normalize("Jupyter_Server.Mathjax")
    'jupyter-server-mathjax'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def unlocked_pins(requirements: Path = REQUIREMENTS, lock: Path = LOCK) -> list[str]:
    """requirements.txt's pins that the lock does not hold at the same version (a local ``+cpu`` build counts)."""
    locked = lock_pins(lock)
    return [
        f"{name}=={version}"
        for name, version in lock_pins(requirements).items()
        if locked.get(name, "").split("+")[0] != version
    ]


INSTALLED = "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'] + '==' + d.version)"


ALLOWED_EXTRAS = frozenset({"llmfs-notebooks", "pip", "setuptools", "wheel"})
"""Packages a venv may hold besides the lock's: this project (editable) and the venv module's own."""


def mismatches(python: Path, expected: dict[str, str], exact: bool = False) -> list[str]:
    """The pinned packages that the venv's ``python`` lacks or has at another version, as ``name: want, got``.

    With ``exact``, packages that are not pinned (other than :data:`ALLOWED_EXTRAS`) count too.
    """
    listing = subprocess.run([str(python), "-c", INSTALLED], capture_output=True, text=True, check=True).stdout
    installed = {normalize(n): v for n, _, v in (line.partition("==") for line in listing.splitlines())}
    wrong = [f"{n}: want {v}, got {got}" for n, v in expected.items() if not same_version(got := installed.get(n), v)]
    extras = set(installed) - set(expected) - ALLOWED_EXTRAS if exact else set()
    return wrong + [f"{n}: want none, got {installed[n]}" for n in sorted(extras)]


def built_by_this_interpreter(venv: Path = VENV) -> bool:
    """Whether ``venv/pyvenv.cfg`` names the interpreter :func:`interpreter` finds, at the same version."""
    try:
        lines = (venv / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    cfg = {key.strip(): value.strip() for key, _, value in (line.partition("=") for line in lines)}
    home = os.path.realpath(cfg.get("home", ""))
    version = cfg.get("version", cfg.get("version_info", ""))
    return home == os.path.dirname(interpreter()) and version.startswith(sys.version.split()[0])


def same_version(got: str | None, want: str) -> bool:
    """Whether an installed version satisfies a pin, as ``==`` does: a pin without ``+local`` accepts any local build.

    >>> same_version("2.13.0+cpu", "2.13.0"), same_version("2.13.0", "2.13.0+cpu"), same_version(None, "1")
    (True, False, False)
    """
    return got is not None and (got == want or ("+" not in want and got.split("+")[0] == want))


def interpreter() -> str:
    """The interpreter the venv is built from, links resolved: the one running this or, run from a venv, its base."""
    in_venv = Path(sys.prefix).resolve() != Path(sys.base_prefix).resolve()
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable) if in_venv else sys.executable)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def stamp_for(config: dict[str, str]) -> dict[str, str]:
    """What a venv built now would be built from: the interpreter, pip's sources, the lock and pyproject.toml.

    >>> sorted(stamp_for({}))
    ['interpreter', 'lock', 'pyproject', 'python', 'sources']
    """
    return {
        "interpreter": interpreter(),
        "python": sys.version.split()[0],
        "sources": json.dumps(config, sort_keys=True),
        "lock": _sha256(LOCK),
        "pyproject": _sha256(ROOT / "pyproject.toml"),
    }


def read_stamp(stamp: Path = STAMP) -> dict[str, str]:
    """The stamp of the last complete install; empty for none, or one from the old installer (an empty file)."""
    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def venv_python(venv: Path = VENV, windows: bool = os.name == "nt") -> Path:
    """The venv's interpreter: ``Scripts\\python.exe`` on Windows, ``bin/python`` elsewhere.

    >>> venv_python(Path("v"), windows=False).as_posix()
    'v/bin/python'
    >>> venv_python(Path("v"), windows=True).as_posix()
    'v/Scripts/python.exe'
    """
    return venv / "Scripts" / "python.exe" if windows else venv / "bin" / "python"


def run(args: Sequence[str | os.PathLike], env: dict[str, str] | None = None) -> int:
    """Run one command from the repository root, echoing it first; return its exit status."""
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env).returncode


def uv_version(uv: str | os.PathLike | None) -> str | None:
    """The version ``uv --version`` reports, or None when there is no working uv there."""
    if uv is None or not Path(uv).is_file():
        return None
    try:
        out = subprocess.run([str(uv), "--version"], capture_output=True, text=True, timeout=60).stdout.split()
    except OSError:
        return None
    return out[1] if len(out) > 1 and out[0] == "uv" else None


def find_uv(bootstrap: bool = True) -> Path | None:
    """uv at :data:`UV_VERSION`: the private copy, the one on PATH, or (``bootstrap``) one installed with pip now."""
    mine = [UV_HOME / folder / ("uv.exe" if os.name == "nt" else "uv") for folder in ("bin", "Scripts")]
    for candidate in [*mine, shutil.which("uv")]:
        if uv_version(candidate) == UV_VERSION:
            return Path(candidate)
    if not bootstrap:
        return None
    print(f"installing uv {UV_VERSION} into {UV_HOME.relative_to(ROOT)} with pip (once)", flush=True)
    partial = UV_HOME.with_name(UV_HOME.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    pip = [interpreter(), "-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location"]
    if run([*pip, "--target", partial, f"uv=={UV_VERSION}"]) != 0:
        print("could not install uv; pip does the install instead", flush=True)
        return None
    shutil.rmtree(UV_HOME, ignore_errors=True)
    os.replace(partial, UV_HOME)  # whole or not at all: a half-installed uv is never found
    return find_uv(bootstrap=False)


def uv_command(uv: Path, command: str, *args: str | os.PathLike) -> list[str | os.PathLike]:
    """``uv <command> ...`` ignoring uv's own configuration files (pip's apply) and never downloading a Python.

    >>> uv_command(Path("uv"), "pip sync", "lock")[1:]
    ['pip', 'sync', '--no-config', '--no-python-downloads', 'lock']
    """
    return [uv, *command.split(), "--no-config", "--no-python-downloads", *args]


def lock_or_pins(from_lock: list, from_pins: list) -> dict[str, str] | None:
    """Install the lock or, where it does not install (another platform, say), requirements.txt's pins.

    Returns the pins the venv must now hold, or None when both failed.
    """
    if run(from_lock) == 0:
        return lock_pins(LOCK)
    print(f"{LOCK.name} does not install here (above); installing {REQUIREMENTS.name}'s pins", flush=True)
    return lock_pins(REQUIREMENTS) if run(from_pins) == 0 else None


def install_with_uv(uv: Path, options: list[str], fresh: bool) -> dict[str, str] | None:
    """Build the venv with uv (new when ``fresh``); return the pins it must hold, or None if uv failed."""
    python = venv_python()
    if fresh and run(uv_command(uv, "venv", "--python", interpreter(), "--clear", VENV)) != 0:
        return None
    target = ["--python", python, *options]
    # The lock was compiled under pip's constraints; uv refuses unpinned lines beside a hashed lock.
    unconstrained = [a for a, b in zip(target, ["", *target], strict=False) if "--constraint" not in (a, b)]
    from_lock = uv_command(uv, "pip sync", *unconstrained, "--require-hashes", LOCK)
    expected = lock_or_pins(from_lock, uv_command(uv, "pip install", *target, "-r", REQUIREMENTS))
    # Editable, without dependencies: the lock alone decides the versions.
    if expected is None or run(uv_command(uv, "pip install", *target, "--no-deps", "-e", ".")) != 0:
        return None
    return expected


def install_with_pip(fresh: bool) -> dict[str, str] | None:
    """Build the venv with the venv module (new when ``fresh``) and pip, which reads its own configuration.

    Returns the pins it must hold, or None if pip failed.
    """
    python = venv_python()
    if fresh and run([interpreter(), "-m", "venv", "--clear", VENV]) != 0:
        raise SystemExit(f"could not create {VENV}; is the venv module installed (Debian: python3-venv)?")
    if not fresh and run([python, "-m", "ensurepip"]) != 0:  # a venv uv made has no pip; ensurepip is offline
        return None
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check"]
    expected = lock_or_pins([*pip, "--require-hashes", "-r", LOCK], [*pip, "-r", REQUIREMENTS])
    return None if expected is None or run([*pip, "--no-deps", "-e", "."]) != 0 else expected


COMPILE = "import compileall, sysconfig; compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=2, workers=0)"


def compile_in_background(python: Path) -> subprocess.Popen:
    """Compile the venv's bytecode in a detached, low-priority process, as pip does inline after installing.

    uv skips it, so the first command starts at once; without it every later
    start would compile what it imports again where ``PYTHONDONTWRITEBYTECODE``
    is set. The files are written atomically, so a start meanwhile is safe.
    """
    low = {"preexec_fn": lambda: os.nice(19)} if hasattr(os, "nice") else {}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "stdin": subprocess.DEVNULL}
    return subprocess.Popen([str(python), "-c", COMPILE], start_new_session=True, **quiet, **low)


def failed(python: Path, fresh: bool) -> Path:
    """After a failed install: stop if there is no venv to use, else warn and go on with it (offline, say)."""
    if fresh:
        raise SystemExit(f"installing into {VENV.name} failed; fix the error above and rerun")
    print(f"warning: could not bring {VENV.name} up to date (above); using it as it is, and trying again next time")
    return python


REFRESH_KEYS = ("interpreter", "python", "sources")
"""Stamp entries whose change means a new venv; a changed lock or pyproject.toml only re-syncs the packages."""


def ensure_venv() -> Path:
    """Create, refresh or re-sync ``.venv`` unless it matches what it would be built from now; return its Python."""
    if stale_pins := unlocked_pins():
        fix = "run `python tools/dev.py lock`"
        raise SystemExit(f"{REQUIREMENTS.name} pins {', '.join(stale_pins)}, unlike {LOCK.name}: {fix}")
    python, old, fingerprint = venv_python(), read_stamp(STAMP), config_fingerprint()
    if python.exists() and old.get("fingerprint") == fingerprint and "sources" in old:
        if all(old.get(key) == value for key, value in stamp_for(json.loads(old["sources"])).items()):
            return python  # the common case: nothing changed, and pip was not even asked
    try:
        config = pip_config(interpreter())
    except (OSError, subprocess.CalledProcessError):
        print(f"{interpreter()} has no pip to read its configuration from; installing from the default index")
        config = {}
    new = {**stamp_for(config), "fingerprint": fingerprint}
    if python.exists() and all(old.get(key) == new[key] for key in new if key != "fingerprint"):
        STAMP.write_text(json.dumps({**old, **new}, indent=1), encoding="utf-8")  # a pip file touched, same sources
        return python
    if not old and python.exists() and built_by_this_interpreter():  # a venv from the old installer, or by hand
        if not mismatches(python, lock_pins(LOCK), exact=True):
            STAMP.write_text(json.dumps({**new, "installer": "adopted: holds exactly the lock"}, indent=1))
            return python
        old = {key: new[key] for key in REFRESH_KEYS}  # same interpreter: re-sync it in place
    fresh = not python.exists() or any(old.get(key) != new[key] for key in REFRESH_KEYS)
    print(f"{'creating' if fresh else 're-syncing'} {VENV.name} with {interpreter()}", flush=True)
    STAMP.unlink(missing_ok=True)  # a broken install stays stale until one completes
    expected, installer = None, "pip"
    try:
        options, uv = uv_options(config), None if os.environ.get(INSTALLER_ENV) == "pip" else find_uv()
    except Unfaithful as why:
        print(f"{why}: pip does the install", flush=True)
        options, uv = [], None
    if uv is not None and not fresh and old.get("lock") == new["lock"]:  # pyproject.toml alone: reinstall helpers
        if run(uv_command(uv, "pip install", "--python", python, *options, "--no-deps", "-e", ".")) != 0:
            return failed(python, fresh)
        STAMP.write_text(json.dumps({**old, **new}, indent=1), encoding="utf-8")
        return python
    if uv is not None:
        expected, installer = install_with_uv(uv, options, fresh), f"uv {UV_VERSION}"
        if expected is None:  # pip would meet the same wall (offline, say)
            return failed(python, fresh)
        compile_in_background(python)
        if wrong := mismatches(python, expected, exact=expected == lock_pins(LOCK)):
            print(f"uv's install differs from the pins ({'; '.join(wrong)}); pip installs again", flush=True)
            expected, fresh = None, True
    if expected is None:
        if (expected := install_with_pip(fresh)) is None:
            return failed(python, fresh)
        installer = "pip"
        if wrong := mismatches(python, expected):
            raise SystemExit(f"{VENV.name} differs from the pins after installing: {'; '.join(wrong)}")
    STAMP.write_text(json.dumps({**new, "installer": installer}, indent=1), encoding="utf-8")
    return python


def compile_lock() -> int:
    """Recompile ``requirements.lock`` from ``requirements.txt`` with uv, from pip's sources, with every file's hash.

    uv keeps the versions already in the lock wherever ``requirements.txt``
    still allows them, so only what a changed pin needs moves; delete the lock
    first to resolve everything afresh.
    """
    uv = find_uv()
    if uv is None:
        raise SystemExit(f"compiling {LOCK.name} needs uv {UV_VERSION}, which could not be installed")
    compile_ = ["--generate-hashes", "--python", interpreter(), "--custom-compile-command", "python tools/dev.py lock"]
    options = uv_options(pip_config(interpreter()))
    return run(uv_command(uv, "pip compile", "--quiet", *compile_, *options, REQUIREMENTS, "--output-file", LOCK))
