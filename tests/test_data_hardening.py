"""helpers.data against damaged files, concurrent processes, odd settings and network failures.

No test here touches the network: every download goes through a fake ``urlopen``.
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

from helpers import data
from helpers.data import DataFile, DataFileMismatchError, DataUnavailableError

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
    with pytest.raises(TypeError, match="cache must be a folder path"):
        data.seed_tiktoken_cache(42)


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
    with pytest.raises(ValueError, match=rf"{own} is not UTF-8 text: byte 0xe9 at offset 3"):
        data.load_text(own)
    bad = b"\xff" + GOOD
    monkeypatch.setitem(data.FILES, FAKE.name, DataFile(FAKE.name, FAKE.url, hashlib.sha256(bad).hexdigest()))
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / FAKE.name).write_bytes(bad)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    with pytest.raises(ValueError, match=rf"{folder / FAKE.name} is not UTF-8 text"):
        data.load_text(FAKE.name)


def test_unknown_name_that_is_not_a_file_lists_the_known_files(fake_files):
    with pytest.raises(ValueError, match="unknown data file 'nope.txt'; known files are"):
        data.load_text("nope.txt")
