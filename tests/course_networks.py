"""Learner code: the course's networks written in NumPy, as a learner writes them.

These are the functions `check_backprop` is for: the week-2 logistic regression
(``w`` (n, 1), ``b``), the week-3 shallow network (tanh hidden layer, sigmoid
output) and the week-4 L-layer network (relu hidden layers, sigmoid output),
each with its forward pass, its cost and its hand-written backward pass, in
the course's notation (samples are columns of X; dZ2 = A2 − Y, dW2 = dZ2 A1ᵀ / m).

Nothing here knows about microgrid: the tests run these functions on arrays of
Values and compare the hand-written gradients with the graph's. The `mistake`
arguments plant the slips the course forum keeps seeing, one at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Parameters = dict[str, Any]


def sigmoid(Z: Any) -> Any:
    return 1 / (1 + np.exp(-Z))


# ---------------------------------------------------------------------------
# Week 2: logistic regression.
# ---------------------------------------------------------------------------


def propagate(w: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, Any], Any]:
    """The course's propagate: the cost and its gradients dw, db."""
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    cost = np.squeeze(np.array(cost))
    return {"dw": dw, "db": db}, cost


# ---------------------------------------------------------------------------
# Week 3: one hidden layer (tanh), a sigmoid output.
# ---------------------------------------------------------------------------


def initialize_shallow(n_x: int, n_h: int, n_y: int, seed: int = 2) -> Parameters:
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((n_h, n_x)) * 0.5,
        "b1": rng.standard_normal((n_h, 1)) * 0.1,
        "W2": rng.standard_normal((n_y, n_h)) * 0.5,
        "b2": rng.standard_normal((n_y, 1)) * 0.1,
    }


def forward_propagation(X: Any, parameters: Parameters) -> tuple[Any, dict[str, Any]]:
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2: Any, Y: Any) -> float:
    """The course's week-3 cost, `float(np.squeeze(cost))` included."""
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    cost = float(np.squeeze(cost))  # makes sure cost is one number, as the course does
    return cost


def backward_propagation(
    parameters: Parameters, cache: dict[str, Any], X: Any, Y: Any, mistake: str = ""
) -> dict[str, Any]:
    """dZ2 = A2 − Y, dW2 = dZ2 A1ᵀ / m, ..., dZ1 = W2ᵀ dZ2 * (1 − A1²); or with one `mistake`."""
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = Y - A2 if mistake == "sign dZ2" else A2 - Y
    if mistake == "sigmoid twice":  # g′ of the output applied on top of A2 − Y
        dZ2 = dZ2 * A2 * (1 - A2)
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    g_prime = {
        "tanh A1": A1,
        "tanh Z1": Z1,
    }.get(mistake, 1 - np.power(A1, 2))
    dZ1 = np.dot(W2.T, dZ2) * g_prime
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    if mistake == "dW1 transposed":
        dW1 = np.dot(X, dZ1.T) / m
    if mistake == "dW1 no 1/m":
        dW1 = np.dot(dZ1, X.T)
    if mistake == "db1 no keepdims":
        db1 = np.sum(dZ1, axis=1) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def shallow_cost(X: Any, Y: Any) -> Any:
    """The learner's cost as a function of the parameters: what check_backprop runs."""
    return lambda parameters: compute_cost(forward_propagation(X, parameters)[0], Y)


def shallow_gradients(X: Any, Y: Any, parameters: Parameters, mistake: str = "") -> dict[str, Any]:
    _, cache = forward_propagation(X, parameters)
    return backward_propagation(parameters, cache, X, Y, mistake)


# ---------------------------------------------------------------------------
# Week 4: L layers, relu hidden layers, a sigmoid output.
# ---------------------------------------------------------------------------


def initialize_deep(layer_dims: list[int], seed: int = 3) -> Parameters:
    rng = np.random.default_rng(seed)
    parameters: Parameters = {}
    for l in range(1, len(layer_dims)):  # noqa: E741 - the course's layer index
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        parameters["W" + str(l)] = rng.standard_normal((n, n_prev)) / np.sqrt(n_prev)
        parameters["b" + str(l)] = rng.standard_normal((n, 1)) * 0.1
    return parameters


def linear_forward(A: Any, W: Any, b: Any) -> tuple[Any, tuple[Any, Any, Any]]:
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


def relu(Z: Any) -> Any:
    return np.maximum(0, Z)


def linear_activation_forward(
    A_prev: Any, W: Any, b: Any, activation: str
) -> tuple[Any, tuple[Any, Any]]:
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, Z)


def L_model_forward(X: Any, parameters: Parameters) -> tuple[Any, list[Any]]:
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):  # noqa: E741
        A, cache = linear_activation_forward(
            A, parameters["W" + str(l)], parameters["b" + str(l)], "relu"
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid"
    )
    caches.append(cache)
    return AL, caches


def compute_deep_cost(AL: Any, Y: Any) -> Any:
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    return np.squeeze(cost)  # [[17]] becomes 17


def linear_backward(dZ: Any, cache: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def relu_backward(dA: Any, Z: Any) -> Any:
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA: Any, Z: Any) -> Any:
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def L_model_backward(AL: Any, Y: Any, caches: list[Any], mistake: str = "") -> dict[str, Any]:
    grads: dict[str, Any] = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    if mistake == "sign dAL":
        dAL = -dAL
    linear_cache, Z = caches[L - 1]
    dA_prev, dW, db = linear_backward(sigmoid_backward(dAL, Z), linear_cache)
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in reversed(range(L - 1)):  # noqa: E741
        linear_cache, Z = caches[l]
        dZ = relu_backward(grads["dA" + str(l + 1)], Z)
        if mistake == "relu backward skipped" and l == 0:
            dZ = grads["dA" + str(l + 1)]
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


def deep_cost(X: Any, Y: Any) -> Any:
    return lambda parameters: compute_deep_cost(L_model_forward(X, parameters)[0], Y)


def deep_gradients(X: Any, Y: Any, parameters: Parameters, mistake: str = "") -> dict[str, Any]:
    AL, caches = L_model_forward(X, parameters)
    return L_model_backward(AL, Y, caches, mistake)
