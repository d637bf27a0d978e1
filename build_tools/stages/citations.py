"""Citation policy: which web domains a citation may use, and how it must be labelled.

Runs after the annotations stage, on the loaded :class:`~build_tools.model.Annotations`.
``annotations/citation-policy.yml`` (schema ``annotations/schema/citation-policy.schema.json``)
classifies domains by kind (:data:`KINDS`). Every citation and further-reading link of
outlets, catalog entries, notes, cross-references and glossary entries is checked:

- its host must be well formed (no trailing dot, a top-level domain, no empty name);
- a host of a mirror, aggregator or content farm is an error (cite the original);
- a host of a state-run or partisan outlet needs one of the entry's ``label:`` phrases
  in the citation title, so that readers see whose voice they are reading.

A host matches an entry's domain and every subdomain of it; the longest domain wins.
A project without a policy file gets only the host check. Problems point at the line of
the citation's ``url:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from build_tools import kinds
from build_tools.errors import Origin, Report
from build_tools.model import Annotations, Citation
from build_tools.schema import SCHEMA_DIR, validate
from build_tools.yamlio import load_yaml

POLICY_FILE = "annotations/citation-policy.yml"
POLICY_SCHEMA = f"{kinds.POLICY.name}.schema.json"
SCHEMA_LINE = f"# yaml-language-server: $schema=schema/{POLICY_SCHEMA}"

BLOCKED = ("mirror", "aggregator", "content-farm")
"""Kinds that may not be cited: the original is to be cited instead."""
LABELLED = ("state-run", "partisan")
"""Kinds that may be cited with a label in the citation title."""
CITABLE = ("primary", "press", "reference", "academic", "archive", "think-tank", "self-published")
"""Kinds that may be cited as they are."""
KINDS = (*BLOCKED, *LABELLED, *CITABLE)

_LABEL = re.compile(r"[a-z0-9]([a-z0-9_-]*[a-z0-9])?")
"""One label of a host name (underscores occur in real subdomains, so they are accepted)."""
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


@dataclass(frozen=True, slots=True)
class DomainRule:
    """One entry of the policy file."""

    host: str
    """The domain, lower case; it covers its subdomains."""
    kind: str
    """One of :data:`KINDS`."""
    why: str
    """Why the domain is of this kind."""
    label: tuple[str, ...]
    """For state-run and partisan domains: phrases, one of which a citation title must carry."""
    instead: str | None
    """For blocked domains: where to find the original."""
    origin: Origin


@dataclass(frozen=True, slots=True)
class CitationPolicy:
    """The domains of the policy file, by host."""

    rules: dict[str, DomainRule]

    def rule_for(self, host: str) -> DomainRule | None:
        """The entry of the longest domain that ``host`` equals or is a subdomain of."""
        parts = host.split(".")
        for i in range(len(parts) - 1):
            rule = self.rules.get(".".join(parts[i:]))
            if rule is not None:
                return rule
        return None


@lru_cache(maxsize=4096)
def host_problem(host: str) -> str | None:
    """Why ``host`` (from a URL, port removed) is malformed, or ``None`` if it is well formed."""
    if not host:
        return "has no host name"
    if host.endswith("."):
        return "ends with a dot"
    labels = host.split(".")
    if len(labels) < 2:
        return "has no top-level domain (such as .org)"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "is not a valid host name (letters, digits and hyphens between dots)"
    if not _TLD.fullmatch(labels[-1]):
        return f"ends in '.{labels[-1]}', which is not a top-level domain"
    return None


@lru_cache(maxsize=65536)
def url_host(url: str) -> str:
    """The host of ``url`` as written (lower case, without port or user)."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    if netloc.startswith("["):
        return netloc.lower()
    return netloc.partition(":")[0].lower()


def load_policy(root: Path, report: Report) -> CitationPolicy | None:
    """The policy file, validated; ``None`` if there is none or it cannot be used."""
    path = root / POLICY_FILE
    if not path.is_file():
        return None
    loaded = load_yaml(path, root=root, report=report)
    if loaded is None:
        return None
    pos = loaded.positions
    if loaded.text.split("\n", 1)[0].strip() != SCHEMA_LINE:
        report.warning(
            Origin(pos.rel_path, 1, 1),
            "first line should name the schema, so editors can check the file as you type",
            hint=f"make the first line: {SCHEMA_LINE}",
            code="schema-comment",
        )
    schema_dir = (root / SCHEMA_DIR).resolve()
    if not (schema_dir / POLICY_SCHEMA).is_file():
        report.error(
            Origin(pos.rel_path),
            f"the schema of the citation policy, {SCHEMA_DIR.as_posix()}/{POLICY_SCHEMA}, is missing",
            hint="restore it from the project's repository",
            code="file-missing",
        )
        return None
    if not validate(loaded.data, kinds.POLICY.name, pos, report, root=root):
        return None
    rules: dict[str, DomainRule] = {}
    ok = True
    assert isinstance(loaded.data, dict)
    for i, item in enumerate(loaded.data["domains"]):
        host = item["host"]
        origin = pos.origin(("domains", i, "host"))
        if any(c in host for c in "/:@ "):
            problem: str | None = "is not a bare domain (no https://, path or port)"
        elif host != host.lower():
            problem = "has capital letters"
        else:
            problem = host_problem(host)
        if problem is not None:
            report.error(
                origin,
                f"host {host!r} {problem}",
                hint="write the domain alone, in lower case, e.g. globaltimes.cn (it covers www.globaltimes.cn)",
                code="policy-host",
            )
            ok = False
            continue
        if host in rules:
            report.error(
                origin,
                f"host {host!r} is listed twice (first at {rules[host].origin})",
                hint="keep one entry per domain",
                code="policy-duplicate",
            )
            ok = False
            continue
        rules[host] = DomainRule(
            host, item["kind"], item["why"].strip(), tuple(item.get("label", ())), item.get("instead"), origin
        )
    return CitationPolicy(rules) if ok else None


def _cited(ann: Annotations) -> Iterator[Citation]:
    """Every citation and further-reading link, in file order of each kind."""
    for outlet in ann.outlets.values():
        yield from outlet.citations
    for src in ann.sources.values():
        yield from src.citations
    for note in ann.notes:
        yield from note.citations
    for xref in ann.crossrefs:
        yield from xref.citations
        yield from (p.citation for p in xref.primary)
    for entry in ann.glossary.values():
        yield from entry.citations
        yield from entry.links


class _UrlPlaces:
    """Where a citation's ``url`` value is written: its line, not the line of the item."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: dict[str, list[str] | None] = {}

    def origin(self, c: Citation) -> Origin:
        o = c.origin
        if o.path not in self.lines:
            try:
                self.lines[o.path] = (self.root / o.path).read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeDecodeError):
                self.lines[o.path] = None
        lines = self.lines[o.path]
        if not lines or not o.line:
            return o
        for n in range(o.line - 1, min(len(lines), o.line + 20)):
            start = max(o.column - 1, 0) if n == o.line - 1 else 0
            col = lines[n].find(c.url, start)
            if col >= 0:
                return Origin(o.path, n + 1, col + 1)
        return o


def check_citations(ann: Annotations, root: Path, report: Report) -> None:
    """Report every citation whose host is malformed, not citable, or not labelled.

    Guarantees: each citation is checked once; nothing is changed; a problem names the
    file and line of the ``url:``, the host, the policy's reason and the fix.
    """
    policy = load_policy(root, report)
    places = _UrlPlaces(root)
    for c in _cited(ann):
        host = url_host(c.url)
        problem = host_problem(host)
        if problem is not None:
            fixed = host.rstrip(".")
            hint = (
                f"remove the dot at the end of the host: {_without_dot(c.url)}"
                if host.endswith(".") and fixed
                else "write the full address, e.g. https://www.example.org/page"
            )
            report.error(
                places.origin(c),
                f"url {c.url!r}: host {host!r} {problem}",
                hint=hint,
                code="citation-host",
            )
            continue
        rule = policy.rule_for(host) if policy else None
        if rule is None:
            continue
        what = rule.kind.replace("content-farm", "content farm")
        details = [f"why: {rule.why}", f"policy: {rule.origin}"]
        if rule.kind in BLOCKED:
            report.error(
                places.origin(c),
                f"{host} is a{'n' if what[0] in 'aeiou' else ''} {what}, which is not citable",
                details=details,
                hint=f"cite the original instead{f' ({rule.instead})' if rule.instead else ''}",
                code=f"citation-{rule.kind}",
            )
        elif rule.kind in LABELLED:
            title = c.title.casefold()
            if not any(label.casefold() in title for label in rule.label):
                labels = " or ".join(repr(label) for label in rule.label)
                report.error(
                    places.origin(c),
                    f"{host} is {what}, but the citation title does not say so: {c.title!r}",
                    details=details,
                    hint=f"add {labels} to the title, e.g. '{c.title} ({rule.label[0]})'",
                    code="citation-unlabelled",
                )


def _without_dot(url: str) -> str:
    """``url`` with the trailing dot of its host removed."""
    parts = urlsplit(url)
    netloc = parts.netloc
    host, sep, port = netloc.rpartition("@")[2].partition(":")
    prefix = netloc[: len(netloc) - len(netloc.rpartition("@")[2])]
    return parts._replace(netloc=f"{prefix}{host.rstrip('.')}{sep}{port}").geturl()
