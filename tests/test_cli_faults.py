"""Command-line faults: a closed pipe, advice that names the right syntax, and every
example in every ``--help`` text run as written against a throw-away copy of the project."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from build_tools.cli import EPILOG, build_parser

from .conftest import FIXTURES, ROOT, copy_project
from .test_contrib_broken import make_case
from .test_contrib_commands import commit_all, run

ENV = {
    **os.environ,
    "NO_MKDOCS_2_WARNING": "1",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONPATH": str(ROOT),
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # `python` is ours
}


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``blocks SOURCE | head -1`` (the reader leaves after one line): no traceback."""
    proc = subprocess.run(
        f"{sys.executable} -m build_tools blocks repost-undated-gaza-multipolar-illusion | head -1",
        shell=True,
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        executable="/bin/bash",
    )
    assert proc.stdout.startswith("title ")
    assert proc.stdout.count("\n") == 1
    assert proc.stderr == ""


def test_a_closed_pipe_exit_status_is_sigpipes(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "build_tools", "anchors", "--json"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    proc.stderr.close()
    assert proc.wait(timeout=60) in (0, 141), err
    assert err == ""


def test_crossref_add_advice_names_its_own_syntax(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_case(None, tmp_path / "base")
    gz, co = "gazette-2024-05-02-bridge", "courier-2024-05-03-bridge-vote"
    status, _, err = run(base, capsys, "crossref", "add", f"{gz}:bridge", f"{co}:bridge")
    assert status == 1
    assert f'say which with {gz}#N:"bridge":' in err
    assert "--occurrence" not in err
    status, _, err = run(base, capsys, "crossref", "add", f"{gz}#9:bridge", f"{co}#2:four hours")
    assert status == 1
    assert f"({gz}#9 is out of range)" in err
    assert f"passage 2 ({co}): {co}#2: the quote occurs only once" in err
    assert "--occurrence" not in err


def test_crossref_add_takes_an_occurrence_for_each_passage(tmp_path: Path, capsys) -> None:
    base = make_case(None, tmp_path / "base")
    gz, co = "gazette-2024-05-02-bridge", "courier-2024-05-03-bridge-vote"
    _, _, err = run(base, capsys, "crossref", "add", f"{gz}:bridge", f"{co}:bridge")
    counts = [int(n) for n in re.findall(r"occurs (\d+) times", err)]
    assert counts and all(n >= 2 for n in counts), err
    args = [f"{gz}#2:bridge"] + ([f"{co}#2:bridge"] if len(counts) == 2 else [f"{co}:bridge"])
    status, out, err = run(base, capsys, "crossref", "add", *args, "--title", "Bridge")
    assert (status, err) == (0, ""), err
    assert out.startswith("added cross-reference")


# --------------------------------------------------------------------------- every --help example


def _examples() -> list[str]:
    """Every example command line of the top-level help and of each command's help, in order."""
    texts = [re.sub(r"\\\n\s*", " ", EPILOG)]  # a command continued on the next line

    def walk(parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    if sub.epilog:
                        texts.append(sub.epilog)
                    walk(sub)

    walk(build_parser())
    found: list[str] = []
    for text in texts:
        for m in re.finditer(r"^ +(?:\S.*? +)?(python -m build_tools .*?)(?= {3,}|$)", text, re.M):
            cmd = " ".join(m.group(1).split())
            if cmd not in found:
                found.append(cmd)
    return found


EXAMPLES = _examples()


def test_the_examples_are_found() -> None:
    assert len(EXAMPLES) >= 15, EXAMPLES
    commands = {e.split()[3] for e in EXAMPLES}
    assert commands >= {"build", "serve", "check", "anchors", "blocks", "note", "crossref", "source", "import"}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_help_example_runs_as_written(example: str, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    shutil.copy(FIXTURES / "import" / "article.html", home / "Downloads" / "article.html")
    (home / "Downloads" / "article.txt").write_text(
        "Li Shangfu meets Putin\n\nChina's defence minister met the Russian president in Moscow.\n", encoding="utf-8"
    )
    if "--hypothesis export.json" in example:  # an export a reader would have saved: three that anchor
        rows = json.loads((FIXTURES / "hypothesis" / "search-export.json").read_text(encoding="utf-8"))["rows"][:3]
        (project / "export.json").write_text(json.dumps({"total": 3, "rows": rows}), encoding="utf-8")
    env = {**ENV, "HOME": str(home)}
    if "--against main" in example:
        commit_all(project)
    if "import --w3c" in example:  # the file the export example writes
        name = example.split("--w3c ")[1].split()[0]
        subprocess.run(
            [sys.executable, "-m", "build_tools", "export", "--w3c", "-o", name],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
    if example.split()[3] == "serve":
        port = int(example.split("--port ")[1].split()[0]) if "--port" in example else 8000
        if not _port_free(port):
            pytest.skip(f"port {port} is in use on this machine")
        proc = subprocess.Popen(
            example,
            shell=True,
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and _port_free(port) and proc.poll() is None:
                time.sleep(0.25)
            assert proc.poll() is None, proc.communicate()[0]
            assert not _port_free(port), "the preview server did not start"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        assert "Traceback" not in out, out
        return
    proc = subprocess.run(example, shell=True, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{example}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr
