"""The engine under faults: IEEE rules in sum and dot, all-or-nothing backward and
nudge under an interrupt at any point, setters that take real numbers only."""

from __future__ import annotations

import linecache
import math
import sys
import types
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid
from microgrid import Value, dot, nn
from microgrid.engine.primitives import exact_sum
from microgrid.nn.optim import SGD

# Interrupts land on Python lines: the compiled engine has none (Makefile runs this
# file again with MICROGRID_ENGINE=python, where every engine line is interrupted).
PLAIN_ENGINE = microgrid.engine.value.__file__.endswith(".py")

# ---------------------------------------------------------------------------
# sum and dot: inf and NaN where `+` gives them, fsum's exactness otherwise.
# ---------------------------------------------------------------------------


def test_sum_overflows_to_inf_like_plus() -> None:
    a, b = Value(1e308, label="a"), Value(1e308, label="b")
    assert microgrid.sum([a, b]).value == (a + b).value == math.inf
    assert microgrid.sum([-a, -b]).value == -math.inf
    assert dot([a, b], [1.0, 1.0]).value == math.inf
    assert dot([a, b], [-1.0, -1.0]).value == -math.inf


def test_sum_of_opposite_infinities_is_nan_like_plus() -> None:
    p, m = Value(math.inf), Value(-math.inf)
    assert math.isnan((p + m).value)
    assert math.isnan(microgrid.sum([p, m]).value)
    assert math.isnan(microgrid.sum([p, 1.0, m, Value(math.nan)]).value)
    assert math.isnan(dot([p, m], [1.0, 1.0]).value)
    assert math.isnan(dot([p, Value(1.0)], [0.0, 1.0]).value)  # inf · 0


def test_sum_backprop_after_overflow_still_gives_each_input_one() -> None:
    a, b = Value(1e308, label="a"), Value(1e308, label="b")
    total = microgrid.sum([a, b])
    total.backward()
    assert (a.delta, b.delta) == (1.0, 1.0)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(finite, min_size=1, max_size=6))
def test_exact_sum_is_the_exact_sum_rounded_once(terms: list[float]) -> None:
    exact = sum(map(Fraction, terms), Fraction(0))
    try:
        expected = float(exact)
    except OverflowError:
        expected = math.inf if exact > 0 else -math.inf
    result = exact_sum(terms)
    assert result == expected or (result == 0 and expected == 0)
    assert microgrid.sum([Value(t) for t in terms]).value == result


def test_exact_sum_keeps_a_finite_sum_whose_partial_sums_overflow() -> None:
    # fsum refuses this ("intermediate overflow"); the exact sum is 1e308.
    assert microgrid.sum([Value(1e308), Value(1e308), Value(-1e308)]).value == 1e308


def test_a_diverging_mlp_reaches_the_optimizers_message() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1e308)
    xs, ys = [[1.0, 2.0], [2.0, -1.0]], [1.0, 0.0]
    with pytest.raises(ValueError, match="learning rate too large"):
        for _ in range(20):
            loss = microgrid.sum([(model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)])
            model.zero_grad()
            loss.backward()
            optimizer.step()


@pytest.mark.parametrize("readable", [True, False])
def test_compiled_sum_and_dot_follow_the_same_rules(readable: bool) -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    J = microgrid.sum([a, b, dot([a, c], [2.0, 1.0])])
    step = microgrid.compile(J, readable=readable)
    a.value, b.value, c.value = 1e308, 1e308, -math.inf
    assert math.isnan(step())  # 1e308 + 1e308 + (2e308 → inf) + -inf
    a.value, c.value = 1e308, -1e308
    assert step() == math.inf  # 2 · 1e308 is inf, as `*` gives it


# ---------------------------------------------------------------------------
# All or nothing: an interrupt at any line of backward() leaves every delta
# as it was. The interrupt is injected by a trace function, which raises
# KeyboardInterrupt at the n-th line run in the engine (one raise, then it
# removes itself: as a single Ctrl-C would).
# ---------------------------------------------------------------------------


class Interrupter:
    """A trace function raising KeyboardInterrupt at the n-th line run in `files`."""

    def __init__(self, n: int, files: tuple[str, ...]) -> None:
        self.n, self.files, self.fired = n, files, False

    def __call__(self, frame: types.FrameType, event: str, arg: object) -> Any:
        if event == "call":
            return self if frame.f_code.co_filename.endswith(self.files) else None
        # A real Ctrl-C is raised only where CPython checks for signals (calls and
        # loop jumps); the line event of a `try:` (a no-op) is none of those.
        if event == "line" and not _is_try_line(frame):
            self.n -= 1
            if self.n == 0:
                self.fired = True
                sys.settrace(None)
                raise KeyboardInterrupt
        return self

    def run(self, call: Callable[[], object]) -> bool:
        """Run `call` under the trace; True if the interrupt fired (and came out of it)."""
        sys.settrace(self)
        try:
            call()
        except KeyboardInterrupt:
            assert self.fired
            return True
        finally:
            sys.settrace(None)
        return False


def _is_try_line(frame: types.FrameType) -> bool:
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip() == "try:"


def small_graph() -> tuple[Value, list[Value]]:
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
    u = (a * b).tanh()
    J = microgrid.sum([u * c, dot([a, b, c], [1.0, 2.0, 3.0]), (a + c).exp()]).named("J")
    return J, microgrid.engine.walks.topological_order(J)


@pytest.mark.parametrize("earlier", ["none", "accumulated"])
def test_backward_interrupted_at_any_line_leaves_every_delta_as_it_was(earlier: str) -> None:
    if not PLAIN_ENGINE:
        pytest.skip("the compiled engine runs no Python lines to interrupt")
    fired = 0
    for n in range(1, 2000):
        J, order = small_graph()
        if earlier == "accumulated":
            J.backward()
            J.backward(0.25)
        before = [node.delta for node in order]
        interrupted = Interrupter(n, ("engine/value.py", "engine/backprop.py")).run(J.backward)
        if not interrupted:
            break
        fired += 1
        assert [node.delta for node in order] == before, f"interrupt at line {n}"
    else:
        pytest.fail("backward() was still interrupted at its 1999th line")
    assert fired > 20  # the loop reached every line of backward, then it ran to the end
    J, order = small_graph()
    J.backward()
    assert [node.delta for node in order] != [0.0] * len(order)


def test_a_delta_set_by_hand_must_be_a_number_and_nothing_changes() -> None:
    J, order = small_graph()
    J.backward()
    before = [node.delta for node in order]
    for bad in ("oops", None):  # None is falsy: it would have skipped accumulation
        with pytest.raises(TypeError, match=r"delta must be a real number.*node 'b'.*nothing"):
            order[1].delta = bad
    assert [node.delta for node in order] == before
    J.backward()  # and backward still accumulates
    assert [node.delta for node in order] == [2 * d for d in before]


@pytest.mark.parametrize("bad", ["oops", None, [1.0], True, 1j])
def test_grad_setter_takes_real_numbers_only(bad: object) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match="grad must be a real number"):
        x.grad = bad  # type: ignore[assignment]
    assert x.delta == 0.0
    x.grad = 3  # a whole number is a real number: stored as a float
    assert x.delta == 3.0 and type(x.delta) is float


# ---------------------------------------------------------------------------
# nudge() and nudge_table() put every value back, whatever line is interrupted.
# ---------------------------------------------------------------------------


def graph_state(order: list[Value]) -> list[tuple[float, tuple[float, ...]]]:
    return [(node.value, node.local_derivatives) for node in order]


@pytest.mark.parametrize("which", ["nudge", "nudge_table"])
def test_nudge_interrupted_at_any_line_puts_every_value_back(which: str) -> None:
    files = ("show/nudge.py", "engine/walks.py", "engine/value.py", "engine/evaluate.py")
    fired = 0
    # Every 7th line of nudge (~1500 lines), every 41st of the table (three nudges).
    for n in range(1, 6000, 7 if which == "nudge" else 41):
        J, order = small_graph()
        before = graph_state(order)
        a = order[0]

        def call(J: Value = J, a: Value = a) -> object:
            return microgrid.nudge(J, a) if which == "nudge" else microgrid.nudge_table(J)

        if not Interrupter(n, files).run(call):
            break
        fired += 1
        assert graph_state(order) == before, f"interrupt at line {n}"
    assert fired > (30 if PLAIN_ENGINE else 10)  # compiled: nudge.py and walks.py only


def test_nudge_interrupted_by_a_primitive_on_its_nth_call_puts_every_value_back() -> None:
    calls = {"left": 0}

    @microgrid.primitive
    def touchy(x: float) -> tuple[float, tuple[float]]:
        calls["left"] -= 1
        if calls["left"] == 0:
            raise KeyboardInterrupt
        return 2.0 * x * x, (4.0 * x,)

    fired = 0
    for n in range(1, 100):
        a, b = Value(0.5, label="a"), Value(-1.5, label="b")
        J = microgrid.sum([touchy(a * b), touchy(a + b), touchy(touchy(b))]).named("J")
        order = microgrid.engine.walks.topological_order(J)
        before = graph_state(order)
        calls["left"] = n
        try:
            microgrid.nudge_table(J)
        except KeyboardInterrupt:
            fired += 1
            assert graph_state(order) == before, f"interrupt at call {n}"
        else:
            break
    assert fired > 10


# ---------------------------------------------------------------------------
# A whole number beyond the float range: which value, and that it is too large.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda x: Value(10**400, label="w"), "Value 'w': 10000000… (401 digits) is beyond"),
        (lambda x: x + 10**400, "x + n: n = 10000000… (401 digits) is beyond"),
        (lambda x: 10**400 * x, "n * x: n = 10000000… (401 digits) is beyond"),
        (lambda x: (x * 2).backward(10**400), "backward(delta=...): 10000000…"),
        (lambda x: microgrid.sum([x, 10**400]), "sum: input 2: 10000000…"),
        (lambda x: setattr(x, "grad", -(10**400)), "grad: -1000000… (401 digits)"),
        (lambda x: Value(2**50_000), "an integer of about 15,051 digits is beyond"),
    ],
)
def test_a_whole_number_beyond_the_float_range_is_named(
    call: Callable[[Value], object], words: str
) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(OverflowError) as caught:
        call(x)
    assert words in str(caught.value) and "float range (about ±1.8e308)" in str(caught.value)
    assert len(str(caught.value)) < 200


# ---------------------------------------------------------------------------
# no_grad(): an operator reads a count of open blocks first (modes.py); the
# ContextVar still decides, per thread, once any block is open.
# ---------------------------------------------------------------------------


def test_no_grad_in_one_thread_does_not_stop_another_from_recording() -> None:
    import threading

    from microgrid.engine.modes import no_grad_blocks

    inside, release = threading.Event(), threading.Event()

    def hold_a_block_open() -> None:
        with microgrid.no_grad():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=hold_a_block_open)
    thread.start()
    try:
        assert inside.wait(10) and no_grad_blocks.count == 1
        x = Value(2.0)
        assert (x * x).parents == (x, x) and (x + 1).parents == (x,) and x.exp().parents
        with microgrid.no_grad():
            assert (x * x).parents == () and x.exp().parents == ()
    finally:
        release.set()
        thread.join()
    assert no_grad_blocks.count == 0


def test_a_block_left_by_an_exception_is_closed() -> None:
    from microgrid.engine.modes import no_grad_blocks

    with pytest.raises(ZeroDivisionError), microgrid.no_grad():
        assert (Value(1.0) * 2).parents == ()
        _ = 1 / 0
    assert no_grad_blocks.count == 0
    assert (Value(1.0) * 2).parents != () and microgrid.is_grad_enabled()


def test_grad_read_back_after_create_graph_can_be_assigned_again() -> None:
    """`grad` is `delta`'s PyTorch name: after create_graph it reads a Value, and
    assigning it back (or a Value made from it) is what `delta = ...` accepts too."""
    x = Value(3.0, label="x")
    (x * x * x).backward(create_graph=True)
    recorded = x.grad
    assert isinstance(recorded, Value) and recorded.value == 27.0
    x.grad = recorded  # read, then written back: no TypeError
    assert x.grad is recorded and x.delta is recorded
    x.grad = recorded * 0.5  # a clipped gradient, still differentiable
    assert x.delta.value == 13.5 and x.delta.parents
    x.grad = 1.0
    assert x.delta == 1.0 and type(x.delta) is float
    x.backward()  # a number again: first-order backward adds to it
    assert x.delta == 2.0


def test_a_task_started_inside_no_grad_records_nothing_after_the_block_closes() -> None:
    """A context copied inside a block (an asyncio task started there) keeps no_grad's
    setting, as a ContextVar should, even once the block that set it has closed."""
    import asyncio
    import contextvars
    import gc

    from microgrid.engine.modes import no_grad_blocks

    w = Value(2.0, label="w")

    async def infer() -> tuple[object, bool]:
        await asyncio.sleep(0)  # runs after the block below has closed
        return (w * 3).parents, microgrid.is_grad_enabled()

    async def main() -> tuple[object, bool]:
        with microgrid.no_grad():
            task = asyncio.create_task(infer())
        assert (w * 3).parents == (w,)  # the caller records again at once
        return await task

    assert asyncio.run(main()) == ((), False)
    with microgrid.no_grad():
        copied = contextvars.copy_context()
    assert copied.run(lambda: ((w * 3).parents, w.exp().parents)) == ((), ())
    del copied
    gc.collect()
    assert no_grad_blocks.count == 0  # once no context holds the setting, none is counted
    assert (w * 3).parents == (w,) and microgrid.is_grad_enabled()


def test_gradcheck_after_create_graph_reads_the_recorded_deltas_numbers() -> None:
    """After backward(create_graph=True) the deltas are Values: gradcheck checks their
    numbers, without warning that gradcheck itself took a Value out of the graph, and
    without a note that J.delta "is 1, not 1"."""
    import warnings

    x, w = Value(3.0, label="x"), Value(0.5, label="w")
    J = (x * x * w).named("J")
    J.backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", microgrid.GraphEscapeWarning)
        report = microgrid.gradcheck(J)
        text = str(report)
    assert report.ok
    assert "not 1" not in text and "J.delta = 1)" in text


def test_backward_from_a_node_of_numbers_only_does_not_blame_no_grad() -> None:
    """`mul(2, 3)` is recorded outside no_grad(), from numbers only: the message says so."""
    for node in (microgrid.engine.mul(2, 3), microgrid.sum([1.0, 2.0])):
        with pytest.raises(RuntimeError) as caught:
            node.backward()
        assert "no_grad" not in str(caught.value)
        assert "only numbers" in str(caught.value)
    with microgrid.no_grad():
        frozen = Value(2.0) * 3
    with pytest.raises(RuntimeError, match=r"under no_grad\(\)"):
        frozen.backward()


def test_a_refused_first_order_backward_names_the_zero_grad_that_clears_it() -> None:
    """An optimizer's zero_grad() clears its parameters only: the message names J's."""
    x = Value(3.0, label="x")
    J = (x * x * x).named("J")
    J.backward(create_graph=True)
    SGD([x], lr=0.1).zero_grad()  # x's delta is 0 again, the node x·x's still a Value
    with pytest.raises(TypeError, match=r"J\.zero_grad\(\)"):
        J.backward()
    J.zero_grad()
    J.backward()
    assert x.delta == 27.0


def test_draw_after_create_graph_shows_the_same_deltas_as_after_backward() -> None:
    """The recorded deltas are Values: draw reads their numbers, so the picture is the
    one backward() gives (its deltas named dJ/dx, not "delta")."""

    def picture(create_graph: bool) -> str:
        x, w = Value(3.0, label="x"), Value(0.5, label="w")
        J = (x * x * w).named("J")
        J.backward(create_graph=create_graph)
        return str(microgrid.draw(J, show_local=True).source)

    first = picture(create_graph=False)
    assert "dJ/dx" in first
    assert picture(create_graph=True) == first
