"""microgrid.apps.expression: safe expressions for the command line (ast whitelist, never eval)."""

from __future__ import annotations

import ast
import builtins
import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, topological_order
from microgrid.apps.expression import MAX_LENGTH, ExpressionError, build, parse_bindings

try:
    import torch
except ImportError:  # the `compare` extra: only the PyTorch cross-check needs it
    torch = None


# ---------------------------------------------------------------------------
# Building graphs
# ---------------------------------------------------------------------------


def test_seed_statements_label_every_node() -> None:
    J = build("u = b*c; v = a + u; J = 3*v", {"a": 5, "b": 3, "c": 2})
    labels = [node.label for node in topological_order(J)]
    assert labels == ["a", "b", "c", "u", "v", "J"]
    assert J.value == 33.0
    assert str(J.op) == "*" and J.constants == (3.0, None)  # 3 is a constant, not a node
    (v,) = J.parents
    assert v.label == "v" and str(v.op) == "+"
    J.backward()
    deltas = {node.label: node.delta for node in topological_order(J)}
    assert deltas == {"a": 3.0, "b": 6.0, "c": 9.0, "u": 3.0, "v": 3.0, "J": 1.0}


def test_single_expression_labels_the_leaves_only() -> None:
    root = build("3*(a+b*c)", {"a": 5, "b": 3, "c": 2})
    order = topological_order(root)
    assert [n.label for n in order if not n.parents] == ["a", "b", "c"]
    assert [n.label for n in order if n.parents] == ["", "", ""]
    assert root.value == 33.0


def test_a_variable_used_twice_is_one_leaf_with_two_edges() -> None:
    y = build("x*x", {"x": 3})
    x1, x2 = y.parents
    assert x1 is x2 and x1.label == "x"
    y.backward()
    assert x1.delta == 6.0


def test_statements_may_sit_on_separate_lines() -> None:
    root = build("u = 2*x\nJ = u + 1", {"x": 4})
    assert root.label == "J" and root.value == 9.0


def test_constant_subexpressions_are_folded_into_op_constants() -> None:
    root = build("2**3 * x - -1", {"x": 1})
    assert str(root.op) == "-" and root.constants == (None, -1.0)
    (product,) = root.parents
    assert product.constants == (8.0, None)
    assert root.value == 9.0


def test_a_named_number_is_a_leaf_and_a_constant_expression_is_a_leaf() -> None:
    root = build("k = 2*3; J = k*x", {"x": 2})
    k = root.parents[0]
    assert k.label == "k" and k.value == 6.0 and not k.parents
    constant = build("1 + 2", {})
    assert constant.value == 3.0 and not constant.parents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exp(x)", math.exp(0.5)),
        ("log(x)", math.log(0.5)),
        ("sigmoid(x)", 1 / (1 + math.exp(-0.5))),
        ("tanh(x)", math.tanh(0.5)),
        ("relu(x - 1)", 0.0),
        ("sqrt(x)", math.sqrt(0.5)),
        ("abs(x - 2)", 1.5),
        ("-x", -0.5),
        ("+x", 0.5),
        ("x / 4", 0.125),
        ("x ** 3", 0.125),
        ("2 ** x", 2**0.5),
    ],
)
def test_each_function_and_operator(text: str, expected: float) -> None:
    assert build(text, {"x": 0.5}).value == pytest.approx(expected, rel=1e-15)


def test_a_long_sum_is_built_without_recursion() -> None:
    terms = 1500
    root = build(" + ".join(["x"] * terms), {"x": 1})
    assert root.value == terms
    root.backward()
    assert root.parents[1].delta == terms


# Random expressions checked against PyTorch: the same tree written as text
# (for build) and evaluated with torch tensors.
Node = tuple[str, Callable[[dict[str, Any]], Any]]

_leaves: st.SearchStrategy[Node] = st.one_of(
    st.sampled_from(["x", "y", "z"]).map(lambda n: (n, lambda env, n=n: env[n])),
    st.sampled_from([0.5, 2, 3.25]).map(
        lambda c: (repr(c), lambda env, c=c: torch.tensor(float(c), dtype=torch.float64))
    ),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def binary(symbol: str, apply: Callable[[Any, Any], Any]) -> st.SearchStrategy[Node]:
        return st.tuples(children, children).map(
            lambda pair: (
                f"({pair[0][0]} {symbol} {pair[1][0]})",
                lambda env: apply(pair[0][1](env), pair[1][1](env)),
            )
        )

    def unary(name: str, apply: Callable[[Any], Any]) -> st.SearchStrategy[Node]:
        return children.map(lambda c: (f"{name}({c[0]})", lambda env: apply(c[1](env))))

    return st.one_of(
        binary("+", lambda a, b: a + b),
        binary("-", lambda a, b: a - b),
        binary("*", lambda a, b: a * b),
        children.map(
            lambda c: (f"({c[0]} / (1 + ({c[0]})**2))", lambda e: c[1](e) / (1 + c[1](e) ** 2))
        ),
        children.map(lambda c: (f"(-{c[0]})", lambda env: -c[1](env))),
        unary("tanh", lambda t: torch.tanh(t)),
        unary("sigmoid", lambda t: torch.sigmoid(t)),
        children.map(lambda c: (f"exp(tanh({c[0]}))", lambda e: torch.exp(torch.tanh(c[1](e))))),
        children.map(lambda c: (f"log(1 + ({c[0]})**2)", lambda e: torch.log(1 + c[1](e) ** 2))),
    )


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch)")
@settings(max_examples=60, deadline=None)
@given(
    tree=st.recursive(_leaves, _extend, max_leaves=8),
    values=st.tuples(*(st.floats(-2, 2, allow_nan=False) for _ in range(3))),
)
def test_random_expressions_match_torch(tree: Node, values: tuple[float, ...]) -> None:
    text, torch_fn = tree
    names = sorted(set(re.findall(r"\b[xyz]\b", text)))
    bindings = dict(zip(("x", "y", "z"), values, strict=True))
    used = {n: bindings[n] for n in names}
    root = build(text, used)
    root.backward()
    tensors = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in used.items()}
    expected = torch_fn(tensors)
    assert root.value == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    if expected.requires_grad:
        expected.backward()
    leaves = {n.label: n for n in topological_order(root) if not n.parents}
    for name, tensor in tensors.items():
        grad = 0.0 if tensor.grad is None else tensor.grad.item()
        assert leaves[name].delta == pytest.approx(grad, rel=1e-8, abs=1e-10), (text, name)


def test_build_never_evaluates_user_text(monkeypatch: pytest.MonkeyPatch) -> None:
    real_compile = builtins.compile

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec must never run on user text")

    def parse_only(source: Any, filename: Any, mode: Any, flags: int = 0, **kw: Any) -> Any:
        # ast.parse compiles to a syntax tree only; anything else would make code.
        assert flags & ast.PyCF_ONLY_AST, "compile() to code must never run on user text"
        return real_compile(source, filename, mode, flags, **kw)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", parse_only)
    assert build("u = b*c; J = 3*(a + u)", {"a": 5, "b": 3, "c": 2}).value == 33.0


# ---------------------------------------------------------------------------
# Refusing everything else, pointing at the offending part
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offending", "words"),
    [
        ("3 * x.real", "x.real", "attribute"),
        ("x.__class__", "x.__class__", "attribute"),
        ("__import__('os')", "__import__", "unknown function"),
        ("x + open('f')", "open", "unknown function"),
        ("x[0]", "x[0]", "subscripts"),
        ("(lambda: x)()", "lambda: x", "only the functions"),
        ("x + (lambda: 1)", "lambda: 1", "lambda"),
        ("x + 'abc'", "'abc'", "string"),
        ("x + f'{x}'", "f'{x}'", "f-strings"),
        ("x + [i for i in (1, 2)][0]", "[i for i in (1, 2)][0]", "subscripts"),
        ("sum(i for i in (1, 2)) + x", "sum", "unknown function"),
        ("x + {i for i in (1, 2)}", "{i for i in (1, 2)}", "comprehensions"),
        ("x // 2", "x // 2", "operator //"),
        ("x % 2", "x % 2", "operator %"),
        ("x < 2", "x < 2", "comparisons"),
        ("x if x else 1", "x if x else 1", "if/else"),
        ("(y := x)", "y := x", ":="),
        ("exp(x, 2)", "exp(x, 2)", "one argument"),
        ("exp(x=x)", "exp(x=x)", "one argument"),
        ("True * x", "True", "not a number"),
        ("x ** 1j", "1j", "not a number"),
        ("~x", "~x", "unary minus"),
        ("x; x + 1", "x", "last statement"),
        ("x += 1", "x += 1", "augmented"),
        ("a, b = x, x", "a, b = x, x", "one plain name"),
        ("import os", "import os", "import"),
    ],
)
def test_forbidden_syntax_is_refused_at_its_position(text: str, offending: str, words: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        build(text, {"x": 1.0})
    error = raised.value
    message = str(error)
    assert words in message
    assert "\n" not in message  # one line for the command line
    assert error.column is not None
    assert text[error.column :].startswith(offending), (message, error.column)
    assert f"column {error.column + 1}" in message  # 1-based, as people count
    # The caret line sits under the offending part.
    source, carets = error.pointer().splitlines()
    assert carets.index("^") == source.index(text) + error.column


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(ExpressionError) as raised:
        build("σ = x*2; σ.real", {"x": 1.0})
    assert raised.value.column == "σ = x*2; σ.real".index("σ.real")


def test_syntax_errors_are_expression_errors_with_a_column() -> None:
    with pytest.raises(ExpressionError, match=r"the expression ends with [+] at column 3"):
        build("x +", {"x": 1.0})
    with pytest.raises(ExpressionError, match=r"cannot read the expression at column 5"):
        build("x = = 2", {"x": 1.0})


@pytest.mark.parametrize(
    ("text", "message", "caret_at"),
    [
        ("3*(a+b c)", "missing operator between b and c at column 7: did you mean b*c?", 6),
        ("2x + a", "2x at column 1 needs a * between the number and the name: write 2*x", 0),
        ("a + b +", "the expression ends with + at column 7: something is missing after it", 6),
        ("(a + b", "the ( at column 1 is never closed", 0),
        ("a + b)", "the ) at column 6 closes nothing", 5),
        ("a**2 + b²", "² at column 9 is not read as a power: write x**2 for x²", 8),
        ("a^b", "^ is not a power here at column 1: write x**y", 0),
        ("sigmod(a) + b", "unknown function 'sigmod' at column 1: did you mean sigmoid?", 0),
        ("a + bb", "unknown variable 'bb' at column 5: did you mean b?", 4),
        ("a(b + 1)", "if a is a variable, write a*(...)", 0),
    ],
)
def test_slips_are_said_in_this_grammar_with_a_caret(
    text: str, message: str, caret_at: int
) -> None:
    with pytest.raises(ExpressionError) as raised:
        build(text, {"a": 1.0, "b": 2.0, "c": 3.0} if "c" in text else {"a": 1.0, "b": 2.0})
    assert message in str(raised.value)
    for python_words in ("Perhaps", "invalid decimal literal", "invalid syntax"):
        assert python_words not in str(raised.value)
    _source, carets = raised.value.pointer().splitlines()
    assert carets.index("^") - 2 == caret_at


def test_what_the_output_writes_is_read_back() -> None:
    # explain() writes 3 · v and −x: copying them back works.
    assert build("3 · a − b", {"a": 5.0, "b": 1.0}).value == 14.0
    assert build("a × −b", {"a": 5.0, "b": 1.0}).value == -5.0


def test_names_equal_after_unicode_normalisation_are_refused() -> None:
    with pytest.raises(ExpressionError, match=r"'x' and 'ｘ' are the same name .*NFKC"):
        build("x", {"x": 1.0, "ｘ": 2.0})


def test_too_long_input_is_rejected_before_parsing() -> None:
    text = "x+" * (MAX_LENGTH // 2) + "x"
    assert len(text) > MAX_LENGTH
    with pytest.raises(ExpressionError, match="10,000"):
        build(text, {"x": 1.0})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(" * 300 + "x" + ")" * 300, 1.0),
        ("-" * 5000 + "x", 1.0),  # an even number of minus signs
        ("+".join(["x"] * 4000), 4000.0),
        ("9" * 5000 + " * x", math.inf),
    ],
)
def test_pathological_input_is_built_or_refused_never_a_crash(text: str, value: float) -> None:
    # Python's own parser gives up on some of these (how soon depends on the
    # Python version); whatever it accepts, the explicit-stack builder handles.
    try:
        root = build(text, {"x": 1.0})
    except ExpressionError as error:
        assert "\n" not in str(error)
    else:
        assert root.value == value


@pytest.mark.parametrize("text", ["x\x00", "x\ud800", "\ufeffx"])
def test_unreadable_characters_are_expression_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        build(text, {"x": 1.0})


def test_unknown_variable_is_named() -> None:
    with pytest.raises(ExpressionError, match=r"unknown variable 'd'.*d=1.*known: a, b"):
        build("a*b + d", {"a": 1, "b": 2})


def test_bindings_that_are_not_used_are_named() -> None:
    with pytest.raises(ExpressionError, match="c is given but not used"):
        build("a*b", {"a": 1, "b": 2, "c": 3})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x = 2; x", "cannot be assigned"),
        ("u = x*2; u = x*3; u", "assigned twice"),
        ("u = x*2; v = u; v", "only renames u"),
        ("exp = x*2; exp", "function name"),
        ("exp + x", "is a function"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_confusing_statements_are_refused(text: str, words: str) -> None:
    with pytest.raises(ExpressionError, match=words):
        build(text, {"x": 1.0})


def test_domain_errors_carry_the_engines_message() -> None:
    with pytest.raises(ValueError) as raised:
        build("log(x)", {"x": -1})
    assert not isinstance(raised.value, ExpressionError)
    assert str(raised.value) == "log(x) (x = -1): log is defined only for values > 0"
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        build("1 / (x - 1)", {"x": 1})
    # Numbers only: folded with the same primitive, named by the source text.
    with pytest.raises(ValueError, match=r"log\(-1\): log is defined only"):
        build("x + log(-1)", {"x": 1})
    with pytest.raises(ZeroDivisionError, match="1/0"):
        build("x + 1/0", {"x": 1})


# ---------------------------------------------------------------------------
# parse_bindings
# ---------------------------------------------------------------------------


def test_parse_bindings_reads_numbers() -> None:
    assert parse_bindings(["a=5", "b = -3.5", "c=1e-3", "d=+2"]) == {
        "a": 5.0,
        "b": -3.5,
        "c": 0.001,
        "d": 2.0,
    }
    assert parse_bindings([]) == {}


@pytest.mark.parametrize(
    ("pairs", "words"),
    [
        (["a"], "NAME=VALUE"),
        (["a=x"], "must be a number"),
        (["a="], "must be a number"),
        (["=3"], "not a valid variable name"),
        (["1a=3"], "not a valid variable name"),
        (["a-b=3"], "not a valid variable name"),
        (["if=3"], "not a valid variable name"),
        (["exp=3"], "function name"),
        (["__x=3"], "__"),
        (["a=nan"], "finite"),
        (["a=inf"], "finite"),
        (["a=1", "a=2"], "given twice"),
    ],
)
def test_parse_bindings_refuses_bad_pairs(pairs: list[str], words: str) -> None:
    with pytest.raises(ExpressionError, match=words):
        parse_bindings(pairs)


def test_build_checks_bindings_given_as_a_mapping() -> None:
    with pytest.raises(ExpressionError, match="finite"):
        build("x", {"x": math.nan})
    with pytest.raises(ExpressionError, match="not a valid variable name"):
        build("x", {"x y": 1.0})
    with pytest.raises(ExpressionError, match="must be a string"):
        build(3, {})  # type: ignore[arg-type]


def test_expression_error_is_a_value_error() -> None:
    assert issubclass(ExpressionError, ValueError)
    assert isinstance(build("x", {"x": 1.0}), Value)


def test_explain_writes_one_minus_sign_and_only_operators_the_parser_reads() -> None:
    from microgrid import explain

    text = str(explain(build("-x * 2", {"x": 1.0})))
    assert "t1 = −x = −1 = −1" in text
    assert "-" not in text.replace("->", "")
    powers = str(explain(build("J = y**x + y**0.5", {"x": -2.0, "y": 4.0})))
    assert "^" not in powers
    assert "y**x = 4**(−2)" in powers and "y**0.5 = 4**0.5 = 2" in powers
    # What explain writes can be typed back.
    assert (
        build("y**x + y**0.5", {"x": -2.0, "y": 4.0}).value == build("4**(−2) + 4**0.5", {}).value
    )


def test_columns_stay_right_after_a_middle_dot() -> None:
    # · is two bytes in UTF-8 and * one: the column must still count characters.
    with pytest.raises(ExpressionError, match=r"at column 9: 'x\.real'") as raised:
        build("3 · a · x.real", {"a": 1.0, "x": 2.0})
    assert raised.value.pointer().splitlines()[1].index("^") - 2 == 8
