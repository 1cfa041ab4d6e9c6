"""Course 2's data: the circles and moons bit for bit against scikit-learn, the football file.

The MAT v5 reader is checked on the course's file (against SciPy when installed) and on
hostile files made here: each refused in bounded memory, with the file and array named.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from course_data import FOOTBALL_DIR, needs_football
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid.course import datasets, matfile
from microgrid.course.matfile import read_mat, read_mat_bytes

# ---------------------------------------------------------------------------
# The generators against scikit-learn, with the course's legacy seeds
# ---------------------------------------------------------------------------


def sklearn_with_seed(make: str, seed: int, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's generator run as the course runs it: np.random.seed, then make_…()."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        X, y = getattr(sklearn_datasets, make)(**kwargs)
    finally:
        np.random.set_state(state)
    return X.T, y.reshape(1, -1)


def test_circles_are_the_initialization_assignments_bit_for_bit() -> None:
    train_X, train_Y, test_X, test_Y = datasets.circles()
    assert (train_X.shape, train_Y.shape, test_X.shape, test_Y.shape) == (
        (2, 300),
        (1, 300),
        (2, 100),
        (1, 100),
    )
    X, Y = sklearn_with_seed("make_circles", 1, n_samples=300, noise=0.05)
    assert np.array_equal(train_X, X) and np.array_equal(train_Y, Y)
    X, Y = sklearn_with_seed("make_circles", 2, n_samples=100, noise=0.05)
    assert np.array_equal(test_X, X) and np.array_equal(test_Y, Y)
    assert train_Y.dtype == np.int64 and set(np.unique(train_Y).tolist()) == {0, 1}


def test_course_moons_are_the_optimization_assignments_bit_for_bit() -> None:
    X, Y = datasets.course_moons()
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    X_sk, Y_sk = sklearn_with_seed("make_moons", 3, n_samples=300, noise=0.2)
    assert np.array_equal(X, X_sk) and np.array_equal(Y, Y_sk)


@given(
    m=st.integers(2, 61),
    noise=st.sampled_from([0.0, 0.05, 0.2, 1.5]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=25)
def test_both_generators_match_scikit_learn_for_any_size_noise_and_seed(
    m: int, noise: float, seed: int
) -> None:
    X, Y = datasets.course_moons(m, noise, seed)
    X_sk, Y_sk = sklearn_with_seed("make_moons", seed, n_samples=m, noise=noise)
    assert np.array_equal(X, X_sk) and np.array_equal(Y, Y_sk)
    X, Y, _, _ = datasets.circles(m, 2, noise, seed=seed)
    X_sk, Y_sk = sklearn_with_seed("make_circles", seed, n_samples=m, noise=noise)
    assert np.array_equal(X, X_sk) and np.array_equal(Y, Y_sk)


def test_the_generators_leave_numpys_global_state_alone() -> None:
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    datasets.circles()
    datasets.course_moons()
    assert np.array_equal(np.random.rand(3), expected)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: datasets.circles(1), "m_train must be a whole number >= 2"),
        (lambda: datasets.circles(300, 1.5), "m_test must be a whole number"),
        (lambda: datasets.circles(noise=-1), "noise must be a finite number >= 0"),
        (lambda: datasets.circles(seed=-1), "seed must be a whole number from 0"),
        (lambda: datasets.circles(test_seed=2**32), "test_seed must be"),
        (lambda: datasets.course_moons(True), "m must be a whole number"),
        (lambda: datasets.course_moons(noise="0.2"), "noise must be a number"),
        (lambda: datasets.course_moons(noise=float("nan")), "noise must be a finite"),
    ],
)
def test_bad_generator_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


# ---------------------------------------------------------------------------
# The football file
# ---------------------------------------------------------------------------


@needs_football
def test_football_is_the_regularization_assignments_data() -> None:
    data = datasets.load_football(FOOTBALL_DIR)
    train_X, train_Y, test_X, test_Y = data
    assert (train_X.shape, train_Y.shape, test_X.shape, test_Y.shape) == (
        (2, 211),
        (1, 211),
        (2, 200),
        (1, 200),
    )
    assert train_Y.dtype == np.int64 and set(np.unique(test_Y).tolist()) == {0, 1}
    assert datasets.load_football(FOOTBALL_DIR / "data.mat").train_X.tolist() == train_X.tolist()
    io = pytest.importorskip("scipy.io")
    course = io.loadmat(str(FOOTBALL_DIR / "data.mat"))  # the course's load_2D_dataset
    assert np.array_equal(train_X, course["X"].T) and np.array_equal(test_X, course["Xval"].T)
    assert np.array_equal(train_Y, course["y"].T) and np.array_equal(test_Y, course["yval"].T)


@needs_football
def test_every_array_of_the_course_file_reads_as_scipy_reads_it() -> None:
    io = pytest.importorskip("scipy.io")
    ours = read_mat(FOOTBALL_DIR / "data.mat")
    theirs = io.loadmat(str(FOOTBALL_DIR / "data.mat"))
    assert sorted(ours) == ["X", "Xval", "y", "yval"]
    for name, array in ours.items():
        assert array.dtype == np.float64 and np.array_equal(array, theirs[name]), name


# A small MAT v5 writer, for files the tests need.


def element(kind: int, data: bytes, order: str = "<") -> bytes:
    return struct.pack(order + "II", kind, len(data)) + data + bytes(-len(data) % 8)


def matrix(
    name: str,
    array: np.ndarray,
    *,
    array_class: int = 6,
    stored: tuple[int, str] = (9, "f8"),
    flags: int = 0,
    shape: tuple[int, ...] | None = None,
    order: str = "<",
) -> bytes:
    kind, dtype = stored
    dims = array.shape if shape is None else shape
    body = (
        element(6, struct.pack(order + "II", array_class | flags, 0), order)
        + element(5, struct.pack(order + f"{len(dims)}i", *dims), order)
        + element(1, name.encode(), order)
        + element(kind, np.asarray(array, dtype=order + dtype).tobytes(order="F"), order)
    )
    return element(14, body, order)


def compressed(data: bytes) -> bytes:
    packed = zlib.compress(data)
    return struct.pack("<II", 15, len(packed)) + packed


def mat_file(*elements: bytes, order: str = "<") -> bytes:
    mark = b"IM" if order == "<" else b"MI"
    return (
        b"MATLAB 5.0 MAT-file, made by a test".ljust(116)
        + bytes(8)
        + b"\x00\x01"
        + mark
        + (b"".join(elements))
    )


def football_file(folder: Path, **replace: bytes) -> Path:
    rng = np.random.default_rng(0)
    parts = {
        "X": matrix("X", rng.normal(size=(5, 2))),
        "y": matrix("y", np.array([[0], [1], [1], [0], [1]]), stored=(2, "u1")),
        "Xval": compressed(matrix("Xval", rng.normal(size=(4, 2)))),
        "yval": compressed(matrix("yval", np.array([[1], [0], [0], [1]]), stored=(2, "u1"))),
    }
    parts.update(replace)
    path = folder / "data.mat"
    path.write_bytes(mat_file(*(part for part in parts.values() if part)))
    return path


def test_a_small_file_in_both_byte_orders_and_both_storages(tmp_path: Path) -> None:
    data = datasets.load_football(football_file(tmp_path).parent)
    assert data.train_X.shape == (2, 5) and data.test_Y.tolist() == [[1, 0, 0, 1]]
    W = np.arange(6.0).reshape(2, 3)
    big_endian = mat_file(matrix("W", W, order=">"), order=">")
    assert np.array_equal(read_mat_bytes(big_endian)["W"], W)
    as_int16 = read_mat_bytes(mat_file(matrix("W", W, stored=(3, "i2"))))["W"]
    assert as_int16.dtype == np.float64 and np.array_equal(as_int16, W)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"y": b""}, "no array 'y' (it holds: X, Xval, yval)"),
        ({"X": matrix("X", np.ones((5, 3)))}, "array 'X' must be (m, 2)"),
        ({"y": matrix("y", np.ones((4, 1)))}, "array 'y' must be (5, 1)"),
        ({"y": matrix("y", np.full((5, 1), 2.0))}, "array 'y' must hold 0/1 labels, found [2.0]"),
        ({"X": matrix("X", np.full((5, 2), np.nan))}, "array 'X' holds nan at row 0"),
        ({"X": matrix("X", np.ones((5, 2)), flags=0x0800)}, "array 'X' is complex"),
        ({"X": matrix("X", np.ones((5, 2)), array_class=1)}, "array 'X' is a cell array"),
        ({"X": matrix("X", np.ones((5, 2)), array_class=4)}, "array 'X' is text"),
        ({"X": matrix("X", np.ones((1, 2, 5)))}, "array 'X' has shape (1, 2, 5)"),
        (
            {"X": matrix("X", np.ones((5, 2)), shape=(50_000, 2))},
            "array 'X' declares shape (50000, 2) (100,000 values) but holds 10 values",
        ),
        ({"X": matrix("X", np.ones((5, 2)), stored=(14, "f8"))}, "array 'X' stores its values"),
    ],
)
def test_bad_arrays_are_named_with_the_file(
    tmp_path: Path, replace: dict[str, bytes], message: str
) -> None:
    path = football_file(tmp_path, **replace)
    with pytest.raises(ValueError) as error:
        datasets.load_football(tmp_path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_damaged_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    good = football_file(tmp_path).read_bytes()
    cases = {
        "cut.mat": (good[:-20], "but only 22 follow"),
        "text.mat": (b"hello" * 40, "is not a MATLAB 5.0 MAT-file"),
        "order.mat": (good[:126] + b"XX" + good[128:], "byte-order mark"),
        "zip.mat": (good[:136] + b"\xff" * 40 + good[176:], "damaged"),
        "claims.mat": (good[:132] + struct.pack("<I", 10**9) + good[136:], "claims 1,000,000,000"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError) as error:
            read_mat(tmp_path / name)
        assert str(tmp_path / name) in str(error.value) and message in str(error.value), name


def test_a_zip_bomb_stops_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 8 MB of zeros packs into about 8 KB; with a 1 MB limit, inflating stops at 1 MB.
    monkeypatch.setattr(matfile, "MAX_MAT_BYTES", 2**20)
    bomb = compressed(matrix("X", np.zeros((2**19, 2))))
    path = tmp_path / "data.mat"
    path.write_bytes(mat_file(bomb))
    assert path.stat().st_size < 20_000
    with pytest.raises(ValueError, match=r"inflates to more than .*MAX_MAT_BYTES = 1 MB"):
        read_mat(path)


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matfile, "MAX_MAT_BYTES", 1000)
    path = tmp_path / "data.mat"
    path.write_bytes(mat_file(matrix("X", np.zeros((100, 2)))))
    with pytest.raises(ValueError, match=r"data\.mat is .* over the limit"):
        datasets.load_football(tmp_path)


def test_missing_folders_and_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no directory .*nowhere.*data\.mat"):
        datasets.load_football(tmp_path / "nowhere")
    (tmp_path / "other.mat").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"data\.mat not found.*\(found: other\.mat\)"):
        datasets.load_football(tmp_path)
