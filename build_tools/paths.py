"""Where generated pages live in ``docs/`` and how pages link to each other.

One place for the site's layout, so that links written by the renderer, by note
bodies (``glossary:ID``) and by the home page all agree.
"""

from __future__ import annotations

from pathlib import Path

GENERATED_DIRS = ("sources", "glossary", "crossrefs", "outlets", "_partials")
"""Folders under ``docs/`` that the preprocessor owns (git-ignored, rewritten on build)."""

RESERVED_IDS = frozenset({"index", "search", "assets", "404", "sitemap", "robots", "pagefind", "overrides"})
"""Ids a source, glossary entry or cross-reference may not have: the site's own pages and folders
(``glossary/index.md`` is the glossary's index page, ``search/`` and ``assets/`` are MkDocs' own)."""


def source_page(source_id: str) -> str:
    """Path of a source's page, relative to ``docs/``."""
    return f"sources/{source_id}.md"


def glossary_page(entry_id: str) -> str:
    """Path of a glossary entry's page, relative to ``docs/``."""
    return f"glossary/{entry_id}.md"


def crossref_page(crossref_id: str) -> str:
    """Path of a cross-reference's page, relative to ``docs/``."""
    return f"crossrefs/{crossref_id}.md"


def paged(path: str, number: int) -> str:
    """Path of page ``number`` (1-based) of a page split in parts: the first keeps the page's
    own path, the others go in a folder named after it (``glossary/x.md`` → ``glossary/x/2.md``),
    so the first page's address never changes and later ones stay stable as the corpus grows."""
    return path if number == 1 else f"{path.removesuffix('.md')}/{number}.md"


def up(path: str) -> str:
    """The prefix that leads from the page at ``path`` back to ``docs/`` (``../`` per folder)."""
    return "../" * path.count("/")


def from_section(path: str) -> str:
    """Link to ``path`` (relative to ``docs/``) from a page one folder deep."""
    return f"../{path}"


def note_anchor(note_id: str) -> str:
    """Id of the highlighted passage of a note."""
    return f"a-{note_id}"


def crossref_anchor(crossref_id: str, passage: int) -> str:
    """Id of the highlighted passage ``passage`` (0-based) of a cross-reference."""
    return f"x-{crossref_id}-{passage + 1}"


def footnote_label(note_id: str, kind: str) -> str:
    """Markdown footnote label of a note: ``c-`` for corrections, ``n-`` otherwise."""
    return f"{'c' if kind == 'correction' else 'n'}-{note_id}"


def src_path(path: Path, root: Path) -> str:
    """``path`` as messages and annotation files name it: relative to the project root, with
    ``/`` separators (``annotations/notes/x.yml``); a path outside the root as given."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
