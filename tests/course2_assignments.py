"""Learner code: course 2's assignments (week 1 and week 2) in NumPy, as a learner writes them.

"Improving Deep Neural Networks" has the learner write, by hand:

- gradient checking (week 1): J = θx and its derivative, then a 3-layer
  network's `forward_propagation_n` / `backward_propagation_n`, whose 2021
  edition plants two bugs for the check to find (dW2 × 2, db1 × 4);
- regularization (week 1): the 3-layer relu network with an L2 term in the
  cost and in dW, and with inverted dropout (masks D1, D2, divided by keep_prob);
- optimization (week 2): the update steps of gradient descent, momentum and Adam.

Each function is this file's own transcription of the algorithm, in the
course's notation (samples are columns; `lambd` because `lambda` is Python's).
Nothing here knows about microgrid. The `mistake` arguments plant the slips
learners make in these assignments, one at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Parameters = dict[str, Any]


def relu(x: Any) -> Any:
    return np.maximum(0, x)


def sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------
# Gradient checking, 1-D: J(θ) = θ·x.
# ---------------------------------------------------------------------------


def forward_propagation_1d(x: float, theta: float) -> float:
    return theta * x


def backward_propagation_1d(x: float, theta: float) -> float:
    return x


def gradient_check_1d(x: float, theta: float, epsilon: float = 1e-7) -> float:
    """The course's check: a central difference, then the ratio of norms."""
    thetaplus = theta + epsilon
    thetaminus = theta - epsilon
    J_plus = forward_propagation_1d(x, thetaplus)
    J_minus = forward_propagation_1d(x, thetaminus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation_1d(x, theta)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(numerator / denominator)


# ---------------------------------------------------------------------------
# Gradient checking, n-D: LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID.
# ---------------------------------------------------------------------------

KEYS = ["W1", "b1", "W2", "b2", "W3", "b3"]


def gradient_check_n_test_case() -> tuple[Any, Any, Parameters]:
    """The assignment's test case: seed 1, X (4, 3), Y = [1, 1, 0], then W1 … b3 in that order."""
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    W1 = np.random.randn(5, 4)
    b1 = np.random.randn(5, 1)
    W2 = np.random.randn(3, 5)
    b2 = np.random.randn(3, 1)
    W3 = np.random.randn(1, 3)
    b3 = np.random.randn(1, 1)
    return x, y, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def forward_propagation_n(X: Any, Y: Any, parameters: Parameters) -> tuple[Any, tuple[Any, ...]]:
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(log_probs)
    return cost, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_n(X: Any, Y: Any, cache: tuple[Any, ...], bugs: bool = True) -> Any:
    """The 2021 edition's backward pass: with `bugs`, its two planted slips (dW2 × 2, db1 × 4)."""
    m = X.shape[1]
    (_, A1, _, _, _, A2, W2, _, _, A3, W3, _) = cache  # (Z1, A1, W1, b1, Z2, …, W3, b3)
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) * (2 if bugs else 1)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = (4.0 if bugs else 1.0) / m * np.sum(dZ1, axis=1, keepdims=True)
    return {
        "dZ3": dZ3, "dW3": dW3, "db3": db3,
        "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
        "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1,
    }  # fmt: skip


def dictionary_to_vector(parameters: Parameters) -> Any:
    return np.concatenate([np.reshape(parameters[key], (-1, 1)) for key in KEYS], axis=0)


def vector_to_dictionary(theta: Any, shapes: dict[str, tuple[int, ...]]) -> Parameters:
    parameters, start = {}, 0
    for key in KEYS:
        size = int(np.prod(shapes[key]))
        parameters[key] = theta[start : start + size].reshape(shapes[key])
        start += size
    return parameters


def gradients_to_vector(gradients: dict[str, Any]) -> Any:
    return np.concatenate([np.reshape(gradients["d" + key], (-1, 1)) for key in KEYS], axis=0)


def gradient_check_n(
    parameters: Parameters, gradients: dict[str, Any], X: Any, Y: Any, epsilon: float = 1e-7
) -> float:
    """The course's n-D check: one central difference per entry of θ, then the same ratio."""
    shapes = {key: parameters[key].shape for key in KEYS}
    parameters_values = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    num_parameters = parameters_values.shape[0]
    gradapprox = np.zeros((num_parameters, 1))
    for i in range(num_parameters):
        thetaplus = np.copy(parameters_values)
        thetaplus[i] = thetaplus[i] + epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaplus, shapes))
        thetaminus = np.copy(parameters_values)
        thetaminus[i] = thetaminus[i] - epsilon
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaminus, shapes))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(numerator / denominator)


# ---------------------------------------------------------------------------
# Regularization: the same 3-layer network, with L2 or with inverted dropout.
# ---------------------------------------------------------------------------


def forward_propagation(X: Any, parameters: Parameters) -> tuple[Any, tuple[Any, ...]]:
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def compute_cost(A3: Any, Y: Any) -> Any:
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    return 1.0 / m * np.nansum(logprobs)


def compute_cost_with_regularization(
    A3: Any, Y: Any, parameters: Parameters, lambd: float, mistake: str = ""
) -> Any:
    """Cross-entropy + λ/(2m)·Σ‖W‖²; mistake "cost λ/m" writes λ/m, "cost no L2" leaves it out."""
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    cross_entropy_cost = compute_cost(A3, Y)
    squares = np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3))
    if mistake == "cost λ/m":
        L2_regularization_cost = (1 / m) * lambd * squares
    else:
        L2_regularization_cost = (1 / m) * (lambd / 2) * squares
    if mistake == "cost no L2":
        return cross_entropy_cost
    return cross_entropy_cost + L2_regularization_cost


def backward_propagation_with_regularization(
    X: Any, Y: Any, cache: tuple[Any, ...], lambd: float, mistake: str = ""
) -> dict[str, Any]:
    """dW = dZ·A_prevᵀ/m + (λ/m)·W; mistakes: "dW2 no L2", "no L2", "db2 L2", "db3 λ/m·W3"."""
    m = X.shape[1]
    (_, A1, W1, _, _, A2, W2, b2, _, A3, W3, _) = cache
    decay = {l: lambd / m for l in (1, 2, 3)}  # noqa: E741
    if mistake == "no L2":
        decay = {1: 0.0, 2: 0.0, 3: 0.0}
    if mistake == "dW2 no L2":
        decay[2] = 0.0
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T) + decay[3] * W3
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    if mistake == "db3 λ/m·W3":
        db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True) + (lambd / m) * W3
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) + decay[2] * W2
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    if mistake == "db2 L2":
        db2 = db2 + (lambd / m) * b2
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T) + decay[1] * W1
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def forward_propagation_with_dropout(
    X: Any, parameters: Parameters, keep_prob: float = 0.5, mistake: str = ""
) -> tuple[Any, tuple[Any, ...]]:
    """Inverted dropout on A1 and A2 (seed 1 at every pass); "forward no /kp" skips the division."""
    np.random.seed(1)
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1])
    D1 = (D1 < keep_prob).astype(int)
    A1 = A1 * D1
    if mistake != "forward no /kp":
        A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = np.random.rand(A2.shape[0], A2.shape[1])
    D2 = (D2 < keep_prob).astype(int)
    A2 = A2 * D2
    if mistake != "forward no /kp":
        A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_with_dropout(
    X: Any, Y: Any, cache: tuple[Any, ...], keep_prob: float, mistake: str = ""
) -> dict[str, Any]:
    """dA = dA·D / keep_prob at each hidden layer; mistakes: "no mask", "no /kp", "dA2 no /kp".

    relu′ is taken from A (np.int64(A2 > 0)), as the assignment does, or with
    "no mask" from Z (week 4's relu_backward), where a forgotten mask shows.
    """
    m = X.shape[1]
    (Z1, D1, A1, _, _, Z2, D2, A2, W2, _, _, A3, W3, _) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    if "no mask" not in mistake:
        dA2 = dA2 * D2
    if mistake not in ("no /kp", "dA2 no /kp"):
        dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64((Z2 if mistake == "no mask" else A2) > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    if "no mask" not in mistake:
        dA1 = dA1 * D1
    if mistake != "no /kp":
        dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64((Z1 if mistake == "no mask" else A1) > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


# ---------------------------------------------------------------------------
# Optimization: the update steps.
# ---------------------------------------------------------------------------


def update_parameters_with_gd(
    parameters: Parameters, grads: dict[str, Any], learning_rate: float
) -> Parameters:
    L = len(parameters) // 2
    for l in range(1, L + 1):  # noqa: E741
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


def initialize_velocity(parameters: Parameters) -> dict[str, Any]:
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):  # noqa: E741
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


def update_parameters_with_momentum(
    parameters: Parameters,
    grads: dict[str, Any],
    v: dict[str, Any],
    beta: float,
    learning_rate: float,
    mistake: str = "",
) -> tuple[Parameters, dict[str, Any]]:
    """v = β·v + (1 − β)·dW, W = W − α·v; mistake "β on dW" writes v = β·dW + (1 − β)·v."""
    L = len(parameters) // 2
    for l in range(1, L + 1):  # noqa: E741
        for p in ("W", "b"):
            key, d = p + str(l), "d" + p + str(l)
            if mistake == "β on dW":
                v[d] = beta * grads[d] + (1 - beta) * v[d]
            else:
                v[d] = beta * v[d] + (1 - beta) * grads[d]
            parameters[key] = parameters[key] - learning_rate * v[d]
    return parameters, v


def initialize_adam(parameters: Parameters) -> tuple[dict[str, Any], dict[str, Any]]:
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters: Parameters,
    grads: dict[str, Any],
    v: dict[str, Any],
    s: dict[str, Any],
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    mistake: str = "",
) -> tuple[Any, ...]:
    """The 2021 edition's Adam step; mistake "no bias correction" or "v not corrected"."""
    L = len(parameters) // 2
    v_corrected, s_corrected = {}, {}
    for l in range(1, L + 1):  # noqa: E741
        for p in ("W", "b"):
            key, d = p + str(l), "d" + p + str(l)
            v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
            v_corrected[d] = v[d] / (1 - np.power(beta1, t))
            s[d] = beta2 * s[d] + (1 - beta2) * np.power(grads[d], 2)
            s_corrected[d] = s[d] / (1 - np.power(beta2, t))
            if mistake in ("no bias correction", "v not corrected"):
                v_corrected[d] = v[d]
            if mistake == "no bias correction":
                s_corrected[d] = s[d]
            parameters[key] = parameters[key] - learning_rate * v_corrected[d] / (
                np.sqrt(s_corrected[d]) + epsilon
            )
    return parameters, v, s, v_corrected, s_corrected
