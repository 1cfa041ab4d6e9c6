# Two commands on a fresh machine: `make demo` and `make test` (and `make quick` after an edit).
# Each creates .venv if missing and installs what it needs. Run as root on Debian, it also
# installs the system programs it lacks with apt-get (gcc to compile the engine, graphviz
# for `dot`, chromium for the browser tests), saying so first; `NO_APT=1` skips that.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# No -q: when an install fails, pip's own explanation (which package, which Python, which
# pin) must reach the learner, and its "Collecting ..." lines show that it is moving.
PIP := $(PY) -m pip --disable-pip-version-check

# The exact versions tested, one lock file per Python (constraints/python3.11.txt, ...),
# made by pip-compile from pyproject.toml's ranges against the ordinary package index:
# `make lock` adds what pyproject.toml gained, `make lock-upgrade` moves every pin to the
# newest release (docs/testing.md). CONSTRAINTS=auto takes the venv's Python's file;
# `make test CONSTRAINTS=` installs without one (the newest versions the ranges allow, as
# on a Python with no lock file); `CONSTRAINTS=FILE` takes that file.
# Passed as PIP_CONSTRAINT, not -c, so that it also pins the build backend (setuptools, mypy)
# in pip's isolated build environment. It takes the place of a constraint file named in
# pip's own config (this kind of machine caps torch there): each lock file pins torch itself.
CONSTRAINTS ?= auto
LOCKS := $(wildcard constraints/*.txt)
# A shell prefix: exports PIP_CONSTRAINT for the venv's Python, and says which file it is.
PINNED = v=$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	case "$(CONSTRAINTS)" in \
	  auto) c=constraints/python$$v.txt; [ -f "$$c" ] || { c=; \
	    echo "microgrid: no lock file for Python $$v in constraints/: installing the newest versions pyproject.toml allows"; };; \
	  *) c="$(CONSTRAINTS)";; \
	esac; \
	if [ -n "$$c" ]; then echo "microgrid: Python $$v, the versions tested with it ($$c)"; \
	  export PIP_CONSTRAINT="$$(realpath "$$c")"; fi;

# The tests of the engine and of every example in the docs: `make quick`, under a minute.
ENGINE_TESTS := tests/test_engine.py tests/test_primitive.py tests/test_graph.py \
	tests/test_engine_faults.py tests/test_higher.py tests/test_escapes.py tests/test_forward_mode.py \
	tests/test_engine_twins.py tests/test_engine_core.py tests/test_bce_range.py microgrid/engine \
	microgrid/higher
QUICK_TESTS := $(ENGINE_TESTS) tests/test_docs.py

.PHONY: demo test quick lint typecheck pytest bench dot browser site notebook clean lock \
	lock-upgrade digits engine cc system dist

demo: SYSTEM_NEEDS := gcc graphviz
demo: $(VENV)/.demo-installed dot
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"
	$(VENV)/bin/microgrid demo

# 8 to 15 minutes on 2 cores after the set-up (README.md); each step says what it does.
test: SYSTEM_NEEDS := gcc graphviz chromium npm
test: $(VENV)/.test-installed dot browser site lint typecheck pytest

# After changing one file: the engine's tests and every example of the docs, once.
quick: $(VENV)/.test-installed dot
	@echo "==> make quick: the engine's tests and the docs' examples (under a minute)"
	$(PY) -m pytest -q -p no:cacheprovider $(QUICK_TESTS)

lint: $(VENV)/.test-installed
	@echo "==> make test, step 1 of 3: ruff, and the import layers (about 30 s)"
	$(VENV)/bin/ruff check microgrid tests examples benchmarks docs
	$(VENV)/bin/ruff format --check microgrid tests examples benchmarks docs
	$(VENV)/bin/lint-imports --no-cache

# The code is typed against NumPy's own type stubs, which changed between releases:
# mypy is run where NumPy is 2.4 or newer (every lock file but Python 3.10's, whose newest
# NumPy is 2.2, whose stubs mypy reads differently); there it says so and checks nothing.
typecheck: $(VENV)/.test-installed
	@echo "==> make test, step 2 of 3: mypy --strict (about 1 min)"
	@if $(PY) -c 'import sys, numpy; sys.exit(tuple(map(int, numpy.__version__.split(".")[:2])) < (2, 4))'; \
	then echo $(VENV)/bin/mypy; $(VENV)/bin/mypy; \
	else echo "mypy skipped: the code is typed against NumPy >= 2.4; this venv has NumPy" \
	  "$$($(PY) -c 'import numpy; print(numpy.__version__)') (Python 3.10's newest)"; fi

# The whole suite on the engine that runs (compiled where a C compiler was found), then
# the engine's own tests again on the same source run as plain Python.
pytest: $(VENV)/.test-installed
	@echo "==> make test, step 3 of 3: pytest, about 1800 tests (6 to 14 min; one dot per test)"
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"
	$(PY) -m pytest
	@echo "==> the engine's tests again, on the plain-Python engine"
	MICROGRID_ENGINE=python $(PY) -m pytest -q -p no:cacheprovider $(ENGINE_TESTS)

# After editing microgrid/engine/*.py: compile it again (until then the edited .py runs,
# with a warning). `MICROGRID_ENGINE=python` runs the .py files without compiling.
engine: $(VENV)/.demo-installed cc
	$(PIP) install -q --no-deps -e .
	@$(PY) -c "from microgrid.engine import describe_engine; print('microgrid', describe_engine())"

# The wheel and the sdist of the distribution microgrid-autograd (`import microgrid`), in
# dist/. The wheel is pure Python (py3-none-any: any Python >= 3.10, any platform, a
# hosted notebook, Pyodide); the sdist compiles the engine where it is built from source
# and a C compiler works (docs/testing.md). tests/test_wheel.py installs the wheel.
dist: $(VENV)/.test-installed
	rm -rf dist
	@$(PINNED) MICROGRID_ENGINE=python $(PY) -m build --outdir dist .
	@ls -l dist

# The tests whose printed numbers come from long NumPy computations, run with NumPy's BLAS
# on 1 thread, then on 2 (threadpoolctl): both must pass (docs/testing.md).
DIGIT_TESTS := tests/test_docs.py tests/test_docs_figures.py tests/test_notebook.py \
	tests/test_examples_networks.py \
	tests/test_examples_logistic.py tests/test_examples_graph.py tests/test_examples_ownbackprop.py \
	tests/test_networks.py tests/test_logistic.py tests/test_ownbackprop.py tests/test_cli.py \
	tests/test_datasets.py tests/test_seed_questions_figures.py \
	tests/test_course2.py tests/test_course2_numbers.py tests/test_course2_cli.py \
	tests/test_course2_check.py tests/test_course2_docs.py tests/test_layers.py \
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

$(VENV)/.demo-installed: pyproject.toml setup.py $(LOCKS) | $(PY) system
	@echo "==> installing microgrid and what it needs into $(VENV) (about 100 MB)"
	@$(PINNED) $(PIP) install -e .
	touch $@

# torch: each lock file pins torch==2.13.0 (constraints/torch.in says why). Without a lock
# file torch==2.13.0 goes first for the same reason.
$(VENV)/.test-installed: pyproject.toml setup.py $(LOCKS) | $(PY) system
	@echo "==> installing microgrid with its test tools, PyTorch and JupyterLab into $(VENV)"
	@echo "    (about 1.6 GB on disk with PyTorch's CPU build; README.md says what it downloads)"
	@$(PINNED) { [ -n "$$c" ] || $(PIP) install torch==2.13.0; } && \
	  $(PIP) install -e ".[dev,data,plot,compare,widget]"
	touch $@ $(VENV)/.demo-installed

# The system programs microgrid uses, from Debian's packages: gcc lets mypyc compile the
# engine at install (setup.py; without it the same engine runs as plain Python, same
# results, a few times slower), graphviz's `dot` draws the graphs, chromium runs the
# browser tests (skipped without it). As root, what is missing is installed with apt-get,
# after saying so; `NO_APT=1` never installs, and says what each missing program costs.
SYSTEM_NEEDS ?= gcc graphviz
system:
	@missing=""; \
	for p in $(SYSTEM_NEEDS); do case $$p in \
	  gcc) command -v $${CC:-cc} >/dev/null 2>&1 || missing="$$missing gcc";; \
	  graphviz) command -v dot >/dev/null 2>&1 || missing="$$missing graphviz";; \
	  chromium) command -v chromium >/dev/null 2>&1 || missing="$$missing chromium";; \
	  npm) command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm";; \
	esac; done; \
	[ -n "$$missing" ] || exit 0; \
	if [ -z "$(NO_APT)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "microgrid: running as root, so installing these Debian packages with apt-get:"; \
	  for p in $$missing; do case $$p in \
	    gcc) echo "  gcc       to compile the engine (without it: plain Python, slower)";; \
	    graphviz) echo "  graphviz  the dot program, which draws the graphs";; \
	    chromium) echo "  chromium  a headless browser for the page tests (without it: skipped)";; \
	    nodejs) echo "  nodejs    runs npm";; \
	    npm) echo "  npm       fetches Pyodide and viz-js for the browser edition, site/ (without it: not built)";; \
	  esac; done; \
	  echo "  To skip this: make $(or $(MAKECMDGOALS),demo) NO_APT=1"; \
	  if [ -t 0 ]; then echo "  (starting in 5 s; Ctrl-C to stop)"; sleep 5; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing \
	    || echo "microgrid: apt-get could not install$$missing (see above)"; \
	else \
	  for p in $$missing; do case $$p in \
	    gcc) echo "microgrid: no C compiler: the engine will run as plain Python (same results, slower)";; \
	    graphviz) echo "microgrid: no Graphviz 'dot' program: pictures need it (the dot target says how to install it)";; \
	    chromium) echo "microgrid: no chromium: the browser tests will be skipped";; \
	    npm) echo "microgrid: no npm: site/ (the browser edition) is not built and its test is skipped";; \
	  esac; done; \
	fi

cc: system

# The `dot` binary comes from Debian's graphviz package, not from pip.
dot: system
	@command -v dot >/dev/null 2>&1 || { \
	  echo "microgrid needs Graphviz's 'dot' program to draw graphs."; \
	  echo "Install it with:  sudo apt-get install graphviz   (macOS: brew install graphviz)"; \
	  exit 1; }

# Headless Chromium tests the flip-book page and the live explorer. The explorer's tests
# drive it with Playwright for Python (the `dev` extra installs the pip package and its
# driver); Playwright is pointed at Debian's chromium, so `playwright install` (which
# downloads browsers) is never run.
browser: system

# The browser edition of the explorer (docs/explorer.md): site/, a static folder where
# microgrid runs in Pyodide. Serve it with `python -m http.server -d site 8000`.
# browser/build.py runs `npm ci` (Pyodide and viz-js, as browser/package-lock.json pins
# them) and builds microgrid's pure-Python wheel; tests/test_site_browser.py tests it.
site: SYSTEM_NEEDS := npm
site: system | $(PY)
	@command -v npm >/dev/null 2>&1 || { echo "microgrid: no npm: site/ not built"; exit 0; }; \
	$(PY) browser/build.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist site browser/node_modules
	rm -f *__mypyc*.so microgrid/engine/*.so microgrid/engine/compiled.sha256

# `make lock` runs pip-compile once per Python in LOCK_PYTHONS, each in a scratch venv of
# that Python, against the ordinary package index only (this machine's local wheel
# folders and pip config are set aside: the lock is what a learner's pip can get), and
# writes constraints/pythonX.Y.txt, keeping the pins it already holds where they still fit
# (a new Python's file gets the newest versions for it). pip-compile reads each
# package's requirements through HTTP range requests (fast-deps), not whole wheels.
# `make -j4 lock` runs the Pythons side by side. The interpreters are pythonX.Y on PATH
# (with pyenv: PYENV_VERSION=3.10.13:3.11.7:3.12.1:3.13.0 make lock). Then `make clean test`.
# CUSTOM_COMPILE_COMMAND is the command each file's header tells the next person to run.
LOCK_PYTHONS ?= 3.10 3.11 3.12 3.13
PIP_TOOLS := pip-tools==7.6.2
ORDINARY_INDEX := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null
LOCK_FLAGS := --all-extras --build-deps-for editable --strip-extras --allow-unsafe \
	--no-emit-find-links --no-emit-index-url --annotation-style line -c constraints/torch.in \
	--pip-args "--use-feature=fast-deps"
lock: LOCK_COMMAND := make lock
lock-upgrade: LOCK_COMMAND := make lock-upgrade
lock-upgrade: LOCK_FLAGS += --upgrade
lock lock-upgrade: $(LOCK_PYTHONS:%=lock-python%)
lock-python%:
	@echo "==> constraints/python$*.txt"
	rm -rf $(VENV)-lock$*
	python$* -c 'import sys; v = "%d.%d" % sys.version_info[:2]; assert v == "$*", v'
	python$* -m venv $(VENV)-lock$*
	$(ORDINARY_INDEX) $(VENV)-lock$*/bin/python -m pip --disable-pip-version-check -q install $(PIP_TOOLS)
	CUSTOM_COMPILE_COMMAND="$(LOCK_COMMAND)" $(ORDINARY_INDEX) $(VENV)-lock$*/bin/pip-compile -q \
	  $(LOCK_FLAGS) -o constraints/python$*.txt pyproject.toml
	rm -rf $(VENV)-lock$*
