"""The GitHub workflows: strict on pull requests, browser tests included, least privilege,
actions pinned by commit, no expression interpolated into a shell script."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w.-]+)@([0-9a-f]{40})\s+#\s+v\d+", re.M)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_every_action_is_pinned_by_commit_with_its_tag_in_a_comment() -> None:
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        uses = re.findall(r"^\s*(?:-\s+)?uses:\s+(\S+)", text, re.M)
        assert uses, path.name
        pinned = {f"{name}@{sha}" for name, sha in PINNED.findall(text)}
        assert set(uses) == pinned, (path.name, sorted(set(uses) - pinned))


def test_no_expression_is_interpolated_into_a_run_script() -> None:
    for path in WORKFLOWS:
        for step in steps(load(path)):
            assert "${{" not in step.get("run", ""), (path.name, step.get("name"), step["run"])


def test_only_the_deploy_job_may_write() -> None:
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for name, job in workflow["jobs"].items():
            perms = job.get("permissions", {})
            writes = {k for k, v in perms.items() if v == "write"}
            assert writes == ({"pages", "id-token"} if name == "deploy" else set()), (path.name, name, perms)


def test_pull_requests_are_checked_strictly_and_run_the_browser_tests() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "check.yml")
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on:` as True
    runs = {step.get("name", ""): step for step in steps(workflow)}
    check = [s["run"] for s in runs.values() if "build_tools check" in s.get("run", "")]
    assert check == ["python -m build_tools check --strict --format github"]
    tests = [s for s in runs.values() if "pytest" in s.get("run", "")]
    assert len(tests) == 1 and "--ignore" not in tests[0]["run"] and "-k" not in tests[0]["run"].split()
    assert tests[0]["env"]["CHROMIUM"] == "/usr/bin/google-chrome"
    assert "playwright install" not in (ROOT / ".github" / "workflows" / "check.yml").read_text(encoding="utf-8")


def test_the_published_site_names_its_repository() -> None:
    """Every page's "Suggest a correction" link needs ``repo_url``, which mkdocs.yml reads
    from ``REPO_URL``: the deploy build sets it to this repository."""
    assert "repo_url: !ENV [REPO_URL, null]" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    build = next(s for s in steps(load(ROOT / ".github" / "workflows" / "pages.yml")) if s.get("name") == "Build")
    assert build["env"]["REPO_URL"] == "${{ github.server_url }}/${{ github.repository }}"
