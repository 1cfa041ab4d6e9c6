# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv if missing and installs what it needs (and Debian's
# graphviz for the `dot` binary, and gcc to compile the engine, when running as root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck pytest bench dot browser notebook clean engine cc

demo: $(VENV)/.demo-installed dot
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"
	$(VENV)/bin/microgrid demo

test: $(VENV)/.test-installed dot browser lint typecheck pytest

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check microgrid tests examples benchmarks docs
	$(VENV)/bin/ruff format --check microgrid tests examples benchmarks docs
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.test-installed
	$(VENV)/bin/mypy

# The whole suite on the engine that runs (compiled where a C compiler was found), then
# the engine's own tests again on the same source run as plain Python.
pytest: $(VENV)/.test-installed
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"
	$(PY) -m pytest
	MICROGRID_ENGINE=python $(PY) -m pytest -q -p no:cacheprovider $(ENGINE_TESTS)

ENGINE_TESTS := tests/test_engine.py tests/test_primitive.py tests/test_graph.py \
	tests/test_engine_twins.py microgrid/engine

# After editing microgrid/engine/*.py: compile it again (until then the edited .py runs,
# with a warning). `MICROGRID_ENGINE=python` runs the .py files without compiling.
engine: $(VENV)/.demo-installed cc
	$(PIP) install --no-deps -e .
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"

# Re-execute the learners' notebook in place, so it ships with current outputs
# (tests/test_notebook.py fails when they are stale). Its files go to examples/build/.
notebook: $(VENV)/.test-installed dot
	$(PY) examples/run_notebook.py

bench: $(VENV)/.test-installed
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/drawing.py --quick
	$(PY) benchmarks/logistic.py
	$(PY) benchmarks/networks.py
	$(PY) benchmarks/ownbackprop.py

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.demo-installed: pyproject.toml setup.py | $(PY) cc
	$(PIP) install -e .
	touch $@

# torch==2.13.0 first: it is the CPU wheel here, and the `compare` extra's
# range accepts it (an unpinned torch pulls several GB of CUDA packages).
$(VENV)/.test-installed: pyproject.toml setup.py | $(PY) cc
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[dev,data,plot,compare]"
	touch $@ $(VENV)/.demo-installed

# A C compiler lets mypyc compile the engine at install (setup.py); without one the
# same engine runs as plain Python (same results, a few times slower).
cc:
	@command -v $${CC:-cc} >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's gcc (to compile the engine)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null \
	      || echo "microgrid: could not install gcc: the engine will run as plain Python"; \
	  else \
	    echo "microgrid: no C compiler: the engine will run as plain Python (same results, slower)"; \
	  fi; }

# The `dot` binary comes from Debian's graphviz package, not from pip.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's graphviz (for the dot binary)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "microgrid needs Graphviz's 'dot' program to draw graphs."; \
	    echo "Install it with:  sudo apt-get install graphviz   (macOS: brew install graphviz)"; \
	    exit 1; \
	  fi; }

# Headless Chromium tests the flip-book page and the live explorer; without root the
# browser tests skip. The explorer's tests drive it with Playwright for Python (the
# `dev` extra installs the pip package and its driver); Playwright is pointed at this
# chromium, so `playwright install` (which downloads browsers) is never run.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium (for the flip-book and explorer browser tests)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium not installed and not root: the browser tests will be skipped."; \
	  fi; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	rm -f *__mypyc*.so microgrid/engine/*.so microgrid/engine/compiled.sha256
