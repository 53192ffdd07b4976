# ESF status report. `make` lists the targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help report serve test template wheel platforms bench sample readme golden pictures clean

# `## ` marks a target for the person who makes reports, `##- ` one for the person who develops the tool
help: ## visa kommandona
	@echo "För den som skapar rapporter:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  PERIOD=2024-01-01..2024-06-30 make report   väljer rapportperiod (för register som har den perioden)"
	@echo ""
	@echo "För den som utvecklar verktyget:"
	@grep -E '^[a-z]+:.*##- ' $(MAKEFILE_LIST) | sed -E 's/:.*##- /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

# The dependencies pinned in pyproject.toml (runtime and test), with every transitive one pinned
# by constraints.txt. The code itself runs from this folder, uninstalled: `python -m pipeline` runs
# the same entry point (pipeline.__main__:command) as the installed `esf-rapport` command.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] + p['optional-dependencies']['test']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -c constraints.txt -r $(VENV)/requirements.txt
	touch $(STAMP)

report: $(STAMP) ## skriv rapporten för varje register i input/ (eller exemplet) till output/
	$(PY) -m pipeline batch --input input --samples input_samples --out output $(if $(PERIOD),--period $(PERIOD))

serve: $(STAMP) ## starta webbsidan på http://127.0.0.1:8000 (PORT= byter port, HOST= och ALLOW=namn för nätet)
	$(PY) -m pipeline serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000) $(foreach name,$(ALLOW),--tillat-vard $(name))

test: $(STAMP) ##- kör alla tester
	$(PY) -m pytest

template: $(STAMP) ## skriv en tom registermall till output/ (PROFILE=2021-2027 ger ESF+-mallen)
	$(PY) -m pipeline template --out output $(if $(PROFILE),--profil $(PROFILE))

wheel: $(STAMP) ##- bygg verktyget som ett paket att installera (dist/esf_lagesrapport-*.whl)
	rm -rf build
	$(PY) -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	rm -rf build
	@ls dist/*.whl

platforms: $(STAMP) ##- kontrollera att varje beroende finns färdigbyggt för Windows och macOS (laddar ner)
	$(PY) -m pipeline.tools.platforms

bench: $(STAMP) ##- mät tid och minne på genererade register med 10 000 till 1 000 000 rader
	$(PY) -m pipeline.tools.bench

sample: $(STAMP) ##- skriv om de syntetiska exempelregistren (2007-2013 och ESF+) i input_samples/
	$(PY) -m pipeline sample --out input_samples/navigator_register.xlsx
	$(PY) -m pipeline sample --profil 2021-2027 --rows 160 --out input_samples/vagen_vidare_register.xlsx

readme: $(STAMP) ##- skriv om docs/register.md:s kolumntabeller och räkneregler från schemas/
	$(PY) -m pipeline readme

golden: $(STAMP) ##- skriv om facit för exemplets arbetsbok (tests/golden/) efter en avsiktlig ändring
	$(PY) -m pipeline.tools.golden

pictures: $(STAMP) ##- rita om bilderna i dokumentationen och guiden (kräver libreoffice, pdftoppm, chromium)
	$(PY) -m pipeline.tools.pictures

clean: ##- ta bort den virtuella miljön och cacharna
	rm -rf $(VENV) .pytest_cache .hypothesis
