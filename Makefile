# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv if missing and installs what it needs (and Debian's
# graphviz for the `dot` binary, and gcc to compile the engine, when running as root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

# The exact versions CI tested (Python 3.11, Linux x86_64), made by pip-compile from
# pyproject.toml's ranges: `make lock` adds what pyproject.toml gained, `make lock-upgrade`
# moves every pin to the newest release (docs/testing.md). `make test CONSTRAINTS=`
# installs without it (the newest versions the ranges allow, as on another platform).
# Passed as PIP_CONSTRAINT, not -c, so that it also pins the build backend (setuptools, mypy)
# in pip's isolated build environment. It takes the place of a constraint file named in
# pip's own config (this kind of machine caps torch there): the file pins torch itself.
CONSTRAINTS ?= constraints.txt
PINNED := $(if $(CONSTRAINTS),PIP_CONSTRAINT="$(abspath $(CONSTRAINTS))")

.PHONY: demo test lint typecheck pytest bench dot browser site npm notebook clean lock lock-upgrade digits engine cc

demo: $(VENV)/.demo-installed dot
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"
	$(VENV)/bin/microgrid demo

test: $(VENV)/.test-installed dot browser site lint typecheck pytest

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
	tests/test_engine_faults.py tests/test_higher.py tests/test_escapes.py tests/test_forward_mode.py \
	tests/test_engine_twins.py tests/test_engine_core.py microgrid/engine

# After editing microgrid/engine/*.py: compile it again (until then the edited .py runs,
# with a warning). `MICROGRID_ENGINE=python` runs the .py files without compiling.
engine: $(VENV)/.demo-installed cc
	$(PIP) install --no-deps -e .
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"

# The tests whose printed numbers come from long NumPy computations, run with NumPy's BLAS
# on 1 thread, then on 2 (threadpoolctl): both must pass (docs/testing.md).
DIGIT_TESTS := tests/test_docs.py tests/test_docs_figures.py tests/test_notebook.py \
	tests/test_examples_networks.py \
	tests/test_examples_logistic.py tests/test_examples_graph.py tests/test_examples_ownbackprop.py \
	tests/test_networks.py tests/test_logistic.py tests/test_ownbackprop.py tests/test_cli.py \
	tests/test_datasets.py tests/test_seed_questions_figures.py \
	tests/test_render.py::test_checked_in_figures_are_not_stale microgrid
digits: $(VENV)/.test-installed dot
	$(PY) -m pytest -q $(DIGIT_TESTS) --blas-threads 1
	$(PY) -m pytest -q $(DIGIT_TESTS) --blas-threads 2

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

$(VENV)/.demo-installed: pyproject.toml setup.py $(CONSTRAINTS) | $(PY) cc
	$(PINNED) $(PIP) install -e .
	touch $@

# torch: constraints.txt pins torch==2.13.0+cpu, the CPU wheel that lies on this kind of
# machine's disk (pip finds it there; uv and poetry don't look), which the `compare`
# extra's range accepts. Without the lock, torch==2.13.0 goes first for the same reason:
# an unpinned torch pulls several GB of CUDA packages.
$(VENV)/.test-installed: pyproject.toml setup.py $(CONSTRAINTS) | $(PY) cc
	$(if $(CONSTRAINTS),,$(PIP) install torch==2.13.0)
	$(PINNED) $(PIP) install -e ".[dev,data,plot,compare,widget]"
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

# pip-compile resolves pyproject.toml's ranges (every extra, and the build backend) in a
# scratch venv. It uses pip's own finder, so it sees the CPU torch wheel on this
# machine's disk (uv would resolve a CUDA build instead): run it on a machine of CI's
# kind, then `make clean test` to test what it wrote. CUSTOM_COMPILE_COMMAND is the
# command the file's header tells the next person to run.
PIP_TOOLS := pip-tools==7.6.2
LOCK_VENV := $(VENV)-lock
LOCK_FLAGS := --all-extras --build-deps-for editable --strip-extras --allow-unsafe \
	--no-emit-find-links --no-emit-index-url --annotation-style line
lock: LOCK_COMMAND := make lock
lock-upgrade: LOCK_COMMAND := make lock-upgrade
lock-upgrade: LOCK_FLAGS += --upgrade
lock lock-upgrade:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip --disable-pip-version-check -q install $(PIP_TOOLS)
	CUSTOM_COMPILE_COMMAND="$(LOCK_COMMAND)" $(LOCK_VENV)/bin/pip-compile -q $(LOCK_FLAGS) \
	  -o constraints.txt pyproject.toml
	rm -rf $(LOCK_VENV)

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

# The browser edition of the explorer (docs/explorer.md): site/, a static folder where
# microgrid runs in Pyodide. Serve it with `python -m http.server -d site 8000`.
# browser/build.py runs `npm ci` (Pyodide and viz-js, as browser/package-lock.json pins
# them) and builds microgrid's pure-Python wheel; tests/test_site_browser.py tests it.
site: npm | $(PY)
	$(PY) browser/build.py

npm:
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's nodejs and npm (to build the browser edition, site/)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else \
	    echo "make site needs npm (Node.js):  sudo apt-get install nodejs npm"; exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist site browser/node_modules
	rm -f *__mypyc*.so microgrid/engine/*.so microgrid/engine/compiled.sha256
