"""The package layout: one import path per module, and layers import one way.

``tests/data/released_layout.pickle`` was written by microgrid 0.1.0 before the
package was split into layers (its nodes name ``microgrid.engine``,
``microgrid.primitives``, ``microgrid.losses``, ``microgrid.nn`` and
``microgrid.optim``). A learner's saved graph must still load.
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest

import microgrid

STORED = Path(__file__).parent / "data" / "released_layout.pickle"


def test_a_pickle_written_by_the_released_layout_loads_and_backpropagates() -> None:
    with STORED.open("rb") as f:
        saved = pickle.load(f)
    root, (a, b, c, x) = saved["root"], saved["inputs"]
    assert root.value == saved["value"]
    assert [a.delta, b.delta, c.delta, x.delta] == saved["deltas"]
    # The loaded graph is live: its ops replay and backpropagate as before.
    root.zero_grad()
    root.backward()
    assert [a.delta, b.delta, c.delta, x.delta] == saved["deltas"]
    assert isinstance(root, microgrid.Value)
    mlp = saved["mlp"]
    assert isinstance(mlp, microgrid.nn.MLP)
    assert isinstance(saved["opt"], microgrid.optim.Adam)
    assert len(mlp.parameters()) == 13


@pytest.mark.parametrize(
    "path",
    [
        "microgrid.engine",
        "microgrid.nn",
        "microgrid.nn.optim",
        "microgrid.course.datasets",
        "microgrid.course.logistic",
        "microgrid.course.networks",
        "microgrid.verify.gradcheck",
        "microgrid.verify.testing",
    ],
)
def test_the_layer_paths_import(path: str) -> None:
    module = importlib.import_module(path)
    assert module.__name__ == path


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("microgrid.primitives", "microgrid.engine.primitives"),
        ("microgrid.losses", "microgrid.nn.losses"),
        ("microgrid.optim", "microgrid.nn.optim"),
    ],
)
def test_the_old_paths_the_stored_pickle_names_are_the_same_modules(old: str, new: str) -> None:
    assert importlib.import_module(old) is importlib.import_module(new)


def test_other_old_paths_are_gone_but_their_names_are_not() -> None:
    for old in ("logistic", "datasets", "networks", "testing", "gradcheck", "explain"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"microgrid.{old}.nothing_here")
    assert microgrid.logistic is importlib.import_module("microgrid.course.logistic")
    assert microgrid.datasets is importlib.import_module("microgrid.course.datasets")


def test_everything_in_all_is_there() -> None:
    for name in microgrid.__all__:
        assert getattr(microgrid, name) is not None, name


LAYERS = {"apps", "course", "verify", "show", "nn", "compiled", "higher", "engine"}
PACKAGE = Path(microgrid.__file__).parent


def test_the_top_of_the_package_is_its_layers() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    modules = {p.name for p in PACKAGE.glob("*.py")}
    assert folders == LAYERS
    assert modules == {"__init__.py", "__main__.py", "_old_paths.py"}


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    lengths = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert len(lengths) > 50
    too_long = {name: n for name, n in lengths.items() if n > 600}
    assert not too_long, too_long


def test_an_old_path_is_the_same_module_not_a_copy() -> None:
    old = importlib.import_module("microgrid.optim")
    new = importlib.import_module("microgrid.nn.optim")
    assert old is new
    assert new.__spec__ is not None and new.__spec__.name == "microgrid.nn.optim"
    from microgrid.optim import Adam

    assert Adam is microgrid.nn.optim.Adam


def test_a_path_that_never_existed_is_still_an_import_error() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("microgrid.optim.no_such_module")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("microgrid.no_such_layer")


def test_importing_an_old_path_keeps_the_functions_of_the_same_name() -> None:
    for name in ("gradcheck", "render", "explain", "testing"):  # old module paths, now gone
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"microgrid.{name}")
    assert callable(microgrid.gradcheck) and microgrid.gradcheck.__name__ == "gradcheck"
    assert callable(microgrid.render) and callable(microgrid.explain)
