# ruff: noqa: B023 - each lambda is called inside the iteration that made it
"""One source, two runs: the compiled engine and its .py source give the same bits.

Each test builds the same graph with the engine that runs (compiled by mypyc
where a C compiler was found at install) and with its plain-Python twin loaded
from the .py files in this process, and compares every value and every delta
bit for bit. Without a compiled engine both runs are plain Python (the tests
still check the twin loader); `make test` runs them on the compiled one.
"""

from __future__ import annotations

import itertools
import math
import pickle
import struct
import types
from typing import Any

import pytest
from engine_twins import current, higher_of, plain_twin
from expression_graphs import Ops, Recipe, build, recipes
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid.engine
import microgrid.engine.value

PLAIN, _ = plain_twin()
RUNNING = microgrid.engine


def bits(x: float) -> bytes:
    """A float's 8 bytes: equal bits, so -0.0 ≠ 0.0; every NaN is one NaN.

    (IEEE leaves the sign bit of a NaN that arithmetic makes unspecified: compiled C
    and CPython may flip it on -x or 0·NaN. Every other bit must match.)
    """
    return b"NaN" if math.isnan(x) else struct.pack("<d", x)


class TwinOps(Ops):
    """expression_graphs' recipe, built with one engine's Value, sum, dot and losses."""

    def __init__(self, engine: types.ModuleType) -> None:
        self.engine = engine

    def leaf(self, x: float, label: str) -> Any:
        return self.engine.Value(x, label=label)

    def sum(self, items: Any) -> Any:
        return self.engine.sum(items)

    def dot(self, ws: Any, xs: Any) -> Any:
        return self.engine.dot(ws, xs)

    def bce_with_logits(self, z: Any, y: float) -> Any:
        return self.engine.binary_cross_entropy_with_logits(z, y)

    def bce(self, a: Any, y: float) -> Any:
        return self.engine.binary_cross_entropy(a, y)


def fingerprint(
    engine: types.ModuleType, root: Any
) -> list[tuple[str, bytes, bytes, tuple[bytes, ...]]]:
    """Every node's op, value, delta and local derivatives, in topological order.

    (A delta recorded by create_graph is a Value: its number is compared.)
    """

    def number(delta: Any) -> float:
        return delta.value if isinstance(delta, engine.Value) else delta

    return [
        (str(n.op), bits(n.value), bits(number(n.delta)), tuple(map(bits, n.local_derivatives)))
        for n in engine.topological_order(root)
    ]


def both(make: Any) -> tuple[Any, Any]:
    """`make(engine)` for the running engine and its plain twin: (running, plain)."""
    return make(RUNNING), make(PLAIN)


def test_the_twin_is_plain_python_and_the_running_engine_is_what_which_says() -> None:
    assert PLAIN.value.__file__.endswith("value.py")
    assert PLAIN.Value is not RUNNING.Value
    compiled = not microgrid.engine.value.__file__.endswith(".py")
    assert compiled == (RUNNING.ENGINE == "compiled")


def outcome(engine: types.ModuleType, recipe: Recipe) -> Any:
    try:
        root, _ = build(recipe, TwinOps(engine))
        root.backward()
        root.backward(0.5)  # a second call accumulates
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return (type(error).__name__, str(error))
    return fingerprint(engine, root)


@settings(max_examples=150, deadline=None)
@given(recipes(max_leaves=4, max_steps=10))
def test_random_graphs_give_the_same_bits(recipe: Recipe) -> None:
    running, plain = both(lambda engine: outcome(engine, recipe))
    assert running == plain


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=2, max_size=6),
    st.floats(-1e300, 1e300),
)
def test_every_operator_with_every_kind_of_number(xs: list[float], c: float) -> None:
    """Extreme and non-finite inputs, every operator both ways round, and the errors' words."""

    def run(engine: types.ModuleType) -> list[Any]:
        V = engine.Value
        results: list[Any] = []
        values = [V(x, label=f"x{i}") for i, x in enumerate(xs)]
        for x, y in itertools.pairwise(values):
            for make in (
                lambda: x + y, lambda: x - y, lambda: x * y, lambda: x / y, lambda: abs(x) ** y,
                lambda: x + c, lambda: c + x, lambda: x - c, lambda: c - x, lambda: x * c,
                lambda: c * x, lambda: x / c, lambda: c / x, lambda: x ** 2, lambda: 2 ** x,
                lambda: -x, lambda: abs(x), lambda: x.exp(), lambda: x.log(), lambda: x.sigmoid(),
                lambda: x.tanh(), lambda: x.relu(), lambda: x.sqrt(), lambda: x * 3 + True,
            ):  # fmt: skip
                try:
                    node = make()
                    node.backward()
                    results.append(fingerprint(engine, node))
                except (ValueError, ZeroDivisionError) as error:
                    results.append((type(error).__name__, str(error)))
        return results

    running, plain = both(run)
    assert running == plain


def test_sum_and_dot_with_many_inputs_and_constants() -> None:
    def run(engine: types.ModuleType) -> Any:
        V = engine.Value
        ws = [V(math.sin(i) * 3) for i in range(500)]
        xs = [math.cos(i) for i in range(500)]
        z = engine.dot(ws, xs) + engine.sum([*ws[:200], 1.5, *ws[100:300]])
        J = engine.dot([z, ws[0]], [z, 2]).tanh()
        J.backward()
        return fingerprint(engine, J)

    running, plain = both(run)
    assert running == plain


def test_a_users_primitive_and_no_grad() -> None:
    def run(engine: types.ModuleType) -> Any:
        @engine.primitive(formula="softplus({0})")
        def softplus(x: float) -> tuple[float, tuple[float]]:
            return math.log1p(math.exp(x)), (1 / (1 + math.exp(-x)),)

        x = engine.Value(0.3, label="x")
        y = softplus(x * 2) * softplus(1.5)
        with engine.no_grad():
            frozen = y * x + 1
        assert frozen.parents == () and str(frozen.op) == "+"
        y.backward()
        return fingerprint(engine, y), bits(frozen.value)

    running, plain = both(run)
    assert running == plain


def test_a_deep_chain_of_a_hundred_thousand_ops() -> None:
    def run(engine: types.ModuleType) -> Any:
        x = engine.Value(0.5)
        y = x
        for _ in range(50_000):
            y = y * 0.999 + 0.001
        y.backward()
        return bits(y.value), bits(x.delta), len(engine.topological_order(y))

    running, plain = both(run)
    assert running == plain
    assert running[2] == 100_001


def test_pickles_load_in_either_run_and_keep_the_same_bits() -> None:
    def run(engine: types.ModuleType) -> Any:
        x, w = engine.Value(1.5, label="x"), engine.Value(-0.5, label="w")
        J = engine.sum([(x * w).tanh(), 3 - x, engine.dot([w], [2.0])])
        J.backward()
        with current(engine):
            data = pickle.dumps(J)
        return fingerprint(engine, J), data

    (running, running_data), (plain, plain_data) = both(run)
    assert running == plain
    # A pickle written by either run loads into the other (they are the same engine).
    with current(PLAIN):
        into_plain = pickle.loads(running_data)
    into_running = pickle.loads(plain_data)
    assert fingerprint(PLAIN, into_plain) == plain
    assert fingerprint(RUNNING, into_running) == running
    assert type(into_running) is RUNNING.Value and type(into_plain) is PLAIN.Value


def test_errors_leave_every_delta_as_it_was_in_both() -> None:
    def run(engine: types.ModuleType) -> Any:
        x = engine.Value(2.0, label="x")
        J = (x * x).named("J")
        J.backward()
        with engine.no_grad():
            frozen = J * 2
        messages = []
        for attempt in (lambda: J.backward("1"), frozen.backward, lambda: (x - 2).log()):
            with pytest.raises((TypeError, RuntimeError, ValueError)) as caught:
                attempt()
            messages.append(str(caught.value))
        return messages, fingerprint(engine, J)

    running, plain = both(run)
    assert running == plain


def test_second_derivatives_and_recorded_deltas() -> None:
    """backward(create_graph=True), grad and hessian: the same bits from both runs."""

    def run(engine: types.ModuleType) -> Any:
        x, y = engine.Value(0.7, label="x"), engine.Value(-1.2, label="y")
        J = (x * y).tanh() * x.exp() + engine.sum([x * x, y.sigmoid(), 2.0])
        J.backward(create_graph=True)
        dx = x.delta  # a Value: dJ/dx, itself a graph
        assert isinstance(dx, engine.Value)
        higher = higher_of(engine)
        d2 = higher.grad(dx, [x, y])
        H = higher.hessian(lambda a, b: (a * b).tanh() * a.exp(), [0.7, -1.2])
        return fingerprint(engine, dx), tuple(map(bits, d2)), [list(map(bits, r)) for r in H]

    running, plain = both(run)
    assert running == plain


def test_bad_numbers_get_the_same_words_in_both() -> None:
    def run(engine: types.ModuleType) -> Any:
        x = engine.Value(2.0, label="x")
        x.delta = 0.5
        attempts = (
            lambda: x * 10**400,
            lambda: 10**400 / x,
            lambda: x**10**400,
            lambda: engine.Value(10**400, label="w"),
            lambda: setattr(x, "delta", "oops"),
            lambda: setattr(x, "grad", True),
        )
        messages = []
        for attempt in attempts:
            with pytest.raises((TypeError, OverflowError)) as caught:
                attempt()
            messages.append(f"{type(caught.value).__name__}: {caught.value}")
        return messages, bits(x.delta)

    running, plain = both(run)
    assert running == plain
    assert "x * n: n = 10000000… (401 digits) is beyond" in running[0][0]


def test_a_subclass_operator_runs_once_with_an_int_operand() -> None:
    """A learner's `class Counted(Value)` overriding `__mul__` etc. is called once per op,
    with an int operand too (the operators turn an int into a float without calling the
    overridden method again), in both runs."""

    def run(engine: types.ModuleType) -> Any:
        calls: list[str] = []

        class Counted(engine.Value):  # type: ignore[name-defined,misc]
            def __add__(self, other: Any) -> Any:
                calls.append("+")
                return super().__add__(other)

            def __radd__(self, other: Any) -> Any:
                calls.append("r+")
                return super().__radd__(other)

            def __sub__(self, other: Any) -> Any:
                calls.append("-")
                return super().__sub__(other)

            def __rsub__(self, other: Any) -> Any:
                calls.append("r-")
                return super().__rsub__(other)

            def __mul__(self, other: Any) -> Any:
                calls.append("*")
                return super().__mul__(other) * 2.0  # a float: no second call

            def __rmul__(self, other: Any) -> Any:
                calls.append("r*")
                return super().__rmul__(other)

        x = Counted(3.0, label="x")
        values = [(x + 1).value, (1 + x).value, (x - 1).value, (1 - x).value]
        values += [(x * 2).value, (2 * x).value]
        return calls, values

    running, plain = both(run)
    assert running == plain
    assert running == (["+", "r+", "-", "r-", "*", "r*"], [4.0, 4.0, 2.0, -2.0, 12.0, 6.0])


def test_backward_and_round_take_the_same_arguments_in_both() -> None:
    """A wrong create_graph gets one clear message in both runs (compiled, a `bool`
    parameter said "bool object expected; got int"), and round() takes a NumPy int."""
    import numpy as np

    def run(engine: types.ModuleType) -> Any:
        x = engine.Value(2.0, label="x")
        messages = []
        for wrong in (1, "yes", None, np.True_):
            with pytest.raises(TypeError) as caught:
                (x * x).backward(create_graph=wrong)
            messages.append(str(caught.value))
        return messages, x.delta, round(x * 1.25, np.int64(1)), round(x, np.int64(0))

    running, plain = both(run)
    assert running == plain
    messages, delta, rounded, whole = running
    assert messages[0] == "backward(create_graph=...) must be True or False, got 1"
    assert (delta, rounded, whole) == (0.0, 2.5, 2.0)


def test_a_delta_beyond_the_float_range_names_its_node_in_both() -> None:
    """`x.delta = 10**400` is refused like `x.delta = "oops"`: naming the node, nothing changed."""

    def run(engine: types.ModuleType) -> Any:
        x = engine.Value(2.0, label="x")
        x.delta = 0.5
        messages = []
        for name in ("delta", "grad"):
            with pytest.raises(OverflowError) as caught:
                setattr(x, name, 10**400)
            messages.append(str(caught.value))
        return messages, x.delta

    running, plain = both(run)
    assert running == plain
    messages, delta = running
    assert delta == 0.5
    assert all("node 'x'" in m and "nothing was changed" in m for m in messages), messages
    assert messages[0].startswith("delta: 10000000… (401 digits) is beyond the float range")
