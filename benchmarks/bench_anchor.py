"""Benchmark re-anchoring: place passages of a text in a corrected copy of it.

Corpus: the 181 article bodies of the Scrapinghub article-extraction benchmark (MIT
licence; ``DIR/ground-truth.json``, ``--data DIR`` as for ``bench_import.py``). For each
seed, every article is edited by a seeded generator that tracks where each character
went (:func:`edit`), and passages are sampled from the original the way the Hypothesis
client records a highlight: the exact text plus 32 characters of prefix and suffix, and
the old start offset (its TextPositionSelector, used as the search hint). Only passages
inside one paragraph whose quote and context occur once in the original are sampled:
``check`` refuses an ambiguous selector, so none reaches a corrected text.

Two matchers place every passage in the edited text:

* **project** — :func:`build_tools.stages.anchor.anchor_selector` (exact, then
  :mod:`build_tools.matcher`); ``exact`` or ``fuzzy`` counts as placed, ``ambiguous``
  or ``missing`` as reported (orphaned);
* **dmp** — the algorithm of dom-anchor-text-quote's ``toPositionAnchor`` (which the
  Hypothesis client used), on diff-match-patch ``match_main``: the prefix is searched
  near the hint (else the suffix), then the quote in 32-character slices.

Outcomes, per passage (:func:`outcome`): **correct** — placed, at least half of the
placed text is the passage's own characters and it holds at least half of the
passage's surviving characters; **copy** — the same, but of a generated duplicate of
the passage's sentence (same words, another place); **wrong** — placed otherwise;
**orphaned** — not placed.

A passage's **meaning is unchanged** (:func:`unchanged_meaning`) when no word edit fell
inside it (or one did and it has at least :data:`LONG_PASSAGE` words), no moved
sentence cut through it, no sentence was moved into it and it was not duplicated.
Typographic edits never count. Correct and orphaned are rates over these passages;
wrong is counted over them and over all passages.

Exit status: 0, or 1 when the project places a passage wrongly, or places fewer
unchanged-meaning passages than diff-match-patch or than ``--min-correct`` percent;
2 for a data error.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.errors import Report  # noqa: E402
from build_tools.model import Block, BlockKind, Document, Selector, Span  # noqa: E402
from build_tools.stages.anchor import DocIndex, anchor_selector  # noqa: E402

CONTEXT = 32
"""Characters of prefix and suffix, as the Hypothesis client records them."""
EDIT_RATE = 0.05
"""Share of words edited (substituted, deleted or followed by an inserted word)."""
PASSAGES = 11
"""Passages sampled per article."""
LONG_PASSAGE = 8
"""A passage of at least this many words keeps its meaning through one word edit."""
FOREIGN = 15
"""Characters not from the passage allowed inside its new span (one inserted word)."""
SEEDS = (1, 2, 3)
OUTCOMES = ("correct", "copy", "wrong", "orphaned")
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]+[\"'”’)]*[ ]?")


def copy_of(offset: int) -> int:
    """The origin recorded for a duplicated character: -2 - its original offset (and back)."""
    return -2 - offset


@dataclass(frozen=True, slots=True)
class Edited:
    """An edited text and where each of its characters came from."""

    text: str
    origin: list[int]
    """Per character: its original offset; -1 if new; :func:`copy_of` the original
    offset if it belongs to a duplicated sentence."""
    word_edits: list[int]
    """Original offsets where a word was substituted, deleted or inserted."""
    cuts: list[tuple[int, int]]
    """Original spans of sentences that were moved."""


def edit(text: str, rng: random.Random) -> Edited:
    """Edit ``text``: a moved and a duplicated sentence (each in half of the texts), about
    :data:`EDIT_RATE` of the words substituted (a typo or another word of the text),
    deleted or followed by an inserted word, and typographic changes (curly quotes,
    dashes, doubled spaces)."""
    chars = list(text)
    origin = list(range(len(text)))
    word_edits: list[int] = []
    cuts: list[tuple[int, int]] = []
    vocab = sorted({w for w in _WORD.findall(text) if len(w) > 2}) or ["word"]

    def sentences() -> list[tuple[int, int]]:
        s = "".join(chars)
        return [m.span() for m in _SENTENCE.finditer(s) if len(_WORD.findall(m.group())) >= 4]

    if rng.random() < 0.5 and len(sentences()) >= 3:  # move a sentence
        a, b = rng.choice(sentences())
        piece, ppos = chars[a:b], origin[a:b]
        cuts.append((min(ppos), max(ppos) + 1))
        del chars[a:b], origin[a:b]
        targets = [s for s, _ in sentences()]
        t = rng.choice(targets) if targets else 0
        chars[t:t], origin[t:t] = piece, ppos
    if rng.random() < 0.5 and len(sentences()) >= 3:  # duplicate a sentence elsewhere
        spans = sentences()
        a, b = rng.choice(spans)
        piece = chars[a:b]
        copied = [copy_of(o) if o >= 0 else -1 for o in origin[a:b]]
        t = rng.choice([s for s, _ in spans if s != a])
        chars[t:t], origin[t:t] = piece, copied
    for a, b in reversed([m.span() for m in _WORD.finditer("".join(chars))]):
        if rng.random() >= EDIT_RATE:
            continue
        where = next((p for p in origin[a:b] if p >= 0), -1)
        what = rng.random()
        if what < 0.4:  # substitution: a typo or another word of the text
            if b - a >= 4 and rng.random() < 0.5:
                i = rng.randrange(a, b - 1)
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            else:
                new = rng.choice(vocab)
                chars[a:b], origin[a:b] = list(new), [-1] * len(new)
        elif what < 0.7:  # deletion, with the space after it
            e = b + 1 if b < len(chars) and chars[b] == " " else b
            del chars[a:e], origin[a:e]
        else:  # insertion after the word
            new = " " + rng.choice(vocab)
            chars[b:b], origin[b:b] = list(new), [-1] * len(new)
        word_edits.append(where)
    for i, ch in enumerate(chars):  # typographic changes keep the origin
        if ch in "\"'" and rng.random() < 0.5:
            chars[i] = {'"': "“", "'": "’"}[ch]
        elif ch == "-" and rng.random() < 0.5:
            chars[i] = "–"
    for i in reversed(range(len(chars))):
        if chars[i] == " " and rng.random() < 0.01:
            chars.insert(i, " ")
            origin.insert(i, -1)
    return Edited("".join(chars), origin, word_edits, cuts)


@dataclass(frozen=True, slots=True)
class Passage:
    """A sampled highlight: its span in the original, quote, context and word count."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    words: int


def sample(text: str, rng: random.Random, n: int) -> list[Passage]:
    """``n`` passages of 3–30 words, each inside one paragraph, with 32-character context,
    and each the only place of its quote with that context (as ``check`` requires)."""
    words = [m.span() for m in _WORD.finditer(text)]
    out: list[Passage] = []
    for _ in range(n * 4):
        if len(out) == n or len(words) < 40:
            break
        i = rng.randrange(len(words) - 3)
        j = min(len(words) - 1, i + rng.randint(3, 30) - 1)
        s, e = words[i][0], words[j][1]
        prefix, suffix = text[max(0, s - CONTEXT) : s], text[e : e + CONTEXT]
        if "\n" in text[s:e] or text.count(prefix + text[s:e] + suffix) > 1:
            continue  # across paragraphs, or already ambiguous (check refuses such a selector)
        out.append(Passage(s, e, text[s:e], prefix, suffix, j - i + 1))
    return out


def document(text: str) -> tuple[Document, dict[str, int]]:
    """Blocks = the text's non-empty lines; also each block's start offset in ``text``."""
    blocks, starts, pos = [], {}, 0
    for line in text.split("\n"):
        if line.strip():
            bid = f"p-{len(blocks) + 1}"
            blocks.append(Block(bid, BlockKind.PARAGRAPH, (Span(line),), (1, 1)))
            starts[bid] = pos
        pos += len(line) + 1
    return Document("bench", tuple(blocks)), starts


def project_place(index: DocIndex, starts: dict[str, int], p: Passage, report: Report) -> tuple[int, int] | None:
    """This project's anchor stage; the span placed in the edited text, or None."""
    a = anchor_selector(
        Selector("bench", p.exact, p.prefix, p.suffix), index, annotation="x", kind="note", passage=0, report=report
    )
    if not a.placed or a.start is None or a.end is None:
        return None
    return starts[a.start.block] + a.start.offset, starts[a.end.block] + a.end.offset


def dmp_place(text: str, p: Passage, hint: int) -> tuple[int, int] | None:
    """dom-anchor-text-quote's toPositionAnchor on diff-match-patch (hint: the old start)."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Match_Distance = len(text) * 2
    slices = [p.exact[i : i + 32] for i in range(0, len(p.exact), 32)]
    loc = hint
    found_prefix = False
    if p.prefix:
        r = dmp.match_main(text, p.prefix, loc)
        if r > -1:
            loc, found_prefix = r + len(p.prefix), True
    if p.suffix and not found_prefix:
        r = dmp.match_main(text, p.suffix, loc + len(p.exact))
        if r > -1:
            loc = r - len(p.exact)
    r = dmp.match_main(text, slices[0], max(0, loc))
    if r == -1:
        return None
    start, end = r, r + len(slices[0])
    loc = end
    dmp.Match_Distance = 64
    for sl in slices[1:]:
        r = dmp.match_main(text, sl, loc)
        if r == -1:
            return None
        loc = r + len(sl)
        start, end = min(start, r), max(end, r + len(sl))
    return start, end


def true_span(ed: Edited, p: Passage) -> tuple[int, int] | None:
    """From the first to the last surviving character of the passage in the edited text."""
    pos = [i for i, o in enumerate(ed.origin) if p.start <= o < p.end]
    return (pos[0], pos[-1] + 1) if pos else None


def unchanged_meaning(ed: Edited, p: Passage, truth: tuple[int, int] | None) -> bool:
    """See the module docstring."""
    if truth is None:
        return False
    inside = sum(1 for w in ed.word_edits if p.start <= w < p.end)
    cut = any(a < p.end and p.start < b and not (a <= p.start and p.end <= b) for a, b in ed.cuts)
    foreign = sum(1 for o in ed.origin[truth[0] : truth[1]] if not p.start <= o < p.end)
    copied = any(p.start <= copy_of(o) < p.end for o in ed.origin if o <= -2)
    return not cut and not copied and foreign <= FOREIGN and (inside == 0 or (inside == 1 and p.words >= LONG_PASSAGE))


def outcome(ed: Edited, placed: tuple[int, int] | None, p: Passage) -> str:
    """``correct``, ``copy``, ``wrong`` or ``orphaned`` (see the module docstring)."""
    if placed is None:
        return "orphaned"
    if placed[1] <= placed[0]:
        return "wrong"
    span = ed.origin[placed[0] : placed[1]]
    owners: tuple[tuple[str, Callable[[int], int]], ...] = (
        ("correct", lambda o: o),
        ("copy", lambda o: copy_of(o) if o <= -2 else -1),
    )
    for kind, own_of in owners:
        own = sum(1 for o in span if p.start <= own_of(o) < p.end)
        total = sum(1 for o in ed.origin if p.start <= own_of(o) < p.end)
        if total and 2 * own >= placed[1] - placed[0] and 2 * own >= total:
            return kind
    return "wrong"


def run_seed(articles: list[str], seed: int, *, examples: list[dict]) -> dict[str, dict[str, float]]:
    """Tallies per matcher for one seed; wrong placements (and the project's orphans of
    unchanged-meaning passages) are appended to ``examples``."""
    rng = random.Random(seed)
    keys = [*OUTCOMES, *(f"u_{o}" for o in OUTCOMES), "u", "seconds"]
    tally: dict[str, dict[str, float]] = {m: dict.fromkeys(keys, 0) for m in ("project", "dmp")}
    for body in articles:
        passages = sample(body, rng, PASSAGES)
        ed = edit(body, rng)
        doc, starts = document(ed.text)
        index = DocIndex.build(doc)
        for p in passages:
            truth = true_span(ed, p)
            same = unchanged_meaning(ed, p, truth)
            report = Report()
            t0 = time.perf_counter()
            got = {"project": project_place(index, starts, p, report)}
            t1 = time.perf_counter()
            got["dmp"] = dmp_place(ed.text, p, p.start)
            t2 = time.perf_counter()
            tally["project"]["seconds"] += t1 - t0
            tally["dmp"]["seconds"] += t2 - t1
            for m, placed in got.items():
                o = outcome(ed, placed, p)
                tally[m][o] += 1
                if same:
                    tally[m]["u"] += 1
                    tally[m][f"u_{o}"] += 1
                if (o == "wrong" or (o == "orphaned" and same and m == "project")) and len(examples) < 200:
                    examples.append(
                        {"seed": seed, "matcher": m, "outcome": o, "unchanged_meaning": same,
                         "quote": p.exact, "prefix": p.prefix, "suffix": p.suffix,
                         "placed": ed.text[placed[0]:placed[1]] if placed else None,
                         "truth": ed.text[truth[0]:truth[1]] if truth else None,
                         "message": report.render() if m == "project" else ""}
                    )  # fmt: skip
    return tally


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one line per seed and matcher."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/benchmarks/article-extraction")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="generator seeds (default: 1 2 3)")
    ap.add_argument("--limit", type=int, help="first N articles only")
    ap.add_argument("--min-correct", type=float, default=97.0, help="percent of unchanged-meaning passages")
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/anchor.json")
    args = ap.parse_args(argv)
    try:
        truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
        articles = [truth[k]["articleBody"] for k in sorted(truth)][: args.limit]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"bench-anchor: cannot read {args.data / 'ground-truth.json'}: {exc}", file=sys.stderr)
        return 2
    results: dict[int, dict[str, dict[str, float]]] = {}
    examples: list[dict] = []
    failed = False
    print(f"{len(articles)} articles, {PASSAGES} passages each, {EDIT_RATE:.0%} of the words edited")
    print(f"{'seed':>4}  {'matcher':8} {'passages':>8} {'unchanged':>9}  {'correct':>8} {'orphaned':>8} {'wrong':>5}"
          f"  {'all: wrong':>10} {'on a copy':>9}  {'seconds':>7}")  # fmt: skip
    for seed in args.seeds:
        tally = run_seed(articles, seed, examples=examples)
        results[seed] = tally
        for m, t in tally.items():
            n = int(sum(t[o] for o in OUTCOMES))
            u = t["u"] or 1
            print(
                f"{seed:>4}  {m:8} {n:>8} {int(t['u']):>9}  {100 * t['u_correct'] / u:>7.1f}% "
                f"{100 * t['u_orphaned'] / u:>7.1f}% {int(t['u_wrong']):>5}  {int(t['wrong']):>10} "
                f"{int(t['copy']):>9}  {t['seconds']:>7.2f}"
            )
        project, dmp = tally["project"], tally["dmp"]
        if project["wrong"] or 100 * project["u_correct"] / (project["u"] or 1) < args.min_correct:
            failed = True
        if project["u_correct"] < dmp["u_correct"]:
            failed = True
    print(
        "unchanged: passages whose meaning the edits left unchanged; correct and orphaned: % of them; wrong: how "
        "many of them\nall: wrong among all passages, and placed on a generated duplicate of the passage's "
        "sentence (same words, another place)"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"results": results, "examples": examples}, indent=1, ensure_ascii=False))
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"details: {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
