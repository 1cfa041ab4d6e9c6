"""Text inside graphviz's HTML-like labels: every piece of a label goes through `text`.

A label is data, never markup: quotes, ``<``, ``{`` or ``|`` are drawn as they
are, control characters as their escapes, and graphviz's own ``\\N``-style
expansions are switched off by doubling the backslash.

>>> text('a < b\\nc "d"')
'a &lt; b<BR ALIGN="CENTER"/>c &quot;d&quot;'
"""

from __future__ import annotations

import html
import re

__all__ = ["CONTROL_CHARACTERS", "html_label", "text", "visible"]

# Characters XML (and so graphviz's HTML-like labels) cannot carry, even escaped.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\ud800-\udfff]")


def text(value: str) -> str:
    """Text as graphviz HTML-label content: entities escaped, newlines as <BR/>."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = CONTROL_CHARACTERS.sub(lambda m: visible(m.group()), value).split("\n")
    # Graphviz expands \N, \G, … (node and graph names) even in HTML-like labels;
    # a doubled backslash comes out as one literal backslash.
    escaped = (html.escape(line, quote=True).replace("\\", "\\\\") for line in lines)
    return '<BR ALIGN="CENTER"/>'.join(escaped)


def visible(char: str) -> str:
    """A control character as its escape (``\\t``, ``\\x00``), so it is seen, not lost."""
    if char == "\t":
        return "\\t"
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return f"\\x{ord(char):02x}"


def html_label(label_markup: str) -> str:
    """Wrap label markup so the graphviz package passes it to DOT as an HTML string."""
    return f"<{label_markup}>"
