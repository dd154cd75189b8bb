"""The HTML export: the command works, every page is written whole, and every link lands.

The real export of this repository runs once per test session (module-scoped
fixture, through the documented command); the other tests use a tiny fake
repository in a temporary folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import tools.export as export
from tools.export import REPO_ROOT, export_html, find_broken_links, page_links


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """``python -m tools.export <tmp>`` run once on this repository."""
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, "-m", "tools.export", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"wrote \d+ pages to .+\n", result.stdout)
    assert "warning" not in result.stderr, result.stderr
    return out


def test_every_source_has_a_page(exported):
    expected = {p.relative_to(REPO_ROOT).with_suffix(".html") for p in export.sources_to_export(REPO_ROOT)}
    written = {p.relative_to(exported) for p in exported.rglob("*.html")}
    assert written == expected
    assert Path("NOTES.html") in written and Path("PROGRESS.html") in written
    assert not list(exported.rglob("*.part")), "a temporary file was left behind"


def test_exported_links_resolve(exported):
    problems = [problem for page in sorted(exported.rglob("*.html")) for problem in find_broken_links(page)]
    assert problems == []


def test_links_point_at_html_pages(exported):
    """No exported page links to a .ipynb or .md source any more; anchors survive the rewrite."""
    leftovers = []
    for page in exported.rglob("*.html"):
        for href in page_links(page):
            if "://" not in href and re.search(r"\.(ipynb|md)(#|$)", href):
                leftovers.append(f"{page.name}: {href}")
    assert leftovers == []
    notes_links = page_links(exported / "NOTES.html")
    assert any(h.startswith("notebooks/03.5-causal-attention.html#") for h in notes_links)


def test_markdown_pages_have_heading_ids_and_math(exported):
    html = (exported / "NOTES.html").read_text(encoding="utf-8")
    assert '<h2 id="glossary">' in html
    assert "$$\\mathrm{softmax}(\\omega)_j" in html, "display math must reach MathJax unchanged"
    assert "MathJax" in html


# A small fake repository, for the behaviour of the export itself.


@pytest.fixture()
def fake_repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    (root / "helpers").mkdir()
    (root / "helpers" / "tool.py").write_text("x = 1\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "# 1.1 First\n\n[notes](../NOTES.md#the-notes) [second](02-second.ipynb#Why-two?)"
            " [code](../helpers/tool.py)"
        ),
        nbformat.v4.new_code_cell("print('[not a link](nowhere.md)')"),
    ]
    nbformat.write(notebook, root / "notebooks" / "01-first.ipynb")
    notebook.cells = [nbformat.v4.new_markdown_cell("## Why two?")]
    nbformat.write(notebook, root / "notebooks" / "02-second.ipynb")
    (root / "NOTES.md").write_text(
        "# The notes\n\n[first](notebooks/01-first.ipynb#1.1-First) [web](https://example.org/a.md)"
        " [self](#the-notes)\n"
    )
    return root


def test_rewrites_links_in_a_fake_repo(fake_repo, tmp_path):
    out = tmp_path / "out"
    written = export_html(out, fake_repo)
    assert [p.relative_to(out).as_posix() for p in written] == [
        "NOTES.html",
        "notebooks/01-first.html",
        "notebooks/02-second.html",
    ]
    notes = page_links(out / "NOTES.html")
    assert "notebooks/01-first.html#1.1-First" in notes
    assert "https://example.org/a.md" in notes, "web links are left alone"
    first = page_links(out / "notebooks" / "01-first.html")
    assert "../NOTES.html#the-notes" in first and "02-second.html#Why-two?" in first
    code_link = next(h for h in first if h.endswith("tool.py"))
    assert (out / "notebooks" / code_link).resolve() == (fake_repo / "helpers" / "tool.py").resolve()
    for page in written:
        assert find_broken_links(page) == []


def test_export_reports_a_broken_anchor(fake_repo, tmp_path):
    (fake_repo / "NOTES.md").write_text("# N\n\n[x](notebooks/02-second.ipynb#Why-three?)\n")
    out = tmp_path / "out"
    export_html(out, fake_repo)
    assert find_broken_links(out / "NOTES.html") == [
        "NOTES.html: link 'notebooks/02-second.html#Why-three?' -> no heading with id 'Why-three?' in 02-second.html"
    ]


def test_output_folder_that_is_a_file(fake_repo, tmp_path):
    target = tmp_path / "out.html"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="the output folder .* is a file"):
        export_html(target, fake_repo)
    assert target.read_text() == "not a folder"


def test_missing_notebooks_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebooks/ folder in .*pass --root"):
        export_html(tmp_path / "out", tmp_path)


def test_output_folder_must_not_be_a_source_folder(fake_repo):
    with pytest.raises(ValueError, match="is a source folder"):
        export_html(fake_repo / "notebooks", fake_repo)


def test_output_folder_must_be_a_path(fake_repo):
    with pytest.raises(TypeError, match="output folder must be a path, got int"):
        export_html(3, fake_repo)


def test_damaged_notebook_is_named(fake_repo, tmp_path):
    (fake_repo / "notebooks" / "03-broken.ipynb").write_text("{not json")
    with pytest.raises(ValueError, match=r"could not render notebooks/03-broken.ipynb: 03-broken.ipynb is not a valid"):
        export_html(tmp_path / "out", fake_repo)


def test_cli_errors_are_clear(fake_repo, tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("")
    assert export.main([str(target), "--root", str(fake_repo)]) == 2
    assert "export failed: the output folder" in capsys.readouterr().err
    assert export.main([str(tmp_path / "out"), "--root", str(tmp_path)]) == 2
    assert "no notebooks/ folder" in capsys.readouterr().err
    assert export.main([str(tmp_path / "out"), "--root", str(fake_repo)]) == 0
    assert capsys.readouterr().out == f"wrote 3 pages to {tmp_path / 'out'}\n"


def test_cli_warns_about_broken_links(fake_repo, tmp_path, capsys):
    (fake_repo / "NOTES.md").write_text("# The notes\n\n[x](notebooks/02-second.ipynb#Why-three?)\n")
    assert export.main([str(tmp_path / "out"), "--root", str(fake_repo)]) == 0
    err = capsys.readouterr().err
    assert err == (
        "warning: broken link in NOTES.html: link 'notebooks/02-second.html#Why-three?' -> "
        "no heading with id 'Why-three?' in 02-second.html\n"
    )


def test_failed_export_leaves_no_half_written_page(fake_repo, tmp_path, monkeypatch):
    """A failure while rendering keeps every earlier page whole and the old version of the failing one."""
    out = tmp_path / "out"
    export_html(out, fake_repo)
    old_second = (out / "notebooks" / "02-second.html").read_text()
    real_render = export._render

    def render_then_fail(source, exporter):
        if source.name == "02-second.ipynb":
            raise RuntimeError("disk full")
        return real_render(source, exporter)

    monkeypatch.setattr(export, "_render", render_then_fail)
    with pytest.raises(ValueError, match="could not render notebooks/02-second.ipynb: disk full"):
        export_html(out, fake_repo)
    assert (out / "notebooks" / "02-second.html").read_text() == old_second
    assert (out / "notebooks" / "01-first.html").read_text().rstrip().endswith("</html>")
    assert not list(out.rglob("*.part"))


def test_a_crash_while_writing_keeps_the_old_page_whole(fake_repo, tmp_path, monkeypatch):
    """A page is written to a temporary file and renamed into place: a crash before the rename keeps the old page."""
    out = tmp_path / "out"
    export_html(out, fake_repo)
    old_notes = (out / "NOTES.html").read_bytes()
    (fake_repo / "NOTES.md").write_text("# The notes, rewritten\n")

    def power_cut(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises((OSError, ValueError), match="power cut"):
        export_html(out, fake_repo)
    monkeypatch.undo()
    assert (out / "NOTES.html").read_bytes() == old_notes
    assert not list(out.rglob("*.part")), "a temporary file was left behind"
