"""The learner's slice: the lines a reader holds to follow `Value`, `x * y` and `backward()`.

Counted as issue 28 counted it: whole line ranges (blank lines inside an item included),
docstrings and the comments just above an item included, for each item below: the class
headers (the slots and their notes), `Node.__init__`, the `value` and `delta` getters,
`Primitive` to its `__init__`, `mul_forward`, `mul`, the walk and the four steps' helpers,
`propagate`, `backward`, `__mul__`, `new_node`, modes.py's recording switch. `backward`'s
argument checks (`backward_seed`, `refuse_recorded_deltas`, `is_number`, `real`) are counted
apart. Issue 28's own count of main (491) also took in the whole `Primitive` class, the node's
tuple properties and `NotRecording`; this script counts main at 333.

Usage: python benchmarks/learner_slice.py [REPOSITORY]   (default: this checkout)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SLICE = {
    "node.py": ["Node:header", "Node.__init__", "Node.value", "Node.delta"],
    "primitives.py": ["Primitive:header", "Primitive.__init__", "mul_forward", "built_in", "mul"],
    "backprop.py": ["nodes_in_order", "set_aside", "propagate", "add_back", "put_back"],
    "interrupts.py": ["check_interrupts"],
    "value.py": [
        "Value:header",
        "Value.backward",
        "Value.__mul__",
        "new_node",
        "PLAIN",
        "new_object",
        "is_operand",
        "int_operand",
    ],
    "modes.py": ["OpenBlocks", "no_grad_blocks", "recording_flag"],
}
CHECKS = {
    "value.py": ["backward_seed"],
    "evaluate.py": ["is_number", "real"],
    "node.py": ["recorded_deltas_made"],
    "backprop.py": ["refuse_recorded_deltas"],
}


def first_line(node: ast.stmt, source: list[str]) -> int:
    """An item's first line: its decorators, and the comment block just above it."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    first = min([node.lineno] + [d.lineno for d in decorators])
    while first > 1 and source[first - 2].lstrip().startswith("#"):
        first -= 1
    return first


def spans(tree: ast.Module, source: list[str], parts: list[str]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            if f"{node.name}:header" in parts:  # up to the first method
                end = first_line(methods[0], source) - 1 if methods else node.end_lineno or 0
                found.append((first_line(node, source), end))
            if node.name in parts:
                found.append((first_line(node, source), node.end_lineno or 0))
            taken: set[str] = set()
            for method in methods:  # a property: its getter only (the first of the name)
                if f"{node.name}.{method.name}" in parts and method.name not in taken:
                    taken.add(method.name)
                    found.append((first_line(method, source), method.end_lineno or 0))
        elif isinstance(node, ast.FunctionDef) and node.name in parts:
            found.append((first_line(node, source), node.end_lineno or 0))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if getattr(target, "id", None) in parts:
                found.append((first_line(node, source), node.end_lineno or 0))
    return found


def count(engine: Path, wanted: dict[str, list[str]]) -> int:
    total = 0
    for name, parts in wanted.items():
        path = engine / name
        if not path.exists():
            continue
        source = path.read_text(encoding="utf-8").splitlines()
        found = spans(ast.parse("\n".join(source)), source, parts)
        lines = {n for a, b in found for n in range(a, b + 1)}
        ranges = ", ".join(f"{a}–{b}" for a, b in sorted(found))
        print(f"  {name}: {len(lines)} lines ({ranges})")
        total += len(lines)
    return total


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    engine = root / "microgrid" / "engine"
    in_slice = count(engine, SLICE)
    print(f"the learner's slice: {in_slice} lines")
    checks = count(engine, CHECKS)
    print(f"with backward's argument checks: {in_slice + checks} lines")


if __name__ == "__main__":
    main()
