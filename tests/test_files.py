"""helpers.files: atomic writes, and every damaged file read as a ValueError naming it."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.files import atomic_write, read_json_object, read_utf8


def test_atomic_write_writes_a_complete_file_and_makes_its_folder(tmp_path):
    target = tmp_path / "sub" / "out.bin"
    assert atomic_write(target, b"\x00\x01") == target
    assert target.read_bytes() == b"\x00\x01"
    atomic_write(str(target), "é")  # a str is written as UTF-8
    assert target.read_bytes() == "é".encode()
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


@pytest.mark.parametrize("data", [None, 3, ["a"], memoryview(b"a")], ids=repr)
def test_atomic_write_refuses_what_is_not_bytes_and_leaves_the_old_file(tmp_path, data):
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    with pytest.raises(TypeError, match="data must be bytes or a str"):
        atomic_write(target, data)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def write_many(path: str, marker: int) -> None:
    for _ in range(50):
        atomic_write(path, str(marker) * 100_000)


def test_writers_racing_into_one_file_leave_one_whole_copy(tmp_path):
    target = tmp_path / "shared" / "result.txt"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=write_many, args=(str(target), k)) for k in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # threads of this process too
        for w in workers:
            w.start()
        list(pool.map(lambda k: write_many(str(target), k), range(4, 8)))
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0] * 4
    text = target.read_text()
    assert len(text) == 100_000 and len(set(text)) == 1
    assert [p.name for p in target.parent.iterdir()] == ["result.txt"]


@pytest.mark.parametrize(
    ("content", "fact"),
    [
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "JSON list"),
        (b'"text"', "JSON str"),
        (b'{"n": ' + b"9" * 5000 + b"}", "5000 digits"),
        (b'{"n": -' + b"9" * 4301 + b"}", "4301 digits"),
        (b'{"n": NaN}', "NaN"),
        (b'{"n": Infinity}', "Infinity"),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"caf\xe9": 1}', "not UTF-8"),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_a_damaged_json_file_is_a_value_error_naming_it(tmp_path, content, fact):
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=fact) as info:
        read_json_object(path, "a settings file")
    assert str(path) in str(info.value) and "a settings file" in str(info.value)


def test_a_json_object_is_read(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text('{"n": 12345678901234567890, "x": [1.5]}', encoding="utf-8")
    assert read_json_object(path, "numbers") == {"n": 12345678901234567890, "x": [1.5]}


def test_read_utf8_names_the_file_and_the_byte(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8.*0xe9") as info:
        read_utf8(path)
    assert str(path) in str(info.value)
    path.write_text("café", encoding="utf-8")
    assert read_utf8(path) == "café"
