"""Install hints name the command that works where microgrid runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from microgrid.show import install_hint
from microgrid.show.plotting import pyplot

CLONE = Path(__file__).resolve().parent.parent


def test_from_this_clones_venv_the_hint_is_its_pip_with_the_one_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "prefix", str(CLONE / ".venv"))
    assert install_hint.clone_folder() == CLONE
    # The one extra, never `make test` (the whole test set-up, torch included).
    assert install_hint.pip_command("plot") == (
        ".venv/bin/pip install -e '.[plot]' in the clone's folder"
    )
    assert install_hint.pip_package("micrograd==0.1.0") == ".venv/bin/pip install micrograd==0.1.0"


def test_from_another_python_the_hint_uses_that_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "prefix", "/somewhere/else")
    assert install_hint.pip_command("data") == (
        f"{sys.executable} -m pip install -e '.[data]' in the clone's folder"
    )


def test_an_installed_package_gets_the_pypi_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install_hint, "clone_folder", lambda: None)
    assert install_hint.pip_command("plot") == "pip install 'microgrid-autograd[plot]'"


def test_the_matplotlib_error_carries_the_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    monkeypatch.setattr(install_hint, "clone_folder", lambda: None)
    with pytest.raises(
        ImportError, match=r"needs matplotlib: pip install 'microgrid-autograd\[plot\]'"
    ):
        pyplot()
