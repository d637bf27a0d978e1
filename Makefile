# Two commands matter (see README.md): `make site` and `make test`. Both create .venv
# and install the pinned requirements first, so they work on a machine with only
# Python 3.11+ installed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SITE_STAMP := $(VENV)/.site-installed
DEV_STAMP  := $(VENV)/.dev-installed
NPM        ?= npm
NPM_STAMP  := node_modules/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: site test serve check preprocess lint bench bench-import bench-build portability clean help citation-stats bench-anchor bench-search schemas

help:
	@echo "make site          set up .venv, preprocess and build the site into site/"
	@echo "make test          set up .venv and run the whole test suite"
	@echo "make serve         live preview at http://127.0.0.1:8000/ (edits to sources/ and annotations/ reload)"
	@echo "make check         validate and anchor all annotations; print every problem"
	@echo "make preprocess    write the generated pages under docs/ (what make site does before MkDocs)"
	@echo "make lint          ruff check and format check"
	@echo "make schemas       regenerate annotations/schema/ and CONTRIBUTING.md's field tables from build_tools/kinds.py"
	@echo "make bench-import  article-extraction benchmark (F1, titles, bylines, dates on 181 news pages; beside plain trafilatura)"
	@echo "make bench-build   build-time benchmark on a synthetic corpus of many sources"
	@echo "make bench-anchor  re-anchoring benchmark: this project and diff-match-patch on corrected texts"
	@echo "make bench-search  first-search bytes and time to results in Chromium, 1,000 sources"
	@echo "make portability   build with MkDocs, ProperDocs and Zensical and compare the pages"
	@echo "make clean         remove generated pages, the site and the virtualenv"
	@echo "make citation-stats count citations by the kind of their domain (annotations/citation-policy.yml)"

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1)); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(SITE_STAMP): requirements.txt $(VENV)/.python-ok
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt $(SITE_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# axe-core for the accessibility tests (tests/browser); without npm they are skipped.
$(NPM_STAMP): package.json package-lock.json
	@if command -v $(NPM) >/dev/null 2>&1; then \
	  echo "$(NPM) ci --no-audit --no-fund"; $(NPM) ci --no-audit --no-fund && touch $@; \
	else \
	  echo "npm not found: skipping axe-core (the accessibility tests will be skipped)"; \
	fi

site: $(SITE_STAMP)
	$(PY) -m build_tools build

test: $(DEV_STAMP) $(NPM_STAMP)
	$(PY) -m pytest

serve: $(SITE_STAMP)
	$(PY) -m build_tools serve

check: $(SITE_STAMP)
	$(PY) -m build_tools check

preprocess: $(SITE_STAMP)
	$(PY) -m build_tools preprocess

lint: $(DEV_STAMP)
	$(PY) -m ruff check build_tools tests benchmarks scripts
	$(PY) -m ruff format --check build_tools tests benchmarks scripts

schemas: $(SITE_STAMP)
	$(PY) -m build_tools.kinds --write-schemas --write-docs

bench: bench-import bench-build

bench-import: $(SITE_STAMP)
	$(PY) benchmarks/bench_import.py --compare --source-add

bench-build: $(SITE_STAMP)
	$(PY) benchmarks/bench_build.py

# Principle 4: the same mkdocs.yml and docs/ render alike with MkDocs' successors.
.venv-properdocs/.installed: $(SITE_STAMP)
	$(PYTHON) -m venv .venv-properdocs
	.venv-properdocs/bin/pip install --quiet --disable-pip-version-check properdocs==1.6.7 \
	  mkdocs-material==9.8.1 pymdown-extensions==13.1 Markdown==3.11.3
	@touch $@

.venv-zensical/.installed: $(SITE_STAMP)
	$(PYTHON) -m venv .venv-zensical
	.venv-zensical/bin/pip install --quiet --disable-pip-version-check zensical==0.0.73
	@touch $@

portability: .venv-properdocs/.installed .venv-zensical/.installed
	$(PY) scripts/check_portability.py --tool mkdocs=$(VENV)/bin/mkdocs \
	  --tool properdocs=.venv-properdocs/bin/properdocs --tool zensical=.venv-zensical/bin/zensical

clean:
	rm -rf site site.old .site-builds .build-* .build.lock docs/sources docs/glossary docs/crossrefs docs/outlets docs/_partials docs/pagefind .cache \
	  $(VENV) .venv-properdocs .venv-zensical

# Citations by the kind of their domain, from annotations/citation-policy.yml.
citation-stats: $(SITE_STAMP)
	$(PY) scripts/citation_stats.py

# Re-anchoring after corrected texts (benchmarks/README.md); diff-match-patch is a dev pin.
bench-anchor: $(DEV_STAMP)
	$(PY) benchmarks/bench_anchor.py

# Pagefind search in a real browser on loopback (needs /usr/bin/chromium; see benchmarks/README.md).
bench-search: $(DEV_STAMP)
	$(PY) benchmarks/bench_search.py
