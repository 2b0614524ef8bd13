# Two commands set everything up on a fresh machine (Python 3.10+ and make):
#   make lab    open the labs in JupyterLab (moto backend, offline, unless LABKIT_BACKEND or
#               LABKIT_ENDPOINT_URL say otherwise)
#   make test   unit tests + every notebook checked by nbval (strict)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]*-*.ipynb))

.PHONY: lab test unit nbval run notebooks bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 \
		--notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: $(STAMP)
	$(PY) -m pytest tests $(NOTEBOOKS) --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg -q

unit: $(STAMP)
	$(PY) -m pytest tests -q

nbval: $(STAMP)
	$(PY) -m pytest $(NOTEBOOKS) --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg -q

run: $(STAMP)
	$(PY) -m labkit run

notebooks: $(STAMP)
	$(PY) -m labkit build-notebooks

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
