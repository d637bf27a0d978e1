"""Annotated-reading site generator: source texts + YAML annotations → a MkDocs site.

The stages, in order (see :data:`build_tools.pipeline.STAGES`): :mod:`.annotations` loads
and validates what contributors edit, :mod:`.ingest` turns each source into typed
blocks, :mod:`.anchor` places every quote, :mod:`.render` writes Markdown pages, and
:mod:`.build` orchestrates them and runs MkDocs.
"""

__version__ = "0.1.0"
