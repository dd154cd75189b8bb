"""The HTML export: the command works, every page is written whole, and every link lands.

The real export of this repository runs once per test session (module-scoped
fixture, through the documented command); the other tests use a tiny fake
repository in a temporary folder.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tools.export as export
from tools.ansi import ansi2html
from tools.export import REPO_ROOT, export_html
from tools.links import find_broken_links, markdown_to_html, notebook_anchor, page_anchors, page_links


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
    pages = ("NOTES.html", "PROGRESS.html", "benchmarks/README.html", "tests/README.html")
    assert {Path(page) for page in pages} <= written
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
    assert '<script src="_static/mathjax/MathJax.js?config=' in html


_SCRIPT_OR_STYLE = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', re.IGNORECASE)


def test_pages_load_scripts_only_from_the_export(exported):
    """Offline: every script and stylesheet a page loads is a file of the export (MathJax included)."""
    remote, missing = [], []
    for page in sorted(exported.rglob("*.html")):
        for url in _SCRIPT_OR_STYLE.findall(page.read_text(encoding="utf-8")):
            if urlsplit(url).scheme or url.startswith("//"):
                remote.append(f"{page.name}: {url}")
            elif not (page.parent / urlsplit(url).path).is_file():
                missing.append(f"{page.name}: {url}")
    assert remote == [] and missing == []
    notebook_page = (exported / "notebooks" / "03.4-self-attention-with-weights.html").read_text(encoding="utf-8")
    assert '<script src="../_static/mathjax/MathJax.js?config=' in notebook_page
    assert "require.js" not in notebook_page and "require.min.js" not in notebook_page
    assert (exported / "_static" / "mathjax" / "MathJax.js").stat().st_size > 10_000


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
    (problem,) = find_broken_links(out / "NOTES.html")
    assert "notebooks/02-second.html#Why-three?" in problem


def test_output_folder_that_is_a_file(fake_repo, tmp_path):
    target = tmp_path / "out.html"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="output folder .* is a file"):
        export_html(target, fake_repo)
    assert target.read_text() == "not a folder"


def test_missing_notebooks_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebooks/ folder"):
        export_html(tmp_path / "out", tmp_path)


def test_output_folder_must_not_be_a_source_folder(fake_repo):
    with pytest.raises(ValueError, match="is a source folder"):
        export_html(fake_repo / "notebooks", fake_repo)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda repo: export_html(3, repo), "out"),
        (lambda repo: export_html(repo / "out", 3), "root"),
        (lambda repo: export.sources_to_export(None), "root"),
        (lambda repo: export.copy_mathjax(b"out"), "out"),
        (lambda repo: find_broken_links(None), "path"),
        (lambda repo: page_links(3), "path"),
        (lambda repo: page_anchors(["NOTES.md"]), "path"),
        (lambda repo: markdown_to_html(b"# bytes"), "text"),
    ],
)
def test_an_argument_of_the_wrong_type_is_a_type_error_naming_it(fake_repo, call, name):
    with pytest.raises(TypeError, match=name):
        call(fake_repo)


DAMAGED_NOTEBOOKS = {
    "not JSON": b"{not json",
    "empty": b"",
    "not UTF-8": b'{"cells": [], "x": "caf\xe9"}',
    "a list": b"[]",
    "no cells list": b'{"cells": 3}',
    "a cell that is not an object": b'{"cells": [3]}',
    "a source that is not text": b'{"cells": [{"cell_type": "markdown", "source": [1]}]}',
    "a 5000-digit int": b'{"cells": [], "nbformat": ' + b"4" * 5000 + b"}",
    "NaN": b'{"cells": [], "nbformat": NaN}',
}


@pytest.mark.parametrize("content", DAMAGED_NOTEBOOKS.values(), ids=DAMAGED_NOTEBOOKS.keys())
def test_a_damaged_notebook_is_a_value_error_naming_it(fake_repo, tmp_path, content):
    (fake_repo / "notebooks" / "03-broken.ipynb").write_bytes(content)
    with pytest.raises(ValueError, match="03-broken.ipynb"):
        export_html(tmp_path / "out", fake_repo)
    problems = find_broken_links(_page_linking_to(fake_repo, "notebooks/03-broken.ipynb#Somewhere"))
    assert len(problems) == 1 and "03-broken.ipynb" in problems[0], "a link checker reports it, never raises"


def test_a_markdown_page_that_is_not_utf8_is_a_value_error_naming_it(fake_repo, tmp_path):
    (fake_repo / "NOTES.md").write_bytes(b"# Caf\xe9\n")
    with pytest.raises(ValueError, match="NOTES.md"):
        export_html(tmp_path / "out", fake_repo)
    with pytest.raises(ValueError, match="NOTES.md"):
        page_links(fake_repo / "NOTES.md")


def _page_linking_to(repo: Path, href: str) -> Path:
    page = repo / "LINKS.md"
    page.write_text(f"# Links\n\n[x]({href})\n")
    return page


def test_cli_errors_are_clear(fake_repo, tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("")
    assert export.main([str(target), "--root", str(fake_repo)]) == 2
    assert "export failed: the output folder" in capsys.readouterr().err
    assert export.main([str(tmp_path / "out"), "--root", str(tmp_path)]) == 2
    assert "no notebooks/ folder" in capsys.readouterr().err
    assert export.main([str(tmp_path / "out"), "--root", str(fake_repo)]) == 0
    assert "wrote 3 pages" in capsys.readouterr().out


def test_cli_warns_about_broken_links(fake_repo, tmp_path, capsys):
    (fake_repo / "NOTES.md").write_text("# The notes\n\n[x](notebooks/02-second.ipynb#Why-three?)\n")
    assert export.main([str(tmp_path / "out"), "--root", str(fake_repo)]) == 0
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning.startswith("warning") and "02-second.html#Why-three?" in warning


def test_failed_export_leaves_no_half_written_page(fake_repo, tmp_path, monkeypatch):
    """A failure while rendering keeps every earlier page whole and the old version of the failing one."""
    out = tmp_path / "out"
    export_html(out, fake_repo)
    old_second = (out / "notebooks" / "02-second.html").read_text()
    real_render = export._render

    def render_then_fail(source, exporter, mathjax_url):
        if source.name == "02-second.ipynb":
            raise RuntimeError("disk full")
        return real_render(source, exporter, mathjax_url)

    monkeypatch.setattr(export, "_render", render_then_fail)
    with pytest.raises(ValueError, match="02-second.ipynb"):
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


@pytest.mark.parametrize("old_copy", [False, True], ids=["first export", "replacing an old MathJax"])
def test_another_export_finishing_during_the_mathjax_copy_is_no_problem(fake_repo, tmp_path, monkeypatch, old_copy):
    """The interleaving of a race, made certain: a whole second export runs while the first copies MathJax."""
    out = tmp_path / "out"
    if old_copy:
        export_html(out, fake_repo)
        (out / "_static" / "mathjax" / "VERSION").write_text("0.0.1")
    real_copytree, raced = shutil.copytree, []

    def copy_while_another_export_runs(*args, **options):
        if not raced:
            raced.append(True)
            export_html(out, fake_repo)  # its own copy goes through this function too, and is not raced
        return real_copytree(*args, **options)

    monkeypatch.setattr(shutil, "copytree", copy_while_another_export_runs)
    export_html(out, fake_repo)
    assert raced
    _assert_whole_export(out)


def test_exports_racing_into_one_folder_all_succeed_and_leave_whole_pages(fake_repo, tmp_path):
    out = tmp_path / "out"
    export_html(out, fake_repo)
    (out / "_static" / "mathjax" / "VERSION").write_text("0.0.1")  # every racer replaces the copy
    # Forked from this process, which has imported nbconvert already: three real processes racing,
    # without three fresh interpreters importing it again (most of a subprocess's time).
    forking = multiprocessing.get_context("fork")
    argv = [str(out), "--root", str(fake_repo)]
    racers = [forking.Process(target=_export_and_exit, args=(argv,)) for _ in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=300)
    assert [racer.exitcode for racer in racers] == [0, 0, 0], "an export failed (its error is printed above)"
    _assert_whole_export(out)


def _export_and_exit(argv: list[str]) -> None:
    """A racer: ``python -m tools.export ARGV``, in a forked process."""
    sys.exit(export.main(argv))


def _assert_whole_export(out: Path) -> None:
    """Every page ends as a page does, MathJax is one complete copy, and no temporary file is left."""
    from jupyter_server_mathjax.__version__ import __version__

    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 3 and all(page.read_text(encoding="utf-8").rstrip().endswith("</html>") for page in pages)
    mathjax = out / "_static" / "mathjax"
    assert (mathjax / "VERSION").read_text() == __version__ and (mathjax / "MathJax.js").stat().st_size > 10_000
    assert [path.name for path in (out / "_static").iterdir()] == ["mathjax"]
    assert not list(out.rglob("*.part"))


def test_mathjax_is_copied_once_and_replaced_for_a_new_version(fake_repo, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export_html(out, fake_repo)
    mathjax = out / "_static" / "mathjax"
    assert (mathjax / "MathJax.js").is_file() and (mathjax / "VERSION").is_file()
    (mathjax / "marker").write_text("kept while the version is the same")
    export_html(out, fake_repo)
    assert (mathjax / "marker").exists()
    (mathjax / "VERSION").write_text("0.0.1")
    export_html(out, fake_repo)
    assert not (mathjax / "marker").exists(), "an old MathJax copy must be replaced"


def test_image_paths_are_rewritten_like_links(fake_repo, tmp_path):
    (fake_repo / "figures").mkdir()
    (fake_repo / "figures" / "plot.png").write_bytes(b"\x89PNG fake")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell('# Pictures\n\n![a plot](../figures/plot.png)\n\n<img src="../figures/plot.png">')
    ]
    nbformat.write(notebook, fake_repo / "notebooks" / "03-pictures.ipynb")
    (fake_repo / "NOTES.md").write_text("# N\n\n![the same plot](figures/plot.png)\n")
    out = tmp_path / "elsewhere" / "out"
    export_html(out, fake_repo)
    for page in (out / "notebooks" / "03-pictures.html", out / "NOTES.html"):
        sources = [src for src in page_links(page) if src.endswith("plot.png")]
        assert len(sources) == (2 if page.name.startswith("03") else 1)
        for src in sources:
            assert (page.parent / src).resolve() == (fake_repo / "figures" / "plot.png").resolve(), src
        assert find_broken_links(page) == []


@pytest.mark.parametrize(
    "heading",
    ["The `heatmap` helper", "Why scale by $\\sqrt{d_k}$?", "**Bold**, _italic_ & more", "A [link](x.md) here"],
)
def test_anchor_ids_equal_nbconvert_for_headings_with_markup(fake_repo, tmp_path, heading):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"## {heading}")]
    nbformat.write(notebook, fake_repo / "notebooks" / "03-markup.ipynb")
    out = tmp_path / "out"
    export_html(out, fake_repo)
    page_ids = page_anchors(out / "notebooks" / "03-markup.html")
    assert notebook_anchor(heading) in page_ids
    assert notebook_anchor(heading) in page_anchors(fake_repo / "notebooks" / "03-markup.ipynb")


def test_notebook_anchor_drops_markup():
    assert notebook_anchor("The `heatmap` helper") == "The-heatmap-helper"
    assert notebook_anchor("A [link](x.md) here") == "A-link-here"


def test_widget_state_is_left_out_of_the_export(fake_repo, tmp_path):
    """Saved widget state would make nbconvert fetch a widget manager from the web."""
    notebook = nbformat.v4.new_notebook()
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "controls",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/plain": "controls (live in JupyterLab)", _WIDGET_VIEW: view}
                )
            ],
        )
    ]
    notebook.metadata["widgets"] = {_WIDGET_VIEW.replace("view", "state"): {"state": {}, "version_major": 2}}
    nbformat.write(notebook, fake_repo / "notebooks" / "03-widgets.ipynb")
    out = tmp_path / "out"
    export_html(out, fake_repo)
    page = (out / "notebooks" / "03-widgets.html").read_text(encoding="utf-8")
    assert "controls (live in JupyterLab)" in page
    assert "html-manager" not in page and "widget-view+json" not in page


_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# ANSI colours: the export's linear filter gives nbconvert's HTML (nbconvert's own is quadratic in the length).

SGR_NUMBERS = st.sampled_from(["", "0", "1", "4", "5", "7", "22", "24", "27", "31", "39", "42", "49", "93", "104"])
EXTENDED = st.sampled_from(["38;5;9", "48;5;100", "38;5;240", "38;2;10;200;30", "48;2;1;2;3", "38;5;300", "48;2;1;2"])
ANSI_CODE = st.one_of(
    st.lists(st.one_of(SGR_NUMBERS, EXTENDED), max_size=4).map(lambda parts: "\x1b[" + ";".join(parts) + "m"),
    st.sampled_from(["\x1b[K", "\x1b[2J", "\x1b[1;xm", "\x1b[", "\x1b[38m"]),
)
ANSI_TEXT = st.lists(st.one_of(ANSI_CODE, st.sampled_from(["a", "<b>", "&", "\n", " ", "é", "\r", "xyz"])), max_size=30)


@settings(max_examples=300, deadline=None)
@given(ANSI_TEXT)
def test_the_ansi_filter_writes_nbconverts_html(pieces):
    import markupsafe
    from nbconvert.filters.ansi import ansi2html as nbconvert_ansi2html
    from nbconvert.filters.ansi import strip_ansi

    text = "".join(pieces)
    ours = ansi2html(text)
    try:
        theirs = nbconvert_ansi2html(text)
    except IndexError:  # nbconvert fails on an extended colour without its numbers ("\x1b[38m"); we drop the code
        # nbconvert escapes the HTML first and reads the codes after, so the visible text is that order's too.
        assert re.sub("<[^>]*>", "", ours) == strip_ansi(markupsafe.escape(text))
    else:
        assert ours == theirs


def test_a_long_coloured_output_is_exported_whole_and_coloured(fake_repo, tmp_path):
    lines = "".join(f"\x1b[3{i % 8}mline {i}\x1b[0m <ok> \x1b[38m\n" for i in range(2000))
    cell = nbformat.v4.new_code_cell("print(log)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=lines)]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [cell]
    nbformat.write(notebook, fake_repo / "notebooks" / "04-log.ipynb")
    out = tmp_path / "out"
    export_html(out, fake_repo)
    page = (out / "notebooks" / "04-log.html").read_text(encoding="utf-8")
    assert page.count('<span class="ansi-red-fg">line ') == 250  # every 8th line is red (code 31)
    assert '<span class="ansi-white-fg">line 1999</span> &lt;ok&gt; ' in page
    assert "\x1b" not in page
