# The two commands of the README. Each sets up what it needs on a fresh machine by itself:
# Debian's Chromium (for the browser tests) and the .venv, rebuilt only when pyproject.toml changes.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test demo lint system-deps

test: system-deps $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q --junitxml=runs/test-results.xml

demo: $(STAMP)
	$(VENV)/bin/dfdetect demo --out runs/demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .

system-deps:
	@if ! command -v chromium >/dev/null; then \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install -e '.[dev]'
	touch $(STAMP)
