"""binary_cross_entropy refuses a prediction outside [0, 1], whatever the label, as PyTorch
does: `binary_cross_entropy(Value(1.4), 1)` was −0.336, a negative loss from a forgotten
sigmoid. Inside [0, 1] nothing changed (the label still lets a = 1 with y = 1 through).
"""

from __future__ import annotations

import math

import pytest

import microgrid
from microgrid import Value


@pytest.mark.parametrize(("a", "y"), [(1.4, 1), (1.4, 0.5), (-0.2, 0), (-1e-300, 0), (2.0, 1.0)])
def test_a_prediction_outside_0_1_is_refused_naming_the_node(a: float, y: float) -> None:
    prediction = Value(a, label="a_hat")
    with pytest.raises(ValueError, match=r"a_hat = .*prediction a in \[0, 1\].*forgotten sigmoid"):
        microgrid.binary_cross_entropy(prediction, y)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="between 0 and 1"):  # PyTorch refuses it too
        torch.nn.functional.binary_cross_entropy(
            torch.tensor(a, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        )


def test_the_edges_and_the_inside_still_work() -> None:
    assert microgrid.binary_cross_entropy(Value(1.0), 1).value == 0.0
    assert microgrid.binary_cross_entropy(Value(0.0), 0).value == 0.0
    a = Value(0.8, label="a")
    L = microgrid.binary_cross_entropy(a, 1)
    L.backward()
    assert L.value == pytest.approx(-math.log(0.8), rel=1e-15)
    assert a.delta == pytest.approx(-1 / 0.8, rel=1e-15)
    # NaN goes through as through every op (the non-finite checks name it downstream)
    assert math.isnan(microgrid.binary_cross_entropy(Value(math.nan), 1).value)


def test_a_forgotten_sigmoid_is_refused_in_a_compiled_replay_too() -> None:
    z = Value(0.5, label="z")
    J = microgrid.binary_cross_entropy(z, 1)  # z itself, not sigmoid(z): fine at 0.5
    step = microgrid.compile(J, wrt=[z])
    z.value = 1.4
    with pytest.raises(ValueError, match=r"prediction a in \[0, 1\]"):
        step()
