"""BPETokenizer's files: save and load, GPT-2's encoder.json and vocab.bpe, and every kind of damage.

A damaged file, whatever the damage, is a ``ValueError`` that names the file (and the field or line).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.bpe import ENDOFTEXT, FORMAT, BPETokenizer, gpt2_bytes_to_unicode
from helpers.data import data_file, load_text


@pytest.fixture(scope="module")
def gpt2() -> BPETokenizer:
    return BPETokenizer.from_gpt2(data_file("gpt2/encoder.json"), data_file("gpt2/vocab.bpe"))


def test_save_and_load_round_trip(tmp_path):
    tok = BPETokenizer().train(load_text("the-verdict.txt"), 400, allowed_special={ENDOFTEXT})
    path = tmp_path / "verdict-bpe.json"
    tok.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == (FORMAT, 1)
    assert len(data["merges"]) == 143
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    again = BPETokenizer.load(path)
    assert again.merges == tok.merges and again.special_tokens == tok.special_tokens
    assert again.encode("I HAD always thought") == tok.encode("I HAD always thought")


def test_gpt2_survives_save_and_load(gpt2, tmp_path):
    gpt2.save(tmp_path / "gpt2.json")
    again = BPETokenizer.load(str(tmp_path / "gpt2.json"))
    text = load_text("the-verdict.txt")[:3000]
    assert again.encode(text) == gpt2.encode(text)
    assert again.byte_ids == gpt2.byte_ids


def test_bytes_to_unicode_is_a_printable_bijection():
    mapping = gpt2_bytes_to_unicode()
    assert sorted(mapping) == list(range(256))
    assert len(set(mapping.values())) == 256
    assert all(ch.isprintable() and not ch.isspace() for ch in mapping.values())


@pytest.mark.parametrize("path", [3, None, b"tok.json", ["tok.json"]], ids=repr)
def test_load_and_save_take_a_path(path):
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        BPETokenizer.load(path)
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        BPETokenizer().save(path)


# -- a saved file, damaged ------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "tok.json"
    BPETokenizer().train("low lower lowest newest widest", 270, allowed_special={ENDOFTEXT}).save(path)
    return path


def damage(path, field, value):
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = value
    path.write_text(json.dumps(data), encoding="utf-8")


DAMAGED = [
    ("pattern", 5),
    ("pattern", None),
    ("pattern", r"\w+"),
    ("pattern", "(a)|."),
    ("pattern", "[unclosed"),
    ("special_tokens", None),
    ("special_tokens", ["<|endoftext|>"]),
    ("special_tokens", {"<|endoftext|>": "270"}),
    ("special_tokens", {"<|endoftext|>": 1.5}),
    ("special_tokens", {"<|endoftext|>": True}),
    ("special_tokens", {"<|endoftext|>": 3}),
    ("special_tokens", {"": 300}),
    ("byte_ids", None),
    ("byte_ids", "0123"),
    ("byte_ids", list(range(255))),
    ("byte_ids", [float(i) for i in range(256)]),
    ("byte_ids", [True] + list(range(1, 256))),
    ("byte_ids", {"0": 0}),
    ("merges", None),
    ("merges", {"a": 1}),
    ("merges", 97),
    ("merges", [[97]]),
    ("merges", [[97, 98, 99]]),
    ("merges", [["a", "b"]]),
    ("merges", [[97.0, 98]]),
    ("merges", [[True, 98]]),
    ("merges", [97, 98]),
    ("merges", [[97, 9999]]),
    ("merges", [[97, 98], [97, 98]]),
    ("merges", [None]),
    ("version", "1"),
    ("version", True),
    ("version", 2**70),
    ("format", None),
]


@pytest.mark.parametrize(("field", "value"), DAMAGED, ids=lambda v: repr(v)[:30])
def test_every_damaged_field_is_a_value_error_naming_file_and_field(saved, field, value):
    damage(saved, field, value)
    with pytest.raises(ValueError) as info:
        BPETokenizer.load(saved)
    assert str(saved) in str(info.value) and field in str(info.value)


@pytest.mark.parametrize(
    ("damaged", "fact"),
    [
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: "[1, 2]", "JSON list"),
        (lambda text: text.replace('"version": 1', '"version": ' + "9" * 5000), "5000 digits"),
        (lambda text: text.replace('"merges": [\n  [', '"merges": [\n  [' + "9" * 5000 + ", "), "5000 digits"),
        (lambda text: text.replace('"version": 1', '"version": NaN'), "NaN"),
        (lambda text: "[" * 100_000, "not valid JSON"),
        (lambda text: "", "not valid JSON"),
    ],
    ids=["truncated", "a list", "huge version", "huge id", "NaN", "too deep", "empty"],
)
def test_a_file_that_is_not_a_json_object_is_a_value_error_naming_it(saved, damaged, fact):
    saved.write_text(damaged(saved.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ValueError, match=fact) as info:
        BPETokenizer.load(saved)
    assert str(saved) in str(info.value)


def test_non_utf8_file_is_a_value_error_naming_the_file(saved):
    saved.write_bytes(saved.read_bytes().replace(b"low", b"l\xffw", 1) + b"\xff")
    with pytest.raises(ValueError, match="not UTF-8") as info:
        BPETokenizer.load(saved)
    assert str(saved) in str(info.value)


def test_a_missing_field_is_named(saved):
    saved.write_text(json.dumps({"format": FORMAT, "version": 1, "merges": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"lacks the field.*'special_tokens', 'byte_ids', 'pattern'"):
        BPETokenizer.load(saved)


def test_gpt2s_encoder_is_not_a_saved_tokenizer(gpt2_copies):
    encoder, _ = gpt2_copies
    with pytest.raises(ValueError, match="format field is 18982.*from_gpt2"):
        BPETokenizer.load(encoder)  # GPT-2's vocabulary happens to have a token "format"


# -- GPT-2's files, damaged -----------------------------------------------------------------------


@pytest.fixture
def gpt2_copies(tmp_path) -> tuple[Path, Path]:
    encoder, vocab = tmp_path / "encoder.json", tmp_path / "vocab.bpe"
    encoder.write_bytes(data_file("gpt2/encoder.json").read_bytes())
    vocab.write_bytes(data_file("gpt2/vocab.bpe").read_bytes())
    return encoder, vocab


def edit_encoder(encoder: Path, change) -> None:
    table = json.loads(encoder.read_text(encoding="utf-8"))
    change(table)
    encoder.write_text(json.dumps(table), encoding="utf-8")


def edit_lines(vocab: Path, change) -> None:
    lines = vocab.read_text(encoding="utf-8").split("\n")
    change(lines)
    vocab.write_text("\n".join(lines), encoding="utf-8")


def swap_first_merges(lines):
    lines[1], lines[2] = lines[2], lines[1]


ENCODER_DAMAGE = [
    (lambda t: t.update({"!": "0"}), "byte token '!'"),
    (lambda t: t.update({"!": 0.5}), "byte token '!'"),
    (lambda t: t.update({"<|endoftext|>": "50256"}), "special_tokens"),
    (lambda t: t.update({"<|endoftext|>": 50256.5}), "special_tokens"),
    (lambda t: t.update({"<|endoftext|>": 5}), "special_tokens"),
    (lambda t: t.update({"Ġthe": 262.5}), "line"),
    (lambda t: t.update({"zzzz": 50300}), "truncated"),
    (lambda t: t.clear(), "byte token"),
]


@pytest.mark.parametrize(("change", "fact"), ENCODER_DAMAGE)
def test_a_damaged_encoder_is_a_value_error_naming_a_file(gpt2_copies, change, fact):
    encoder, vocab = gpt2_copies
    edit_encoder(encoder, change)
    with pytest.raises(ValueError, match=fact) as info:
        BPETokenizer.from_gpt2(encoder, vocab)
    assert str(encoder) in str(info.value)


VOCAB_DAMAGE = [
    (lambda lines: lines.__delitem__(slice(40001, None)), "40000 merges.*truncated"),
    (swap_first_merges, "line 2 is 'Ġ a'.*id 256"),
    (lambda lines: lines.__setitem__(5, lines[5].replace(" ", "")), "line 6 is"),
    (lambda lines: lines.__setitem__(5, lines[5] + " x"), "line 6 is"),
    (lambda lines: lines.__setitem__(5, "nothing known"), "line 6 is"),
]


@pytest.mark.parametrize(("change", "fact"), VOCAB_DAMAGE)
def test_a_damaged_vocab_bpe_is_a_value_error_naming_the_line(gpt2_copies, change, fact):
    encoder, vocab = gpt2_copies
    edit_lines(vocab, change)
    with pytest.raises(ValueError, match=fact) as info:
        BPETokenizer.from_gpt2(encoder, vocab)
    assert str(vocab) in str(info.value)


@pytest.mark.parametrize(
    ("which", "content", "fact"),
    [
        ("encoder", b'{"!": 0, ', "not valid JSON"),
        ("encoder", b'["!"]', "JSON list"),
        ("encoder", b'{"!": ' + b"9" * 5000 + b"}", "5000 digits"),
        ("encoder", b'{"!": 0}\xff', "not UTF-8"),
        ("vocab", b"#version: 0.2\n\xff\xfe\n", "not UTF-8"),
    ],
)
def test_gpt2_files_that_cannot_be_read(gpt2_copies, which, content, fact):
    encoder, vocab = gpt2_copies
    target = encoder if which == "encoder" else vocab
    target.write_bytes(content)
    with pytest.raises(ValueError, match=fact) as info:
        BPETokenizer.from_gpt2(encoder, vocab)
    assert str(target) in str(info.value)


@pytest.mark.parametrize("bad", [None, 3, b"encoder.json"], ids=repr)
def test_from_gpt2_takes_paths(gpt2_copies, bad):
    encoder, vocab = gpt2_copies
    with pytest.raises(TypeError, match="encoder_json_path"):
        BPETokenizer.from_gpt2(bad, vocab)
    with pytest.raises(TypeError, match="vocab_bpe_path"):
        BPETokenizer.from_gpt2(encoder, bad)
