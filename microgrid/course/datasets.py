"""Data for the seed's cat classifier: pictures as columns, synthetic cats, the course's files.

A 64×64 colour picture is 64·64·3 = 12288 numbers. The seed lists them as all
the red values, then all the green, then all the blue, and puts each picture
in a column of X (shape (12288, m)):

>>> images, Y = synthetic_cats(4, seed=0)
>>> images.shape, images.dtype, Y.shape
((4, 64, 64, 3), dtype('uint8'), (1, 4))
>>> X = flatten_images(images)
>>> X.shape, bool(X[0, 0] == images[0, 0, 0, 0] / 255)  # X[0]: the top-left red value
((12288, 4), True)
>>> bool((unflatten_images(X) == images).all())
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Course 2's data (circles, moons, the football file) lives in course2_data.py.
from microgrid.course.course2_data import FootballData as FootballData
from microgrid.course.course2_data import circles as circles
from microgrid.course.course2_data import course_moons as course_moons
from microgrid.course.course2_data import load_football as load_football

# The course's .h5 files are read in coursefiles.py; their names are this module's too.
from microgrid.course.coursefiles import MAX_H5_BYTES as MAX_H5_BYTES
from microgrid.course.coursefiles import CatData as CatData
from microgrid.course.coursefiles import Images, Labels
from microgrid.course.coursefiles import load_catvnoncat as load_catvnoncat

Floats = NDArray[np.float64]

CLASSES = np.array([b"non-cat", b"cat"])


# ---------------------------------------------------------------------------
# Pictures ↔ columns.
# ---------------------------------------------------------------------------


def flatten_images(images: ArrayLike) -> Floats:
    """(m, height, width, 3) uint8 pictures → (height·width·3, m) floats in [0, 1].

    Each column is one picture: its red plane row by row, then green, then blue.
    Floats already in [0, 1] are accepted as they are.

    >>> picture = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    >>> picture[0, :, :, 0] = 255   # all red
    >>> flatten_images(picture)[:, 0].tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[3] != 3:
        hint = " (one picture? use images[None])" if array.ndim == 3 else ""
        raise ValueError(
            "images must have shape (m, height, width, 3): m colour pictures, "
            f"channels last; got shape {array.shape}{hint}"
        )
    if array.shape[0] == 0:
        raise ValueError("images is empty: need at least one picture")
    if array.dtype == np.uint8:
        scaled = array.astype(np.float64) / 255.0
    elif np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise ValueError(
                "float images must hold finite values in [0, 1] "
                "(uint8 pictures 0..255 are divided by 255 for you)"
            )
        scaled = array.astype(np.float64)
    else:
        raise ValueError(
            f"images must be uint8 (0..255) or floats in [0, 1], got dtype {array.dtype}"
        )
    m = scaled.shape[0]
    # (m, h, w, 3) → (m, 3, h, w): colour planes first, so each row of the
    # reshape lists all red, then all green, then all blue values.
    result: Floats = scaled.transpose(0, 3, 1, 2).reshape(m, -1).T
    return result


def unflatten_images(X: ArrayLike, height: int = 64, width: int = 64) -> Images:
    """(height·width·3, m) columns in [0, 1] → (m, height, width, 3) uint8 pictures.

    >>> unflatten_images(np.ones((12, 1)), height=2, width=2).shape
    (1, 2, 2, 3)
    """
    array = np.asarray(X, dtype=np.float64)
    size = _check_count(height, "height") * _check_count(width, "width") * 3
    if array.ndim != 2 or array.shape[0] != size:
        raise ValueError(
            f"X must have shape ({size}, m) for {height}×{width} colour pictures "
            f"(one picture per column), got {array.shape}"
        )
    if array.shape[1] == 0:
        raise ValueError("X has no columns: need at least one picture")
    # np.min, not array.min(): NumPy 2.5's stubs refuse the method without an argument here
    if not np.isfinite(array).all() or np.min(array) < -1e-9 or np.max(array) > 1 + 1e-9:
        raise ValueError("X must hold finite values in [0, 1] (as flatten_images makes them)")
    m = array.shape[1]
    planes = array.T.reshape(m, 3, height, width).transpose(0, 2, 3, 1)
    result: Images = np.clip(np.rint(planes * 255.0), 0, 255).astype(np.uint8)
    return result


def pixel_votes(w: ArrayLike, height: int = 64, width: int = 64) -> Floats:
    """Each pixel's total weight (red + green + blue): > 0 votes "cat", < 0 "not cat".

    >>> pixel_votes(np.arange(12.0).reshape(12, 1), height=2, width=2).tolist()
    [[12.0, 15.0], [18.0, 21.0]]
    """
    array = np.asarray(w, dtype=np.float64)
    size = _check_count(height, "height") * _check_count(width, "width") * 3
    if array.size != size or array.ndim not in (1, 2):
        raise ValueError(
            f"w must have {size} = {height}·{width}·3 weights, shape ({size}, 1); "
            f"got shape {array.shape}"
        )
    result: Floats = array.reshape(3, height, width).sum(axis=0)
    return result


# ---------------------------------------------------------------------------
# Synthetic pictures: the offline default.
# ---------------------------------------------------------------------------

_SIZE = 64
_ROWS, _COLUMNS = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float64)

# Fur colours: ginger, orange, brown, cream, tabby grey, black.
_FUR = np.array(
    [[214, 120, 48], [236, 150, 70], [140, 90, 50], [228, 205, 160], [128, 120, 110], [45, 40, 38]],
    dtype=np.float64,
)


def _disc(cx: float, cy: float, r: float) -> NDArray[np.bool_]:
    return np.asarray((_COLUMNS - cx) ** 2 + (_ROWS - cy) ** 2 <= r * r)


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> NDArray[np.bool_]:
    return np.asarray(((_COLUMNS - cx) / rx) ** 2 + ((_ROWS - cy) / ry) ** 2 <= 1.0)


def _triangle(points: list[tuple[float, float]]) -> NDArray[np.bool_]:
    """Pixels inside the triangle with corners (x, y): on one side of all three edges."""
    signs = []
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        signs.append((x2 - x1) * (_ROWS - y1) - (y2 - y1) * (_COLUMNS - x1))
    s = np.stack(signs)
    return np.asarray((s >= 0).all(axis=0) | (s <= 0).all(axis=0))


def _background(rng: np.random.Generator) -> Floats:
    """A smooth two-colour gradient (a wall, the sky, grass…)."""
    top, bottom = rng.uniform(20, 235, size=(2, 3))
    t = (_ROWS / (_SIZE - 1))[:, :, None]
    picture: Floats = (1 - t) * top + t * bottom
    return picture


def _draw_cat(picture: Floats, rng: np.random.Generator) -> None:
    cx, cy = 32 + rng.uniform(-7, 7), 36 + rng.uniform(-5, 6)
    r = rng.uniform(12, 17)
    fur = np.clip(_FUR[rng.integers(len(_FUR))] + rng.normal(0, 12, 3), 0, 255)
    # Pointed ears first, then the head over their bases.
    for side in (-1, 1):
        base_x = cx + side * r * 0.65
        tip = (cx + side * r * rng.uniform(0.7, 1.0), cy - r * rng.uniform(1.35, 1.7))
        ear = [(base_x - 0.45 * r, cy - 0.5 * r), (base_x + 0.45 * r, cy - 0.5 * r), tip]
        picture[_triangle(ear)] = fur
        inner = [(x * 0.6 + tip[0] * 0.4, y * 0.6 + tip[1] * 0.4) for x, y in ear[:2]] + [tip]
        picture[_triangle(inner)] = (230, 150, 160)
    picture[_disc(cx, cy, r)] = fur
    eye = np.array([rng.uniform(120, 200), rng.uniform(170, 230), 60.0])
    for side in (-1, 1):
        ex, ey = cx + side * 0.4 * r, cy - 0.15 * r
        picture[_ellipse(ex, ey, 0.2 * r, 0.14 * r)] = eye
        picture[_ellipse(ex, ey, 0.06 * r, 0.13 * r)] = (15, 15, 15)
    nose = [(cx - 0.12 * r, cy + 0.2 * r), (cx + 0.12 * r, cy + 0.2 * r), (cx, cy + 0.33 * r)]
    picture[_triangle(nose)] = (235, 130, 140)


def _draw_not_cat(picture: Floats, rng: np.random.Generator) -> None:
    kind = rng.integers(5)
    colour = rng.uniform(20, 235, 3)
    if kind == 0:  # a ball
        cx, cy, r = 32 + rng.uniform(-12, 12), 32 + rng.uniform(-10, 10), rng.uniform(8, 20)
        picture[_disc(cx, cy, r)] = colour
        picture[_disc(cx - r / 3, cy - r / 3, r / 4)] = np.minimum(colour + 60, 255)
    elif kind == 1:  # a house: a box under a roof
        left, right = rng.uniform(8, 22), rng.uniform(42, 56)
        top, bottom = rng.uniform(28, 38), rng.uniform(52, 62)
        picture[(_COLUMNS >= left) & (_COLUMNS <= right) & (_ROWS >= top) & (_ROWS <= bottom)] = (
            colour
        )
        roof = [(left - 4, top), (right + 4, top), ((left + right) / 2, top - rng.uniform(10, 22))]
        picture[_triangle(roof)] = rng.uniform(60, 200, 3)
    elif kind == 2:  # stripes
        period = rng.uniform(6, 16)
        angle = rng.uniform(0, np.pi)
        phase = np.cos(angle) * _COLUMNS + np.sin(angle) * _ROWS
        picture[(phase % period) < period / 2] = colour
    elif kind == 3:  # a landscape: ground below a wavy horizon
        horizon = 38 + rng.uniform(-8, 8) + 4 * np.sin(_COLUMNS / rng.uniform(5, 12))
        picture[_ROWS > horizon] = (rng.uniform(30, 120), rng.uniform(100, 200), 50)
        picture[_disc(rng.uniform(8, 56), rng.uniform(6, 18), rng.uniform(4, 7))] = (250, 230, 90)
    else:  # a flower
        cx, cy = 32 + rng.uniform(-8, 8), 28 + rng.uniform(-6, 6)
        picture[(np.abs(_COLUMNS - cx) < 1.5) & (_ROWS > cy)] = (40, 140, 40)
        for k in range(6):
            t = k * np.pi / 3 + rng.uniform(0, 0.5)
            picture[_disc(cx + 7 * np.cos(t), cy + 7 * np.sin(t), 5)] = colour
        picture[_disc(cx, cy, 4)] = (240, 200, 40)


def _draw_pictures(m: int, rng: np.random.Generator) -> tuple[Images, Labels]:
    images = np.empty((m, _SIZE, _SIZE, 3), dtype=np.uint8)
    labels = (rng.random(m) < 0.4).astype(np.int64)  # about 40 % cats, like the course's files
    for i in range(m):
        picture = _background(rng)
        if labels[i]:
            _draw_cat(picture, rng)
        else:
            _draw_not_cat(picture, rng)
        picture += rng.normal(0, 8, picture.shape)  # camera noise
        images[i] = np.clip(np.rint(picture), 0, 255).astype(np.uint8)
    return images, labels.reshape(1, m)


def _check_count(m: object, name: str = "m") -> int:
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {m!r}")
    return int(m)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


def synthetic_cats(m: int, seed: int = 0) -> tuple[Images, Labels]:
    """m deterministic 64×64×3 pictures and their (1, m) labels (1 = cat).

    Cats are a fur-coloured head with two pointed ears, eyes and a nose, in
    varying places, sizes and colours; non-cats are balls, houses, stripes,
    landscapes and flowers; all on random gradients with camera noise. The
    same (m, seed) always gives the same pictures.

    >>> images, Y = synthetic_cats(3, seed=1)
    >>> images.shape, Y.tolist() == synthetic_cats(3, seed=1)[1].tolist()
    ((3, 64, 64, 3), True)
    """
    return _draw_pictures(_check_count(m), np.random.default_rng(_check_seed(seed)))


def synthetic_catvnoncat(m_train: int = 209, m_test: int = 50, seed: int = 0) -> CatData:
    """A synthetic stand-in for the course's files: same sizes, same layout.

    >>> data = synthetic_catvnoncat(m_train=5, m_test=2)
    >>> data.train_x.shape, data.test_y.shape, data.classes.tolist()
    ((5, 64, 64, 3), (1, 2), [b'non-cat', b'cat'])
    """
    seed = _check_seed(seed)
    train_x, train_y = _draw_pictures(
        _check_count(m_train, "m_train"), np.random.default_rng([seed, 0])
    )
    test_x, test_y = _draw_pictures(
        _check_count(m_test, "m_test"), np.random.default_rng([seed, 1])
    )
    return CatData(train_x, train_y, test_x, test_y, CLASSES.copy())


def toy_2d(m: int, seed: int = 0) -> tuple[Floats, Floats]:
    """Two features x1, x2 per sample, like the seed's small example: X (2, m), Y (1, m).

    Label-1 samples scatter around (1.5, 1.5), label-0 around (−1.5, −1.5).

    >>> X, Y = toy_2d(5, seed=0)
    >>> X.shape, Y.shape, set(Y.ravel().tolist()) <= {0.0, 1.0}
    ((2, 5), (1, 5), True)
    """
    rng = np.random.default_rng(_check_seed(seed))
    count = _check_count(m)
    labels = (rng.random(count) < 0.5).astype(np.float64)
    centres = np.where(labels == 1, 1.5, -1.5)
    X = centres + rng.normal(0.0, 1.0, size=(2, count))
    return X, labels.reshape(1, count)


# ---------------------------------------------------------------------------
# Points in the plane for networks: the course's flower, two moons, spirals.
# Each returns X (2, m) with one sample per column and Y (1, m) of class labels.
# ---------------------------------------------------------------------------


def flatten_pixels(images: ArrayLike) -> Floats:
    """(m, height, width, 3) uint8 pictures → (height·width·3, m) columns, pixel by pixel.

    The course's own ``images.reshape(m, -1).T / 255``: each pixel's red, green
    and blue values side by side (`flatten_images` lists whole colour planes
    instead). A network's random first-layer weights meet the features in this
    order, so the course's week-4 costs reproduce only with it.

    >>> picture = np.zeros((1, 1, 2, 3), dtype=np.uint8)
    >>> picture[0, 0, 0] = (255, 0, 51)   # the first pixel: red, no green, a little blue
    >>> flatten_pixels(picture)[:, 0].tolist()
    [1.0, 0.0, 0.2, 0.0, 0.0, 0.0]
    """
    columns = flatten_images(images)  # the checks, and the planes-first columns
    m, height, width = np.shape(images)[:3]
    result: Floats = columns.T.reshape(m, 3, height, width).transpose(0, 2, 3, 1).reshape(m, -1).T
    return result


def _check_even_count(m: object, name: str = "m") -> int:
    count = _check_count(m, name)
    if count < 2 or count % 2:
        raise ValueError(f"{name} must be an even whole number >= 2 (half per class), got {m!r}")
    return count


def _check_noise(noise: object) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating, np.integer)):
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def planar(m: int = 400, seed: int = 1) -> tuple[Floats, Labels]:
    """The course's "flower" (week 3's `load_planar_dataset`): X (2, m), Y (1, m) of 0/1.

    Two classes of m/2 points each, drawn exactly as the course draws them after
    ``np.random.seed(1)``: for class j, t = linspace(3.12·j, 3.12·(j + 1), m/2) +
    0.2·randn (the angle), then r = 4·sin(4t) + 0.2·randn (the radius; 4 is the
    flower's longest petal), and the point (r·sin t, r·cos t). Not separable by
    a straight line: logistic regression gets about 47 %, one hidden layer 90 %.

    >>> X, Y = planar()
    >>> X.shape, Y.shape, int(Y.sum()), round(float(X[0, 0]), 6)
    ((2, 400), (1, 400), 200, 1.204442)
    """
    count = _check_even_count(m)
    random = np.random.RandomState(_check_seed(seed))  # the course's legacy generator
    half = count // 2
    X = np.zeros((2, count))
    Y = np.zeros((1, count), dtype=np.int64)
    for j in range(2):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, half) + random.randn(half) * 0.2
        r = 4 * np.sin(4 * t) + random.randn(half) * 0.2
        X[:, half * j : half * (j + 1)] = r * np.sin(t), r * np.cos(t)
        Y[0, half * j : half * (j + 1)] = j
    return X, Y


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[Floats, Labels]:
    """Two interleaving half circles (like scikit-learn's `make_moons`): X (2, n), Y (1, n).

    Class 0 is the upper arc (cos θ, sin θ), class 1 the lower one
    (1 − cos θ, 0.5 − sin θ), θ evenly spaced in [0, π], then Gaussian noise of
    standard deviation `noise`; the samples are shuffled. micrograd's demo uses
    100 points, noise 0.1, and labels y = 2·Y − 1 (±1).

    >>> X, Y = moons(6, noise=0.0, seed=0)
    >>> X.shape, sorted(Y[0].tolist())
    ((2, 6), [0, 0, 0, 1, 1, 1])
    """
    count = _check_count(n, "n")
    if count < 2:
        raise ValueError(f"n must be a whole number >= 2 (points on both moons), got {n!r}")
    spread = _check_noise(noise)
    rng = np.random.default_rng(_check_seed(seed))
    n_upper = count // 2
    n_lower = count - n_upper
    upper = np.linspace(0.0, np.pi, n_upper)
    lower = np.linspace(0.0, np.pi, n_lower)
    X = np.concatenate(
        [
            np.stack([np.cos(upper), np.sin(upper)]),
            np.stack([1.0 - np.cos(lower), 0.5 - np.sin(lower)]),
        ],
        axis=1,
    )
    Y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    X = X + rng.normal(0.0, spread, size=X.shape)
    order = rng.permutation(count)
    return X[:, order], Y[order].reshape(1, count)


def spirals(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[Floats, Labels]:
    """`classes` arms of a spiral, one class each (for softmax): X (2, m), Y (1, m) of 0 … K−1.

    Arm k has n_per_class points at radius r = 0 … 1 and angle
    t = 4k … 4(k + 1) (plus noise · a standard normal), at (r·sin t, r·cos t).
    No straight line separates any two arms.

    >>> X, Y = spirals(5, classes=3)
    >>> X.shape, sorted(set(Y[0].tolist())), bool(abs(X).max() <= 1)
    ((2, 15), [0, 1, 2], True)
    """
    per_class = _check_count(n_per_class, "n_per_class")
    count = _check_count(classes, "classes")
    if count < 2:
        raise ValueError(f"classes must be a whole number >= 2, got {classes!r}")
    spread = _check_noise(noise)
    rng = np.random.default_rng(_check_seed(seed))
    r = np.linspace(0.0, 1.0, per_class)
    X = np.zeros((2, per_class * count))
    Y = np.zeros((1, per_class * count), dtype=np.int64)
    for k in range(count):
        t = np.linspace(4.0 * k, 4.0 * (k + 1), per_class) + rng.normal(0.0, spread, per_class)
        X[:, per_class * k : per_class * (k + 1)] = r * np.sin(t), r * np.cos(t)
        Y[0, per_class * k : per_class * (k + 1)] = k
    return X, Y
