"""The learner's parameters as Values, and the gradients they wrote, matched up by name.

``parameters`` is the course's dict of arrays (``W1``, ``b1``, ...); each entry
that is checked becomes a leaf Value labelled like the entry (``W1[2,1]``),
the others stay plain numbers. ``gradients`` is the dict their backward pass
returned, ``dW1`` or ``W1``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microgrid.engine import Value
from microgrid.verify.learner_backprop.arrays import ParameterArray, UncheckedValue

Floats = NDArray[np.float64]
Indices = NDArray[np.intp]

_LAYER = re.compile(r"(\d+)$")


@dataclass
class Parameter:
    """One of the learner's parameters: its values, which entries are checked, their leaves."""

    name: str
    values: Floats  # a float copy; shape () for a plain number
    given_as_number: bool  # b = 0.0 rather than an array
    checked: Indices  # flat indices of the entries checked, sorted
    leaves: list[Value] = field(default_factory=list)  # one per checked entry

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    @property
    def size(self) -> int:
        return int(self.values.size)

    @property
    def layer(self) -> int | None:
        """The course's layer number: 2 for W2 and b2; None for w, b, theta."""
        match = _LAYER.search(self.name)
        return int(match.group(1)) if match else None

    def index(self, flat: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(flat, self.shape)) if self.shape else ()

    def entry_label(self, flat: int) -> str:
        index = self.index(flat)
        return f"{self.name}[{','.join(map(str, index))}]" if index else self.name

    def as_values(self) -> ParameterArray:
        """The array the learner's cost receives: a labelled Value for every entry.

        Entries that are not checked are `UncheckedValue` leaves, which a matrix
        product treats as plain numbers (so that W1 @ X stays small).
        """
        numbers = self.values.reshape(-1).tolist()
        checked = set(self.checked.tolist())
        flat = np.empty(len(numbers), dtype=object)
        self.leaves = []
        for k, number in enumerate(numbers):
            if k in checked:
                leaf = Value(number, label=self.entry_label(k))
                self.leaves.append(leaf)
            else:
                leaf = UncheckedValue(number, label=self.entry_label(k))
            flat[k] = leaf
        result: ParameterArray = flat.reshape(self.shape).view(ParameterArray)
        return result


def read_parameters(parameters: object) -> list[Parameter]:
    """Check the learner's dict and copy each parameter as floats."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            "parameters must be a dict of arrays, as the course keeps them "
            f"({{'W1': W1, 'b1': b1, ...}}), got {type(parameters).__name__}"
        )
    if not parameters:
        raise ValueError("parameters is empty: nothing to check")
    read = []
    for name, given in parameters.items():
        if not isinstance(name, str):
            raise TypeError(f"parameters keys must be names such as 'W1', got {name!r}")
        values = _as_floats(given, f"parameters[{name!r}]")
        if values.size == 0:
            raise ValueError(f"parameters[{name!r}] is empty (shape {values.shape})")
        if not np.isfinite(values).all():
            bad = np.argwhere(~np.isfinite(values).reshape(values.shape or (1,)))[0]
            raise ValueError(
                f"parameters[{name!r}] holds a non-finite number at index {tuple(bad.tolist())}"
            )
        number = not isinstance(given, np.ndarray) and np.ndim(given) == 0
        read.append(Parameter(name, values, number, np.arange(values.size)))
    return read


def _as_floats(given: object, what: str) -> Floats:
    if isinstance(given, Value):
        raise TypeError(f"{what} is a Value; pass the plain numbers (microgrid makes the Values)")
    if isinstance(given, (str, bytes)) or given is None:
        raise TypeError(f"{what} must be an array of numbers, got {type(given).__name__}")
    try:
        values = np.array(given, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} must be an array of numbers: {error}") from None
    return values


def choose_entries(
    parameters: list[Parameter], entries: int | None, rng: np.random.Generator
) -> None:
    """Keep at most `entries` random entries of each parameter (all of them for None)."""
    for parameter in parameters:
        if entries is None or entries >= parameter.size:
            parameter.checked = np.arange(parameter.size)
        else:
            chosen = rng.choice(parameter.size, size=entries, replace=False)
            parameter.checked = np.sort(chosen).astype(np.intp)


def check_count(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"{name} must be a whole number >= 1 or None, got {value!r}")
    return int(value)


def check_tolerance(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


@dataclass
class Data:
    """The columns the check runs on: X (n, m) and Y (1, m), maybe a subset of samples."""

    X: Any
    Y: Any
    columns: Indices | None  # which columns of the learner's data, None for all
    m_total: int

    @property
    def m(self) -> int:
        return int(self.X.shape[1])


def read_data(data: object, samples: object, rng: np.random.Generator) -> Data | None:
    """``data=(X, Y)`` and ``samples=k`` (k random columns) or a list of column indices."""
    if data is None:
        if samples is not None:
            raise ValueError(
                "samples= needs data=(X, Y), and cost and gradients as functions of "
                "(parameters, X, Y), so that both run on the same columns"
            )
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data must be (X, Y), got {type(data).__name__}")
    X, Y = (np.asarray(d) for d in data)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n, m) with samples as columns, got shape {X.shape}")
    m = X.shape[1]
    if Y.ndim != 2 or Y.shape[1] != m:
        raise ValueError(f"Y must be (1, m) with m = {m} columns like X, got shape {Y.shape}")
    if samples is None:
        return Data(X, Y, None, m)
    columns = _columns(samples, m, rng)
    return Data(X[:, columns], Y[:, columns], columns, m)


def _columns(samples: object, m: int, rng: np.random.Generator) -> Indices:
    if isinstance(samples, numbers.Integral) and not isinstance(samples, bool):
        k = int(samples)
        if not 1 <= k:
            raise ValueError(f"samples must be >= 1, got {k}")
        if k >= m:
            return np.arange(m)
        return np.sort(rng.choice(m, size=k, replace=False)).astype(np.intp)
    if isinstance(samples, slice):
        columns = np.arange(m)[samples]
    elif isinstance(samples, Sequence | np.ndarray) and not isinstance(samples, str):
        columns = np.asarray(samples)
        if columns.dtype.kind not in "iu":
            raise TypeError(f"samples must be column numbers, got {samples!r}")
        if ((columns < -m) | (columns >= m)).any():
            raise ValueError(f"samples: column numbers must lie in 0..{m - 1}, got {samples!r}")
    else:
        raise TypeError(f"samples must be a count, a slice or column numbers, got {samples!r}")
    if columns.size == 0:
        raise ValueError("samples selects no column")
    return columns.astype(np.intp)


@dataclass
class Theirs:
    """The learner's gradient for one parameter, as given and as floats (when it converts)."""

    key: str | None  # "dW1", "W1", or None when missing
    values: Floats | None
    problem: str = ""  # why it could not be read


def match_gradients(
    parameters: list[Parameter], gradients: object
) -> tuple[dict[str, Theirs], list[str]]:
    """Each parameter's gradient in the learner's dict (``dW1`` or ``W1``); the unused keys."""
    if not isinstance(gradients, Mapping):
        raise TypeError(
            "gradients must be the dict your backward pass returned "
            f"({{'dW1': dW1, 'db1': db1, ...}}), got {type(gradients).__name__}"
        )
    matched: dict[str, Theirs] = {}
    used: set[object] = set()
    for parameter in parameters:
        key = next((k for k in ("d" + parameter.name, parameter.name) if k in gradients), None)
        if key is None:
            matched[parameter.name] = Theirs(None, None, "missing")
            continue
        used.add(key)
        given = gradients[key]
        try:
            values = _as_floats(given, key)
        except TypeError as error:
            matched[parameter.name] = Theirs(key, None, str(error))
            continue
        matched[parameter.name] = Theirs(key, values)
    unused = [str(k) for k in gradients if k not in used]
    return matched, unused
