"""Golden files: each real source, as ingest splits and types it.

`pytest --update-goldens` rewrites tests/fixtures/ingest/*.txt from the current output;
review the diff before committing it.
"""

from __future__ import annotations

import re

import pytest

from build_tools.stages.ingest import format_document

from .conftest import FIXTURES, ROOT

SOURCES = sorted(p.stem for p in (ROOT / "sources").iterdir() if p.suffix in (".txt", ".md"))


# Catalog line numbers move whenever annotations/*.yml is edited: not part of the golden.
CATALOG_LINE = re.compile(r"(annotations/[\w/.-]+\.yml):\d+")


@pytest.mark.parametrize("source_id", SOURCES)
def test_ingest_matches_golden(source_id, corpus, golden):
    doc = corpus.docs[source_id]
    golden(FIXTURES / "ingest" / f"{source_id}.txt", CATALOG_LINE.sub(r"\1:N", format_document(doc)))
