# Two entry points: `make lab` opens the notebooks, `make test` runs every test.
# Both create .venv from requirements.txt first when it is missing or stale.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: lab test lint notebooks html

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	# Make `import helpers` work from any folder (notebook kernels start in notebooks/).
	$(BIN)/python -c "import pathlib, site; pathlib.Path(site.getsitepackages()[0], 'llmfs-notebooks.pth').write_text('$(CURDIR)\n')"
	touch $(BIN)/activate

lab: $(BIN)/activate
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

test: $(BIN)/activate
	$(BIN)/python -m pytest

lint: $(BIN)/activate
	$(BIN)/ruff check helpers tests benchmarks notebooks

# Re-execute notebooks top to bottom in a fresh kernel and save their outputs:
# `make notebooks` for all, `make notebooks NB=notebooks/02.6-*.ipynb` for some.
NB ?= notebooks/*.ipynb
notebooks: $(BIN)/activate
	for nb in $(NB); do \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.record_timing=False "$$nb" || exit 1; \
	done

# Render every notebook plus README, NOTES and PROGRESS to linked static HTML.
html: $(BIN)/activate
	$(BIN)/python -m tools.export build/html
