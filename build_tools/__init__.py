"""Annotated-reading site generator: source texts + YAML annotations → a MkDocs site.

The pipeline is :data:`build_tools.pipeline.STAGES`, one module each under
:mod:`.stages`: :mod:`.stages.load` loads and validates what contributors edit (the kinds
declared once in :mod:`.kinds`), :mod:`.stages.ingest` turns each source into typed
blocks, :mod:`.stages.anchor` places every quote, :mod:`.stages.consistency` is the gate,
:mod:`.stages.render` and :mod:`.stages.write` write the Markdown pages, and
:mod:`.stages.mkdocs`, :mod:`.stages.search` and :mod:`.stages.publish` build, index and
swap in the site. The contributor commands are in :mod:`.contrib`; the rest of this
package is the support code they share.
"""

__version__ = "0.1.0"
