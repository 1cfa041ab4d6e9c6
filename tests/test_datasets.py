"""Pictures as columns, synthetic cats, toy data, and the course's .h5 loader."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from course_data import CAT_DIR, needs_cat_files
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgrid.course.datasets import (
    CatData,
    flatten_images,
    load_catvnoncat,
    pixel_votes,
    synthetic_cats,
    synthetic_catvnoncat,
    toy_2d,
    unflatten_images,
)

# ---------------------------------------------------------------------------
# flatten / unflatten: all red, then all green, then all blue.
# ---------------------------------------------------------------------------


def test_flatten_order_written_out() -> None:
    # 2 pictures of 2×3 pixels; every value distinct so the order is visible.
    images = np.arange(2 * 2 * 3 * 3, dtype=np.uint8).reshape(2, 2, 3, 3)
    X = flatten_images(images)
    assert X.shape == (18, 2) and X.dtype == np.float64
    for i in range(2):
        expected = []
        for channel in range(3):  # R plane, then G, then B
            for row in range(2):
                for column in range(3):
                    expected.append(images[i, row, column, channel] / 255)
        assert X[:, i].tolist() == expected


def test_flatten_is_the_seed_recipe_at_64x64() -> None:
    images, _ = synthetic_cats(3, seed=2)
    X = flatten_images(images)
    assert X.shape == (12288, 3)
    np.testing.assert_array_equal(X, images.transpose(0, 3, 1, 2).reshape(3, -1).T / 255)
    assert X.min() >= 0 and X.max() <= 1
    # Feature 4096 is the green value of the top-left pixel of each picture.
    np.testing.assert_array_equal(X[4096], images[:, 0, 0, 1] / 255)


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(
        np.uint8,
        st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.just(3)),
    )
)
def test_flatten_roundtrip(images: np.ndarray) -> None:
    m, height, width, _ = images.shape
    X = flatten_images(images)
    assert X.shape == (height * width * 3, m)
    np.testing.assert_array_equal(unflatten_images(X, height, width), images)


def test_flatten_accepts_floats_in_unit_range() -> None:
    images = np.full((1, 2, 2, 3), 0.25)
    np.testing.assert_array_equal(flatten_images(images), np.full((12, 1), 0.25))


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((64, 64, 3), np.uint8), r"shape \(m, height, width, 3\).*images\[None\]"),
        (np.zeros((2, 64, 64, 4), np.uint8), r"channels last; got shape \(2, 64, 64, 4\)"),
        (np.zeros((0, 64, 64, 3), np.uint8), "at least one picture"),
        (np.full((1, 2, 2, 3), 2.0), r"float images must hold finite values in \[0, 1\]"),
        (np.full((1, 2, 2, 3), np.nan), r"finite values in \[0, 1\]"),
        (np.zeros((1, 2, 2, 3), np.int32), "uint8 .* got dtype int32"),
    ],
)
def test_flatten_errors(images: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        flatten_images(images)


def test_unflatten_errors() -> None:
    with pytest.raises(ValueError, match=r"shape \(12288, m\) for 64×64"):
        unflatten_images(np.zeros((100, 2)))
    with pytest.raises(ValueError, match=r"finite values in \[0, 1\]"):
        unflatten_images(np.full((12, 1), 1.5), height=2, width=2)


def test_pixel_votes_adds_the_three_planes() -> None:
    w = np.zeros((12, 1))
    w[0] = 1.0  # red of pixel (0, 0)
    w[4 + 3] = 2.0  # green of pixel (1, 1)
    w[8 + 3] = -5.0  # blue of pixel (1, 1)
    np.testing.assert_array_equal(pixel_votes(w, 2, 2), [[1.0, 0.0], [0.0, -3.0]])
    with pytest.raises(ValueError, match=r"12288 = 64·64·3 weights"):
        pixel_votes(np.zeros((10, 1)))


# ---------------------------------------------------------------------------
# Synthetic pictures.
# ---------------------------------------------------------------------------


def test_synthetic_cats_deterministic() -> None:
    images, Y = synthetic_cats(20, seed=5)
    again, Y_again = synthetic_cats(20, seed=5)
    other, _ = synthetic_cats(20, seed=6)
    assert images.shape == (20, 64, 64, 3) and images.dtype == np.uint8
    assert Y.shape == (1, 20) and set(Y.ravel().tolist()) == {0, 1}
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(Y, Y_again)
    assert not np.array_equal(images, other)


def test_synthetic_cats_are_pictures_not_noise() -> None:
    images, Y = synthetic_cats(60, seed=1)
    pictures = images.astype(np.float64)
    # Neighbouring pixels are alike in a picture made of shapes (noise would
    # give ~85 for uniform random values); and the pictures use the range.
    step = np.abs(np.diff(pictures, axis=2)).mean()
    assert step < 15
    assert pictures.std() > 40
    # Cats and non-cats differ on average where the head and ears are drawn,
    # i.e. in shapes and colours rather than only in brightness noise.
    cats, others = pictures[Y[0] == 1], pictures[Y[0] == 0]
    assert len(cats) >= 10 and len(others) >= 10
    difference = np.abs(cats.mean(axis=0) - others.mean(axis=0)).mean(axis=2)
    assert difference[20:50, 18:46].mean() > 2 * difference[:6, :].mean()


def test_synthetic_catvnoncat_layout() -> None:
    data = synthetic_catvnoncat()
    assert isinstance(data, CatData)
    assert data.train_x.shape == (209, 64, 64, 3) and data.test_x.shape == (50, 64, 64, 3)
    assert data.train_y.shape == (1, 209) and data.test_y.shape == (1, 50)
    assert data.classes.tolist() == [b"non-cat", b"cat"]
    assert 0.25 < data.train_y.mean() < 0.55
    # Train and test are different pictures.
    assert not np.array_equal(data.train_x[:50], data.test_x)
    np.testing.assert_array_equal(synthetic_catvnoncat().train_x, data.train_x)


@pytest.mark.parametrize("m", [0, -3, 2.5, True, "10"])
def test_synthetic_bad_m(m: Any) -> None:
    with pytest.raises(ValueError, match="m must be a whole number >= 1"):
        synthetic_cats(m)
    with pytest.raises(ValueError, match="m must be a whole number >= 1"):
        toy_2d(m)


def test_toy_2d() -> None:
    X, Y = toy_2d(200, seed=9)
    assert X.shape == (2, 200) and Y.shape == (1, 200)
    np.testing.assert_array_equal(X, toy_2d(200, seed=9)[0])
    # Mostly separable by the line x1 + x2 = 0, like the seed's two-feature example.
    predicted = (X[0] + X[1] > 0).astype(float)
    assert (predicted == Y[0]).mean() > 0.95
    assert 0.35 < Y.mean() < 0.65


# ---------------------------------------------------------------------------
# The course's .h5 files: small fakes built here, and the real ones if present.
# ---------------------------------------------------------------------------

try:
    import h5py
except ImportError:  # the `data` extra is not installed: the loader tests skip
    h5py = None

needs_h5py = pytest.mark.skipif(h5py is None, reason="h5py (the `data` extra) is not installed")


def write_split(
    folder: Path,
    split: str,
    m: int = 4,
    images: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    classes: np.ndarray | None = None,
    skip: str = "",
) -> None:
    rng = np.random.default_rng(len(split))
    data = {
        f"{split}_set_x": rng.integers(0, 256, (m, 8, 8, 3), dtype=np.uint8)
        if images is None
        else images,
        f"{split}_set_y": np.arange(m) % 2 if labels is None else labels,
        "list_classes": np.array([b"non-cat", b"cat"]) if classes is None else classes,
    }
    with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as f:
        for name, value in data.items():
            if name != skip:
                f[name] = value


@needs_h5py
def test_load_small_files(tmp_path: Path) -> None:
    write_split(tmp_path, "train", m=5)
    write_split(tmp_path, "test", m=3)
    data = load_catvnoncat(tmp_path)
    assert data.train_x.shape == (5, 8, 8, 3) and data.test_x.shape == (3, 8, 8, 3)
    assert data.train_y.tolist() == [[0, 1, 0, 1, 0]] and data.test_y.tolist() == [[0, 1, 0]]
    assert data.classes.tolist() == [b"non-cat", b"cat"]
    with h5py.File(tmp_path / "train_catvnoncat.h5") as f:
        np.testing.assert_array_equal(data.train_x, f["train_set_x"][()])
    # Labels stored as a (1, m) row are fine too.
    write_split(tmp_path, "test", m=3, labels=np.array([[1, 1, 0]]))
    assert load_catvnoncat(str(tmp_path)).test_y.tolist() == [[1, 1, 0]]


@needs_h5py
def test_load_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no directory .*nowhere.*train_catvnoncat\.h5"):
        load_catvnoncat(tmp_path / "nowhere")


@needs_h5py
def test_load_file_instead_of_directory(tmp_path: Path) -> None:
    path = tmp_path / "train_catvnoncat.h5"
    write_split(tmp_path, "train")
    with pytest.raises(NotADirectoryError, match="is a file: pass the folder"):
        load_catvnoncat(path)


@needs_h5py
def test_load_missing_file(tmp_path: Path) -> None:
    write_split(tmp_path, "train")
    with pytest.raises(FileNotFoundError, match=r"test_catvnoncat\.h5 not found.*found: train"):
        load_catvnoncat(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r"train_catvnoncat\.h5 not found.*no \.h5 files"):
        load_catvnoncat(empty)


@needs_h5py
def test_load_not_hdf5(tmp_path: Path) -> None:
    (tmp_path / "train_catvnoncat.h5").write_text("these are not the pictures you are looking for")
    write_split(tmp_path, "test")
    with pytest.raises(ValueError, match=r"train_catvnoncat\.h5 is not an HDF5 file"):
        load_catvnoncat(tmp_path)


@needs_h5py
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"skip": "train_set_x"},
            r"no dataset 'train_set_x' \(it holds: list_classes, train_set_y\)",
        ),
        ({"skip": "list_classes"}, r"no dataset 'list_classes'"),
        ({"images": np.zeros((4, 8, 8), np.uint8)}, r"train_set_x must be uint8 pictures of shape"),
        ({"images": np.zeros((4, 8, 8, 3), np.float32)}, r"got float32 \(4, 8, 8, 3\)"),
        ({"labels": np.array([0, 1, 1])}, r"one label per picture \(4\), got shape \(3,\)"),
        ({"labels": np.array([0, 1, 2, 1])}, "must hold 0/1 labels"),
        ({"classes": np.array([b"a", b"b", b"c"])}, "list_classes must hold 2 names"),
    ],
)
def test_load_bad_datasets(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    write_split(tmp_path, "train", **kwargs)
    write_split(tmp_path, "test")
    with pytest.raises(ValueError, match=message):
        load_catvnoncat(tmp_path)


@needs_h5py
def test_load_group_instead_of_dataset(tmp_path: Path) -> None:
    write_split(tmp_path, "train")
    with h5py.File(tmp_path / "test_catvnoncat.h5", "w") as f:
        f.create_group("test_set_x")
        f["test_set_y"] = np.zeros(2)
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    with pytest.raises(ValueError, match="'test_set_x' is a group, not a dataset"):
        load_catvnoncat(tmp_path)


@needs_h5py
def test_load_train_and_test_sizes_differ(tmp_path: Path) -> None:
    write_split(tmp_path, "train")
    write_split(tmp_path, "test", images=np.zeros((4, 16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match=r"training pictures are \(8, 8, 3\) but test"):
        load_catvnoncat(tmp_path)


def test_load_without_h5py(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    # The one extra (h5py), with the clone's pip: never the whole test set-up.
    with pytest.raises(ImportError, match=r"pip install -e '\.\[data\]' in the clone's folder"):
        load_catvnoncat(tmp_path)


@needs_cat_files
def test_load_course_files() -> None:
    expected = {
        "train_catvnoncat.h5": "fbe56ab67c3ae28d564e3a644189117976d6b31af0a3ce9bb17dbf22908af242",
        "test_catvnoncat.h5": "6a9d39ce52fa85953c5834695b8534a30ed8cfd54971fb2f080b5a24d002b951",
    }
    for name, digest in expected.items():
        assert hashlib.sha256((CAT_DIR / name).read_bytes()).hexdigest() == digest
    data = load_catvnoncat(CAT_DIR)
    assert data.train_x.shape == (209, 64, 64, 3) and data.train_x.dtype == np.uint8
    assert data.test_x.shape == (50, 64, 64, 3)
    assert data.train_y.shape == (1, 209) and int(data.train_y.sum()) == 72
    assert data.test_y.shape == (1, 50) and int(data.test_y.sum()) == 33
    assert data.classes.tolist() == [b"non-cat", b"cat"]
    X = flatten_images(data.train_x)
    assert X.shape == (12288, 209) and 0 <= X.min() and X.max() <= 1


# ---------------------------------------------------------------------------
# Review: sizes and seeds named in the errors; an empty split is ill-shaped.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("height", "width", "message"),
    [(0, 0, "height must be"), (-2, -2, "height must be"), ("2", 2, "height must be")],
)
def test_picture_sizes_are_checked(height: Any, width: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        unflatten_images(np.ones((12, 1)), height, width)
    with pytest.raises(ValueError, match=message):
        pixel_votes(np.ones((12, 1)), height, width)


def test_unflatten_no_columns_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one picture"):
        unflatten_images(np.ones((12, 0)), 2, 2)


@pytest.mark.parametrize("seed", ["a", 1.5, -1])
def test_bad_seed_is_named(seed: Any) -> None:
    for make in (synthetic_cats, toy_2d):
        with pytest.raises(ValueError, match="seed must be"):
            make(2, seed=seed)
    with pytest.raises(ValueError, match="seed must be"):
        synthetic_catvnoncat(2, 2, seed=seed)


@needs_h5py
def test_load_empty_split(tmp_path: Path) -> None:
    write_split(tmp_path, "train")
    write_split(tmp_path, "test", m=0)
    with pytest.raises(ValueError, match=r"test_set_x holds no pictures"):
        load_catvnoncat(tmp_path)


# ---------------------------------------------------------------------------
# Hostile .h5 files: refused before they cost memory.
# ---------------------------------------------------------------------------

HOSTILE_BUILDERS = """
import sys
from pathlib import Path

import h5py
import numpy as np

folder = Path(sys.argv[1])
kind = sys.argv[2]
folder.mkdir(parents=True, exist_ok=True)
good = np.zeros((2, 8, 8, 3), dtype=np.uint8)
for split in ("train", "test"):
    with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as f:
        x = f"{split}_set_x"
        f[f"{split}_set_y"] = np.array([0, 1])
        f["list_classes"] = np.array([b"non-cat", b"cat"])
        if split == "test" or kind == "good":
            f[x] = good
        elif kind == "fill":  # 60,000 pictures of the fill value in a few KB
            f.create_dataset(x, (60_000, 64, 64, 3), dtype=np.uint8, chunks=(1, 64, 64, 3))
        elif kind == "billion":
            f.create_dataset(x, (10**9, 64, 64, 3), dtype=np.uint8, chunks=(1, 64, 64, 3))
        elif kind == "loop":
            f[x] = h5py.SoftLink("/elsewhere")
            f["elsewhere"] = h5py.SoftLink("/" + x)
        elif kind == "dangling":
            f[x] = h5py.SoftLink("/nothing/here")
        elif kind == "external":
            f[x] = h5py.ExternalLink("/etc/other.h5", "/pictures")
        elif kind == "virtual":
            layout = h5py.VirtualLayout(shape=(2, 8, 8, 3), dtype=np.uint8)
            layout[:] = h5py.VirtualSource("missing.h5", "/x", shape=(2, 8, 8, 3))
            f.create_virtual_dataset(x, layout)
        elif kind == "raw":
            f.create_dataset(x, (2, 8, 8, 3), dtype=np.uint8, external=[("raw.bin", 0, 384)])
        elif kind == "compound":
            f[x] = np.zeros(2, dtype=[("a", "i4"), ("b", "f8")])
"""

# Peak memory of this process alone: VmHWM starts afresh at exec (ru_maxrss would
# carry over the forking pytest's peak); tracemalloc where /proc is missing.
LOAD_AND_MEASURE = """
import sys
import tracemalloc
from pathlib import Path

tracemalloc.start()
from microgrid.course.datasets import load_catvnoncat

try:
    data = load_catvnoncat(sys.argv[1])
    print("loaded", data.train_x.shape)
except ValueError as error:
    print("ValueError:", error)
status = Path("/proc/self/status")
if status.exists():
    line = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
    print("peak MB", int(line.split()[1]) / 1024)
else:
    print("peak MB", tracemalloc.get_traced_memory()[1] / 2**20)
"""


@needs_h5py
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("fill", r"'train_set_x' declares shape \(60000, 64, 64, 3\).*MAX_H5_BYTES = 100 MB"),
        ("billion", r"declares shape \(1000000000, 64, 64, 3\) of uint8 \(11,718,750 MB\)"),
        ("loop", r"'train_set_x' is a loop of soft links \(train_set_x → /elsewhere → /train"),
        ("dangling", r"soft link to '/nothing/here', which does not exist"),
        ("external", r"external link to '/pictures' in '/etc/other.h5'.*leave the file"),
        ("virtual", r"'train_set_x' is a virtual dataset"),
        ("raw", r"keeps its data in another file \('raw.bin'\)"),
        ("compound", r"'train_set_x' has type .*not numbers or names"),
    ],
)
def test_hostile_files_are_refused_in_bounded_memory(
    tmp_path: Path, kind: str, message: str
) -> None:
    folder = tmp_path / kind
    subprocess.run([sys.executable, "-c", HOSTILE_BUILDERS, str(folder), kind], check=True)
    assert (folder / "train_catvnoncat.h5").stat().st_size < 100_000  # all tiny files
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_MEASURE, str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result, peak = done.stdout.strip().splitlines()
    assert result.startswith("ValueError: "), result
    assert re.search(message, result), result
    assert float(peak.split()[-1]) < 200, peak


@needs_h5py
def test_a_good_file_still_loads_in_the_same_harness(tmp_path: Path) -> None:
    folder = tmp_path / "good"
    subprocess.run([sys.executable, "-c", HOSTILE_BUILDERS, str(folder), "good"], check=True)
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_MEASURE, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("loaded (2, 8, 8, 3)")


@needs_h5py
def test_variable_length_class_names_are_bounded_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microgrid.course import coursefiles

    names = np.array(["non-cat", "cat" * 3000], dtype=object)
    write_split(tmp_path, "train", classes=names)
    write_split(tmp_path, "test")
    with h5py.File(tmp_path / "train_catvnoncat.h5", "r+") as f:
        del f["list_classes"]
        f.create_dataset("list_classes", data=names, dtype=h5py.string_dtype())
    assert load_catvnoncat(tmp_path).classes.tolist()[0] == b"non-cat"  # small: fine
    size = (tmp_path / "train_catvnoncat.h5").stat().st_size
    monkeypatch.setattr(coursefiles, "MAX_H5_BYTES", size)  # 2 names of up to `size` each
    with pytest.raises(ValueError, match=r"train_catvnoncat\.h5: 'list_classes' holds variable"):
        load_catvnoncat(tmp_path)


@needs_h5py
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("vlen_ints", r"'train_set_y' holds variable-length data; expected numbers"),
        ("references", r"'train_set_y' holds references; expected numbers"),
        ("vlen_pictures", r"'train_set_x' holds variable-length data"),
        ("huge_labels", r"train_set_y must hold 0/1 labels, found \[2000000000000000, .*…$"),
    ],
)
def test_odd_label_types_get_short_messages_naming_file_and_dataset(
    tmp_path: Path, kind: str, message: str
) -> None:
    write_split(tmp_path, "train")
    write_split(tmp_path, "test")
    with h5py.File(tmp_path / "train_catvnoncat.h5", "r+") as f:
        if kind == "vlen_ints":
            del f["train_set_y"]
            labels = f.create_dataset("train_set_y", (4,), dtype=h5py.vlen_dtype(np.int64))
            for i in range(4):
                labels[i] = np.arange(i + 1)
        elif kind == "references":
            del f["train_set_y"]
            labels = f.create_dataset("train_set_y", (4,), dtype=h5py.ref_dtype)
            for i in range(4):
                labels[i] = f["list_classes"].ref
        elif kind == "vlen_pictures":
            del f["train_set_x"]
            f.create_dataset("train_set_x", (4,), dtype=h5py.vlen_dtype(np.uint8))
        else:
            del f["train_set_x"], f["train_set_y"]
            f["train_set_x"] = np.zeros((5000, 1, 1, 3), np.uint8)
            f["train_set_y"] = np.arange(2, 5002) * 10**15  # 10 KB of digits if echoed whole
    with pytest.raises(ValueError) as caught:
        load_catvnoncat(tmp_path)
    text = str(caught.value)
    assert "train_catvnoncat.h5" in text and re.search(message, text), text
    assert len(text) < 300 + len(str(tmp_path))
