"""``python -m build_tools``: see :mod:`build_tools.cli`."""

from build_tools.cli import run_and_exit

run_and_exit()
