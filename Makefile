# A thin wrapper: every target runs `python tools/dev.py <target>`, which
# creates or refreshes .venv first (Windows, without make: `py tools\dev.py <target>`).
#   make lab          JupyterLab on notebooks/
#   make test         everything: unit tests, doctests, strict nbval on every notebook, the HTML export
#   make test-fast    unit tests and doctests only
#   make test-browser the notebooks driven in a real browser
#   make lint         ruff check + ruff format --check
#   make html         render everything to build/html
#   make notebooks    re-execute notebooks and save outputs (NB=notebooks/02.6-*.ipynb for some)
#   make venv         only create or refresh .venv (from requirements.lock, with uv)
#   make lock         recompile requirements.lock from requirements.txt (after changing a pin)
# ARGS=... passes options on: make lab ARGS="--port 8899 --no-browser", make test-fast ARGS="-k bpe".

PYTHON ?= python3
DEV := $(PYTHON) tools/dev.py

.PHONY: lab test test-fast test-browser lint html notebooks venv lock

lab test test-fast test-browser lint html venv lock:
	$(DEV) $@ $(ARGS)

notebooks:
	$(DEV) notebooks $(NB)
