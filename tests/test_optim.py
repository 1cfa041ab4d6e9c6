"""microgrid.nn.optim: SGD and Adam step for step as torch.optim on the same gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, nn, optim

torch = pytest.importorskip("torch")


def run_both(
    make_ours: object, make_torch: object, start: list[float], grads: list[list[float]]
) -> tuple[list[list[float]], list[list[float]]]:
    """Feed the same gradient sequence to both optimizers; every step's parameters."""
    params = [Value(v, f"p{i}") for i, v in enumerate(start)]
    ours = make_ours(params)  # type: ignore[operator]
    tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    theirs = make_torch([tensor])  # type: ignore[operator]
    ours_path, torch_path = [], []
    for g in grads:
        for p, d in zip(params, g, strict=True):
            p.delta = d
        ours.step()
        tensor.grad = torch.tensor(g, dtype=torch.float64)
        theirs.step()
        ours_path.append([p.value for p in params])
        torch_path.append(tensor.detach().tolist())
    return ours_path, torch_path


def assert_paths_equal(ours: list[list[float]], theirs: list[list[float]]) -> None:
    # 1e-12 relative to the size of the numbers in play: torch does p + (−lr)·g in one
    # fused multiply-add, Python in two roundings, so where p − lr·g cancels (0.375 −
    # 0.99999 · 0.375) the last bits of the small result differ in both directions.
    scale = max(1.0, *(abs(x) for path in (ours, theirs) for row in path for x in row))
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for x, y in zip(a, b, strict=True):
            assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12 * scale), (
                f"step {step}: {x} vs {y}"
            )


gradient_sequences = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(-5, 5), min_size=n, max_size=n),
        st.lists(st.lists(st.floats(-10, 10), min_size=n, max_size=n), min_size=1, max_size=12),
    )
)


@given(
    sequence=gradient_sequences,
    lr=st.floats(1e-4, 2.0),
    momentum=st.sampled_from([0.0, 0.5, 0.9, 0.99]),
)
@settings(max_examples=40)
def test_sgd_matches_torch(
    sequence: tuple[list[float], list[list[float]]], lr: float, momentum: float
) -> None:
    start, grads = sequence
    ours, theirs = run_both(
        lambda ps: optim.SGD(ps, lr=lr, momentum=momentum),
        lambda ts: torch.optim.SGD(ts, lr=lr, momentum=momentum),
        start,
        grads,
    )
    assert_paths_equal(ours, theirs)


@given(
    sequence=gradient_sequences,
    lr=st.floats(1e-4, 0.5),
    betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9), (0.0, 0.99), (0.99, 0.0)]),
    eps=st.sampled_from([1e-8, 1e-3, 1e-300]),
)
@settings(max_examples=40)
def test_adam_matches_torch(
    sequence: tuple[list[float], list[list[float]]],
    lr: float,
    betas: tuple[float, float],
    eps: float,
) -> None:
    start, grads = sequence
    ours, theirs = run_both(
        lambda ps: optim.Adam(ps, lr=lr, betas=betas, eps=eps),
        lambda ts: torch.optim.Adam(ts, lr=lr, betas=betas, eps=eps),
        start,
        grads,
    )
    assert_paths_equal(ours, theirs)


def test_sgd_trains_a_small_network_and_zero_grad_clears_deltas() -> None:
    model = nn.MLP(1, [8, 1], activation="tanh", init="scaled", seed=0)
    opt = optim.Adam(model.parameters(), lr=0.05)
    xs = [i / 10 for i in range(-10, 11)]
    losses = []
    for _ in range(60):
        J = sum(((model([x]) - x * x) ** 2 for x in xs), Value(0.0)) / len(xs)
        opt.zero_grad()
        assert not any(p.delta for p in model.parameters())
        J.backward()
        opt.step()
        losses.append(J.value)
    assert losses[-1] < 0.05 * losses[0]
    assert all(not p.parents for p in model.parameters())  # updates record nothing


def test_a_nan_delta_changes_nothing_and_names_the_parameter() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    opt = optim.Adam([a, b], lr=0.1)
    a.delta, b.delta = 0.5, math.nan
    with pytest.raises(ValueError, match="parameter 'b' has delta nan: no parameter was changed"):
        opt.step()
    assert (a.value, b.value, opt.t, opt.m, opt.v) == (1.0, 2.0, 0, [0.0, 0.0], [0.0, 0.0])
    sgd = optim.SGD([a, b], lr=0.1, momentum=0.9)
    b.delta = math.inf
    with pytest.raises(ValueError, match="'b' has delta inf"):
        sgd.step()
    assert (a.value, b.value, sgd.velocity) == (1.0, 2.0, None)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: optim.SGD([], lr=0.1), ValueError, "no parameters"),
        (lambda p: optim.SGD([p, p], lr=0.1), ValueError, "appears twice"),
        (lambda p: optim.SGD([p, 1.0], lr=0.1), TypeError, "parameter 1 is float"),
        (lambda p: optim.SGD([p], lr=0.0), ValueError, "lr must satisfy 0 < lr"),
        (lambda p: optim.SGD([p], lr=math.nan), ValueError, "lr must satisfy"),
        (lambda p: optim.SGD([p], lr="0.1"), ValueError, "lr must be a number"),
        (lambda p: optim.SGD([p], lr=0.1, momentum=1.0), ValueError, "momentum < 1"),
        (lambda p: optim.Adam([p], betas=(0.9,)), ValueError, "betas must be a pair"),
        (lambda p: optim.Adam([p], betas=(0.9, 1.0)), ValueError, r"betas\[1\]"),
        (lambda p: optim.Adam([p], eps=-1.0), ValueError, "eps must satisfy"),
        (lambda p: optim.Adam([p], eps=0.0), ValueError, "0 < eps"),
    ],
)
def test_bad_settings_get_clear_errors(make: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make(Value(1.0, "w"))  # type: ignore[operator]


def test_generators_of_parameters_are_accepted() -> None:
    model = nn.MLP(2, [2, 1])
    opt = optim.SGD((p for p in model.parameters()), lr=0.1)
    assert len(opt.params) == 9 and "lr=" in repr(opt)
    np.testing.assert_equal(len(optim.Adam(model.parameters()).m), 9)
