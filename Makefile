# urbangeo: two commands on a fresh machine.
#   make demo   create .venv, install the demo's dependencies from PyPI, run the demo into out/
#   make test   create the test environments (newest and oldest supported stacks), run everything
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_NEW  ?= $(shell .ci/find-python 3.13 3.12 3.11)
PY_MIN  ?= $(shell .ci/find-python 3.11)
TOOLS   := .venv-tools
UV      := $(TOOLS)/bin/uv
VENV    := .venv
VENV_MIN := .venv-min
PYTEST_ARGS ?= -n 2 --dist loadfile
OUT     ?= out

.PHONY: help demo test test-new test-min test-noshared test-qgis test-postgis test-notebooks docs lint env env-min clean

help:
	@echo "make demo    run the demo of all modules (writes to $(OUT)/)"
	@echo "make test    run the whole test suite on the newest and the oldest supported stacks"
	@echo "make test-noshared   the oldest stack with ../shared hidden (URBANGEO_SHARED_DATA=none), as on a newcomer's clone"
	@echo "make test-postgis / test-notebooks / docs   PostGIS round trips, executed notebooks, Sphinx site (part of make test)"

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip uv

$(VENV)/.installed: setup.cfg pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing -p $(PY_NEW) $(VENV)
	$(UV) pip install --quiet -p $(VENV)/bin/python -e ".[demo,test]"
	$(VENV)/bin/python -m urbangeo compile   # numba kernels into the cache: no first call compiles
	touch $@

$(VENV_MIN)/.installed: setup.cfg pyproject.toml .ci/constraints-min.txt | $(UV)
	$(UV) venv --quiet --allow-existing -p $(PY_MIN) $(VENV_MIN)
	$(UV) pip install --quiet -p $(VENV_MIN)/bin/python -e ".[test]" -c .ci/constraints-min.txt
	$(VENV_MIN)/bin/python -m urbangeo compile
	touch $@

env: $(VENV)/.installed
env-min: $(VENV_MIN)/.installed

demo: env
	$(VENV)/bin/python examples/demo.py --out $(OUT)

# Tool settings: pyproject.toml. ruff (complexity and argument limits), mypy on the package (no
# errors), and two tests: the API conventions (docs/conventions.md) and the import layers
# (docs/architecture.md: front ends > wings > core, no cycle).
lint: env
	$(VENV)/bin/ruff check urbangeo tests examples benchmarks qgis_plugin conftest.py
	$(VENV)/bin/mypy urbangeo
	$(VENV)/bin/python -m pytest tests/test_api_conventions.py tests/test_import_graph.py -q -p no:xdist -p no:cacheprovider

test-new: env
	@$(VENV)/bin/python -c "import numpy, geopandas, pyproj, shapely, sys; print('newest stack: python', sys.version.split()[0], 'numpy', numpy.__version__, 'geopandas', geopandas.__version__, 'pyproj', pyproj.__version__, 'shapely', shapely.__version__)"
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-min: env-min
	@$(VENV_MIN)/bin/python -c "import numpy, geopandas, pyproj, shapely, sys; print('oldest stack: python', sys.version.split()[0], 'numpy', numpy.__version__, 'geopandas', geopandas.__version__, 'pyproj', pyproj.__version__, 'shapely', shapely.__version__)"
	$(VENV_MIN)/bin/python -m pytest $(PYTEST_ARGS)

# A newcomer's clone has no ../shared beside it: the oldest stack again with the shared data
# hidden (URBANGEO_SHARED_DATA=none), so real-data tests and doctests must skip with the reason.
test-noshared: env-min
	@URBANGEO_SHARED_DATA=none $(VENV_MIN)/bin/python -c "from urbangeo.datasets import shared_data_dir as d; assert d() is None, d(); print('no shared data: URBANGEO_SHARED_DATA=none, oldest stack')"
	URBANGEO_SHARED_DATA=none $(VENV_MIN)/bin/python -m pytest $(PYTEST_ARGS)

# Tests inside a real QGIS 3.22 (Debian), docs/qgis.md: .ci/qgis-setup installs QGIS and builds
# .venv-qgis (exit 3 = the Debian install itself failed: reported as skipped, with the reason).
test-qgis:
	@rc=0; why=$$(mktemp); QGIS_SETUP_SKIP_FILE=$$why .ci/qgis-setup || rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "test-qgis: SKIPPED all tests in tests/qgis: the Debian QGIS install failed: $$(cat $$why)"; \
	  if [ -x $(VENV)/bin/python ]; then URBANGEO_QGIS_SKIP_REASON="Debian QGIS install failed: $$(cat $$why)" \
	    $(VENV)/bin/python -m pytest tests/qgis -q -rs -p no:xdist -p no:cacheprovider; fi; exit 0; fi; \
	if [ $$rc -ne 0 ]; then echo "test-qgis: .ci/qgis-setup failed (exit $$rc)"; exit $$rc; fi; \
	URBANGEO_REQUIRE_QGIS=1 .venv-qgis/bin/python -m pytest tests/qgis -q -ra -p no:cacheprovider

# PostGIS round trips against a real server: .ci/postgis-setup installs Debian's postgresql +
# postgis, starts a cluster on 127.0.0.1:54329 and prints its URL (nothing, with the reason,
# when it cannot: the tests are then reported as skipped). Both stacks.
$(VENV)/.postgis: $(VENV)/.installed
	$(UV) pip install --quiet -p $(VENV)/bin/python -e ".[postgis]"
	touch $@
$(VENV_MIN)/.postgis: $(VENV_MIN)/.installed
	$(UV) pip install --quiet -p $(VENV_MIN)/bin/python -e ".[postgis]" -c .ci/constraints-min.txt
	touch $@
test-postgis: $(VENV)/.postgis $(VENV_MIN)/.postgis
	@url=$$(.ci/postgis-setup); \
	if [ -z "$$url" ]; then echo "test-postgis: SKIPPED: $$(cat $${TMPDIR:-/tmp}/urbangeo-postgis-skip-reason 2>/dev/null)"; fi; \
	for py in $(VENV)/bin/python $(VENV_MIN)/bin/python; do \
	  URBANGEO_TEST_PG="$$url" $$py -m pytest tests/test_postgis.py tests/cli -m postgis -q -ra -p no:xdist -p no:cacheprovider || exit $$?; \
	done

# Notebooks (examples/*.ipynb) executed with nbmake on executed copies in docs/_generated/notebooks,
# which the docs site renders (it never executes them). Then the Sphinx site, warnings as errors.
$(VENV)/.docs: $(VENV)/.installed
	$(UV) pip install --quiet -p $(VENV)/bin/python -e ".[docs]"
	touch $@
test-notebooks: $(VENV)/.docs
	rm -rf docs/_generated/notebooks && mkdir -p docs/_generated/notebooks
	cp examples/*.ipynb docs/_generated/notebooks/
	$(VENV)/bin/python -m pytest --nbmake --overwrite --nbmake-timeout=300 -n 2 -q -ra -p no:cacheprovider docs/_generated/notebooks
docs: $(VENV)/.docs
	rm -rf docs/_build docs/_generated/api
	$(VENV)/bin/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

test: lint test-new test-min test-noshared test-qgis test-postgis test-notebooks docs

clean:
	rm -rf $(VENV) $(VENV_MIN) .venv-qgis $(TOOLS) $(OUT) .pytest_cache .hypothesis docs/_build docs/_generated
