"""The data of the course's second course ("Improving Deep Neural Networks"), bit for bit.

- `circles()`: the initialization assignment's two circles (``np.random.seed(1)``, then
  scikit-learn's ``make_circles(n_samples=300, noise=.05)``; seed 2 and 100 samples for
  the test set);
- `course_moons()`: the optimization assignment's moons (``np.random.seed(3)``,
  ``make_moons(n_samples=300, noise=.2)``);
- `load_football(directory)`: the regularization assignment's ``data.mat`` (where the
  French goalkeeper should kick the ball), read by `microgrid.course.matfile`.

The two generators are written here with NumPy alone, drawing from the legacy
generator exactly as scikit-learn's do from the global one after the course's
``np.random.seed`` (tests/test_course2_data.py proves them identical to
scikit-learn's). Samples are columns: X (2, m), Y (1, m) of 0/1.

>>> train_X, train_Y, test_X, test_Y = circles()
>>> train_X.shape, train_Y.shape, test_X.shape, test_Y.shape
((2, 300), (1, 300), (2, 100), (1, 100))
>>> X, Y = course_moons()
>>> X.shape, int(Y.sum())
((2, 300), 150)
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from microgrid.course.matfile import read_mat

__all__ = ["FootballData", "circles", "course_moons", "load_football"]

Floats = NDArray[np.float64]
Labels = NDArray[np.int64]


class FootballData(NamedTuple):
    """The regularization data as the course's ``load_2D_dataset`` returns it.

    ``train_X`` (2, 211) and ``test_X`` (2, 200): positions on the pitch; ``train_Y``,
    ``test_Y`` (1, m): 1 where a French player headed the ball.
    """

    train_X: Floats
    train_Y: Labels
    test_X: Floats
    test_Y: Labels


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise ValueError(f"{name} must be a whole number >= 2, got {value!r}")
    return int(value)


def _seed(value: object, name: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not (0 <= value < 2**32)
    ):
        raise ValueError(f"{name} must be a whole number from 0 to 2**32 − 1, got {value!r}")
    return int(value)


def _noise(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"noise must be a number >= 0, got {value!r}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {value!r}")
    return float(value)


def _shuffle_and_blur(
    X: Floats, y: Labels, noise: float, random: np.random.RandomState
) -> tuple[Floats, Labels]:
    """Shuffle the samples (rows), then add Gaussian noise: scikit-learn's order of draws."""
    order = np.arange(len(y))
    random.shuffle(order)
    X, y = X[order], y[order]
    X = X + random.normal(scale=noise, size=X.shape)
    return X.T.copy(), y.reshape(1, -1)


def _circles(
    m: int, noise: float, random: np.random.RandomState, factor: float = 0.8
) -> tuple[Floats, Labels]:
    """m points on two circles (radius 1, label 0; radius `factor`, label 1)."""
    m_out = m // 2
    m_in = m - m_out
    # endpoint=False: the first and last points of a circle do not coincide.
    angle_out = np.linspace(0, 2 * np.pi, m_out, endpoint=False)
    angle_in = np.linspace(0, 2 * np.pi, m_in, endpoint=False)
    x1 = np.concatenate([np.cos(angle_out), np.cos(angle_in) * factor])
    x2 = np.concatenate([np.sin(angle_out), np.sin(angle_in) * factor])
    labels = np.concatenate([np.zeros(m_out, dtype=np.int64), np.ones(m_in, dtype=np.int64)])
    return _shuffle_and_blur(np.stack([x1, x2], axis=1), labels, noise, random)


def _moons(m: int, noise: float, random: np.random.RandomState) -> tuple[Floats, Labels]:
    """m points on two interleaving half circles (upper: label 0; lower: label 1)."""
    m_out = m // 2
    m_in = m - m_out
    angle_out = np.linspace(0, np.pi, m_out)
    angle_in = np.linspace(0, np.pi, m_in)
    # The lower moon's y is written 1 − sin θ − 0.5, not 0.5 − sin θ: the last bits differ.
    x1 = np.concatenate([np.cos(angle_out), 1 - np.cos(angle_in)])
    x2 = np.concatenate([np.sin(angle_out), 1 - np.sin(angle_in) - 0.5])
    labels = np.concatenate([np.zeros(m_out, dtype=np.int64), np.ones(m_in, dtype=np.int64)])
    return _shuffle_and_blur(np.stack([x1, x2], axis=1), labels, noise, random)


def circles(
    m_train: int = 300,
    m_test: int = 100,
    noise: float = 0.05,
    seed: int = 1,
    test_seed: int = 2,
) -> tuple[Floats, Labels, Floats, Labels]:
    """The initialization assignment's data: (train_X, train_Y, test_X, test_Y).

    Two circles, radius 1 (label 0) and 0.8 (label 1), blurred by Gaussian noise
    of standard deviation `noise`: the training set after ``np.random.seed(seed)``,
    the test set after ``np.random.seed(test_seed)``, each exactly as
    ``sklearn.datasets.make_circles(n_samples, noise=noise)`` draws them.

    >>> train_X, train_Y, _, _ = circles()
    >>> round(float(train_X[0, 0]), 6), int(train_Y.sum())
    (-0.077414, 150)
    """
    spread = _noise(noise)
    train = _circles(_count(m_train, "m_train"), spread, np.random.RandomState(_seed(seed, "seed")))
    test = _circles(
        _count(m_test, "m_test"), spread, np.random.RandomState(_seed(test_seed, "test_seed"))
    )
    return train[0], train[1], test[0], test[1]


def course_moons(m: int = 300, noise: float = 0.2, seed: int = 3) -> tuple[Floats, Labels]:
    """The optimization assignment's data: X (2, m), Y (1, m).

    ``np.random.seed(seed)`` then ``sklearn.datasets.make_moons(n_samples=m,
    noise=noise)``, drawn the same way here. (`datasets.moons` is micrograd's
    demo data, drawn differently.)

    >>> X, Y = course_moons()
    >>> round(float(X[0, 0]), 6), Y[0, :5].tolist()
    (-0.21687, [0, 1, 1, 1, 0])
    """
    return _moons(_count(m, "m"), _noise(noise), np.random.RandomState(_seed(seed, "seed")))


FOOTBALL_FILE = "data.mat"

_FOOTBALL_ARRAYS = (("X", "y"), ("Xval", "yval"))


def load_football(directory: str | Path) -> FootballData:
    """The regularization assignment's ``data.mat``: (train_X, train_Y, test_X, test_Y).

    `directory` holds the course's ``data.mat`` (a path to the file itself works
    too). Its arrays X (211, 2), y (211, 1), Xval (200, 2), yval (200, 1) are
    checked and transposed as the course's ``load_2D_dataset`` does: samples as
    columns, train X (2, 211), Y (1, 211); test X (2, 200), Y (1, 200). Labels
    come back as int64 0/1 (the file stores them as uint8 in a double array).
    Errors name the file and the array.
    """
    path = Path(directory)
    if path.is_dir():
        path = path / FOOTBALL_FILE
    elif not path.exists():
        raise FileNotFoundError(
            f"no directory {path}: expected a folder holding the course's {FOOTBALL_FILE} "
            "(the regularization assignment's datasets/ folder)"
        )
    if not path.is_file():
        found = sorted(p.name for p in path.parent.glob("*.mat"))
        raise FileNotFoundError(
            f"{path} not found: expected the course's {FOOTBALL_FILE} in {path.parent}"
            + (f" (found: {', '.join(found)})" if found else " (no .mat files there)")
        )
    arrays = read_mat(path)
    result: list[NDArray[np.generic]] = []
    for x_name, y_name in _FOOTBALL_ARRAYS:
        for name in (x_name, y_name):
            if name not in arrays:
                present = ", ".join(sorted(arrays)) or "nothing"
                raise ValueError(f"{path}: no array {name!r} (it holds: {present[:80]})")
        X, y = arrays[x_name], arrays[y_name]
        if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] < 1:
            raise ValueError(
                f"{path}: array {x_name!r} must be (m, 2), one position per row; got {X.shape}"
            )
        m = X.shape[0]
        if y.shape != (m, 1):
            raise ValueError(
                f"{path}: array {y_name!r} must be ({m}, 1), one label per row of "
                f"{x_name!r}; got {y.shape}"
            )
        features = X.astype(np.float64)
        if not np.isfinite(features).all():
            row, column = np.argwhere(~np.isfinite(features))[0]
            raise ValueError(
                f"{path}: array {x_name!r} holds {features[row, column]} at row {row}, "
                f"column {column}: positions must be finite"
            )
        if not np.isin(y, (0, 1)).all():
            others = np.unique(y[~np.isin(y, (0, 1))])[:5].tolist()
            raise ValueError(f"{path}: array {y_name!r} must hold 0/1 labels, found {others}")
        result += [features.T.copy(), y.astype(np.int64).T.copy()]
    train_X, train_Y, test_X, test_Y = result
    return FootballData(train_X, train_Y, test_X, test_Y)  # type: ignore[arg-type]
