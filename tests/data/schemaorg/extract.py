"""Write schemaorg-claimreview.jsonld: the part of schema.org's vocabulary the ClaimReview test needs.

Run from this folder with the release file of the schemaorg/schemaorg repository:

    python extract.py schemaorg-current-https.jsonld

Keeps every class that the types below are, or are subclasses of, every data type, and
every property whose domain includes one of those classes — each node unchanged.
"""

from __future__ import annotations

import json
import sys

TYPES = ("ClaimReview", "Claim", "NewsArticle", "Organization", "Person", "Rating", "WebPage")


def _ids(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [i["@id"] if isinstance(i, dict) else i for i in items if isinstance(i, dict | str)]


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    nodes = {n["@id"]: n for n in data["@graph"]}
    keep: set[str] = set()
    todo = [f"schema:{t}" for t in TYPES]
    while todo:
        t = todo.pop()
        if t in keep or t not in nodes:
            continue
        keep.add(t)
        todo += _ids(nodes[t].get("rdfs:subClassOf"))
    datatypes = {i for i, n in nodes.items() if "schema:DataType" in _ids(n.get("@type")) or i == "schema:DataType"}
    datatypes |= {i for i, n in nodes.items() if set(_ids(n.get("rdfs:subClassOf"))) & datatypes}
    props = {i for i, n in nodes.items() if set(_ids(n.get("schema:domainIncludes"))) & keep}
    graph = [nodes[i] for i in sorted(keep | datatypes | props)]
    out = {"@context": data["@context"], "@graph": graph}
    with open("schemaorg-claimreview.jsonld", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
