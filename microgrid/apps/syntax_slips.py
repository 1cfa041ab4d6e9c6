"""What a learner probably meant when an expression does not parse, said for this grammar.

Python's own messages are about Python ("invalid decimal literal", "Perhaps you
forgot a comma?") and count columns from 0. These name the slip the way the
course writes formulas: ``2x`` → write 2*x, ``b c`` → did you mean b*c?, a ( never
closed, an expression ending in an operator, x² or x^y for a power. Columns
count characters from 1. `microgrid.apps.expression` turns each into an ExpressionError
with a caret under the place.
"""

from __future__ import annotations

import io
import itertools
import keyword
import tokenize

__all__ = ["Slip", "absolute_column", "explain_slip"]

Slip = tuple[str, int, int]
"""(message, 0-based column, length of the part to underline)."""

_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_ARITHMETIC = {"+", "-", "*", "/", "**"}


def explain_slip(text: str) -> Slip | None:
    """The usual slips, said for this grammar: 2x, b c, a missing ) or operand.

    >>> explain_slip("3*(a+b c)")
    ('missing operator between b and c at column 7: did you mean b*c?', 6, 1)
    >>> explain_slip("a + b") is None
    True
    """
    opened: list[int] = []
    for index, char in enumerate(text):
        if char in _SUPERSCRIPT_DIGITS:
            return (
                f"{char} at column {index + 1} is not read as a power: write x**2 for x²",
                index,
                1,
            )
        if char == "(":
            opened.append(index)
        elif char == ")":
            if not opened:
                return (
                    f"the ) at column {index + 1} closes nothing: remove it or add a ( before it",
                    index,
                    1,
                )
            opened.pop()
    if opened:
        return (
            f"the ( at column {opened[-1] + 1} is never closed: add a ) after what it encloses",
            opened[-1],
            1,
        )
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, SyntaxError):
        return None
    for before, after in itertools.pairwise(tokens):
        ends = before.type in (tokenize.NAME, tokenize.NUMBER) or before.string == ")"
        starts = after.type in (tokenize.NAME, tokenize.NUMBER) or after.string == "("
        if before.type == tokenize.NAME and (keyword.iskeyword(before.string)):
            continue
        if not (ends and starts) or (before.type == tokenize.NAME and after.string == "("):
            continue
        start = absolute_column(text, *before.start)
        end = absolute_column(text, *before.end)
        if (
            before.type == tokenize.NUMBER
            and after.type == tokenize.NAME
            and before.end == after.start
        ):
            written = f"{before.string}{after.string}"
            return (
                f"{written} at column {start + 1} needs a * between the number and the name: "
                f"write {before.string}*{after.string}",
                start,
                len(written),
            )
        return (
            f"missing operator between {before.string} and {after.string} at column {end + 1}: "
            f"did you mean {before.string}*{after.string}?",
            end,
            max(1, absolute_column(text, *after.start) - end),
        )
    if tokens and tokens[-1].type == tokenize.OP and tokens[-1].string in _ARITHMETIC:
        last = tokens[-1]
        column = absolute_column(text, *last.start)
        return (
            f"the expression ends with {last.string} at column {column + 1}: "
            f"something is missing after it",
            column,
            len(last.string),
        )
    return None


def absolute_column(text: str, lineno: int, col: int, in_bytes: bool = False) -> int:
    """Character offset in the whole text (statements may sit on several lines).

    ``ast`` counts columns in UTF-8 bytes; a learner counts characters (σ is one).
    """
    lines = text.split("\n")
    line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
    if in_bytes:
        col = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
    return sum(len(earlier) + 1 for earlier in lines[: lineno - 1]) + col
