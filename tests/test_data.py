"""helpers.data: finding, downloading and caching the data files, offline-safe."""

from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from helpers import data
from helpers.data import DataFile, DataUnavailableError

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


def test_a_wrong_copy_in_the_data_dir_is_an_error(tmp_path, monkeypatch):
    # Changed deliberately (issue 10): a wrong copy used to be returned silently.
    (tmp_path / "the-verdict.txt").write_text("I HAD always thought", encoding="utf-8")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(data.DataFileMismatchError, match=data.FILES["the-verdict.txt"].sha256):
        data.load_text("the-verdict.txt")


def test_unknown_name_is_named_and_known_files_listed():
    with pytest.raises(ValueError) as err:
        data.load_text("the-verdikt.txt")
    message = str(err.value)
    assert "'the-verdikt.txt'" in message
    for known in ("the-verdict.txt", "tinyshakespeare.txt", "gpt2/encoder.json"):
        assert known in message


def test_non_str_name_is_a_type_error():
    with pytest.raises(TypeError, match="must be a str, got int"):
        data.load_text(42)


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


def test_atomic_write_leaves_no_part_file_on_error(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        data.atomic_write(target, "a str, not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_write_writes_complete_file(tmp_path):
    target = tmp_path / "sub" / "out.bin"
    data.atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


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
