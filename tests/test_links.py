"""The study companion's links: every notebook is reachable, and every link lands.

NOTES.md and PROGRESS.md must list every notebook, and each relative link in
README.md (when present), NOTES.md, PROGRESS.md and the notebooks must reach
an existing file and, for a ``#anchor``, an existing heading. Anchors follow
:mod:`tools.export`: nbconvert's ids for notebook headings, GitHub's for
markdown headings, so a link that passes here works on the repository page,
in Jupyter, and in the HTML export.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tools.export import (
    REPO_ROOT,
    find_broken_links,
    github_slug,
    markdown_to_html,
    notebook_anchor,
    page_anchors,
    page_links,
)

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
PAGES = [REPO_ROOT / name for name in ("README.md", "NOTES.md", "PROGRESS.md") if (REPO_ROOT / name).is_file()]
PDF_OFFSET = 22
"""PDF page = book page + 22, from the reader's notes ("3.5 at page 74 (96)")."""


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


def test_progress_pages_follow_the_pdf_offset():
    """Every 'N (M)' page pair in PROGRESS.md and NOTES.md has M = N + 22, as in the reader's notes."""
    pairs = []
    for name in ("PROGRESS.md", "NOTES.md"):
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        pairs += [(int(book), int(pdf)) for book, pdf in re.findall(r"\b(\d{1,3}) \((\d{1,3})\)", text)]
    assert (74, 96) in pairs and (73, 95) in pairs and (64, 86) in pairs, "the seed's page numbers are missing"
    wrong = [(book, pdf) for book, pdf in pairs if pdf != book + PDF_OFFSET]
    assert wrong == []


def test_progress_starts_where_the_reader_is():
    text = (REPO_ROOT / "PROGRESS.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 3.5 "))
    assert "🔄" in row and "74 (96)" in row
    assert "exercise 3.1** on page 73 (95)" in text


def test_notes_math_uses_github_delimiters():
    text = (REPO_ROOT / "NOTES.md").read_text(encoding="utf-8")
    for formula in (r"\mathrm{softmax}(\omega)_j", r"\frac{QK^\top}{\sqrt{d_k}}", r"-\infty & j > i"):
        assert formula in text, f"formula {formula!r} missing"
    assert text.count("$$") % 2 == 0, "unbalanced $$ display math"


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
    assert "no file 'missing.md'" in problems[0]
    assert "no heading with id 'nowhere' in b.md" in problems[1]


def test_links_in_code_are_not_links(tmp_path):
    (tmp_path / "a.md").write_text("`[x](nowhere.md)`\n\n```\n[y](nowhere.md)\n```\n")
    assert page_links(tmp_path / "a.md") == []
