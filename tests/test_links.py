"""The study companion's structure: every notebook is reachable, and every link lands.

NOTES.md and PROGRESS.md must list every notebook, and each relative link in
the markdown pages (README.md, NOTES.md, PROGRESS.md, benchmarks/README.md,
tests/README.md: those the HTML export renders) and the notebooks must reach
an existing file and, for a ``#anchor``, an existing heading. Anchors follow
:mod:`tools.links`: nbconvert's ids for notebook headings, GitHub's for
markdown headings, so a link that passes here works on the repository page,
in Jupyter, and in the HTML export.

NOTES.md and PROGRESS.md are the reader's to edit: these tests check their
structure (links, page pairs, the status legend, math delimiters), never
their words, so moving the status marker or adding or rewording a note breaks
nothing.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tools.export import MARKDOWN_PAGES, REPO_ROOT
from tools.links import find_broken_links, github_slug, markdown_to_html, notebook_anchor, page_anchors, page_links

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
PAGES = [REPO_ROOT / name for name in MARKDOWN_PAGES if (REPO_ROOT / name).is_file()]
PDF_OFFSET = 22
"""PDF page = book page + 22, the offset of every "page N (M)" pair in the reader's notes."""
PAGE_PAIR = re.compile(r"\b(\d{1,3}) \((\d{1,3})\)")
"""A page pair as the reader writes it: book page, then the PDF page in parentheses."""
SEED_NOTES = REPO_ROOT.parent / "shared" / "seed"
"""The reader's original notes, beside the checkout where the project keeps them (absent elsewhere)."""


@functools.cache
def linked_notebooks(page: Path) -> set[str]:
    """Names of the notebooks a markdown page links to (anchors and folders stripped)."""
    names = set()
    for href in page_links(page):
        path = unquote(urlsplit(href).path)
        if path.endswith(".ipynb"):
            names.add(Path(path).name)
    return names


def test_there_are_notebooks_and_companion_pages():
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    assert {p.name for p in PAGES} >= {"NOTES.md", "PROGRESS.md"}


@pytest.mark.parametrize("page", ["PROGRESS.md", "NOTES.md"])
@pytest.mark.parametrize("notebook", [nb.name for nb in NOTEBOOKS])
def test_every_notebook_is_linked(page, notebook):
    assert notebook in linked_notebooks(REPO_ROOT / page), f"{page} has no link to notebooks/{notebook}"


@pytest.mark.parametrize("page", PAGES + NOTEBOOKS, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    assert find_broken_links(page) == []


def test_notes_link_each_note_to_a_heading():
    """A link from NOTES.md into a notebook names the heading (section or Why?) it demonstrates."""
    bare = [
        href
        for href in page_links(REPO_ROOT / "NOTES.md")
        if urlsplit(href).path.endswith(".ipynb") and not urlsplit(href).fragment
    ]
    # Only notebooks whose headings were not known when the notes were written may be linked bare.
    missing = [href for href in bare if (REPO_ROOT / unquote(urlsplit(href).path)).is_file()]
    assert missing == [], f"NOTES.md links to a notebook without a #heading anchor: {missing}"


def test_notes_cover_the_why_experiments():
    """Every '## Why ...?' section of every notebook is linked from NOTES.md."""
    linked = {(Path(unquote(urlsplit(h).path)).name, urlsplit(h).fragment) for h in page_links(REPO_ROOT / "NOTES.md")}
    missing = []
    for nb in NOTEBOOKS:
        for heading in sorted(a for a in page_anchors(nb) if a.startswith("Why")):
            if not any(name == nb.name and heading in (frag, unquote(frag)) for name, frag in linked):
                missing.append(f"{nb.name}#{heading}")
    assert missing == [], f"Why? sections not linked from NOTES.md: {missing}"


def page_pairs(text: str) -> list[tuple[int, int]]:
    """Every ``book (pdf)`` page pair in ``text``.

    >>> page_pairs("from page 74 (96), exercise on 73 (95); 3 heads")
    [(74, 96), (73, 95)]
    """
    return [(int(book), int(pdf)) for book, pdf in PAGE_PAIR.findall(text)]


@pytest.mark.parametrize("name", ["PROGRESS.md", "NOTES.md"])
def test_page_pairs_follow_the_pdf_offset(name):
    """Every page pair the pages give has PDF page = book page + PDF_OFFSET."""
    pairs = page_pairs((REPO_ROOT / name).read_text(encoding="utf-8"))
    assert [(book, pdf) for book, pdf in pairs if pdf != book + PDF_OFFSET] == []


@pytest.mark.skipif(not SEED_NOTES.is_dir(), reason="the reader's original notes are not beside this checkout")
def test_pdf_offset_is_the_one_in_the_readers_notes():
    """PDF_OFFSET is the offset of every "page N (M)" pair in the reader's original notes."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(SEED_NOTES.glob("*.txt")))
    offsets = {pdf - book for book, pdf in page_pairs(text)}
    assert offsets == {PDF_OFFSET}


def test_progress_rows_use_the_status_legend():
    """Each section row's status starts with a marker that PROGRESS.md's own **Status:** legend defines."""
    text = (REPO_ROOT / "PROGRESS.md").read_text(encoding="utf-8")
    legend = next(line for line in text.splitlines() if line.startswith("**Status:**"))
    markers = {item.split()[0] for item in legend.removeprefix("**Status:**").split("·")}
    rows = [line.split("|")[2].strip() for line in text.splitlines() if re.match(r"\| \d+\.\d+ ", line)]
    assert rows, "PROGRESS.md has no section rows"
    assert [status for status in rows if status.split()[0] not in markers] == []


@pytest.mark.parametrize("name", ["NOTES.md", "PROGRESS.md"])
def test_math_uses_github_delimiters(name):
    """GitHub renders $...$ and $$...$$ only: display math comes in pairs, no LaTeX \\( \\[ delimiters."""
    text = (REPO_ROOT / name).read_text(encoding="utf-8")
    assert text.count("$$") % 2 == 0, "unbalanced $$ display math"
    assert not re.search(r"\\[(\[]", text), "use $...$ or $$...$$, which GitHub renders"


# The anchor rules themselves, checked against the tools that produce the ids.


def test_notebook_anchor_matches_nbconvert():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    for heading in ["2.7 Creating token embeddings", "Why does GPT-2 not need <|unk|>?", "3.1–3.2 A · B", "x's (y)"]:
        html = markdown2html_mistune("## " + heading.replace("<", "&lt;").replace(">", "&gt;"))
        assert f'id="{notebook_anchor(heading)}"' in html.replace("&amp;", "&")


def test_github_slug_rules():
    assert github_slug("3.4 Implementing self-attention with trainable weights") == (
        "34-implementing-self-attention-with-trainable-weights"
    )
    assert github_slug('The "why?" questions, answered') == "the-why-questions-answered"
    assert github_slug("Chapter 1: Understanding large language models") == (
        "chapter-1-understanding-large-language-models"
    )


def test_markdown_headings_get_unique_github_ids():
    html = markdown_to_html("## Summary\n\n## Summary\n\n## Summary")
    assert re.findall(r'<h2 id="([^"]+)"', html) == ["summary", "summary-1", "summary-2"]


def test_anchor_functions_reject_non_strings():
    with pytest.raises(TypeError, match="heading must be a str"):
        notebook_anchor(3)
    with pytest.raises(TypeError, match="heading must be a str"):
        github_slug(None)


def test_broken_links_are_reported(tmp_path):
    """The checker used above really fails: a missing file and a missing heading are both reported."""
    (tmp_path / "a.md").write_text(
        "# Top\n\n[ok](#top) [gone](missing.md) [bad anchor](b.md#nowhere) [fine](b.md#here)"
    )
    (tmp_path / "b.md").write_text("## Here\n")
    problems = find_broken_links(tmp_path / "a.md")
    assert len(problems) == 2
    assert "missing.md" in problems[0] and "b.md#nowhere" in problems[1]


def test_links_in_code_are_not_links(tmp_path):
    (tmp_path / "a.md").write_text("`[x](nowhere.md)`\n\n```\n[y](nowhere.md)\n```\n")
    assert page_links(tmp_path / "a.md") == []
