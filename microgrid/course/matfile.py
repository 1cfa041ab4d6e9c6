"""A small reader of MATLAB v5 ``.mat`` files: numeric 2-D arrays only, read with limits.

The course's regularization data (``data.mat``) is such a file. A v5 file is a
128-byte header, then one *data element* per variable: an 8-byte tag (type, size)
and its bytes, padded to 8. A variable is a ``miMATRIX`` element holding four
sub-elements (array flags with the class, dimensions, name, real part), or a
``miCOMPRESSED`` element whose zlib stream holds that ``miMATRIX``. Values are
stored column by column (Fortran order), often in a smaller type than their
class (the course's labels: class double, stored as uint8).

Every size is checked before anything is read or inflated: the file against
`MAX_MAT_BYTES`, each zlib stream inflated at most to that limit, each array's
declared shape against the bytes actually there. Anything else (cells, structs,
strings, sparse or complex arrays, more than 2 dimensions) is refused with a
message naming the file and the array. No SciPy needed.

>>> import io, struct
>>> def element(kind, data):  # an 8-byte tag, the data, padding to 8
...     return struct.pack("<II", kind, len(data)) + data + bytes(-len(data) % 8)
>>> body = (element(6, struct.pack("<II", 6, 0)) + element(5, struct.pack("<ii", 2, 1))
...         + element(1, b"x") + element(9, struct.pack("<2d", 1.5, -2.0)))
>>> header = b"MATLAB 5.0 MAT-file".ljust(116) + bytes(8) + b"\\x00\\x01IM"
>>> read_mat_bytes(header + element(14, body), "demo.mat")["x"].tolist()
[[1.5], [-2.0]]
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_MAT_BYTES", "read_mat", "read_mat_bytes"]

MAX_MAT_BYTES = 16 * 2**20
"""The largest .mat file read, and the most bytes one compressed variable may inflate to.

The course's data.mat is 6,038 bytes (3,432 inflated for its largest variable)."""

# Element types (miINT8 …) and the NumPy type each stores.
_STORED = {
    1: "i1",
    2: "u1",
    3: "i2",
    4: "u2",
    5: "i4",
    6: "u4",
    7: "f4",
    9: "f8",
    12: "i8",
    13: "u8",
}
_MATRIX, _COMPRESSED = 14, 15
# Array classes (mxDOUBLE_CLASS …) and the type of the array they describe.
_CLASSES = {
    6: "f8",
    7: "f4",
    8: "i1",
    9: "u1",
    10: "i2",
    11: "u2",
    12: "i4",
    13: "u4",
    14: "i8",
    15: "u8",
}
_CLASS_NAMES = {1: "a cell array", 2: "a struct", 3: "an object", 4: "text", 5: "a sparse matrix"}
_COMPLEX_FLAG = 0x0800


class _Reader:
    """Reads tagged elements from one buffer, every size checked against what is there."""

    def __init__(self, data: bytes, order: str, where: str) -> None:
        self.data, self.order, self.where = data, order, where
        self.position = 0

    def at_end(self) -> bool:
        return self.position >= len(self.data)

    def next_kind(self) -> int:
        """The next element's type, without moving (0 if its tag is cut short)."""
        if self.position + 4 > len(self.data):
            return 0
        kind: int = struct.unpack_from(self.order + "I", self.data, self.position)[0]
        return kind & 0xFFFF if kind >> 16 else kind

    def element(self, padded: bool = True) -> tuple[int, bytes]:
        """The next element's (type, bytes), reading the small 4-byte form too."""
        if self.position + 8 > len(self.data):
            raise ValueError(f"{self.where}: cut short (a tag at byte {self.position} is missing)")
        kind, size = struct.unpack_from(self.order + "II", self.data, self.position)
        if kind >> 16:  # small element: size in the upper half, data in the tag's last 4 bytes
            kind, size = kind & 0xFFFF, kind >> 16
            if size > 4:
                raise ValueError(f"{self.where}: a small element claims {size} bytes (at most 4)")
            start = self.position + 4
            self.position += 8
            return kind, self.data[start : start + size]
        start = self.position + 8
        if size > len(self.data) - start:
            raise ValueError(
                f"{self.where}: an element at byte {self.position} claims {size:,} bytes "
                f"but only {len(self.data) - start:,} follow"
            )
        # Compressed elements are not padded; all others are padded to 8 bytes.
        self.position = start + (size + (-size % 8 if padded else 0))
        return kind, self.data[start : start + size]


def _inflate(data: bytes, where: str) -> bytes:
    """The zlib stream inflated, never past `MAX_MAT_BYTES` (a small file can claim gigabytes)."""
    inflater = zlib.decompressobj()
    try:
        result = inflater.decompress(data, MAX_MAT_BYTES)
    except zlib.error as error:
        raise ValueError(f"{where}: a compressed variable is damaged ({error})") from None
    if inflater.unconsumed_tail:
        raise ValueError(
            f"{where}: a compressed variable inflates to more than "
            f"microgrid.course.matfile.MAX_MAT_BYTES = {MAX_MAT_BYTES // 2**20} MB"
        )
    return result


def _matrix(body: bytes, order: str, where: str) -> tuple[str, NDArray[np.generic]]:
    """One miMATRIX element's name and its array (numeric, real, 2-D)."""
    reader = _Reader(body, order, where)
    kind, flags = reader.element()
    if kind != 6 or len(flags) < 8:
        raise ValueError(f"{where}: a variable does not start with its array flags")
    flag_word = struct.unpack_from(order + "I", flags)[0]
    array_class = flag_word & 0xFF
    kind, dims = reader.element()
    if kind != 5 or len(dims) % 4 or not dims:
        raise ValueError(f"{where}: a variable's dimensions are not int32 numbers")
    shape = struct.unpack(order + f"{len(dims) // 4}i", dims)
    kind, raw_name = reader.element()
    name = raw_name.decode("ascii", "replace") if kind == 1 else "?"
    shown = name if len(name) <= 40 else name[:39] + "…"
    here = f"{where}: array {shown!r}"
    if array_class in _CLASS_NAMES:
        raise ValueError(f"{here} is {_CLASS_NAMES[array_class]}; only numeric arrays are read")
    if array_class not in _CLASSES:
        raise ValueError(f"{here} has an unknown class ({array_class})")
    if flag_word & _COMPLEX_FLAG:
        raise ValueError(f"{here} is complex; only real arrays are read")
    if len(shape) != 2 or min(shape) < 0:
        raise ValueError(f"{here} has shape {shape}; only 2-D arrays are read")
    kind, stored = reader.element()
    if kind not in _STORED:
        raise ValueError(f"{here} stores its values as element type {kind}, not numbers")
    dtype = np.dtype(order + _STORED[kind])
    count = shape[0] * shape[1]
    if count * dtype.itemsize != len(stored):
        raise ValueError(
            f"{here} declares shape {shape} ({count:,} values) but holds "
            f"{len(stored) // dtype.itemsize:,} values"
        )
    values = np.frombuffer(stored, dtype=dtype, count=count)
    array = values.astype(_CLASSES[array_class]).reshape(shape, order="F")
    return name, np.ascontiguousarray(array)


def read_mat_bytes(data: bytes, where: str = "the .mat file") -> dict[str, NDArray[np.generic]]:
    """The variables of a MAT v5 file given as bytes: {name: 2-D array}. See `read_mat`."""
    if len(data) < 128 or not data.startswith(b"MATLAB 5.0 MAT-file"):
        raise ValueError(
            f"{where} is not a MATLAB 5.0 MAT-file (its first bytes should say so; "
            "v7.3 files are HDF5 and are not read here)"
        )
    endian = data[126:128]
    if endian not in (b"IM", b"MI"):
        raise ValueError(f"{where}: its header's byte-order mark is {endian!r}, not IM or MI")
    order = "<" if endian == b"IM" else ">"
    reader = _Reader(data[128:], order, where)
    arrays: dict[str, NDArray[np.generic]] = {}
    while not reader.at_end():
        kind, body = reader.element(padded=reader.next_kind() != _COMPRESSED)
        if kind == _COMPRESSED:
            inner = _Reader(_inflate(body, where), order, where)
            kind, body = inner.element()
        if kind != _MATRIX:
            raise ValueError(f"{where}: an element of type {kind} where a variable should be")
        name, array = _matrix(body, order, where)
        arrays[name] = array
    return arrays


def read_mat(path: str | Path) -> dict[str, NDArray[np.generic]]:
    """Every variable of the MAT v5 file at `path`: {name: 2-D array in its class's type}.

    The file's size is checked before it is read (`MAX_MAT_BYTES`); errors name
    the file and the array.
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found")
    size = file.stat().st_size
    with file.open("rb") as stream:
        data = stream.read(MAX_MAT_BYTES + 1)  # never more, even if the file grew meanwhile
    if max(size, len(data)) > MAX_MAT_BYTES:
        raise ValueError(
            f"{file} is {max(size, len(data)) / 2**20:,.1f} MB or more, over the limit of "
            f"microgrid.course.matfile.MAX_MAT_BYTES = {MAX_MAT_BYTES // 2**20} MB"
        )
    return read_mat_bytes(data, str(file))
