"""Reading and writing files: the one home for atomic writes, UTF-8 text and JSON objects.

Every damaged file is a ``ValueError`` that names the file and what it should
hold, whatever the damage: bytes that are not UTF-8, text that is not JSON,
JSON that is not an object, a number too long to read (a 5,000-digit int), or
nesting too deep to parse. Writes go to a temporary file renamed into place,
so a reader (another thread or process) sees the old file or the new one,
never half of one.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = atomic_write(Path(folder) / "a.json", '{"n": 1}')
...     read_json_object(path, "a settings file")
{'n': 1}
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from helpers.checks import require_instance


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (bytes, or a str written as UTF-8) to ``path``, which is then complete or untouched.

    The bytes go to a temporary file in the same folder (created if missing),
    renamed over ``path`` only once fully written: a rename is atomic on one
    filesystem, so processes writing the same file at once leave one whole copy.
    On any error the temporary file is removed. Returns ``path`` as a ``Path``.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    require_instance(data, "data", bytes | bytearray, "bytes or a str")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def decode_utf8(data: bytes, path: str | os.PathLike[str], what: str = "text") -> str:
    """``data`` (the bytes of ``path``) as text; bytes that are not UTF-8 are a ``ValueError`` naming the file.

    >>> decode_utf8(b"caf\\xe9", "menu.txt")
    Traceback (most recent call last):
    ...
    ValueError: menu.txt is not UTF-8 text: byte 0xe9 at offset 3 cannot be decoded; expected text (save it as UTF-8)
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text: byte {data[err.start]:#04x} at offset {err.start} cannot be decoded; "
            f"expected {what} (save it as UTF-8)"
        ) from None


def read_utf8(path: str | os.PathLike[str], what: str = "text") -> str:
    """The text of the file ``path``, which should hold ``what``; not UTF-8 is a ``ValueError`` naming it."""
    return decode_utf8(Path(path).read_bytes(), path, what)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def read_json_object(path: str | os.PathLike[str], what: str) -> dict:
    """The JSON object (a dict) in the file ``path``, which should hold ``what``.

    Any damage (not UTF-8, not JSON, ``NaN``, an integer of more than 4,300
    digits (Python's limit), nesting too deep, JSON that is not an object) is
    a ``ValueError`` naming the file and ``what`` was expected.
    """
    text = read_utf8(path, what)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:  # JSONDecodeError is a ValueError, as is int's digit limit
        reason = str(err).split(";")[0][:200]  # not the limit's advice to raise it
        raise ValueError(f"{path} is not valid JSON ({reason}); expected {what}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not {what}: it holds a JSON {type(data).__name__}, not an object")
    return data
