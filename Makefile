# The two commands: `make run` (install, migrate, seed, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .venv-tools
MODELS := .venv-models
# Test processes (pytest-xdist; 0: one): each takes a module's tests whole, so a module's shared
# server or database is made once.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
export FLASK_APP := api

.PHONY: run test test-postgres test-slow migrate seed openapi lint bench bench-servers bench-scale bench-vectors bench-models bench-stop eval load fuzz-api vendor clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Every version is pinned, transitive ones included: --no-deps installs exactly the lists, and
# pip check fails if a list misses something.
# The project itself is installed too (editable, no dependencies): its entry point gives `flask`
# the seed package's `flask seed`.
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --no-deps -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --no-deps -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	touch $@ $(VENV)/.runtime

# Outside-in tools in their own virtualenv: schemathesis's pins and pytest plugin stay out of .venv.
$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --no-deps -r requirements-tools.txt
	$(TOOLS)/bin/pip check
	touch $@

# Node tools for the checks (Redocly's OpenAPI linter), from the npm registry
.ci/node_modules/.installed: .ci/package.json .ci/package-lock.json
	npm ci --prefix .ci --no-audit --no-fund --silent
	touch $@

## run: install, migrate and seed the database, then serve on $PORT (8000): granian, api/server.py
run: $(VENV)/.runtime migrate seed
	$(BIN)/python -m api.server

migrate: $(VENV)/.runtime
	@mkdir -p var
	$(BIN)/flask db upgrade

seed: $(VENV)/.runtime
	$(BIN)/flask seed

## test: the whole suite (on PostgreSQL when DATABASE_URL=postgresql://...)
test: $(VENV)/.dev .ci/node_modules/.installed
	$(PYTEST)

## test-postgres: the whole suite again, on a private PostgreSQL server (Debian's package)
test-postgres: $(VENV)/.dev .ci/node_modules/.installed
	DATABASE_URL=$$(.ci/postgres start) $(PYTEST)

## test-slow: the checks `make test` skips (a minute or more each); DATABASE_URL=postgresql://... for PostgreSQL
test-slow: $(VENV)/.dev .ci/node_modules/.installed
	$(BIN)/pytest -m slow

## fuzz-api: schemathesis against the server on a seeded SQLite file, from the service's own /openapi.json (90 s budget, schemathesis.toml)
fuzz-api: $(VENV)/.runtime $(TOOLS)/.installed
	$(BIN)/python -m tests.outside.fuzz_api

## openapi: record the docs' example search from the seeded database, then regenerate openapi.yaml from the code (a test fails while either is stale)
openapi: $(VENV)/.dev migrate seed
	$(BIN)/flask examples
	$(BIN)/flask spec openapi.yaml

## lint: ruff on the Python code, hadolint on the Dockerfile
lint: $(VENV)/.dev
	$(BIN)/ruff check api seed tests migrations bench
	$(BIN)/ruff format --check api seed tests migrations bench
	$(BIN)/hadolint Dockerfile

## bench: the service against a bare-Flask floor under wrk (bench/RESULTS.md); DATABASE_URL=postgresql://... for PostgreSQL
bench: $(VENV)/.dev
	DATABASE_URL=$(DATABASE_URL) $(BIN)/python bench/run.py

## eval: search and keyword lookups against bench/judged.toml (P@5, R@10, nDCG@10; a stock FTS5 baseline beside), the held-out sets, suggested trends
eval: $(VENV)/.dev
	$(BIN)/python bench/eval.py

## bench-servers: granian, gunicorn and waitress serving the app: throughput and 300 slow clients (a section of bench/RESULTS.md)
bench-servers: $(VENV)/.dev
	$(BIN)/python bench/servers.py

## bench-scale: seed time, size, memory, embedding and latency on synthetic reports 1, 10 and 100 times the real one, 1000 estimated (bench/RESULTS-scale.md)
bench-scale: $(VENV)/.dev
	DATABASE_URL=$(DATABASE_URL) $(BIN)/python bench/scale.py

## bench-vectors: search by meaning in process (numpy) against usearch's HNSW index, 1, 10 and 100 times the report's passages, 1000 with VECTORS_SIZES (bench/RESULTS-vectors.md)
bench-vectors: $(VENV)/.dev
	$(BIN)/python bench/vectors.py

## bench-models: the service's model for search by meaning against others whose weights ship in their package (bench/RESULTS-models.md)
bench-models: $(VENV)/.dev $(MODELS)/.installed
	$(BIN)/python bench/models.py

# The models bench/models.py compares, in their own virtualenv: their packages stay out of .venv.
$(MODELS)/.installed: requirements-models.txt
	$(PYTHON) -m venv $(MODELS)
	$(MODELS)/bin/pip install -q --no-deps -r requirements-models.txt
	$(MODELS)/bin/pip check
	touch $@

## bench-stop: SIGTERM under load, 20 rounds: does every worker stop by itself? (STOP_ROUNDS, STOP_LOAD, STOP_HANG)
bench-stop: $(VENV)/.dev
	$(BIN)/python bench/stop.py

## load: 64 clients for 60 s on a mix of requests, zero errors required (LOAD_DURATION, LOAD_CLIENTS; DATABASE_URL=postgresql://... for PostgreSQL)
load: $(VENV)/.dev
	DATABASE_URL=$(DATABASE_URL) $(BIN)/python bench/load.py

## vendor: refresh the Swagger UI and ReDoc files the app serves (npm registry)
vendor:
	scripts/fetch-vendor.sh

clean:
	rm -rf $(VENV) $(TOOLS) $(MODELS) .schemathesis var .pytest_cache
