"""Problems and the one small exception tree.

Every stage reports what is wrong as a :class:`Problem` (file, line, column, message,
details, a hint on how to fix it) into a :class:`Report`. Stages collect all problems
and the orchestrator fails once, at the end, so a contributor sees every mistake in
one run. The CLI maps :class:`UserError` to exit code 1 without a traceback.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class Severity(enum.Enum):
    """How bad a problem is: errors fail the build, warnings are printed."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something came from, for messages: a file and a 1-based line/column."""

    path: str
    """Path relative to the project root, with forward slashes."""
    line: int = 0
    """1-based line, or 0 when the whole file is meant."""
    column: int = 0
    """1-based column, or 0 when unknown."""

    def __str__(self) -> str:
        out = self.path
        if self.line:
            out += f":{self.line}"
            if self.column:
                out += f":{self.column}"
        return out


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located and explained."""

    severity: Severity
    origin: Origin
    message: str
    """One line: what is wrong, naming the offending text."""
    details: tuple[str, ...] = ()
    """Further lines: candidates, a diff, context."""
    hint: str = ""
    """How to fix it."""
    code: str = ""
    """A short stable identifier of the kind of problem, e.g. ``quote-missing``."""

    def format(self) -> str:
        """Render as ``file:line:col: severity: message`` plus indented details.

        Bidirectional controls are shown as ``<U+202E>``: a terminal never receives one raw.
        """
        from build_tools.unicode_checks import visible

        lines = [f"{self.origin}: {self.severity.value}: {self.message}"]
        lines.extend(f"    {d}" for d in self.details)
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return visible("\n".join(lines))

    def format_github(self) -> str:
        """Render as a GitHub Actions workflow command so it shows on the changed line."""
        kind = "error" if self.severity is Severity.ERROR else "warning"
        body = "\n".join([self.message, *self.details, *([f"hint: {self.hint}"] if self.hint else [])])
        # Workflow commands need %, CR and LF escaped in the message part.
        body = body.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        # Property values also need ":" and "," escaped, or a file name could end the property
        # list and forge an annotation of its own.
        path = self.origin.path
        for ch, code in (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C")):
            path = path.replace(ch, code)
        props = f"file={path}"
        if self.origin.line:
            props += f",line={self.origin.line}"
            if self.origin.column:
                props += f",col={self.origin.column}"
        return f"::{kind} {props}::{body}"

    def as_json(self) -> dict[str, object]:
        """A plain dict for ``--format json``."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "file": self.origin.path,
            "line": self.origin.line,
            "column": self.origin.column,
            "message": self.message,
            "details": list(self.details),
            "hint": self.hint,
        }


@dataclass(slots=True)
class Report:
    """Collects problems from every stage; nothing is ever dropped."""

    problems: list[Problem] = field(default_factory=list)

    def error(
        self, origin: Origin, message: str, *, details: Iterable[str] = (), hint: str = "", code: str = ""
    ) -> None:
        """Record an error (the build will fail)."""
        self.problems.append(Problem(Severity.ERROR, origin, message, tuple(details), hint, code))

    def warning(
        self, origin: Origin, message: str, *, details: Iterable[str] = (), hint: str = "", code: str = ""
    ) -> None:
        """Record a warning (printed; fails only in strict mode)."""
        self.problems.append(Problem(Severity.WARNING, origin, message, tuple(details), hint, code))

    def extend(self, other: Report) -> None:
        """Take over every problem of another report."""
        self.problems.extend(other.problems)

    @property
    def errors(self) -> list[Problem]:
        """The problems that fail the build."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are only printed."""
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def failed(self, *, strict: bool = False) -> bool:
        """True if the build must stop: any error, or any warning in strict mode."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Problem]:
        """Problems in file order, then line, then column; errors before warnings on a tie."""
        return sorted(
            self.problems,
            key=lambda p: (p.origin.path, p.origin.line, p.origin.column, p.severity is Severity.WARNING),
        )

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.sorted())

    def render(self, fmt: str = "text") -> str:
        """All problems as text, GitHub workflow commands, or JSON."""
        problems = self.sorted()
        if fmt == "json":
            return json.dumps([p.as_json() for p in problems], indent=2, ensure_ascii=False)
        if fmt == "github":
            return "\n".join(p.format_github() for p in problems)
        return "\n".join(p.format() for p in problems)

    def summary(self) -> str:
        """One line such as ``2 errors, 1 warning``."""
        e, w = len(self.errors), len(self.warnings)
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}"


class UserError(Exception):
    """A mistake in the input or the command line: reported without a traceback, exit 1."""


class BuildFailed(UserError):
    """Raised once, after all problems were collected, when the report has errors."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.summary())
        self.report = report
