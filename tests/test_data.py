"""helpers.data: finding, downloading and caching the data files, offline-safe.

Also against damaged files, concurrent processes, odd settings and network failures. No test here touches
the network: every download goes through a fake ``urlopen``.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import multiprocessing
import time
import urllib.error
import urllib.request

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from helpers import data
from helpers.data import DataFile, DataFileMismatchError, DataUnavailableError

FAKE_BYTES = b"a tiny story\n"
FAKE_FILE = DataFile(
    "the-verdict.txt", "https://example.invalid/the-verdict.txt", hashlib.sha256(FAKE_BYTES).hexdigest()
)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """No local data folder and an empty per-user cache under tmp_path."""
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return data.cache_dir()


def fake_urlopen(payload: bytes, calls: list[str] | None = None):
    def urlopen(url, timeout=None):
        if calls is not None:
            calls.append(url)
        return io.BytesIO(payload)

    return urlopen


def test_load_text_reads_a_good_copy_from_the_data_dir(tmp_path, monkeypatch):
    (tmp_path / "the-verdict.txt").write_bytes(FAKE_BYTES)
    monkeypatch.setitem(data.FILES, "the-verdict.txt", FAKE_FILE)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.load_text("the-verdict.txt") == FAKE_BYTES.decode()
    assert data.data_file("the-verdict.txt") == tmp_path / "the-verdict.txt"


def test_unknown_name_is_named_and_known_files_listed():
    with pytest.raises(ValueError) as err:
        data.load_text("the-verdikt.txt")
    message = str(err.value)
    assert "'the-verdikt.txt'" in message
    for known in ("the-verdict.txt", "tinyshakespeare.txt", "gpt2/encoder.json"):
        assert known in message


@pytest.mark.parametrize("name", [42, None, b"the-verdict.txt", ["the-verdict.txt"]], ids=repr)
def test_a_name_that_is_not_a_str_is_a_type_error_naming_it(name):
    for call in (data.load_text, data.data_file):
        with pytest.raises(TypeError, match="name must be a str"):
            call(name)


def test_load_text_refuses_a_non_text_file():
    with pytest.raises(ValueError, match=r"'gpt2/encoder.json' is not a text file.*data_file"):
        data.load_text("gpt2/encoder.json")


def test_cached_file_with_wrong_hash_is_replaced(empty_cache, monkeypatch):
    monkeypatch.setitem(data.FILES, "the-verdict.txt", FAKE_FILE)
    stale = empty_cache / "the-verdict.txt"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a damaged copy")
    calls: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(FAKE_BYTES, calls))
    assert data.load_text("the-verdict.txt") == FAKE_BYTES.decode()
    assert stale.read_bytes() == FAKE_BYTES
    assert calls == [FAKE_FILE.url]


def test_cached_file_with_right_hash_is_not_downloaded_again(empty_cache, monkeypatch):
    monkeypatch.setitem(data.FILES, "the-verdict.txt", FAKE_FILE)
    (empty_cache).mkdir(parents=True)
    (empty_cache / "the-verdict.txt").write_bytes(FAKE_BYTES)
    calls: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(b"other", calls))
    assert data.load_text("the-verdict.txt") == FAKE_BYTES.decode()
    assert calls == []


def test_download_with_wrong_hash_raises_and_leaves_no_file(empty_cache, monkeypatch):
    monkeypatch.setitem(data.FILES, "the-verdict.txt", FAKE_FILE)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(b"tampered bytes"))
    with pytest.raises(ValueError) as err:
        data.data_file("the-verdict.txt")
    message = str(err.value)
    assert "SHA-256" in message and FAKE_FILE.sha256 in message and "not saved" in message
    assert not (empty_cache / "the-verdict.txt").exists()
    assert not list(empty_cache.glob("*.part"))


def test_offline_raises_data_unavailable_naming_env_and_url(empty_cache, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    url = data.FILES["tinyshakespeare.txt"].url
    with pytest.raises(DataUnavailableError) as err:
        data.load_text("tinyshakespeare.txt")
    message = str(err.value)
    assert data.DATA_DIR_ENV in message
    assert url in message
    assert not (empty_cache / "tinyshakespeare.txt").exists()


def test_seed_tiktoken_cache_lets_tiktoken_load_offline(tmp_path, monkeypatch):
    cache = tmp_path / "tiktoken"
    cache.mkdir()
    url = data.FILES["gpt2/vocab.bpe"].url
    (cache / data.tiktoken_cache_name(url)).write_bytes(b"a damaged copy")

    assert data.seed_tiktoken_cache(cache) == cache
    for name in ("gpt2/encoder.json", "gpt2/vocab.bpe"):
        file = data.FILES[name]
        cached = cache / hashlib.sha1(file.url.encode()).hexdigest()
        assert data.sha256_of(cached) == file.sha256
    assert len(list(cache.iterdir())) == 2  # no leftover temporary files

    def no_network(blobpath):
        raise AssertionError(f"tiktoken tried to download {blobpath}")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # force a fresh load from the cache folder
    enc = tiktoken.get_encoding("gpt2")
    assert enc.encode("Hello, world") == [15496, 11, 995]


GOOD = b"a tiny story, told slowly\n" * 2000
FAKE = DataFile("the-verdict.txt", "https://example.invalid/the-verdict.txt", hashlib.sha256(GOOD).hexdigest())


@pytest.fixture
def fake_files(tmp_path, monkeypatch):
    """A fake known file, no data folder, an empty cache, and no network unless a test provides one."""
    monkeypatch.setitem(data.FILES, FAKE.name, FAKE)
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(data, "_verified", {})

    def no_network(url, timeout=None):
        raise AssertionError(f"a test tried the network: {url}")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return data.cache_dir()


class SlowResponse(io.BytesIO):
    """A response that takes a while, so that concurrent downloads overlap."""

    def read(self, *args):
        time.sleep(0.05)
        return super().read(*args)


def slow_urlopen(url, timeout=None):
    return SlowResponse(GOOD)


def fetch(queue):
    try:
        queue.put(("ok", data.load_text(FAKE.name) == GOOD.decode()))
    except Exception as err:  # reported to the parent, which fails the test
        queue.put(("error", f"{type(err).__name__}: {err}"))


@pytest.mark.parametrize("start", ["empty", "damaged"])
def test_concurrent_processes_all_succeed(fake_files, monkeypatch, start):
    cache = fake_files
    if start == "damaged":
        cache.mkdir(parents=True)
        (cache / FAKE.name).write_bytes(b"a damaged copy")
    monkeypatch.setattr(urllib.request, "urlopen", slow_urlopen)
    ctx = multiprocessing.get_context("fork")  # the children inherit the fake network
    queue = ctx.Queue()
    workers = [ctx.Process(target=fetch, args=(queue,)) for _ in range(8)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert results == [("ok", True)] * len(workers)
    assert (cache / FAKE.name).read_bytes() == GOOD
    assert sorted(p.name for p in cache.iterdir()) == [FAKE.name]  # no partial files left


def test_a_wrong_copy_in_the_data_dir_names_file_and_hash_and_never_downloads(fake_files, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / FAKE.name).write_bytes(GOOD[:-10])  # truncated
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    for call in (data.data_file, data.load_text):
        with pytest.raises(DataFileMismatchError) as info:
            call(FAKE.name)
        message = str(info.value)
        assert str(folder / FAKE.name) in message and FAKE.sha256 in message
    assert isinstance(info.value, ValueError)


def test_a_good_copy_in_the_data_dir_is_used(fake_files, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / FAKE.name).write_bytes(GOOD)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    assert data.load_text(FAKE.name) == GOOD.decode()


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_data_dir_that_is_missing_or_not_a_folder(fake_files, tmp_path, monkeypatch, kind):
    target = tmp_path / "nowhere"
    if kind == "file":
        target.write_text("not a folder")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(target))
    words = "does not exist" if kind == "missing" else "is not a folder"
    with pytest.raises(ValueError, match=f"{data.DATA_DIR_ENV}=.*{words}"):
        data.data_file(FAKE.name)


def test_relative_data_dir_is_resolved_once(fake_files, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / FAKE.name).write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(data.DATA_DIR_ENV, "data")
    path = data.data_file(FAKE.name)
    assert path.is_absolute() and path == tmp_path / "data" / FAKE.name
    monkeypatch.chdir("/")
    assert path.read_bytes() == GOOD  # still the same file after a chdir


def test_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert data.cache_dir() == tmp_path / ".cache" / "llm-from-scratch-notebooks"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "abs"))
    assert data.cache_dir() == tmp_path / "abs" / "llm-from-scratch-notebooks"


def raising(err):
    def urlopen(url, timeout=None):
        raise err

    return urlopen


class CutResponse(io.BytesIO):
    def read(self, *args):
        raise http.client.IncompleteRead(b"partial", 100)


NETWORK_FAILURES = [
    raising(urllib.error.URLError("no network")),
    raising(urllib.error.HTTPError(FAKE.url, 404, "Not Found", {}, None)),
    raising(TimeoutError("timed out")),
    raising(OSError("network is unreachable")),
    raising(ConnectionResetError("reset")),
    raising(http.client.RemoteDisconnected("closed")),
    lambda url, timeout=None: CutResponse(b""),
]


@pytest.mark.parametrize("opener", NETWORK_FAILURES)
def test_every_network_failure_is_data_unavailable(fake_files, monkeypatch, opener):
    monkeypatch.setattr(urllib.request, "urlopen", opener)
    with pytest.raises(DataUnavailableError, match=data.DATA_DIR_ENV):
        data.load_text(FAKE.name)
    assert not fake_files.exists() or not list(fake_files.iterdir())


def test_damaged_cache_copy_is_replaced_atomically(fake_files, monkeypatch):
    cache = fake_files
    cache.mkdir(parents=True)
    (cache / FAKE.name).write_bytes(b"damaged")
    inode_before = (cache / FAKE.name).stat().st_ino
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(GOOD))
    assert data.load_text(FAKE.name) == GOOD.decode()
    assert (cache / FAKE.name).stat().st_ino != inode_before  # a new file renamed over, not rewritten in place
    assert sorted(p.name for p in cache.iterdir()) == [FAKE.name]


def test_seed_tiktoken_cache_checks_its_sources(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", raising(AssertionError("a test tried the network")))
    folder = tmp_path / "data"
    (folder / "gpt2").mkdir(parents=True)
    good_encoder = data.data_file("gpt2/encoder.json")  # found in the real data folder, before ours is set
    (folder / "gpt2" / "encoder.json").write_bytes(good_encoder.read_bytes())
    (folder / "gpt2" / "vocab.bpe").write_text("#version: 0.2\nĠ t\n", encoding="utf-8")  # damaged
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    target = tmp_path / "tiktoken"
    with pytest.raises(DataFileMismatchError, match="vocab.bpe"):
        data.seed_tiktoken_cache(target)
    vocab_name = data.tiktoken_cache_name(data.FILES["gpt2/vocab.bpe"].url)
    assert not (target / vocab_name).exists()  # the damaged copy never reached tiktoken's cache
    for bad in (42, b"folder", ["folder"]):
        with pytest.raises(TypeError, match="cache must be a str or pathlib.Path"):
            data.seed_tiktoken_cache(bad)


def test_own_text_is_read_as_given(fake_files, tmp_path, monkeypatch):
    own = tmp_path / "my-notes.txt"
    own.write_text("my own notes, not known by hash", encoding="utf-8")
    assert data.load_text(str(own)) == "my own notes, not known by hash"
    assert data.load_text(own) == "my own notes, not known by hash"
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("in the data folder", encoding="utf-8")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    assert data.load_text("notes.txt") == "in the data folder"


def test_undecodable_bytes_name_the_file(fake_files, tmp_path, monkeypatch):
    own = tmp_path / "latin1.txt"
    own.write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(ValueError, match=rf"{own} is not UTF-8 text: byte 0xe9"):
        data.load_text(own)
    bad = b"\xff" + GOOD
    monkeypatch.setitem(data.FILES, FAKE.name, DataFile(FAKE.name, FAKE.url, hashlib.sha256(bad).hexdigest()))
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / FAKE.name).write_bytes(bad)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    with pytest.raises(ValueError, match=rf"{folder / FAKE.name} is not UTF-8 text"):
        data.load_text(FAKE.name)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "30", None, True], ids=repr)
def test_download_timeout_is_a_positive_number(fake_files, tmp_path, timeout):
    error = ValueError if isinstance(timeout, float | int) and not isinstance(timeout, bool) else TypeError
    with pytest.raises(error, match="timeout"):
        data.download(FAKE, tmp_path / FAKE.name, timeout=timeout)


def test_offline_with_nothing_gpt2_encoding_names_the_variable_and_both_files(tmp_path, monkeypatch):
    """The reader's error offline with an empty cache: what to set, which files to put where."""
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    monkeypatch.setattr(data, "_verified", {})
    monkeypatch.setattr(urllib.request, "urlopen", raising(urllib.error.URLError("no network")))
    with pytest.raises(DataUnavailableError) as err:
        data.gpt2_encoding()
    message = str(err.value)
    assert data.DATA_DIR_ENV in message
    assert all(name in message and data.FILES[name].url in message for name in data.GPT2_FILES)
    assert not (tmp_path / "tiktoken").exists() or not list((tmp_path / "tiktoken").iterdir())


def test_gpt2_encoding_seeds_from_the_data_folder_and_never_downloads(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "gpt2"
    folder.mkdir(parents=True)
    for name in data.GPT2_FILES:
        (tmp_path / "data" / name).write_bytes(data.data_file(name).read_bytes())
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    monkeypatch.setattr(urllib.request, "urlopen", raising(AssertionError("a test tried the network")))
    monkeypatch.setattr(tiktoken.load, "read_file", raising(AssertionError("tiktoken tried the network")))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    assert data.gpt2_encoding().encode("Hello") == [15496]
