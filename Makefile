# The README's two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Serving needs only the project's dependencies; the test tools (pytest, Playwright,
# schemathesis, ruff…) come with `make test` and the other test targets.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

AXE := var/node/node_modules/axe-core/axe.min.js

.PHONY: run test browser-test race-test replica-test varnish-test install install-dev migrate seed demo-editor check serve deploy-check clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(PY) manage.py load_stories

demo-editor: migrate
	DJANGO_DEBUG=1 $(PY) manage.py create_demo_editor --url http://$(HOST):$(PORT)

# Background tasks (webhook deliveries, purges, re-rendering) run in a worker beside the server,
# stopped with it. NEWSROOM_TASKS=immediate runs them inside the request instead (no worker).
run: seed demo-editor
	@echo "Background tasks: a worker (manage.py db_worker) runs beside the server."
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	if [ "$${NEWSROOM_TASKS:-database}" = database ]; then \
		$(PY) manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# End-to-end tests in headless Chromium (Debian's /usr/bin/chromium) with axe-core from npm,
# installed into var/node (gitignored). Screenshots and axe reports land in var/screenshots/.
$(AXE):
	mkdir -p var/node
	cd var/node && (test -f package.json || echo '{"private": true}' > package.json) && \
		npm install --no-audit --no-fund --silent axe-core@4

browser-test: install-dev $(AXE)
	# Two runs: each suite starts its own Playwright session, and one process holds only one.
	NEWSROOM_REQUIRE_BROWSER=1 $(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)
	NEWSROOM_REQUIRE_BROWSER=1 $(PY) -m pytest -m browser --ignore=tests/browser $(PYTEST_ARGS)

# Real races against a live server (two editors saving at once, many times over); PostgreSQL
# only: run with DATABASE_URL set. NEWSROOM_RACE_PAIRS races a model (200 by default).
race-test: install-dev
	$(PY) -m pytest -m concurrency tests/concurrency $(PYTEST_ARGS)

# Read replicas against a real PostgreSQL primary and streaming standby that the test starts
# itself (initdb, pg_basebackup) on free ports: PostgreSQL's server binaries must be installed.
replica-test: install-dev
	$(PY) -m pytest -m replica tests/newsroom_tests/test_replicas.py $(PYTEST_ARGS)

# Varnish with the xkey vmod in front of a live server, purged by surrogate keys: Debian's varnish
# and varnish-modules must be installed (the test skips without varnishd).
varnish-test: install-dev
	$(PY) -m pytest -m varnish tests/newsroom_tests/test_varnish.py $(PYTEST_ARGS)

check: install
	$(PY) manage.py check

# The production stack (gunicorn, hashed static files) on PostgreSQL: see README "Deploying".
serve: install
	GUNICORN_BIND=$${GUNICORN_BIND:-$(HOST):$(PORT)} scripts/serve

# What CI runs: the deploy checklist with production variables, failing on any warning.
deploy-check: install
	.ci/deploy-check

clean:
	rm -rf $(VENV) var .pytest_cache
