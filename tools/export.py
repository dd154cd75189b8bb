"""Render the notebooks and the study notes to static HTML with working links.

Run it from the repository root::

    python -m tools.export build/html

The output mirrors the repository: ``README.md``, ``NOTES.md``,
``PROGRESS.md`` and the ``README.md`` of ``benchmarks/`` and ``tests/``
become ``<out>/README.html``, ``<out>/benchmarks/README.html`` (and so on), and every
``notebooks/<name>.ipynb`` becomes ``<out>/notebooks/<name>.html``. Notebooks
go through nbconvert's ``HTMLExporter``; markdown files through the same
mistune machinery nbconvert uses for markdown cells (math kept for MathJax).

**Links.** In every page, a relative link to an exported ``.ipynb`` or ``.md``
file is rewritten to the ``.html`` page, keeping its ``#anchor``; a relative
link to any other file of the repository (say ``helpers/attention.py``) is
rewritten to point at that file in the checkout, so the export is meant to be
read on the machine that made it. Web links are left alone.

Headings get the ids :mod:`tools.links` computes (nbconvert's in notebooks,
GitHub's in markdown pages), so a link's ``#anchor`` works in the export as
on the repository page.

**Offline.** Pages load nothing from the web. MathJax 2.7 is copied from the
version-pinned ``jupyter-server-mathjax`` package into ``<out>/_static/mathjax``
and every page points at that copy; nbconvert's require.js tag is dropped (no
page needs it), and saved widget state is left out, so no widget manager is
fetched: a widget output shows its plain-text fallback.

Each page, and the MathJax copy, is written to a temporary file (or folder)
and renamed into place, so an interrupted export never leaves a half-written
page, and several exports racing into one folder each leave whole pages.
After an export, the command lists every link that leads nowhere
(:func:`tools.links.find_broken_links`).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from helpers.checks import require_path
from helpers.files import atomic_write, read_utf8
from tools.ansi import ansi2html
from tools.links import find_broken_links, is_relative, markdown_to_html, read_notebook, text_of

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository this package lives in: the default root of an export."""

MARKDOWN_PAGES = ("README.md", "NOTES.md", "PROGRESS.md", "benchmarks/README.md", "tests/README.md")
"""Markdown files, relative to the repository root, that are exported when present."""

NOTEBOOK_DIR = "notebooks"
"""The folder, relative to the root, whose ``*.ipynb`` files are exported."""

MATHJAX_DIR = "_static/mathjax"
"""Where, inside the output folder, the local copy of MathJax goes."""

MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
"""The MathJax 2.7 configuration the pages load (nbconvert's, from the local copy)."""

_EXPORTED_SUFFIXES = (".ipynb", ".md")
# The attribute of a tag that points at another file: an <a>'s href, an <img>'s src.
_LINK_ATTRIBUTE = re.compile(r'(<(?:a\b[^>]*?\bhref|img\b[^>]*?\bsrc)=")([^"]*)(")', re.IGNORECASE)
_REQUIRE_JS_PLACEHOLDER = "about:blank#require.js-dropped"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.55; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1f2328; }}
code, pre {{ font-family: ui-monospace, monospace; background: #f6f8fa; }}
pre {{ padding: 0.8rem; overflow-x: auto; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; vertical-align: top; }}
a.anchor-link {{ visibility: hidden; margin-left: 0.3rem; text-decoration: none; }}
h1:hover a.anchor-link, h2:hover a.anchor-link, h3:hover a.anchor-link,
h4:hover a.anchor-link {{ visibility: visible; }}
</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{ tex2jax: {{ inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
                                displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
                                processEscapes: true, processEnvironments: true }},
                     messageStyle: "none" }});
</script>
<script src="{mathjax_url}"></script>
</head>
<body>
{body}
</body>
</html>
"""


def _output_path(source: Path, root: Path, out: Path) -> Path:
    return out / source.relative_to(root).with_suffix(".html")


def _rewrite_href(href: str, page_source: Path, page_output: Path, exported: set[Path]) -> str:
    """Where a link of an exported page should point in the export."""
    if not is_relative(href):
        return href
    parts = urlsplit(href)
    target = (page_source.parent / unquote(parts.path)).resolve()
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if target in exported:
        new_path = Path(parts.path).with_suffix(".html").as_posix()
    elif target.exists():
        new_path = Path(os.path.relpath(target, page_output.parent.resolve())).as_posix()
        if target.is_dir():
            new_path += "/"
    elif target.suffix in _EXPORTED_SUFFIXES:
        new_path = Path(parts.path).with_suffix(".html").as_posix()  # missing for now; find_broken_links reports it
    else:
        return href  # broken in the source too; find_broken_links reports it
    query = f"?{parts.query}" if parts.query else ""
    return new_path + query + fragment


def _rewrite_links(page: str, page_source: Path, page_output: Path, exported: set[Path]) -> str:
    """Rewrite every link and image path of a page (see :func:`_rewrite_href`)."""

    def replace(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        new = _rewrite_href(href, page_source, page_output, exported)
        return match.group(1) + html.escape(new, quote=True) + match.group(3)

    return _LINK_ATTRIBUTE.sub(replace, page)


def mathjax_source() -> Path:
    """The folder of the MathJax 2.7 copy that ``jupyter-server-mathjax`` ships.

    >>> (mathjax_source() / "MathJax.js").is_file()
    True
    """
    try:
        import jupyter_server_mathjax
    except ImportError as err:
        raise FileNotFoundError(
            "the export serves MathJax from the jupyter-server-mathjax package, which is missing; "
            "install requirements.txt (pip install -r requirements.txt)"
        ) from err
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(out: Path | str) -> Path:
    """Copy MathJax into ``<out>/_static/mathjax`` (skipped when that version is there); return the folder.

    A ``VERSION`` file records the package version, so a newer pin replaces the
    copy. The copy is made in a temporary folder beside it and renamed into
    place, so exports racing into one folder never see half a copy: when
    another export's copy of this version got there first, it is kept.
    """
    from jupyter_server_mathjax.__version__ import __version__

    target = require_path(out, "out") / MATHJAX_DIR
    if _mathjax_version(target) == __version__:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".mathjax-", suffix=".part") as staging:
        fresh, old = Path(staging, "fresh"), Path(staging, "old")
        shutil.copytree(mathjax_source(), fresh)
        (fresh / "VERSION").write_text(__version__, encoding="utf-8")
        if _mathjax_version(target) not in (None, __version__):
            with contextlib.suppress(FileNotFoundError):  # another export moved the old copy first
                os.replace(target, old)  # out of the way, then deleted with the staging folder
        try:
            os.replace(fresh, target)
        except OSError:
            if _mathjax_version(target) != __version__:
                raise  # not another export's complete copy: a real failure
    return target


def _mathjax_version(folder: Path) -> str | None:
    """The version recorded in a MathJax copy, or None when there is no complete copy."""
    try:
        return (folder / "VERSION").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def _mathjax_url(page_output: Path, out: Path) -> str:
    folder = Path(os.path.relpath(out / MATHJAX_DIR, page_output.parent)).as_posix()
    return f"{folder}/MathJax.js?config={MATHJAX_CONFIG}"


def _offline_notebook(source: Path):
    """The notebook as nbformat reads it, without saved widget state and widget views.

    Widget state would make nbconvert load a widget manager from the web; a
    widget output then falls back to its ``text/plain``.
    """
    import nbformat

    notebook = nbformat.reads(json.dumps(read_notebook(source)), as_version=4)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(_WIDGET_VIEW, None)
    return notebook


def sources_to_export(root: Path | str = REPO_ROOT) -> list[Path]:
    """The files an export renders: the root's markdown pages, then the notebooks in name order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sources_to_export(tmp)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: no notebooks/ folder in ...; run the export from the repository root or pass --root <repository>
    """
    root = require_path(root, "root")
    notebooks = root / NOTEBOOK_DIR
    if not notebooks.is_dir():
        raise FileNotFoundError(
            f"no {NOTEBOOK_DIR}/ folder in {root}; run the export from the repository root or pass --root <repository>"
        )
    pages = [root / name for name in MARKDOWN_PAGES if (root / name).is_file()]
    return pages + sorted(notebooks.glob("*.ipynb"))


def _render(source: Path, exporter, mathjax_url: str) -> str:
    if source.suffix == ".md":
        body = markdown_to_html(read_utf8(source, "a markdown page"))
        title = source.stem
        first = re.search(r"<h1[^>]*>(.*?)<a class=\"anchor-link\"", body)
        if first:
            title = text_of(first.group(1))
        return _PAGE_TEMPLATE.format(title=html.escape(title), body=body, mathjax_url=html.escape(mathjax_url))
    notebook = _offline_notebook(source)  # a clear error for a damaged notebook before nbconvert's
    exporter.mathjax_url = mathjax_url
    exporter.require_js_url = _REQUIRE_JS_PLACEHOLDER
    resources = {"metadata": {"name": source.stem, "path": str(source.parent)}}
    page, _ = exporter.from_notebook_node(notebook, resources=resources)
    return page.replace(f'<script src="{_REQUIRE_JS_PLACEHOLDER}"></script>', "")


def export_html(out: Path | str, root: Path | str = REPO_ROOT) -> list[Path]:
    """Render the notebooks and markdown pages of ``root`` into the folder ``out``.

    Returns the pages written, in the order of :func:`sources_to_export`.
    ``out`` is created if missing; existing pages in it are replaced, each
    atomically.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     open(f"{tmp}/x", "w").close()
    ...     export_html(f"{tmp}/x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    NotADirectoryError: the output folder ... is a file; pass a folder path (it is created if missing)
    """
    out, root = require_path(out, "out"), require_path(root, "root").resolve()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"the output folder {out} is a file; pass a folder path (it is created if missing)")
    sources = sources_to_export(root)
    if out.resolve() == root or out.resolve() == root / NOTEBOOK_DIR:
        raise ValueError(f"the output folder {out} is a source folder; pass a separate folder such as build/html")

    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", filters={"ansi2html": ansi2html})  # linear, not nbconvert's O(n**2)
    exported = {source.resolve() for source in sources}
    copy_mathjax(out)
    written = []
    for source in sources:
        target = _output_path(source, root, out)
        try:
            page = _render(source, exporter, _mathjax_url(target, out))
        except Exception as err:
            raise ValueError(f"could not render {source.relative_to(root)}: {err}") from err
        page = _rewrite_links(page, source, target, exported)
        atomic_write(target, page)
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m tools.export [OUT] [--root REPO]``; returns the exit status.

    Exit status 2 with a message on stderr when the export cannot run; after a
    successful export, each link that leads nowhere is listed as a warning.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.export",
        description="Render notebooks/*.ipynb and the markdown pages (README.md, NOTES.md, ...) to static HTML.",
    )
    parser.add_argument("out", nargs="?", default="build/html", help="output folder (default: build/html)")
    parser.add_argument("--root", default=str(REPO_ROOT), help="repository to export (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        written = export_html(args.out, args.root)
    except (OSError, ValueError) as err:
        print(f"export failed: {err}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} pages to {args.out}")
    broken = [problem for page in written for problem in find_broken_links(page)]
    for problem in broken:
        print(f"warning: broken link in {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
