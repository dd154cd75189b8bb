"""Finding the text and GPT-2 files the notebooks read.

Every file is looked up in three places, in this order:

1. the folder named by the environment variable ``LLMFS_DATA_DIR``
   (CI points it at a local copy, so nothing is downloaded);
2. a per-user cache folder (``$XDG_CACHE_HOME/llm-from-scratch-notebooks``,
   by default ``~/.cache/llm-from-scratch-notebooks``; a relative
   ``XDG_CACHE_HOME`` is ignored, as the XDG spec asks);
3. the file's public URL.

Every known file is checked against its SHA-256 wherever it is found. A wrong
copy in ``LLMFS_DATA_DIR`` is an error (the folder is yours to fix; nothing is
downloaded behind your back). A wrong copy in the cache is replaced by a fresh
download. Every write goes to a temporary file that is renamed into place only
once it is complete and correct (a rename is atomic), so several processes may
fetch the same file at once: each sees either no file, or a complete one, and
a damaged file is never deleted, only replaced. Any network failure is a
:class:`DataUnavailableError`.

tiktoken keeps its own cache of GPT-2's ``encoder.json`` and ``vocab.bpe``
(``$TIKTOKEN_CACHE_DIR``, else ``$DATA_GYM_CACHE_DIR``, else
``<tempdir>/data-gym-cache``), naming each file by the SHA-1 of its download
URL. :func:`seed_tiktoken_cache` copies local files under those names, so
``tiktoken.get_encoding("gpt2")`` works offline, unchanged.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from helpers.checks import real_number, require_path, require_str
from helpers.files import atomic_write, decode_utf8

DATA_DIR_ENV = "LLMFS_DATA_DIR"
"""Environment variable naming a local folder that holds the data files."""

_GPT2_BASE = "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/"


@dataclass(frozen=True)
class DataFile:
    """A file the project can read: its name in the data folder, URL and SHA-256."""

    name: str
    url: str
    sha256: str


FILES: dict[str, DataFile] = {
    f.name: f
    for f in (
        DataFile(
            "the-verdict.txt",
            "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch02/01_main-chapter-code/the-verdict.txt",
            "b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f",
        ),
        DataFile(
            "tinyshakespeare.txt",
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        ),
        DataFile(
            "gpt2/encoder.json",
            _GPT2_BASE + "encoder.json",
            "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
        ),
        DataFile(
            "gpt2/vocab.bpe",
            _GPT2_BASE + "vocab.bpe",
            "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        ),
    )
}
"""Every file the project knows, keyed by its name in the data folder."""


class DataUnavailableError(RuntimeError):
    """A data file is neither on disk nor downloadable (offline, or the download failed)."""


class DataFileMismatchError(ValueError):
    """A known file's bytes do not have the expected SHA-256 (a damaged or different copy)."""


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute once, against the current folder, so a later ``chdir`` cannot move it."""
    return Path(os.path.abspath(path))


def cache_dir() -> Path:
    """The per-user folder where downloaded files are kept.

    >>> cache_dir().name
    'llm-from-scratch-notebooks'
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and must be ignored
        base = Path.home() / ".cache"
    return Path(base) / "llm-from-scratch-notebooks"


def data_dir() -> Path | None:
    """The absolute folder named by ``LLMFS_DATA_DIR``, or None when it is unset or empty.

    Raises ``ValueError`` when the variable names something that does not
    exist or is not a folder (a typo there would otherwise be silently ignored).
    """
    value = os.environ.get(DATA_DIR_ENV, "")
    if not value:
        return None
    folder = _absolute(value)
    if not folder.exists():
        raise ValueError(f"{DATA_DIR_ENV}={value!r}, but {folder} does not exist; fix the path or unset the variable")
    if not folder.is_dir():
        raise ValueError(f"{DATA_DIR_ENV}={value!r}, but {folder} is not a folder")
    return folder


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_verified: dict[tuple[str, int, int, int], str] = {}  # (path, inode, size, mtime) -> SHA-256 already computed


def _sha256_cached(path: Path) -> str | None:
    """The SHA-256 of ``path``, or None if it is not a file; unchanged files are hashed once."""
    try:
        st = path.stat()
        if not path.is_file():
            return None
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in _verified:
            _verified[key] = sha256_of(path)
        return _verified[key]
    except FileNotFoundError:  # removed meanwhile, e.g. by another process's rename
        return None


def _unknown(name: str) -> ValueError:
    return ValueError(f"unknown data file {name!r}; known files are: {', '.join(sorted(FILES))}")


def download(file: DataFile, dest: Path, timeout: float = 30.0) -> Path:
    """Download ``file`` to ``dest``, check its SHA-256, and write it atomically.

    Raises :class:`DataUnavailableError` for any network failure (offline,
    HTTP error, timeout, a connection cut mid-file), and
    :class:`DataFileMismatchError` (a ``ValueError``) when the downloaded bytes
    do not match the expected hash (nothing is written then).
    """
    timeout = real_number(timeout, "timeout", low=0.001)
    try:
        with urllib.request.urlopen(file.url, timeout=timeout) as response:
            data = response.read()
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        raise DataUnavailableError(
            f"could not download {file.name} from {file.url} ({err}). "
            f"If you are offline, put a copy of the file at <folder>/{file.name} "
            f"and set the environment variable {DATA_DIR_ENV}=<folder>."
        ) from err
    got = hashlib.sha256(data).hexdigest()
    if got != file.sha256:
        raise DataFileMismatchError(
            f"the download of {file.name} from {file.url} has SHA-256 {got}, "
            f"expected {file.sha256}; the file was not saved. Try again, or "
            f"place a known-good copy in the folder named by {DATA_DIR_ENV}."
        )
    atomic_write(dest, data)
    return dest


def data_file(name: str) -> Path:
    """The absolute local path of a known data file, checked, downloading it on first use.

    Looks in ``$LLMFS_DATA_DIR``, then the per-user cache, then downloads.
    Raises :class:`DataFileMismatchError` (a ``ValueError``) naming the file
    and the expected SHA-256 when the copy in ``$LLMFS_DATA_DIR`` is wrong.

    >>> data_file("the-verdict.txt").name
    'the-verdict.txt'
    """
    if require_str(name, "name") not in FILES:
        raise _unknown(name)
    file = FILES[name]
    local_dir = data_dir()
    if local_dir is not None:
        candidate = local_dir / file.name
        got = _sha256_cached(candidate)
        if got == file.sha256:
            return candidate
        if got is not None:
            raise DataFileMismatchError(
                f"{candidate} has SHA-256 {got}, expected {file.sha256}: the copy in {DATA_DIR_ENV} is damaged "
                f"or a different file. Replace it with a good copy (from {file.url}), or remove it to download it."
            )
    cached = _absolute(cache_dir() / file.name)
    if _sha256_cached(cached) == file.sha256:
        return cached
    # Missing or damaged: download and rename over it (never delete first, so that
    # another process never finds the file gone in between).
    return download(file, cached)


def load_text(name: str | Path) -> str:
    """Read a known text file, or a text file of your own.

    A known name (``"the-verdict.txt"``, ``"tinyshakespeare.txt"``) is found
    and checked by :func:`data_file`. Any other name is a file of yours: a path
    (relative to the current folder), or a file in ``$LLMFS_DATA_DIR``; it is
    read as it is. Raises ``ValueError`` naming the file when its bytes are
    not UTF-8.

    >>> len(load_text("the-verdict.txt"))
    20479
    """
    require_path(name, "name")
    if isinstance(name, str) and name in FILES:
        if not name.endswith(".txt"):
            raise ValueError(f"{name!r} is not a text file; use data_file({name!r}) for its path")
        path = data_file(name)  # checked against its SHA-256; a copy is only ever replaced by a checked one
        return decode_utf8(path.read_bytes(), path)
    local_dir = data_dir()
    for candidate in (_absolute(name), None if local_dir is None else local_dir / name):
        if candidate is not None and candidate.is_file():
            return decode_utf8(candidate.read_bytes(), candidate)
    raise _unknown(str(name))


def tiktoken_cache_dir() -> Path:
    """The folder tiktoken reads its cache from, following its own rules (made absolute)."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            return _absolute(os.environ[var])
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def tiktoken_cache_name(url: str) -> str:
    """tiktoken's name for the cached copy of ``url``: the SHA-1 of the URL."""
    return hashlib.sha1(url.encode()).hexdigest()


GPT2_FILES = ("gpt2/encoder.json", "gpt2/vocab.bpe")
"""The two files behind ``tiktoken.get_encoding("gpt2")``, by their names in the data folder."""


def seed_tiktoken_cache(cache: Path | str | None = None) -> Path:
    """Copy GPT-2's ``encoder.json`` and ``vocab.bpe`` into tiktoken's cache.

    Afterwards ``tiktoken.get_encoding("gpt2")`` loads them from disk instead
    of downloading. The files come from :func:`data_file` (the local data
    folder, the per-user cache, or a checked download), and each copy is
    written atomically under the SHA-1 name tiktoken looks for. A wrong copy already in tiktoken's
    cache is replaced. Returns the cache folder.

    Raises :class:`DataUnavailableError` naming ``LLMFS_DATA_DIR`` and every
    file it could find nowhere (offline, with an empty cache).

    >>> import tiktoken
    >>> _ = seed_tiktoken_cache()
    >>> tiktoken.get_encoding("gpt2").encode("Hello")
    [15496]
    """
    target = tiktoken_cache_dir() if cache is None else _absolute(require_path(cache, "cache"))
    if target.exists() and not target.is_dir():
        raise ValueError(f"cache {target} exists but is not a folder")
    missing = []
    for name in GPT2_FILES:
        file = FILES[name]
        dest = target / tiktoken_cache_name(file.url)
        if _sha256_cached(dest) == file.sha256:
            continue
        try:
            source = data_file(name)
        except DataUnavailableError:
            missing.append(file)
            continue
        atomic_write(dest, source.read_bytes())
    if missing:
        raise DataUnavailableError(_gpt2_missing(missing))
    return target


def _gpt2_missing(missing: list[DataFile]) -> str:
    """What to do when GPT-2's files are nowhere: the folder variable, each file's place and its URL."""
    where = os.environ.get(DATA_DIR_ENV) or "unset"
    files = "; ".join(f"<folder>/{file.name} (from {file.url})" for file in missing)
    return (
        f"GPT-2's encoding needs {' and '.join(file.name for file in missing)}, which could not be found "
        f"({DATA_DIR_ENV} is {where}; not in {cache_dir()} or in tiktoken's cache {tiktoken_cache_dir()}) "
        f"nor downloaded (offline?). Put {files}, set the environment variable {DATA_DIR_ENV}=<folder> "
        "and run again."
    )


def gpt2_encoding():
    """``tiktoken.get_encoding("gpt2")``, with tiktoken's cache seeded first (see :func:`seed_tiktoken_cache`).

    Offline, it works from ``LLMFS_DATA_DIR`` or files fetched before; with
    neither, it raises :class:`DataUnavailableError` naming the variable and
    the files, instead of tiktoken's connection error.

    >>> gpt2_encoding().n_vocab
    50257
    """
    import tiktoken

    seed_tiktoken_cache()
    return tiktoken.get_encoding("gpt2")
