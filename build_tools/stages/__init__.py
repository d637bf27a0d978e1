"""The stages of a build, one module each, in the order :data:`build_tools.pipeline.STAGES` runs them.

=================  ===========================================================================
``load``           read and validate ``annotations/`` (the kinds of :mod:`build_tools.kinds`)
``citations``      check every citation against ``annotations/citation-policy.yml``
``ingest``         turn each source into typed blocks with stable ids (``ingest/parse``, ``rules``)
``anchor``         place every quote in its source (:mod:`build_tools.placement`)
``consistency``    cross-checks over the whole corpus: ids, links, fragments (the gate)
``render``         build each page's Markdown (``render/source_page``, ``pages``, …)
``write``          write the pages into a staged ``docs/``, only what changed
``mkdocs``         MkDocs renders the staged ``docs/``
``search``         Pagefind indexes the built site
``publish``        swap the new site into place, all or nothing
=================  ===========================================================================

The lock files of ``annotations/ids/`` are written last (:mod:`build_tools.idlock`).
Support code shared by the stages lives beside this package in ``build_tools/``; the
contributor commands (``note add``, ``source add``, imports and exports) are in
:mod:`build_tools.contrib`.
"""
