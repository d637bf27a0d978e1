"""Built tier of the XSS harness (issue 14): a hostile project, built for real, scanned.

tests/hostile.py spreads all 6,613 payloads over every field a contributor can fill
(payload *i* goes into field *i* mod 27, several payloads packed per value; see its
FIELDS and tests/test_xss_fields.py for the path each field takes to a page) and writes
a complete project of about 180 pages. ``python -m build_tools build`` builds it
(mkdocs --strict). The build must succeed — or be refused by ``check`` with located
errors — and never fail inside MkDocs. Then every built HTML page is scanned: no ``on*``
attribute, no element outside what MkDocs and Material write, no script but the site's
own and its JSON blocks, no ``javascript:``/``data:`` URL, one <title> and one
description <meta> (nothing broke out of them), and the search index holds no live
markup in its titles or texts.

On failure the message gives tried / refused / safe / broke per field and the first
breaks, each with its field, value tag (``F07-3``), payload and page.
"""

from __future__ import annotations

from .hostile import FIELDS, field_table, scan_site


def _build_output(site) -> str:
    return (site.build.stdout + site.build.stderr)[-6000:]


def test_hostile_project_builds_or_is_refused_by_check(hostile_site):
    proc = hostile_site.build
    if proc.returncode == 0:
        assert hostile_site.built
        return
    out = proc.stdout + proc.stderr
    assert "mkdocs build --strict failed" not in out, (
        "the hostile project passed `check` but failed inside MkDocs: an input `check` accepts "
        "made MkDocs fail\n" + _build_output(hostile_site)
    )
    assert "error:" in out, _build_output(hostile_site)


def test_every_field_got_payloads(hostile_site):
    man = hostile_site.manifest
    tried = {f: len(man.tried.get(f, [])) + len(man.refused.get(f, [])) + len(man.held_back.get(f, [])) for f in FIELDS}
    assert all(tried.values()), f"fields with no payload: {[f for f, n in tried.items() if not n]}"
    placed = {i for f in FIELDS for i in man.tried.get(f, []) + man.refused.get(f, []) + man.held_back.get(f, [])}
    assert placed == set(range(len(hostile_site.payloads)))


def test_built_pages_and_search_index_hold_no_live_markup(hostile_site):
    assert hostile_site.built, "the hostile project did not build:\n" + _build_output(hostile_site)
    pages = list(hostile_site.site_dir.rglob("*.html"))
    assert len(pages) > 150
    breaks = scan_site(hostile_site.site_dir, hostile_site.manifest, hostile_site.payloads)
    if breaks:
        lines = [field_table(hostile_site.manifest, breaks), "", f"{len(breaks)} breaks; the first:"]
        for b in breaks[:25]:
            payload = hostile_site.payloads[b.payload][:80] if b.payload is not None else "?"
            lines.append(f"  {b.field} [{b.tag}] {b.page}: {b.what[:200]}\n      payload #{b.payload}: {payload!r}")
        raise AssertionError("\n".join(lines))
