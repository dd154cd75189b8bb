"""Finding the text and GPT-2 files the notebooks read.

Every file is looked up in three places, in this order:

1. the folder named by the environment variable ``LLMFS_DATA_DIR``
   (CI points it at a local copy, so nothing is downloaded);
2. a per-user cache folder (``$XDG_CACHE_HOME/llm-from-scratch-notebooks``,
   by default ``~/.cache/llm-from-scratch-notebooks``);
3. the file's public URL. A download is checked against a known SHA-256 and
   written to a temporary file that is renamed into place only once it is
   complete and correct, so an interrupted or corrupted download never leaves
   a half-written file behind.

tiktoken keeps its own cache of GPT-2's ``encoder.json`` and ``vocab.bpe``
(``$TIKTOKEN_CACHE_DIR``, else ``$DATA_GYM_CACHE_DIR``, else
``<tempdir>/data-gym-cache``), naming each file by the SHA-1 of its download
URL. :func:`seed_tiktoken_cache` copies local files under those names, so
``tiktoken.get_encoding("gpt2")`` works offline, unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

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
    """A data file is neither on disk nor downloadable."""


def cache_dir() -> Path:
    """The per-user folder where downloaded files are kept.

    >>> cache_dir().name
    'llm-from-scratch-notebooks'
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llm-from-scratch-notebooks"


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lookup(name: str) -> DataFile:
    if not isinstance(name, str):
        raise TypeError(f"a data file name must be a str, got {type(name).__name__}")
    if name not in FILES:
        known = ", ".join(sorted(FILES))
        raise ValueError(f"unknown data file {name!r}; known files are: {known}")
    return FILES[name]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so the file is either complete or absent.

    The bytes go to a temporary file in the same folder, which is renamed over
    ``path`` only after it is fully written (a rename is atomic on one
    filesystem). On any error the temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def download(file: DataFile, dest: Path, timeout: float = 30.0) -> Path:
    """Download ``file`` to ``dest``, check its SHA-256, and write it atomically.

    Raises :class:`DataUnavailableError` when offline, and ``ValueError`` when
    the downloaded bytes do not match the expected hash (nothing is written
    then).
    """
    try:
        with urllib.request.urlopen(file.url, timeout=timeout) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as err:
        raise DataUnavailableError(
            f"could not download {file.name} from {file.url} ({err}). "
            f"If you are offline, put a copy of the file at <folder>/{file.name} "
            f"and set the environment variable {DATA_DIR_ENV}=<folder>."
        ) from err
    got = hashlib.sha256(data).hexdigest()
    if got != file.sha256:
        raise ValueError(
            f"the download of {file.name} from {file.url} has SHA-256 {got}, "
            f"expected {file.sha256}; the file was not saved. Try again, or "
            f"place a known-good copy in the folder named by {DATA_DIR_ENV}."
        )
    atomic_write(dest, data)
    return dest


def data_file(name: str) -> Path:
    """The local path of a known data file, downloading it on first use.

    Looks in ``$LLMFS_DATA_DIR``, then the per-user cache, then downloads.

    >>> data_file("the-verdict.txt").name
    'the-verdict.txt'
    """
    file = _lookup(name)
    local_dir = os.environ.get(DATA_DIR_ENV)
    if local_dir:
        candidate = Path(local_dir) / file.name
        if candidate.is_file():
            return candidate
    cached = cache_dir() / file.name
    if cached.is_file():
        if sha256_of(cached) == file.sha256:
            return cached
        cached.unlink()  # a stale or damaged copy: fetch a fresh one
    return download(file, cached)


def load_text(name: str) -> str:
    """Read a known text file (``"the-verdict.txt"`` or ``"tinyshakespeare.txt"``).

    >>> len(load_text("the-verdict.txt"))
    20479
    """
    _lookup(name)  # a wrong type or an unknown name fails here, with the list of known files
    if not name.endswith(".txt"):
        raise ValueError(f"{name!r} is not a text file; use data_file({name!r}) for its path")
    return data_file(name).read_text(encoding="utf-8")


def tiktoken_cache_dir() -> Path:
    """The folder tiktoken reads its cache from, following its own rules."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            return Path(os.environ[var])
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def tiktoken_cache_name(url: str) -> str:
    """tiktoken's name for the cached copy of ``url``: the SHA-1 of the URL."""
    return hashlib.sha1(url.encode()).hexdigest()


def seed_tiktoken_cache(cache: Path | str | None = None) -> Path:
    """Copy GPT-2's ``encoder.json`` and ``vocab.bpe`` into tiktoken's cache.

    Afterwards ``tiktoken.get_encoding("gpt2")`` loads them from disk instead
    of downloading. The files come from :func:`data_file` (the local data
    folder, the per-user cache, or a checked download); each is copied
    atomically under the SHA-1 name tiktoken looks for. Returns the cache folder.

    >>> import tiktoken
    >>> _ = seed_tiktoken_cache()
    >>> tiktoken.get_encoding("gpt2").encode("Hello")
    [15496]
    """
    target = Path(cache) if cache is not None else tiktoken_cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in ("gpt2/encoder.json", "gpt2/vocab.bpe"):
        file = FILES[name]
        dest = target / tiktoken_cache_name(file.url)
        if dest.is_file() and sha256_of(dest) == file.sha256:
            continue
        source = data_file(name)
        with tempfile.NamedTemporaryFile(dir=target, delete=False, suffix=".part") as tmp:
            tmp_path = Path(tmp.name)
        try:
            shutil.copyfile(source, tmp_path)
            os.replace(tmp_path, dest)
        finally:
            tmp_path.unlink(missing_ok=True)
    return target


def gpt2_encoding():
    """``tiktoken.get_encoding("gpt2")``, with its cache seeded from local files.

    >>> gpt2_encoding().n_vocab
    50257
    """
    import tiktoken

    seed_tiktoken_cache()
    return tiktoken.get_encoding("gpt2")
