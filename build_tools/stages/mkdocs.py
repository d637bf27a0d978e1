"""``python -m build_tools.stages.mkdocs``: ``mkdocs build --strict`` with another ``docs_dir``.

MkDocs' command line cannot point a configuration at another docs folder, so the build
(:mod:`build_tools.stages.publish`) runs MkDocs through its own Python API here, in a child
process, with ``docs_dir`` set to the staging folder. Relative paths in ``mkdocs.yml``
(``theme.custom_dir``) stay relative to the configuration file; paths MkDocs extensions
read relative to the working folder (``pymdownx.snippets``' ``base_path: [docs]``) find the
stage because the child runs in it. Messages go to stderr as ``mkdocs build`` prints them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def mkdocs_env() -> dict[str, str]:
    """The environment MkDocs runs in (Material's MkDocs 2.0 banner silenced): the build's
    child process here and ``make serve``'s ``mkdocs serve``."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def main(argv: list[str] | None = None) -> int:
    """Build; exit 1 with MkDocs' messages on any warning or error (strict mode)."""
    parser = argparse.ArgumentParser(prog="python -m build_tools.stages.mkdocs", description=__doc__)
    parser.add_argument("--config", required=True, help="the project's mkdocs.yml")
    parser.add_argument("--docs-dir", required=True, help="the staged docs folder")
    parser.add_argument("--site-dir", required=True, help="where to write the site")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    log.setLevel(logging.WARNING)  # MkDocs' start-up listings (INFO) are not needed
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        config = load_config(args.config, docs_dir=args.docs_dir, site_dir=args.site_dir, strict=True)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as exc:
        print(f"ERROR   -  {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
