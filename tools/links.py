"""Links and anchors of the companion's pages: which links a page has, which ids it offers, which lead nowhere.

A link such as ``notebooks/03.5-causal-attention.ipynb#Why-mask?`` works in
three places (the repository page, JupyterLab, the HTML export of
:mod:`tools.export`) only if everyone computes heading ids the same way:

* notebook headings get nbconvert's id (and JupyterLab's): the heading's text
  with each space replaced by ``-``, case kept (:func:`notebook_anchor`);
* markdown pages get GitHub's id: lower case, punctuation other than ``-``
  and ``_`` dropped, spaces replaced by ``-``, a ``-1``, ``-2``... suffix for
  repeated headings (:func:`github_slug`), so a link into ``NOTES.md`` works
  on the repository page and in the export alike.

:func:`find_broken_links` checks that every relative link of a page
(markdown, notebook or exported HTML) reaches an existing file and, for an
``#anchor``, an existing heading. A damaged page is a ``ValueError`` naming it.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from helpers.checks import require_path, require_str
from helpers.files import read_json_object, read_utf8


def notebook_anchor(heading: str) -> str:
    """The id nbconvert gives a notebook heading written as ``heading`` (its markdown).

    The heading is rendered as nbconvert renders it, so markup is dropped as
    nbconvert drops it: the id is the rendered text with each space replaced
    by ``-``, case kept, and characters not allowed in a URL fragment
    percent-encoded. JupyterLab gives plain-text headings the same ids.

    >>> notebook_anchor("2.7 Creating token embeddings")
    '2.7-Creating-token-embeddings'
    >>> notebook_anchor("Why scale by the square root?")
    'Why-scale-by-the-square-root?'
    >>> notebook_anchor("The `heatmap` helper, **in bold**")
    'The-heatmap-helper,-in-bold'
    """
    require_str(heading, "heading")
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune("## " + " ".join(heading.split()))
    found = re.match(r'<h2 id="([^"]*)"', rendered)
    if found:
        return html.unescape(found.group(1))
    # nbconvert leaves a heading it cannot parse as XML without an id; fall back to its rule on the text.
    return quote(text_of(rendered).replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def github_slug(heading: str) -> str:
    """The id GitHub gives a markdown heading with this text (before de-duplication).

    Lower case; letters, digits, ``_``, ``-`` and spaces kept, every other
    character (punctuation, emoji) dropped; each space becomes ``-``.

    >>> github_slug("3.5 Hiding future words with causal attention")
    '35-hiding-future-words-with-causal-attention'
    >>> github_slug("Why divide by √d_k? ➕ added")
    'why-divide-by-d_k--added'
    """
    require_str(heading, "heading")
    kept = (
        ch
        for ch in heading.lower()
        if ch in " -" or unicodedata.category(ch)[0] in "LMN" or unicodedata.category(ch) == "Pc"
    )
    return "".join(kept).replace(" ", "-")


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def _github_renderer():
    """A mistune renderer like nbconvert's, but with GitHub's heading ids."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class GitHubHeadingRenderer(IPythonRenderer):
        def __init__(self) -> None:
            super().__init__(escape=False)
            self.seen: dict[str, int] = {}

        def heading(self, text: str, level: int, **attrs: object) -> str:
            slug = github_slug(text_of(text))
            count = self.seen.get(slug, 0)
            self.seen[slug] = count + 1
            if count:
                slug = f"{slug}-{count}"
            anchor = html.escape(slug, quote=True)
            return f'<h{level} id="{anchor}">{text}<a class="anchor-link" href="#{anchor}">&#182;</a></h{level}>\n'

    return GitHubHeadingRenderer()


def markdown_to_html(text: str) -> str:
    """Render markdown (GitHub flavour: tables, ``$`` math) to an HTML fragment.

    Headings get GitHub's ids, so ``[x](NOTES.md#glossary)`` finds them.

    >>> markdown_to_html("## The Glossary")
    '<h2 id="the-glossary">The Glossary<a class="anchor-link" href="#the-glossary">&#182;</a></h2>\\n'
    """
    require_str(text, "text")
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    return MarkdownWithMath(renderer=_github_renderer()).render(text)


def _notebook_markdown_html(path: Path) -> list[str]:
    """Each markdown cell of a notebook, rendered as nbconvert renders it."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    cells = read_notebook(path)["cells"]
    return [markdown2html_mistune(_source(cell)) for cell in cells if cell.get("cell_type") == "markdown"]


def read_notebook(path: Path) -> dict:
    """The notebook in ``path`` as JSON: a ``ValueError`` naming the file unless it has a list of cells with text."""
    notebook = read_json_object(path, "a notebook; re-save it from Jupyter")
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(_source(cell) is not None for cell in cells):
        raise ValueError(f"{path} is not a notebook (no list of cells with text); re-save it from Jupyter")
    return notebook


def _source(cell: object) -> str | None:
    """A cell's source as one str (saved as a str or a list of lines); None for a cell that is not one."""
    source = cell.get("source", "") if isinstance(cell, dict) else None
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else None


class _LinkCollector(HTMLParser):
    """Collects the ``href`` of each ``<a>``, the ``src`` of each ``<img>``, and every ``id``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "img" and values.get("src"):
            self.links.append(values["src"])


def _collect(fragments: Iterable[str]) -> _LinkCollector:
    collector = _LinkCollector()
    for fragment in fragments:
        collector.feed(fragment)
    collector.close()
    return collector


def _page_html(path: Path) -> list[str]:
    path = require_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"no page at {path}; check the file name")
    if path.suffix == ".ipynb":
        return _notebook_markdown_html(path)
    if path.suffix == ".md":
        return [markdown_to_html(read_utf8(path, "a markdown page"))]
    if path.suffix == ".html":
        return [read_utf8(path, "an HTML page")]
    raise ValueError(f"{path.name}: only .md, .ipynb and .html pages have links and anchors")


def page_links(path: Path | str) -> list[str]:
    """Every link target (``href``/``src``) of a markdown, notebook or HTML page, in order.

    Links inside code (backticks, code cells) are not links and are not listed.
    """
    return _collect(_page_html(path)).links


def page_anchors(path: Path | str) -> set[str]:
    """The ids a link's ``#anchor`` can reach in a page.

    A notebook's are nbconvert's heading ids, a markdown file's GitHub's, an
    HTML file's every ``id`` attribute.
    """
    path = require_path(path, "path").resolve()
    stat = path.stat() if path.is_file() else None
    return set(_anchors_of(path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0))


@functools.lru_cache(maxsize=256)
def _anchors_of(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """The ids of one version of a page, parsed once however many links point at it.

    Checking a page's links asks for the same target's ids once per link, and a
    notebook page takes a fifth of a second to parse; the file's modification
    time and size are part of the key, so an edited page is read anew.
    """
    return frozenset(_collect(_page_html(path)).ids)


def is_relative(href: str) -> bool:
    parts = urlsplit(href)
    return not (parts.scheme or parts.netloc or href.startswith(("/", "#")) or not parts.path)


def find_broken_links(path: Path | str) -> list[str]:
    """Describe each relative link of a page that leads nowhere; empty when all resolve.

    A link is broken when its file (or folder) does not exist, or when it has
    an ``#anchor`` that is not a heading id of the target page, compared as a
    browser does: as written, or else percent-decoded. Links within the page
    (``#anchor`` alone) are checked against the page itself.
    """
    path = require_path(path, "path")
    problems = []
    for href in page_links(path):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("/"):
            continue
        target = (path.parent / unquote(parts.path)).resolve() if parts.path else path.resolve()
        if not target.exists():
            problems.append(f"{path.name}: link {href!r} -> no file {unquote(parts.path)!r}")
            continue
        if parts.fragment and target.suffix in (".md", ".ipynb", ".html"):
            try:
                anchors = page_anchors(target)
            except ValueError as err:
                problems.append(f"{path.name}: link {href!r} -> cannot read {target.name}: {err}")
                continue
            # A browser tries the fragment as written, then percent-decoded.
            if parts.fragment not in anchors and unquote(parts.fragment) not in anchors:
                problems.append(f"{path.name}: link {href!r} -> no heading with id {parts.fragment!r} in {target.name}")
    return problems
