"""`import microgrid.engine` loads the engine alone; `import microgrid` the rest on first use.

Each check runs in a fresh interpreter, so that nothing this test session already
imported hides what an import pulls in.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import microgrid

MAX_ENGINE_MODULES = 20


def loaded_after(code: str) -> dict[str, object]:
    """Run `code` in a fresh Python; which modules it left loaded, and what it printed."""
    script = (
        f"{code}\n"
        "import json, sys\n"
        "names = sorted(sys.modules)\n"
        "print(json.dumps({'microgrid': [n for n in names if n.split('.')[0] == 'microgrid'],"
        " 'numpy': 'numpy' in sys.modules, 'http.server': 'http.server' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_import_microgrid_engine_loads_neither_numpy_nor_a_server_and_few_modules() -> None:
    found = loaded_after("import microgrid.engine")
    modules = found["microgrid"]
    assert isinstance(modules, list)
    assert found["numpy"] is False and found["http.server"] is False, found
    assert len(modules) <= MAX_ENGINE_MODULES, modules
    assert not any(name.startswith(("microgrid.show", "microgrid.apps")) for name in modules)


def test_import_microgrid_engine_registers_create_graph_but_loads_no_forward_mode() -> None:
    # The engine imports nothing of microgrid.higher; microgrid/__init__.py (run first) does.
    found = loaded_after(
        "from microgrid.engine import Value\n"
        "x = Value(3.0)\n"
        "(x * x * x).backward(create_graph=True)\n"
        "assert isinstance(x.delta, Value) and x.delta.value == 27.0, x.delta\n"
    )
    modules = found["microgrid"]
    assert isinstance(modules, list)
    assert "microgrid.higher.recorded" in modules
    assert "microgrid.higher.forward" not in modules  # jvp loads on first use
    jvp_used = "import microgrid\nassert microgrid.jvp(lambda x: x * x, [3], [1]) == (9, 6)"
    used = loaded_after(jvp_used)
    assert isinstance(used["microgrid"], list) and "microgrid.higher.forward" in used["microgrid"]


def test_import_microgrid_is_the_engine_until_a_name_is_used() -> None:
    found = loaded_after("import microgrid\nfrom microgrid import Value, no_grad, grad")
    assert found["numpy"] is False and found["http.server"] is False, found
    used = loaded_after("import microgrid\nmicrogrid.draw")
    modules = used["microgrid"]
    assert isinstance(modules, list) and "microgrid.show.render" in modules


def test_every_public_name_resolves_and_star_import_gives_all_of_them() -> None:
    found = loaded_after(
        "import microgrid\n"
        "missing = [n for n in microgrid.__all__ if getattr(microgrid, n, None) is None]\n"
        "assert not missing, missing\n"
        "space = {}\n"
        "exec('from microgrid import *', space)\n"
        "assert set(microgrid.__all__) <= set(space), set(microgrid.__all__) - set(space)\n"
        "assert not {'sum', 'compile', 'exp'} & set(space)\n"
    )
    assert found["microgrid"]  # ran to the end
    for name in microgrid.__all__:
        assert getattr(microgrid, name) is not None, name
    listed = dir(microgrid)
    assert set(microgrid.__all__) <= set(listed)
    assert {"compile", "sum", "exp", "__version__"} <= set(listed)


def test_a_lazy_name_is_the_object_its_layer_defines() -> None:
    from microgrid.nn import optim
    from microgrid.show.render import draw
    from microgrid.verify.gradcheck import gradcheck

    assert microgrid.draw is draw and microgrid.gradcheck is gradcheck
    assert microgrid.optim is optim and microgrid.nn.optim is optim


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(microgrid, "no_such_name")  # noqa: B009 - the look-up is the test
