"""The course's .h5 files (train_catvnoncat.h5, test_catvnoncat.h5), read with limits.

Only this one file is read (no links out of it, no virtual or external data), every
size is checked before anything is read, and every message names the file and the
dataset, with anything echoed from the file cut short. Needs h5py (the `data` extra);
`microgrid.course.datasets` re-exports `load_catvnoncat`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_H5_BYTES", "CatData", "Images", "Labels", "load_catvnoncat"]

Images = NDArray[np.uint8]
Labels = NDArray[np.int64]


class CatData(NamedTuple):
    """Training and test pictures as the course gives them.

    ``train_x``/``test_x``: (m, height, width, 3) uint8 pictures (use `flatten_images`);
    ``train_y``/``test_y``: (1, m) labels, 1 = cat; ``classes``: [b"non-cat", b"cat"].
    """

    train_x: Images
    train_y: Labels
    test_x: Images
    test_y: Labels
    classes: NDArray[Any]


# ---------------------------------------------------------------------------
# The course's files (h5py, the `data` extra).
# ---------------------------------------------------------------------------


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        from microgrid.show.install_hint import pip_command

        raise ImportError(
            f"reading the course's .h5 files needs h5py: {pip_command('data')}"
        ) from None
    return h5py


def _read_split(h5py: Any, path: Path, split: str) -> tuple[Images, Labels, NDArray[Any]]:
    if not path.is_file():
        found = sorted(p.name for p in path.parent.glob("*.h5"))
        raise FileNotFoundError(
            f"{path} not found: expected the course's {path.name} in {path.parent}"
            + (f" (found: {', '.join(found)})" if found else " (no .h5 files there)")
        )
    if not h5py.is_hdf5(path):
        raise ValueError(f"{path} is not an HDF5 file (expected the course's {path.name})")
    names = (f"{split}_set_x", f"{split}_set_y", "list_classes")
    arrays = []
    try:
        file = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"{path}: cannot read it as HDF5 ({_clip(str(error))})") from None
    with file:
        for name in names:
            item = _dataset_in_file(h5py, file, path, name)
            _check_declared(h5py, item, path, name)
            try:
                arrays.append(np.asarray(item[()]))
            except (OSError, TypeError, ValueError, RuntimeError, KeyError) as error:
                raise ValueError(
                    f"{path}: cannot read {name!r} ({type(error).__name__}: {_clip(str(error))})"
                ) from None
    images, labels, classes = arrays
    if images.ndim != 4 or images.shape[3] != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{path}: {names[0]} must be uint8 pictures of shape (m, height, width, 3), "
            f"got {images.dtype} {images.shape}"
        )
    m = images.shape[0]
    if m == 0:
        raise ValueError(f"{path}: {names[0]} holds no pictures")
    if labels.size != m or labels.ndim not in (1, 2):
        raise ValueError(
            f"{path}: {names[1]} must hold one label per picture ({m}), got shape {labels.shape}"
        )
    if not np.isin(labels, (0, 1)).all():
        others = np.unique(labels[~np.isin(labels, (0, 1))]).tolist()
        raise ValueError(f"{path}: {names[1]} must hold 0/1 labels, found {_clip(str(others))}")
    return images, labels.astype(np.int64).reshape(1, m), classes


def _clip(text: str, limit: int = 80) -> str:
    """A value from the file, cut short for a message (a label can be 10 KB of digits)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_H5_BYTES = 100 * 2**20
"""The most bytes one dataset of an .h5 file may declare (about 8,500 pictures of 64 × 64).

The course's train_set_x is 2.5 MB. A file's header can declare any size (a
6.7 KB file can claim 60,000 pictures of its fill value), so the size is
checked before anything is read."""

_MAX_LINK_HOPS = 16


def _dataset_in_file(h5py: Any, file: Any, path: Path, name: str) -> Any:
    """The dataset `name`, following soft links inside the file only.

    External links, loops, virtual datasets and data stored in other files are
    refused: the loader reads this one file and nothing else.
    """
    where = name
    seen = [name]
    while True:
        link = file.get(where, getlink=True)
        if link is None:
            if where == name:
                present = _clip(", ".join(sorted(file.keys()))) or "nothing"
                raise ValueError(f"{path}: no dataset {name!r} (it holds: {present})")
            raise ValueError(
                f"{path}: {name!r} is a soft link to {_clip(repr(where))}, which does not exist"
            )
        if isinstance(link, h5py.ExternalLink):
            raise ValueError(
                f"{path}: {name!r} is an external link to {_clip(repr(link.path))} in "
                f"{_clip(repr(link.filename))}; "
                "links that leave the file are refused"
            )
        if not isinstance(link, h5py.SoftLink):
            break
        where = link.path
        if where in seen or len(seen) > _MAX_LINK_HOPS:
            chain = _clip(" → ".join([*seen, where]), 160)
            raise ValueError(f"{path}: {name!r} is a loop of soft links ({chain})")
        seen.append(where)
    item = file[where]
    if not isinstance(item, h5py.Dataset):
        raise ValueError(f"{path}: {name!r} is a group, not a dataset")
    if item.is_virtual:
        raise ValueError(
            f"{path}: {name!r} is a virtual dataset (its data lives in other files); "
            "virtual datasets are refused"
        )
    if item.external:
        raise ValueError(
            f"{path}: {name!r} keeps its data in another file "
            f"({_clip(repr(item.external[0][0]))}); "
            "data outside the file is refused"
        )
    return item


def _check_declared(h5py: Any, item: Any, path: Path, name: str) -> None:
    """Refuse a dataset whose declared type or size is not a small array of numbers/names.

    Only list_classes may hold variable-length strings, and only 2 of them: each lives
    in the file's heap, so together they are at most 2 × the file's size, checked too.
    """
    dtype = item.dtype
    if dtype.kind not in "biufSUO" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"{path}: {name!r} has type {_clip(str(dtype))}, not numbers or names")
    if name == "list_classes" and item.shape != (2,):
        raise ValueError(f"{path}: list_classes must hold 2 names, got shape {item.shape}")
    if dtype.kind == "O":
        if h5py.check_string_dtype(dtype) is None or name != "list_classes":
            what = "references" if h5py.check_ref_dtype(dtype) else "variable-length data"
            raise ValueError(f"{path}: {name!r} holds {what}; expected numbers")
        size = path.stat().st_size
        if 2 * size > MAX_H5_BYTES:
            raise ValueError(
                f"{path}: 'list_classes' holds variable-length names that can take up to "
                f"{2 * size / 2**20:,.0f} MB, more than the limit of "
                f"microgrid.course.coursefiles.MAX_H5_BYTES = {MAX_H5_BYTES // 2**20} MB"
            )
        return
    declared = int(np.prod(item.shape, dtype=np.float64) * max(dtype.itemsize, 1))
    if declared > MAX_H5_BYTES:
        raise ValueError(
            f"{path}: {name!r} declares shape {item.shape} of {dtype} "
            f"({declared / 2**20:,.0f} MB), more than the limit of "
            f"microgrid.course.coursefiles.MAX_H5_BYTES = {MAX_H5_BYTES // 2**20} MB; "
            "the course's pictures are a few MB"
        )


def load_catvnoncat(directory: str | Path) -> CatData:
    """Read the course's train_catvnoncat.h5 and test_catvnoncat.h5 from a directory.

    Returns the pictures as the course does: (m, 64, 64, 3) uint8 and (1, m)
    labels. Errors say which file or dataset is missing or malformed.
    """
    h5py = _h5py()
    folder = Path(directory)
    if not folder.exists():
        raise FileNotFoundError(
            f"no directory {folder}: expected a folder holding the course's "
            "train_catvnoncat.h5 and test_catvnoncat.h5"
        )
    if not folder.is_dir():
        raise NotADirectoryError(
            f"{folder} is a file: pass the folder holding "
            "train_catvnoncat.h5 and test_catvnoncat.h5"
        )
    train_x, train_y, classes = _read_split(h5py, folder / "train_catvnoncat.h5", "train")
    test_x, test_y, _ = _read_split(h5py, folder / "test_catvnoncat.h5", "test")
    if train_x.shape[1:] != test_x.shape[1:]:
        raise ValueError(
            f"{folder}: training pictures are {train_x.shape[1:]} but test pictures are "
            f"{test_x.shape[1:]}; they must have the same size"
        )
    return CatData(train_x, train_y, test_x, test_y, classes)
