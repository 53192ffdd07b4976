# ESF status report. `make` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help report serve test template bench sample readme golden pictures clean

help: ## list the targets
	@echo "Targets:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  PERIOD=2009-05-01..2009-06-30 make report   chooses the period"

# The dependencies pinned in pyproject.toml (runtime and test), with every transitive one pinned
# by constraints.txt. The code itself runs from this folder (`python -m pipeline`), uninstalled.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] + p['optional-dependencies']['test']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -c constraints.txt -r $(VENV)/requirements.txt
	touch $(STAMP)

report: $(STAMP) ## report every register in input/ (or the sample) into output/
	$(PY) -m pipeline batch --input input --samples input_samples --out output $(if $(PERIOD),--period $(PERIOD))

serve: $(STAMP) ## the web page at http://127.0.0.1:8000 (PORT= to change, HOST= to listen elsewhere)
	$(PY) -m pipeline serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000)

test: $(STAMP) ## run the whole test suite
	$(PY) -m pytest

template: $(STAMP) ## write an empty register for coaches, with dropdowns and date checks, to output/
	$(PY) -m pipeline template --out output

bench: $(STAMP) ## time the report on generated 10 000 / 100 000 / 1 000 000-row registers (cached in .bench/)
	$(PY) -m pipeline.tools.bench

sample: $(STAMP) ## regenerate the synthetic sample register in input_samples/
	$(PY) -m pipeline sample --out input_samples/navigator_register.xlsx

readme: $(STAMP) ## regenerate the README's register columns and counting rules from schemas/
	$(PY) -m pipeline readme

golden: $(STAMP) ## rewrite the golden file of the sample's workbook (tests/golden/), after an intended change
	$(PY) -m pipeline.tools.golden

pictures: $(STAMP) ## redraw the pictures of the README and the guide (needs libreoffice, pdftoppm, chromium)
	$(PY) -m pipeline.tools.pictures

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .hypothesis
