"""Course 2's three-layer networks as its assignments write them: plain NumPy, one function a step.

A transcription of the course's algorithm in the course's style (written for microgrid,
not copied): the initialization assignment's model (zeros, "random" ×10, He), the
regularization assignment's (L2 and dropout with ``np.random.seed(1)`` in every forward
pass) and the optimization assignment's (mini-batches reshuffled with seeds 11, 12, …,
gd, momentum, Adam, learning-rate decay). They use NumPy's global random state, as the
course does. benchmarks/course2.py times microgrid's `NeuralNetwork` beside them;
tests/test_benchmark_course2.py checks that both compute the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Arrays = dict[str, Any]


def sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def relu(x: Any) -> Any:
    return np.maximum(0, x)


# ---------------------------------------------------------------------------
# Initialization
# ---------------------------------------------------------------------------


def initialize_parameters_zeros(layers_dims: list[int]) -> Arrays:
    parameters = {}
    for l in range(1, len(layers_dims)):  # noqa: E741
        parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims: list[int]) -> Arrays:
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):  # noqa: E741
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims: list[int]) -> Arrays:
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):  # noqa: E741
        scale = np.sqrt(2.0 / layers_dims[l - 1])
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * scale
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_scaled(layers_dims: list[int]) -> Arrays:
    """The regularization assignment's: randn / sqrt(n_prev), seed 3."""
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):  # noqa: E741
        W = np.random.randn(layers_dims[l], layers_dims[l - 1]) / np.sqrt(layers_dims[l - 1])
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


# ---------------------------------------------------------------------------
# Forward, cost, backward (three layers: relu, relu, sigmoid)
# ---------------------------------------------------------------------------


def forward_propagation(X: Any, parameters: Arrays) -> tuple[Any, tuple[Any, ...]]:
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


def compute_loss_sum(A3: Any, Y: Any) -> float:
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    return float(np.nansum(logprobs))


def compute_cost(A3: Any, Y: Any) -> float:
    m = Y.shape[1]
    return 1.0 / m * compute_loss_sum(A3, Y)


def compute_cost_with_regularization(A3: Any, Y: Any, parameters: Arrays, lambd: float) -> float:
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    squares = np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3))
    return compute_cost(A3, Y) + (1 / m) * (lambd / 2) * float(squares)


def backward_propagation(X: Any, Y: Any, cache: tuple[Any, ...], lambd: float = 0.0) -> Arrays:
    m = X.shape[1]
    (_Z1, A1, W1, _b1, _Z2, A2, W2, _b2, _Z3, A3, W3, _b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T) + (lambd / m) * W3
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) + (lambd / m) * W2
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T) + (lambd / m) * W1
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def forward_propagation_with_dropout(
    X: Any, parameters: Arrays, keep_prob: float
) -> tuple[Any, tuple[Any, ...]]:
    np.random.seed(1)
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1])
    D1 = (D1 < keep_prob).astype(int)
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = np.random.rand(A2.shape[0], A2.shape[1])
    D2 = (D2 < keep_prob).astype(int)
    A2 = A2 * D2
    A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_with_dropout(
    X: Any, Y: Any, cache: tuple[Any, ...], keep_prob: float
) -> Arrays:
    m = X.shape[1]
    (_Z1, D1, A1, _W1, _b1, _Z2, D2, A2, W2, _b2, _Z3, A3, W3, _b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1
    dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def update_parameters(parameters: Arrays, grads: Arrays, learning_rate: float) -> Arrays:
    L = len(parameters) // 2
    for k in range(L):
        parameters["W" + str(k + 1)] = (
            parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        )
        parameters["b" + str(k + 1)] = (
            parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
        )
    return parameters


def predict_accuracy(X: Any, Y: Any, parameters: Arrays) -> float:
    A3, _ = forward_propagation(X, parameters)
    return float(np.mean((A3 > 0.5)[0, :] == Y[0, :]))


# ---------------------------------------------------------------------------
# The full-batch models: initialization and regularization
# ---------------------------------------------------------------------------


def full_batch_model(
    X: Any,
    Y: Any,
    parameters: Arrays,
    learning_rate: float,
    num_iterations: int,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
) -> tuple[Arrays, list[float]]:
    """Gradient descent as both assignments run it; returns the parameters and every cost."""
    costs = []
    for _ in range(num_iterations):
        if keep_prob == 1:
            A3, cache = forward_propagation(X, parameters)
        else:
            A3, cache = forward_propagation_with_dropout(X, parameters, keep_prob)
        if lambd == 0:
            cost = compute_cost(A3, Y)
        else:
            cost = compute_cost_with_regularization(A3, Y, parameters, lambd)
        if keep_prob == 1:
            grads = backward_propagation(X, Y, cache, lambd)
        else:
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
        parameters = update_parameters(parameters, grads, learning_rate)
        costs.append(cost)
    return parameters, costs


# ---------------------------------------------------------------------------
# The optimization assignment
# ---------------------------------------------------------------------------


def random_mini_batches(X: Any, Y: Any, mini_batch_size: int = 64, seed: int = 0) -> list[Any]:
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size : (k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size : (k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size :]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size :]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


def initialize_velocity(parameters: Arrays) -> Arrays:
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):  # noqa: E741
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


def update_parameters_with_momentum(
    parameters: Arrays, grads: Arrays, v: Arrays, beta: float, learning_rate: float
) -> tuple[Arrays, Arrays]:
    L = len(parameters) // 2
    for l in range(1, L + 1):  # noqa: E741
        for p in ("W", "b"):
            v["d" + p + str(l)] = beta * v["d" + p + str(l)] + (1 - beta) * grads["d" + p + str(l)]
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v["d" + p + str(l)]
    return parameters, v


def update_parameters_with_adam(
    parameters: Arrays,
    grads: Arrays,
    v: Arrays,
    s: Arrays,
    t: int,
    learning_rate: float,
    beta1: float,
    beta2: float,
    epsilon: float,
) -> tuple[Arrays, Arrays, Arrays]:
    L = len(parameters) // 2
    for l in range(1, L + 1):  # noqa: E741
        for p in ("W", "b"):
            key = "d" + p + str(l)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            v_corrected = v[key] / (1 - beta1**t)
            s[key] = beta2 * s[key] + (1 - beta2) * (grads[key] ** 2)
            s_corrected = s[key] / (1 - beta2**t)
            step = learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
            parameters[p + str(l)] = parameters[p + str(l)] - step
    return parameters, v, s


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    return float(1 / (1 + decay_rate * np.floor(epoch_num / time_interval)) * learning_rate0)


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    return 1 / (1 + decay_rate * epoch_num) * learning_rate0


def mini_batch_model(
    X: Any,
    Y: Any,
    layers_dims: list[int],
    optimizer: str,
    learning_rate: float = 0.0007,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    num_epochs: int = 5000,
    decay: Callable[..., float] | None = None,
    decay_rate: float = 1.0,
) -> tuple[Arrays, list[float]]:
    """The optimization assignment's model; returns the parameters and every epoch's cost."""
    costs = []
    t = 0
    seed = 10
    m = X.shape[1]
    learning_rate0 = learning_rate
    parameters = initialize_parameters_he(layers_dims)
    v: Arrays = {}
    s: Arrays = {}
    if optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "adam":
        v, s = initialize_velocity(parameters), initialize_velocity(parameters)
    for i in range(num_epochs):
        seed = seed + 1
        minibatches = random_mini_batches(X, Y, mini_batch_size, seed)
        cost_total = 0.0
        for minibatch_X, minibatch_Y in minibatches:
            A3, caches = forward_propagation(minibatch_X, parameters)
            cost_total += compute_loss_sum(A3, minibatch_Y)
            grads = backward_propagation(minibatch_X, minibatch_Y, caches)
            if optimizer == "gd":
                parameters = update_parameters(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(
                    parameters, grads, v, beta, learning_rate
                )
            elif optimizer == "adam":
                t = t + 1
                parameters, v, s = update_parameters_with_adam(
                    parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon
                )
        costs.append(cost_total / m)
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
    return parameters, costs
