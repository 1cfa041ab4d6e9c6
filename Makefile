# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv if missing and installs what it needs (and Debian's
# graphviz for the `dot` binary when running as root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck pytest bench dot browser notebook clean

demo: $(VENV)/.demo-installed dot
	$(VENV)/bin/microgrid demo

test: $(VENV)/.test-installed dot browser lint typecheck pytest

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check microgrid tests examples benchmarks docs
	$(VENV)/bin/ruff format --check microgrid tests examples benchmarks docs
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.test-installed
	$(VENV)/bin/mypy

pytest: $(VENV)/.test-installed
	$(PY) -m pytest

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

$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

# torch==2.13.0 first: it is the CPU wheel here, and the `compare` extra's
# range accepts it (an unpinned torch pulls several GB of CUDA packages).
$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[dev,data,plot,compare,widget]"
	touch $@ $(VENV)/.demo-installed

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
