"""Check your own backprop: the course's week-3 network, written by hand, checked entry by entry.

Below are forward_propagation, compute_cost and backward_propagation as a
learner writes them for the course's week-3 assignment (one tanh hidden layer,
a sigmoid output). `microgrid.check_backprop` runs the learner's own forward
code on arrays of Values, backprops through the graph it builds, and compares
every entry of the hand-written gradients with the true ones. This script:

1. checks the right backward pass (and prints the course's one-number check);
2. plants the tanh mistake, dZ1 = W2ᵀ dZ2 * A1 instead of * (1 − A1²), and
   shows the report finding it;
3. plants a missing 1/m;
4. checks the week-4 two-layer network (12288 → 7 → 1) on cat-sized pictures
   in seconds, with samples= and entries=.

    python examples/10_check_your_backprop.py [--m 209] [--html report.html]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from microgrid import check_backprop, gradient_difference
from microgrid.course.datasets import flatten_images, synthetic_cats


def section(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


# --- the learner's code (the course's notation; nothing here knows about microgrid) ---


def sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


def forward_propagation(X: Any, parameters: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2: Any, Y: Any) -> float:
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return float(np.squeeze(-np.sum(logprobs) / m))


def backward_propagation(
    parameters: dict[str, Any], cache: dict[str, Any], X: Any, Y: Any, mistake: str = ""
) -> dict[str, Any]:
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    g_prime = A1 if mistake == "tanh" else 1 - np.power(A1, 2)
    dZ1 = np.dot(parameters["W2"].T, dZ2) * g_prime
    dW1 = np.dot(dZ1, X.T) if mistake == "1/m" else np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def relu_two_layer_cost(parameters: dict[str, Any], X: Any, Y: Any) -> Any:
    """Week 4's two-layer model, LINEAR → RELU → LINEAR → SIGMOID, and its cost."""
    A1 = np.maximum(0, np.dot(parameters["W1"], X) + parameters["b1"])
    A2 = sigmoid(np.dot(parameters["W2"], A1) + parameters["b2"])
    m = Y.shape[1]
    return np.squeeze(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def relu_two_layer_gradients(parameters: dict[str, Any], X: Any, Y: Any) -> dict[str, Any]:
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = sigmoid(np.dot(parameters["W2"], A1) + parameters["b2"])
    dZ2 = A2 - Y
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    return {
        "dW1": np.dot(dZ1, X.T) / m,
        "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
        "dW2": np.dot(dZ2, A1.T) / m,
        "db2": np.sum(dZ2, axis=1, keepdims=True) / m,
    }


# --- checking it ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=209, help="cat-sized pictures for part 4")
    parser.add_argument("--html", type=Path, help="also write the tanh report as HTML here")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 5))
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    parameters = {
        "W1": rng.standard_normal((4, 2)) * 0.5,
        "b1": np.zeros((4, 1)),
        "W2": rng.standard_normal((1, 4)) * 0.5,
        "b2": np.zeros((1, 1)),
    }
    _, cache = forward_propagation(X, parameters)

    def cost(p: dict[str, Any]) -> float:
        return compute_cost(forward_propagation(X, p)[0], Y)

    section("1. The right backward pass")
    grads = backward_propagation(parameters, cache, X, Y)
    report = check_backprop(cost, parameters, grads)
    print(report)
    print("gradient_difference alone:", gradient_difference(cost, parameters, grads))

    section("2. tanh′ written as A1: dZ1 = W2ᵀ dZ2 * A1")
    report = check_backprop(cost, parameters, backward_propagation(parameters, cache, X, Y, "tanh"))
    print(report)
    if args.html:
        args.html.write_text(report._repr_html_(), encoding="utf-8")
        print(f"\nwrote {args.html}")

    section("3. dW1 without its 1/m")
    report = check_backprop(cost, parameters, backward_propagation(parameters, cache, X, Y, "1/m"))
    print("\n".join(report["dW1"].hints))

    section(f"4. Week 4's two-layer network, 12288 → 7 → 1, on {args.m} cat-sized pictures")
    pictures, labels = synthetic_cats(args.m, seed=0)
    X_cats, Y_cats = flatten_images(pictures) / 255, labels.astype(float)
    cats_rng = np.random.default_rng(3)
    cat_parameters = {
        "W1": cats_rng.standard_normal((7, 12288)) / np.sqrt(12288),
        "b1": np.zeros((7, 1)),
        "W2": cats_rng.standard_normal((1, 7)) / np.sqrt(7),
        "b2": np.zeros((1, 1)),
    }
    print(f"{sum(p.size for p in cat_parameters.values()):,} parameters × {args.m} samples")
    for options in ({"samples": 4, "entries": 20}, {"samples": 16}, {"entries": 20}):
        start = time.process_time()
        report = check_backprop(
            relu_two_layer_cost,
            cat_parameters,
            relu_two_layer_gradients,
            data=(X_cats, Y_cats),
            numeric=False,  # the course's check: two more runs of the cost per entry
            **options,
        )
        seconds = time.process_time() - start
        setting = ", ".join(f"{k}={v}" for k, v in options.items())
        print(f"{setting:<22} {report.setting().split('; ')[1]}: ok={report.ok} in {seconds:.1f} s")
        if not report.ok:
            print(report)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
