r"""Numbers and names as gradcheck writes them in its tables and messages.

>>> fmt(1 / 3), fmt(1 / 3, 3), fmt_error(0.000123)
('0.333333', '0.333', '1.2e-04')
>>> print(printable("tab\there"))
tab\there
"""

from __future__ import annotations

import math

from microgrid.engine import Value
from microgrid.show.notation import formula


def describe(node: Value, names: dict[Value, str]) -> str:
    """'t3 = bad_cube(x)': the node's name and its op written with its inputs."""
    return f"{names[node]} = {formula(node, names)}"


def unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return result


def fmt(x: float, digits: int = 6) -> str:
    return f"{x:.{digits}g}"


def fmt_error(x: float) -> str:
    return f"{x:.1e}" if math.isfinite(x) else f"{x}"


def printable(text: str) -> str:
    """Control characters written as escapes: a label "a\nb" must not break the table."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def clip(text: str, width: int) -> str:
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def align(text: str, width: int, column: int) -> str:
    # Names and status left-aligned, numbers right-aligned.
    return text.ljust(width) if column in (0, 6) else text.rjust(width)


def bar(error: float) -> str:
    if not math.isfinite(error):
        return "(undefined)"
    if error == 0:
        return ""
    return "#" * max(1, round(17 + math.log10(error)))
