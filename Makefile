# KeMatch (科创撮合): the project's commands. `make run` and `make test` are the two a new user needs.
SHELL := /bin/bash
PYTHON ?= python3.11
PY := .venv/bin/python
LOCK_HASH := $(shell sha1sum requirements.lock | cut -c1-12)
VENV_STAMP := .venv/.installed-$(LOCK_HASH)
MODEL_DIR ?= data/models/multilingual-e5-small
EVAL_DIR ?= ../shared/eval

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export OPENBLAS_NUM_THREADS := 1

.PHONY: run test test-pg lint format migrate revision index model venv demo eval adapt learn bench bench-pages screenshots clean

$(VENV_STAMP): requirements.lock pyproject.toml
	@test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/pip install --disable-pip-version-check -q -r requirements.lock
	@rm -f .venv/.installed-* && touch $@

venv: $(VENV_STAMP)

model: venv
	$(PY) -m embeddings.convert --out $(MODEL_DIR)

# The database check first: an unreachable server is one clear message and exit code 2, not a traceback.
migrate: venv
	$(PY) -m backend.serve --check-database
	$(PY) -m alembic upgrade head

revision: venv
	@test -n "$(m)" || (echo 'usage: make revision m="what changed"' && exit 2)
	$(PY) -m alembic revision --autogenerate -m "$(m)"

demo: migrate
	$(PY) -m backend.demo.load

index: model migrate
	$(PY) -m backend.matching.cli rebuild

# KEMATCH_WORKERS=4 make run: four worker processes (see docs/deploy.md; on SQLite, one machine only).
run: model migrate
	$(PY) -m backend.demo.load --if-empty
	$(PY) -m backend.matching.cli sync
	$(PY) -m backend.serve

test: model
	$(PY) -m pytest

# The whole suite on a throwaway PostgreSQL server (started on a temporary directory, stopped after).
test-pg: model
	KEMATCH_TEST_DATABASE=postgresql $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Both dev sets, every mode (lexical, dense, hybrid, asymmetric prefixes, adapted encoder, the
# product as shipped) into docs/eval.md. Slow: the adapted rows fine-tune on each corpus first.
eval: model
	$(PY) -m embeddings.eval_suite --eval-dir $(EVAL_DIR) --write docs/eval.md

# Fine-tune the encoder on the platform's published postings (+ judged pairings); activated only if
# it beats the running model on a held-out check split. Undo: python -m backend.matching.cli model rollback
adapt: model migrate
	$(PY) -m backend.matching.cli model adapt

# Ranking that learns from decisions: replay the decision log, activate a learned re-ranker only
# when it beats the base ranking on later decisions (a server picks it up at its next start).
learn: model migrate
	$(PY) -m backend.pairings.learn

bench: model
	$(PY) -m embeddings.bench --suite --write docs/benchmarks.md
	$(MAKE) bench-pages

# Page latency on a live demo server (starts its own, on a temporary database).
bench-pages: model
	$(PY) -m tools.bench_pages

# Screenshots of every page to docs/screenshots/ (starts its own demo server; needs /usr/bin/chromium).
screenshots: model
	$(PY) -m tools.screenshots

clean:
	rm -rf .venv data/models data/index data/cache

.PHONY: backup restore loadtest

backup: venv
	$(PY) -m tools.backup backup

restore: venv
	@test -n "$(file)" || (echo 'usage: make restore file=data/backups/kematch-YYYYmmdd-HHMMSS.db' && exit 2)
	$(PY) -m tools.backup restore "$(file)"

# make loadtest LOADTEST_ARGS="--workers 1,2,4 --database postgresql --duration 20" (docs/benchmarks.md)
loadtest: model
	$(PY) -m tools.loadtest $(LOADTEST_ARGS)
