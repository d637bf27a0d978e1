"""Every command, option and make target is documented (a new one without help fails here)."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT
from .test_contrib_commands import _leaf_parsers

COMMANDS = sorted(_leaf_parsers())


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_description_example_and_option_help(command):
    parser = _leaf_parsers()[command]
    text = parser.format_help()
    assert parser.description, f"{command}: no description"
    assert "example:\n  python -m build_tools " in text, f"{command}: no example in --help"
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, f"{command}: option {action.option_strings} has no help"
        if not action.option_strings:
            assert action.help, f"{command}: argument {action.dest} has no help"


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_mentions_every_command(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"python -m build_tools {command}" in readme


def test_make_help_lists_every_target_the_readme_names():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in sorted(set(re.findall(r"`make ([a-z-]+)`", readme)) - {"help"}):
        assert re.search(rf"^{target}:", makefile, re.M), (
            f"README names `make {target}`, the Makefile has no such target"
        )
        assert f"make {target}" in makefile, f"`make help` does not describe {target}"
