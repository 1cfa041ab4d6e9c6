"""Safe expressions for the command line: ``"u = b*c; v = a + u; J = 3*v"`` → a graph.

The text is parsed with :mod:`ast` and every syntax node is checked against a
short whitelist before anything is built; nothing is ever passed to ``eval``.
Allowed: numbers, names, ``+ - * / **``, unary minus (and plus), parentheses,
the functions ``exp log sigmoid tanh relu sqrt abs`` with one argument, and
statements ``name = expression`` separated by ``;`` (the last one is the root).

>>> J = build("u = b*c; v = a + u; J = 3*v", {"a": 5, "b": 3, "c": 2})
>>> J.label, J.value, [p.label for p in J.parents]
('J', 33.0, ['v'])
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
import unicodedata
from collections.abc import Collection, Mapping, Sequence

from microgrid import engine
from microgrid.apps.syntax_slips import absolute_column as _absolute_column
from microgrid.apps.syntax_slips import explain_slip
from microgrid.engine import Value
from microgrid.engine.evaluate import is_number
from microgrid.engine.walks import topological_order
from microgrid.show.notation import format_number, formula, node_names

__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "ExpressionError",
    "build",
    "non_finite_note",
    "parse_bindings",
]

MAX_LENGTH = 10_000
"""Longer inputs are rejected before parsing (a command line is not a program)."""

FUNCTIONS: dict[str, engine.Primitive] = {
    "exp": engine.exp,
    "log": engine.log,
    "sigmoid": engine.sigmoid,
    "tanh": engine.tanh,
    "relu": engine.relu,
    "sqrt": engine.sqrt,
    "abs": engine.absolute,
}
"""The functions an expression may call, each with exactly one argument."""

_OPERATORS: dict[type[ast.operator], tuple[str, engine.Primitive]] = {
    ast.Add: ("+", engine.add),
    ast.Sub: ("-", engine.sub),
    ast.Mult: ("*", engine.mul),
    ast.Div: ("/", engine.div),
    ast.Pow: ("**", engine.power),
}

_OPERATOR_SYMBOLS: dict[type[ast.operator], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}

# What a learner probably meant, for the syntax we refuse (the rest get their class name).
_DESCRIPTIONS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Slice: "slices are",
    ast.Lambda: "lambda is",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "and/or are",
    ast.IfExp: "if/else is",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Set: "sets are",
    ast.Dict: "dicts are",
    ast.JoinedStr: "f-strings are",
    ast.Starred: "starred arguments are",
    ast.NamedExpr: ":= is",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
    ast.Import: "import is",
    ast.ImportFrom: "import is",
    ast.AugAssign: "augmented assignment (+= etc.) is",
    ast.AnnAssign: "annotations are",
    ast.FunctionDef: "function definitions are",
    ast.ClassDef: "class definitions are",
}


class ExpressionError(ValueError):
    """A bad expression or binding. ``str()`` is one line naming the offending part.

    ``text`` is the input and ``column`` the 0-based offset of the offending part
    (or None); ``pointer()`` draws the input with a caret under that part.

    >>> try:
    ...     build("3 * x.real", {"x": 1})
    ... except ExpressionError as error:
    ...     print(error)
    ...     print(error.pointer())
    attribute access is not allowed at column 5: 'x.real'
      3 * x.real
          ^^^^^^
    """

    def __init__(
        self, message: str, text: str = "", column: int | None = None, length: int = 1
    ) -> None:
        super().__init__(message)
        self.text = text
        self.column = column
        self.length = max(1, length)

    def pointer(self) -> str:
        """The input with ``^^^`` under the offending part (empty if there is no position)."""
        if self.column is None or not self.text:
            return ""
        line = self.text.replace("\n", " ").replace("\t", " ")
        column, length = self.column, self.length
        if len(line) > 100:  # a long input: the 100 characters around the place
            start = max(0, min(column - 30, len(line) - 100))
            end = "…" if start + 100 < len(line) else ""
            line = ("…" if start else "") + line[start : start + 100] + end
            column = column - start + (1 if start else 0)
            length = max(1, min(length, 100 - (column - (1 if start else 0))))
        return f"  {line}\n  {' ' * column}{'^' * length}"


def parse_bindings(pairs: Sequence[str]) -> dict[str, float]:
    """Turn ``["a=5", "b=3"]`` (command-line ``NAME=VALUE`` words) into ``{"a": 5.0, "b": 3.0}``.

    >>> parse_bindings(["a=5", "x = -0.5", "big=1e3"])
    {'a': 5.0, 'x': -0.5, 'big': 1000.0}
    """
    bindings: dict[str, float] = {}
    for pair in pairs:
        if not isinstance(pair, str):
            raise ExpressionError(f"expected NAME=VALUE, got {pair!r}")
        name, equals, number = pair.partition("=")
        # Python reads identifiers in NFKC form (ﬁ is fi); bindings must match that.
        name = unicodedata.normalize("NFKC", name.strip())
        if not equals:
            raise ExpressionError(f"expected NAME=VALUE (like a=5), got {_clip(pair)!r}")
        _check_name(name, f"in {_clip(pair)!r}")
        if name in bindings:
            raise ExpressionError(f"{name} is given twice ({name}={bindings[name]:g} and {pair})")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(
                f"the value of {name} must be a number, got {_clip(number.strip())!r}"
            ) from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {name} must be finite, got {number.strip()}")
        bindings[name] = value
    return bindings


def build(text: str, bindings: Mapping[str, float], *, new_names: Collection[str] = ()) -> Value:
    """Build the graph of ``text`` with each variable bound to a leaf; return the root.

    Each variable becomes a leaf labelled with its name, and each ``name = ...``
    statement labels its node with that name. Constants stay constants of the op
    (``3*v`` is one node with parent v). A domain error (``log`` of a negative)
    raises the engine's ValueError naming the node.

    >>> y = build("x**2 + log(x)", {"x": 1.0})
    >>> y.value, [p.label or str(p.op) for p in y.parents]
    (1.0, ['**', 'log'])

    `new_names` are bindings the caller made up because the text brought the name (the
    live page gives a new name a slider at 1). One that looks like a typo of a named node
    left unused is refused, as the command line refuses an unknown name:

    >>> try:
    ...     build("v = a + b; J = 3*vv", dict(a=5, b=3, vv=1), new_names={"vv"})
    ... except ExpressionError as error:
    ...     print(error)
    unknown variable 'vv' at column 18: did you mean v? (v is named but nothing uses it;
    a new leaf needs a name of its own)
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    normalised: dict[str, str] = {}
    for name, value in bindings.items():
        _check_name(name, "in the bindings")
        same = unicodedata.normalize("NFKC", name)
        if same in normalised:
            raise ExpressionError(
                f"{normalised[same]!r} and {name!r} are the same name once Unicode is "
                f"normalised (NFKC, as Python reads names: both are {same!r}); give it once"
            )
        normalised[same] = name
        if not is_number(value) or not math.isfinite(float(value)):
            raise ExpressionError(f"the value of {name} must be a finite number, got {value!r}")
    # What the output writes (3 · v, −x) reads back; one character for one, so
    # columns are the same, and ast's byte offsets match the text it parsed.
    text = text.translate(_SAME_AS)
    tree = _parse(text)
    _check_whitelist(tree, text)
    return _Builder(text, bindings, new_names).run(tree)


def non_finite_note(root: Value) -> str | None:
    """Where an inf or nan first appears under `root`, in words (None if the root is finite).

    >>> print(non_finite_note(build("J = exp(x) - 1", {"x": 1000})))
    J became inf at t1 = exp(x): exp(1000) overflows
    """
    if math.isfinite(root.value):
        return None
    names = node_names(root)
    for node in topological_order(root):  # parents first: the first one is where it began
        if math.isfinite(node.value) or not all(math.isfinite(p.value) for p in node.parents):
            continue
        if not node.parents:  # a number written in the expression, like 2**2**2**99
            return (
                f"{names[root]} is {format_number(root.value)}: a number in the expression "
                "is beyond the float range (about ±1.8e308)"
            )
        written = formula(node, names)
        numbers = formula(node, names, values=True)
        reason = "overflows" if math.isinf(node.value) else "is not a number (nan)"
        return (
            f"{names[root]} became {format_number(root.value)} at {names[node]} = {written}: "
            f"{numbers} {reason}"
        )
    return f"{names[root]} is {format_number(root.value)}"  # pragma: no cover - leaves are finite


# ---------------------------------------------------------------------------
# Parsing and the whitelist.
# ---------------------------------------------------------------------------


# What the output writes (explain, pictures) is accepted back: 3 · v, −x, a × b.
# A module constant used by build() before _parse, which is defined below it.
_SAME_AS = str.maketrans({"·": "*", "×": "*", "−": "-"})


def _parse(text: str) -> ast.Module:
    readable = text.translate(_SAME_AS)
    try:
        return ast.parse(readable, mode="exec")
    except SyntaxError as error:
        slip = explain_slip(readable)
        if slip is not None:
            raise ExpressionError(slip[0], text, slip[1], slip[2]) from None
        column: int | None = None
        if error.offset and error.offset > 0 and error.lineno:
            column = _absolute_column(readable, error.lineno, error.offset - 1)
        where = f" at column {column + 1}" if column is not None else ""
        reason = (error.msg or "invalid syntax").split("\n")[0]
        # Python's guesses are about Python ("Perhaps you forgot a comma?"), not this grammar.
        reason = reason.split(". Perhaps")[0].split(". Did you mean")[0]
        raise ExpressionError(
            f"cannot read the expression{where} ({reason})", text, column
        ) from None
    except ValueError as error:  # null bytes (Python 3.11), lone surrogates, ...
        raise ExpressionError(f"cannot read the expression: {error}", text) from None
    except (RecursionError, MemoryError):
        # CPython gives up on very deeply nested input before we see it.
        raise ExpressionError(
            "the expression is nested too deeply for Python's parser (split it into statements)",
            text,
        ) from None


def _check_whitelist(tree: ast.Module, text: str) -> None:
    """Refuse every syntax node outside the small arithmetic language."""
    allowed = (
        ast.Module,
        ast.Expr,
        ast.Assign,
        ast.Name,
        ast.Load,
        ast.Store,
        ast.Constant,
        ast.BinOp,
        ast.UnaryOp,
        ast.Call,
        ast.USub,
        ast.UAdd,
        *_OPERATORS,
    )
    for node in ast.walk(tree):  # ast.walk is iterative (a queue), not recursive
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "a string" if isinstance(value, (str, bytes)) else repr(value)
                raise _error_at(node, text, f"{kind} is not a number")
        elif isinstance(node, ast.Call):
            _check_call(node, text)
        elif isinstance(node, ast.BinOp) and type(node.op) not in _OPERATORS:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            if symbol == "^":
                raise _error_at(node, text, "^ is not a power here", "write x**y")
            raise _error_at(node, text, f"the operator {symbol} is not supported (use + - * / **)")
        elif isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _error_at(node, text, "only unary minus is supported")
        elif isinstance(node, ast.Assign):
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                raise _error_at(node, text, "assign to one plain name: name = expression")
        elif isinstance(node, ast.Name) and node.id.startswith("__"):
            raise _error_at(node, text, f"the name {node.id} is not allowed")
        elif not isinstance(node, allowed):
            what = _DESCRIPTIONS.get(type(node), f"{type(node).__name__} is")
            raise _error_at(node, text, f"{what} not allowed")


def _check_call(node: ast.Call, text: str) -> None:
    allowed = ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        raise _error_at(node.func, text, f"only the functions {allowed} can be called")
    name = node.func.id
    if name not in FUNCTIONS:
        close = difflib.get_close_matches(name, FUNCTIONS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"the functions are {allowed}"
        if not close:
            hint += f"; if {name} is a variable, write {name}*(...)"
        raise _error_at(node.func, text, f"unknown function {name!r}", hint)
    if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise _error_at(node, text, f"{name}() takes exactly one argument")


def _error_at(node: ast.AST, text: str, message: str, hint: str = "") -> ExpressionError:
    """An ExpressionError pointing at ``node``: column and the source it covers.

    The message ends with the `hint` if there is one, else with the source."""
    lineno = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    if lineno is None or col is None:
        return ExpressionError(message, text)
    column = _absolute_column(text, lineno, col, in_bytes=True)
    segment = ast.get_source_segment(text, node) or ""
    length = len(segment.split("\n")[0]) if segment else 1
    return ExpressionError(
        f"{message} at column {column + 1}: {hint or repr(_clip(segment))}", text, column, length
    )


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_name(name: str, where: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(f"{name!r} {where} is not a valid variable name")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} {where} is a function name; pick another name")
    if name.startswith("__"):
        raise ExpressionError(f"{name!r} {where}: names starting with __ are not allowed")


# ---------------------------------------------------------------------------
# Building the graph: an explicit stack over the (already checked) syntax tree.
# ---------------------------------------------------------------------------

Number = float
Result = Value | Number


class _Builder:
    def __init__(
        self, text: str, bindings: Mapping[str, float], new_names: Collection[str] = ()
    ) -> None:
        self.text = text
        self.new_names = {unicodedata.normalize("NFKC", name) for name in new_names}
        self.first_use: dict[str, ast.Name] = {}  # where each new name is first read
        self.read: set[str] = set()  # the named nodes that a later statement reads
        self.leaves = {
            unicodedata.normalize("NFKC", name): Value(float(value), label=name)
            for name, value in bindings.items()
        }
        self.used: set[str] = set()
        self.assigned: dict[str, Result] = {}

    def run(self, tree: ast.Module) -> Value:
        root: Result | None = None
        for index, statement in enumerate(tree.body):
            last = index == len(tree.body) - 1
            if isinstance(statement, ast.Assign):
                name = statement.targets[0]
                assert isinstance(name, ast.Name)
                result = self._assign(name, self.evaluate(statement.value), statement.value)
            elif isinstance(statement, ast.Expr):
                if not last:
                    raise _error_at(
                        statement,
                        self.text,
                        "only the last statement may be a bare expression (name the others)",
                    )
                result = self.evaluate(statement.value)
            else:  # pragma: no cover - the whitelist admits only these two
                raise _error_at(statement, self.text, "unsupported statement")
            root = result
        if root is None:
            raise ExpressionError("the expression is empty", self.text)
        self._check_new_names(statement)
        unused = [name for name in self.leaves if name not in self.used]
        if unused:
            raise ExpressionError(
                f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} given "
                "but not used in the expression",
                self.text,
            )
        if isinstance(root, Value):
            return root
        return Value(root)  # a constant expression: a single leaf

    def _check_new_names(self, last: ast.stmt) -> None:
        """A new name close to a named node that nothing reads is a typo (J = 3*vv for v)."""
        target = last.targets[0] if isinstance(last, ast.Assign) else None
        root_name = target.id if isinstance(target, ast.Name) else None
        unread = [name for name in self.assigned if name not in self.read and name != root_name]
        for name, node in self.first_use.items():
            close = difflib.get_close_matches(name, unread, n=1, cutoff=0.6)
            if close:
                raise _error_at(
                    node,
                    self.text,
                    f"unknown variable {name!r}",
                    f"did you mean {close[0]}? ({close[0]} is named but nothing uses it; "
                    f"a new leaf needs a name of its own)",
                )

    def _assign(self, target: ast.Name, result: Result, value_node: ast.expr) -> Result:
        name = target.id
        _check_target(name, target, self.text)
        if name in self.leaves:
            raise _error_at(
                target, self.text, f"{name} is given as {name}=VALUE and cannot be assigned"
            )
        if name in self.assigned:
            raise _error_at(target, self.text, f"{name} is assigned twice")
        if isinstance(result, Value):
            if result.label:
                # `v = u` would relabel u's node and hide the name u from every picture.
                raise _error_at(
                    value_node,
                    self.text,
                    f"{name} = {result.label} only renames {result.label}; "
                    "write the expression itself",
                )
            result.named(name)
        else:
            result = Value(result, label=name)  # `k = 3`: a named number is a leaf
        self.assigned[name] = result
        return result

    def evaluate(self, expression: ast.expr) -> Result:
        """Post-order walk with an explicit stack: operands first, then the op."""
        results: list[Result] = []
        stack: list[tuple[ast.expr, bool]] = [(expression, False)]
        while stack:
            node, operands_done = stack.pop()
            if isinstance(node, ast.Constant):
                results.append(self._number(node))
            elif isinstance(node, ast.Name):
                results.append(self._lookup(node))
            elif not operands_done:
                stack.append((node, True))
                for child in reversed(_operands(node)):
                    stack.append((child, False))
            else:
                count = len(_operands(node))
                inputs = results[-count:]
                del results[-count:]
                results.append(self._apply(node, inputs))
        assert len(results) == 1
        return results[0]

    def _number(self, node: ast.Constant) -> Number:
        value = node.value
        assert isinstance(value, (int, float))  # the whitelist checked it
        try:
            return float(value)
        except OverflowError:
            raise _error_at(node, self.text, "number too large") from None

    def _lookup(self, node: ast.Name) -> Result:
        name = node.id
        if name in self.assigned:
            self.read.add(name)
            return self.assigned[name]
        if name in self.leaves:
            self.used.add(name)
            if name in self.new_names:
                self.first_use.setdefault(name, node)
            return self.leaves[name]
        if name in FUNCTIONS:
            raise _error_at(node, self.text, f"{name} is a function: call it as {name}(x)")
        known = sorted(set(self.leaves) | set(self.assigned))
        close = difflib.get_close_matches(name, [*known, *FUNCTIONS], n=1, cutoff=0.6)
        if close and close[0] in FUNCTIONS:
            guess = f"did you mean {close[0]}(...)? Or "
        elif close:
            guess = f"did you mean {close[0]}? Or "
        else:
            guess = ""
        hint = f" (known: {', '.join(known)})" if known else ""
        raise _error_at(
            node,
            self.text,
            f"unknown variable {name!r}",
            f"{guess}give it a value like {name}=1{hint}",
        )

    def _apply(self, node: ast.expr, inputs: list[Result]) -> Result:
        if isinstance(node, ast.UnaryOp):
            (x,) = inputs
            if isinstance(node.op, ast.UAdd):
                return x
            return engine.neg(x) if isinstance(x, Value) else self._fold(engine.neg, node, [x])
        if isinstance(node, ast.BinOp):
            _, op = _OPERATORS[type(node.op)]
            left, right = inputs
            if isinstance(left, Value) or isinstance(right, Value):
                node_value: Value = op(left, right)
                return node_value
            return self._fold(op, node, [left, right])
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        function = FUNCTIONS[node.func.id]
        (x,) = inputs
        if isinstance(x, Value):
            try:
                applied: Value = function(x)
                return applied
            except ValueError as error:
                if function is engine.log and x.op is engine.sigmoid:
                    segment = _clip(ast.get_source_segment(self.text, node) or "log(sigmoid(z))")
                    raise ValueError(
                        f"{error}: in {segment}, sigmoid rounded to exactly 0 "
                        f"(its input is {format_number(x.parents[0].value)}), so the log is "
                        "-inf; in Python, binary_cross_entropy_with_logits(z, y) computes the "
                        "loss from z and stays finite"
                    ) from None
                raise
        return self._fold(function, node, [x])

    def _fold(self, op: engine.Primitive, node: ast.expr, inputs: list[Number]) -> Number:
        """A sub-expression of numbers only is a number (``2**3`` is the constant 8)."""
        try:
            value, _ = op.forward(*inputs)
        except (ValueError, ZeroDivisionError) as error:
            segment = ast.get_source_segment(self.text, node) or str(op)
            raise type(error)(f"{_clip(segment)}: {error}") from None
        return float(value)


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    raise TypeError(f"unexpected syntax node {type(node).__name__}")  # pragma: no cover


def _check_target(name: str, target: ast.Name, text: str) -> None:
    if name in FUNCTIONS:
        raise _error_at(target, text, f"{name} is a function name and cannot be assigned")
