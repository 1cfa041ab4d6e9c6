"""What every picture-writing function needs: matplotlib (the `plot` extra) and a checked path.

>>> picture_path("curve.txt")
Traceback (most recent call last):
...
ValueError: cannot write a picture to curve.txt: the name must end in one of ... (.png, say)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """matplotlib.pyplot on the file-only Agg backend, or an ImportError saying what to install."""
    try:
        import matplotlib
    except ImportError:
        from microgrid.show.install_hint import pip_command

        raise ImportError(f"drawing plots needs matplotlib: {pip_command('plot')}") from None
    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    return plt


def picture_path(path: str | Path, image: bool = False) -> Path:
    """`path` if matplotlib can write its format into an existing folder, else a ValueError.

    ``image=True`` for `plt.imsave`, which hands every format but pdf, ps, eps, svg
    (and jpg, which it renames) to Pillow under its upper-case name.
    """
    from matplotlib.figure import Figure

    target = Path(path)
    formats = list(Figure().canvas.get_supported_filetypes())
    if image:
        from PIL import Image

        Image.init()
        vector = ("pdf", "ps", "eps", "svg", "jpg")
        formats = [f for f in formats if f in vector or f.upper() in Image.SAVE]
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise ValueError(
            f"cannot write a picture to {target}: the name must end in one of "
            f"{', '.join('.' + f for f in sorted(formats))} (.png, say)"
        )
    if not target.parent.is_dir():
        raise ValueError(f"cannot write {target}: no directory {target.parent}")
    if suffix == "pgf":
        # matplotlib writes PGF by running a TeX program to measure the text.
        import shutil

        import matplotlib

        tex = str(matplotlib.rcParams["pgf.texsystem"])
        if shutil.which(tex) is None:
            raise ValueError(
                f"cannot write {target}: matplotlib writes .pgf with {tex}, which is not "
                "installed; write .pdf or .svg instead (or install TeX, e.g. "
                "`sudo apt-get install texlive-xetex`)"
            )
    return target
