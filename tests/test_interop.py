"""NumPy interop: a learner's vectorized code, run on object arrays of Values, records the graph."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from numpy.typing import NDArray

import microgrid
from microgrid import Value


def values(array: NDArray[np.float64], name: str) -> NDArray[np.object_]:
    """An object array of labelled leaves shaped like `array`."""
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        out[index] = Value(float(array[index]), label=f"{name}{list(index)}")
    return out


def deltas(array: NDArray[np.object_]) -> NDArray[np.float64]:
    return np.vectorize(lambda v: v.delta, otypes=[float])(array)


def test_value_times_array_on_either_side_gives_object_arrays_of_values() -> None:
    x = Value(3.0, label="x")
    for product in (x * np.array([1.0, 2.0]), np.array([1.0, 2.0]) * x):
        assert product.dtype == object and product.shape == (2,)
        assert all(type(p) is Value for p in product)
        assert [p.value for p in product] == [3.0, 6.0]
    total = (np.array([1.0, 2.0]) * x + x / np.array([4.0, 8.0]) - np.array([1, 1])).sum()
    total.backward()
    assert x.delta == pytest.approx(1 + 2 + 1 / 4 + 1 / 8, rel=1e-15)


def test_numpy_scalars_on_either_side_still_give_a_value() -> None:
    x = Value(3.0, label="x")
    for node in (np.float64(2) * x, x * np.float64(2), np.int64(2) * x, np.float32(2) * x):
        assert type(node) is Value, type(node)
        assert node.value == 6.0
        assert node.parents == (x,)


def test_logistic_regression_written_for_numpy_records_the_graph() -> None:
    rng = np.random.default_rng(0)
    n, m = 3, 5
    X = rng.normal(size=(n, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    w_numbers, b_number = rng.normal(size=(n, 1)), 0.3
    w, b = values(w_numbers, "w"), Value(b_number, label="b")

    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert type(cost) is Value
    cost.backward()

    # The course's vectorized gradients, in plain floats.
    A_numbers = 1 / (1 + np.exp(-(w_numbers.T @ X + b_number)))
    dZ = A_numbers - Y
    np.testing.assert_allclose(deltas(w), X @ dZ.T / m, rtol=1e-12)
    assert b.delta == pytest.approx(float(np.sum(dZ) / m), rel=1e-12)


def test_two_layer_network_with_every_supported_function_matches_pytorch() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 4))
    W1_numbers, b1_numbers = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    W2_numbers = rng.normal(size=(1, 3))
    W1, b1, W2 = values(W1_numbers, "W1"), values(b1_numbers, "b1"), values(W2_numbers, "W2")

    def forward(lib: Any, W1: Any, b1: Any, W2: Any, X: Any) -> Any:
        Z1 = W1 @ X + b1
        A1 = lib.tanh(Z1)
        R = lib.maximum(Z1, 0 * Z1) if lib is torch else np.maximum(Z1, 0)
        M = lib.minimum(Z1, 0 * Z1) if lib is torch else np.minimum(Z1, 0)
        mask = Z1 > 0
        W = lib.where(mask, Z1, 0.5 * Z1)
        S = lib.sqrt(lib.abs(Z1) + 1)
        H = A1 + R - M + W * S + lib.exp(-lib.abs(Z1)) + lib.log(S)
        Z2 = (W2 @ H).reshape(-1)
        return lib.sum(Z2 * Z2) / 4 + lib.mean(H.T)

    J = forward(np, W1, b1, W2, X)
    assert type(J) is Value
    J.backward()

    tW1, tb1, tW2 = (
        torch.tensor(a, requires_grad=True) for a in (W1_numbers, b1_numbers, W2_numbers)
    )
    tJ = forward(torch, tW1, tb1, tW2, torch.tensor(X))
    tJ.backward()
    assert J.value == pytest.approx(tJ.item(), rel=1e-12)
    for mine, theirs in ((W1, tW1), (b1, tb1), (W2, tW2)):
        assert theirs.grad is not None
        np.testing.assert_allclose(deltas(mine), theirs.grad.numpy(), rtol=1e-11, atol=1e-14)


def test_comparisons_compare_values_but_equality_and_hashing_stay_identity() -> None:
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    assert a <= b and a >= b and not a < b and not a > b
    assert a < 2 and a > 0.5 and 2 > a and a >= np.float64(1.0) and a < Value(1.5)
    assert a != b and a == a  # identity, not value
    assert {a: "a", b: "b"}[b] == "b"
    assert hash(a) != hash(b)
    with pytest.raises(TypeError):
        a < "1"  # noqa: B015
    assert list(np.array([Value(-1.0), Value(2.0)]) > 0) == [False, True]


def test_float_and_item_return_the_value_and_leave_the_graph() -> None:
    x = Value(2.5, label="x")
    with pytest.warns(microgrid.GraphEscapeWarning, match="float"):  # tests/test_escapes.py
        assert float(x) == 2.5 and type(float(x)) is float
    assert x.item() == 2.5 and type(x.item()) is float
    with microgrid.escapes_allowed():  # a plain float: no node is recorded
        assert math.isclose(math.exp(x), math.exp(2.5))


@pytest.mark.parametrize("function", [np.sin, np.cos, np.arctan, np.log1p])
def test_an_unsupported_numpy_function_is_a_clear_error_never_a_silent_float(
    function: np.ufunc,
) -> None:
    for argument in (np.array([Value(0.5)]), Value(0.5)):
        with pytest.raises(TypeError, match=rf"{function.__name__}"):
            function(argument)


def test_np_maximum_with_zero_keeps_the_value_nodes_and_zeroes_the_rest() -> None:
    Z = np.array([Value(-1.0, label="z1"), Value(2.0, label="z2")])
    A = np.maximum(Z, 0)
    assert A[0] == 0 and A[1] is Z[1]
    J = np.sum(A * 3)
    J.backward()
    assert [z.delta for z in Z] == [0.0, 3.0]
