"""Compile the FEEL AST into nested Python closures.

Each node becomes a function ``Env -> value``. Work that does not depend on the variables
(literals, temporal literals, function resolution, operator dispatch) happens once here, so a
cached expression evaluates with a handful of Python calls.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from . import _semantics as S
from ._builtins import BUILTINS, FunctionFailure, illegal_arguments
from ._errors import FeelSyntaxError
from ._parser import Node
from ._temporal import parse_date, parse_date_time, parse_duration, parse_temporal, parse_time
from ._values import NUMBER_TYPES, FeelFunction, FeelRange, render, to_decimal, type_name

__all__ = ["compile_node"]

Fn = Callable[[S.Env], Any]

_TEMPORAL_PARSERS: dict[str, Callable[[str], Any]] = {
    "@": parse_temporal,
    "date": parse_date,
    "time": parse_time,
    "date and time": parse_date_time,
    "duration": parse_duration,
}


def _number(text: str) -> int | Decimal:
    if "." in text or len(text) > 34:
        return Decimal(text)
    return int(text)


def _const(value: Any) -> Fn:
    return lambda env: value


def compile_node(node: Node, text: str) -> Fn:
    return _Compiler(text).compile(node)


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text

    def compile(self, node: Node) -> Fn:
        method: Callable[[Node], Fn] = getattr(self, "c_" + node.kind)
        return method(node)

    # -- literals ------------------------------------------------------------------------------

    def c_const(self, node: Node) -> Fn:
        raw, is_number = node.args
        return _const(_number(raw) if is_number else raw)

    def c_null(self, node: Node) -> Fn:
        return _const(None)

    def c_bool(self, node: Node) -> Fn:
        return _const(node.args[0])

    def c_temporal(self, node: Node) -> Fn:
        kind, raw = node.args
        # Invalid temporal literals are null, without a warning (FEEL-Scala's parser does the same).
        return _const(_TEMPORAL_PARSERS[kind](raw))

    def c_list(self, node: Node) -> Fn:
        items = [self.compile(n) for n in node.args]
        if not items:
            return lambda env: []
        return lambda env: [f(env) for f in items]

    def c_context(self, node: Node) -> Fn:
        entries = [(key, self.compile(n)) for key, n in node.args]
        # Later entries see earlier ones. A function defined in an entry captures the scope at its
        # definition, so with functions around each entry gets its own copy of the scope; without,
        # one scope dict grows entry by entry (linear instead of quadratic for big literals).
        copy_scope = _mentions_kind(node, "function")

        def context(env: S.Env) -> Any:
            result: dict[str, Any] = {}
            saved = env.locals
            scope = dict(saved)
            try:
                for key, f in entries:
                    value = f(env)
                    result[key] = value
                    if copy_scope:
                        scope = {**scope, key: value}
                    else:
                        scope[key] = value
                    env.locals = scope
            finally:
                env.locals = saved
            return result

        return context

    def c_range(self, node: Node) -> Fn:
        start_f = self.compile(node.args[0])
        end_f = self.compile(node.args[1])
        start_closed, end_closed = node.args[2], node.args[3]

        def make_range(env: S.Env) -> Any:
            start = start_f(env)
            end = end_f(env)
            if (start is not None and end is not None and not S.comparable(start, end)) or (
                start is None and end is None
            ):
                rng = FeelRange(start, end, start_closed, end_closed)
                env.warn(S.INVALID_TYPE, f"Invalid range definition '{rng}'")
                return None
            return FeelRange(start, end, start_closed, end_closed)

        return make_range

    def c_function(self, node: Node) -> Fn:
        params, body_node = node.args
        body = self.compile(body_node)

        def define(env: S.Env) -> Any:
            captured = env.locals

            def invoke(call_env: S.Env, args: list[Any]) -> Any:
                saved = call_env.locals
                call_env.locals = {**captured, **dict(zip(params, args, strict=False))}
                try:
                    return body(call_env)
                finally:
                    call_env.locals = saved

            return FeelFunction("anonymous", tuple(params), invoke)

        return define

    def c_input(self, node: Node) -> Fn:
        def input_value(env: S.Env) -> Any:
            if "?" in env.locals:
                return env.locals["?"]
            raise S.Fatal("No input value available. '?' can only be used inside an unary-test expression.")

        return input_value

    # -- names and paths -----------------------------------------------------------------------

    def c_name(self, node: Node) -> Fn:
        name = node.args[0]
        message = f"No variable found with name '{name}'"

        def ref(env: S.Env) -> Any:
            loc = env.locals
            if name in loc:
                return loc[name]
            variables = env.vars
            try:
                if name in variables:
                    return variables[name]
            except Exception as error:  # the caller's scope failed: not a FEEL problem
                raise S.ScopeError(name) from error
            env.warn(S.NO_VARIABLE_FOUND, message)
            return None

        return ref

    def c_path(self, node: Node) -> Fn:
        base_node, key = node.args
        keys: list[str] = []
        root = node
        while root.kind == "path":
            keys.append(root.args[1])
            root = root.args[0]
        if root.kind == "name":
            # `a.b.c` on a variable: a missing variable stops the walk with one warning (FEEL-Scala's Ref)
            keys.reverse()
            if len(keys) == 1:
                return self._ref_key(root.args[0], key)
            return self._ref_chain(root.args[0], keys)
        base = self.compile(base_node)
        path = S.path

        def path_expression(env: S.Env) -> Any:
            value = base(env)
            if type(value) is dict and key in value:
                return value[key]
            return path(env, value, key)

        return path_expression

    def _ref_key(self, name: str, key: str) -> Fn:
        """The very common ``a.b``, kept to as few Python operations as possible."""
        message = f"No variable found with name '{name}'"
        path = S.path

        def ref_key(env: S.Env) -> Any:
            loc = env.locals
            if name in loc:
                value = loc[name]
            else:
                variables = env.vars
                try:
                    if name not in variables:
                        env.warn(S.NO_VARIABLE_FOUND, message)
                        return None
                    value = variables[name]
                except Exception as error:  # the caller's scope failed: not a FEEL problem
                    raise S.ScopeError(name) from error
            if type(value) is dict and key in value:
                return value[key]
            return path(env, value, key)

        return ref_key

    def _ref_chain(self, name: str, keys: list[str]) -> Fn:
        message = f"No variable found with name '{name}'"
        path = S.path

        def ref_chain(env: S.Env) -> Any:
            loc = env.locals
            if name in loc:
                value = loc[name]
            else:
                variables = env.vars
                try:
                    if name not in variables:
                        env.warn(S.NO_VARIABLE_FOUND, message)
                        return None
                    value = variables[name]
                except Exception as error:  # the caller's scope failed: not a FEEL problem
                    raise S.ScopeError(name) from error
            for key in keys:
                value = value[key] if type(value) is dict and key in value else path(env, value, key)
            return value

        return ref_chain

    def c_filter(self, node: Node) -> Fn:
        base_node, cond_node = node.args
        base = self.compile(base_node)
        cond = self.compile(cond_node)
        static_index: Any = None
        if cond_node.kind == "const" and cond_node.args[1]:
            static_index = _number(cond_node.args[0])
        elif cond_node.kind == "neg" and cond_node.args[0].kind == "const" and cond_node.args[0].args[1]:
            static_index = -_number(cond_node.args[0].args[0])
        # FEEL-Scala evaluates a comparison (not `!=`, which is not(=)) or a function call per item
        # directly; any other condition is first evaluated once outside the items to see whether it
        # is an index (so names of the items may be reported missing once).
        per_item_only = (cond_node.kind == "cmp" and cond_node.args[0] != "!=") or cond_node.kind in (
            "call",
            "qcall",
        )

        def filter_expression(env: S.Env) -> Any:
            items = base(env)
            if type(items) is not list:
                env.warn(S.INVALID_TYPE, f"Expected list but found '{render(items)}'")
                return None
            if static_index is not None:
                return _index(items, static_index)
            if not per_item_only:
                outer = cond(env)
                if type(outer) in NUMBER_TYPES:
                    return _index(items, outer)
            return _filter_items(env, items, cond)

        return filter_expression

    # -- operators -----------------------------------------------------------------------------

    def c_neg(self, node: Node) -> Fn:
        operand = self.compile(node.args[0])
        negate = S.negate
        return lambda env: negate(env, operand(env))

    def c_arith(self, node: Node) -> Fn:
        op, left_node, right_node = node.args
        left = self.compile(left_node)
        right = self.compile(right_node)
        if op == "+":
            add = S.add
            limit = S.INT_LIMIT

            def plus(env: S.Env) -> Any:
                x = left(env)
                y = right(env)
                tx = type(x)
                if tx is type(y):
                    if tx is int:
                        r = x + y
                        if -limit < r < limit:
                            return r
                    elif tx is str:
                        return x + y
                return add(env, x, y)

            return plus
        impl = {"-": S.subtract, "*": S.multiply, "/": S.divide, "**": S.power}[op]
        return lambda env: impl(env, left(env), right(env))

    def c_cmp(self, node: Node) -> Fn:
        op, left_node, right_node = node.args
        left = self.compile(left_node)
        right = self.compile(right_node)
        equal = S.equal
        if op == "=":
            if right_node.kind == "null":
                return lambda env: left(env) is None
            if left_node.kind == "null":
                return lambda env: right(env) is None

            def eq(env: S.Env) -> Any:
                x = left(env)
                y = right(env)
                tx = type(x)
                if tx is type(y) and (tx is str or tx is int or tx is bool):
                    return x == y
                return equal(env, x, y)

            return eq
        if op == "!=":

            def ne(env: S.Env) -> Any:
                x = left(env)
                y = right(env)
                tx = type(x)
                if tx is type(y) and (tx is str or tx is int or tx is bool):
                    return x != y
                result = equal(env, x, y)
                if result is None:
                    env.warn(S.INVALID_TYPE, "Expected boolean but found 'null'")
                    return None
                return not result

            return ne
        less = S.less
        fast: Callable[[Any, Any], bool] = {
            "<": operator.lt,
            "<=": operator.le,
            ">": operator.gt,
            ">=": operator.ge,
        }[op]

        def compare(env: S.Env) -> Any:
            x = left(env)
            y = right(env)
            tx = type(x)
            if tx is type(y) and (tx is int or tx is str or tx is Decimal):
                return fast(x, y)
            return less(env, op, x, y)

        return compare

    def c_between(self, node: Node) -> Fn:
        value_f, low_f, high_f = (self.compile(n) for n in node.args)
        less = S.less

        def between(env: S.Env) -> Any:
            # FEEL-Scala rewrites `x between a and b` to `x >= a and x <= b`
            x = value_f(env)
            first = less(env, ">=", x, low_f(env))
            if first is False:
                return False
            second = less(env, "<=", x, high_f(env))
            if second is False:
                return False
            if first is None or second is None:
                return None
            return True

        return between

    def c_instance(self, node: Node) -> Fn:
        value_f = self.compile(node.args[0])
        wanted = node.args[1]
        aliases = {
            "date time": "date and time",
            "date and time": "date and time",
            "year-month-duration": "years and months duration",
            "day-time-duration": "days and time duration",
        }
        wanted = aliases.get(wanted, wanted)
        if wanted == "Any":
            return lambda env: value_f(env) is not None
        return lambda env: type_name(value_f(env)) == wanted

    def c_and(self, node: Node) -> Fn:
        return self._junction(node, absorbing=False)

    def c_or(self, node: Node) -> Fn:
        return self._junction(node, absorbing=True)

    def _junction(self, node: Node, absorbing: bool) -> Fn:
        """Three-valued ``and`` (``absorbing`` False) and ``or`` (True), evaluated left to right.

        Once an operand is the absorbing value the rest are not evaluated; a non-boolean operand
        warns and makes the result null unless a later operand is the absorbing value.
        """
        items = [self.compile(n) for n in node.args]

        def junction(env: S.Env) -> Any:
            state: bool | None = not absorbing
            for f in items:
                if state is absorbing:
                    return absorbing
                value = f(env)
                if state is None:
                    if value is absorbing:
                        return absorbing
                    continue
                if value is True or value is False:
                    state = value
                else:
                    env.warn(S.INVALID_TYPE, f"Expected boolean but found '{render(value)}'")
                    state = None
            return state

        return junction

    # -- control flow --------------------------------------------------------------------------

    def c_if(self, node: Node) -> Fn:
        cond, then, other = (self.compile(n) for n in node.args)

        def if_expression(env: S.Env) -> Any:
            c = cond(env)
            if c is True:
                return then(env)
            if c is not False:
                env.warn(S.INVALID_TYPE, f"Expected boolean but found '{render(c)}'")
            return other(env)

        return if_expression

    def _iterators(self, iterators: list[tuple[str, Node]]) -> Callable[[S.Env], list[list[Any]] | None]:
        compiled: list[tuple[str, Fn, Fn | None]] = []
        for name, src in iterators:
            if src.kind == "iter_range":
                compiled.append((name, self.compile(src.args[0]), self.compile(src.args[1])))
            else:
                compiled.append((name, self.compile(src), None))

        def sources(env: S.Env) -> list[list[Any]] | None:
            lists: list[list[Any]] = []
            for _name, f, end_f in compiled:
                if end_f is None:
                    value = f(env)
                    if type(value) is not list:
                        env.warn(S.INVALID_TYPE, f"Expected list but found '{render(value)}'")
                        return None
                    lists.append(value)
                else:
                    start = f(env)
                    end = end_f(env)
                    if not (S.expect_number(env, start) and S.expect_number(env, end)):
                        return None
                    s = to_decimal(start)
                    e = to_decimal(end)
                    count = int(abs(e - s)) + 1
                    if count > env.budget:
                        env.spend(count)  # fails before allocating a huge list
                    step = 1 if s <= e else -1
                    if s == s.to_integral_value():
                        a = int(s)
                        lists.append(list(range(a, a + step * count, step)))
                    else:
                        lists.append([s + step * k for k in range(count)])
            total = 1
            for lst in lists:
                total *= len(lst)
            env.spend(total)
            return lists

        return sources

    def c_for(self, node: Node) -> Fn:
        iterators, body_node = node.args
        names = [name for name, _ in iterators]
        sources = self._iterators(iterators)
        body = self.compile(body_node)
        # `partial` (the results so far) is a fresh copy per iteration, so it is only provided when
        # the body mentions it; otherwise a long loop would be quadratic.
        with_partial = _mentions(body_node, "partial")

        def for_expression(env: S.Env) -> Any:
            lists = sources(env)
            if lists is None:
                return None
            saved = env.locals
            results: list[Any] = []
            try:
                for scope in _scopes(saved, names, lists):
                    if with_partial:
                        env.spend(len(results))  # the copy is work too
                        scope["partial"] = list(results)
                    env.locals = scope
                    results.append(body(env))
            finally:
                env.locals = saved
            return results

        return for_expression

    def _quantifier(self, node: Node, some: bool) -> Fn:
        iterators, cond_node = node.args
        names = [name for name, _ in iterators]
        sources = self._iterators(iterators)
        cond = self.compile(cond_node)
        decisive = some  # `some` stops at true, `every` at false

        def quantified(env: S.Env) -> Any:
            lists = sources(env)
            if lists is None:
                return None
            saved = env.locals
            state: bool | None = not decisive
            try:
                for scope in _scopes(saved, names, lists):
                    env.locals = scope
                    value = cond(env)
                    if value is decisive:
                        return decisive
                    if state is None:
                        continue
                    if value is (not decisive):
                        continue
                    env.warn(S.INVALID_TYPE, f"Expected boolean but found '{render(value)}'")
                    state = None
            finally:
                env.locals = saved
            return state

        return quantified

    def c_some(self, node: Node) -> Fn:
        return self._quantifier(node, True)

    def c_every(self, node: Node) -> Fn:
        return self._quantifier(node, False)

    # -- unary tests ---------------------------------------------------------------------------

    def c_in(self, node: Node) -> Fn:
        value_f = self.compile(node.args[0])
        test = self.compile_test(node.args[1])

        def in_expression(env: S.Env) -> Any:
            value = value_f(env)
            saved = env.locals
            env.locals = {**saved, "?": value}
            try:
                return test(env, value)
            finally:
                env.locals = saved

        return in_expression

    def c_ut_cmp(self, node: Node) -> Fn:
        test = self.compile_test(node)

        def implicit(env: S.Env) -> Any:
            if "?" in env.locals:
                value = env.locals["?"]
            else:
                env.warn(S.NO_VARIABLE_FOUND, "No input value found.")
                value = None
            return test(env, value)

        return implicit

    def compile_test(self, node: Node) -> Callable[[S.Env, Any], Any]:
        kind = node.kind
        if kind == "ut_any":
            tests = [self.compile_test(n) for n in node.args]

            def any_test(env: S.Env, value: Any) -> Any:
                state: bool | None = False
                for t in tests:
                    r = t(env, value)
                    if r is True:
                        return True
                    if r is not False:
                        state = None
                return state

            return any_test
        if kind == "ut_cmp":
            op, operand_node = node.args
            operand = self.compile(operand_node)
            if op == "=":
                return lambda env, value: S.equal(env, value, operand(env))
            if op == "!=":

                def not_equal(env: S.Env, value: Any) -> Any:
                    r = S.equal(env, value, operand(env))
                    return None if r is None else not r

                return not_equal
            return lambda env, value: S.less(env, op, value, operand(env))
        if kind == "ut_range":
            rng_node = node.args[0]
            start_f = self.compile(rng_node.args[0])
            end_f = self.compile(rng_node.args[1])
            sc, ec = rng_node.args[2], rng_node.args[3]
            return lambda env, value: S.in_range(env, value, FeelRange(start_f(env), end_f(env), sc, ec))
        expr_node = node.args[0] if kind == "ut_expr" else node
        if expr_node.kind == "bool":
            constant = expr_node.args[0]
            return lambda env, value: S.equal(env, value, constant)
        expr = self.compile(expr_node)

        def expression_test(env: S.Env, value: Any) -> Any:
            x = expr(env)
            if x is True:
                return True
            if type(x) is list and any(S.eq(value, item) is True for item in x):
                return True
            if type(x) is FeelRange:
                return S.in_range(env, value, x)
            r = S.equal(env, value, x)
            if r is True:
                return True
            if x is False or type(x) is list:
                return False
            if r is None:
                return None
            return False

        return expression_test

    # -- functions -----------------------------------------------------------------------------

    def _args(self, node: Node) -> tuple[list[Fn] | list[tuple[str, Fn]], bool]:
        _, args, named = node.args[-3], node.args[-2], node.args[-1]
        if named:
            return [(n, self.compile(a)) for n, a in args], True
        return [self.compile(a) for a in args], False

    def c_call(self, node: Node) -> Fn:
        name = node.args[0]
        args, named = self._args(node)
        overloads = BUILTINS.get(name, [])
        if named:
            names = {n for n, _ in args}  # type: ignore[misc]
            fixed = _resolve_named(overloads, names)
        else:
            fixed = _resolve_positional(overloads, len(args))
        def call(env: S.Env) -> Any:
            loc = env.locals
            fn = fixed
            if name in loc and type(loc[name]) is FeelFunction:
                user: FeelFunction = loc[name]
                fn = _check_user_function(user, args, named)
            if fn is None:
                if named:
                    params = ",".join(n for n, _ in args)  # type: ignore[misc]
                    env.warn(
                        S.NO_FUNCTION_FOUND, f"No function found with name '{name}' and parameters: {params}"
                    )
                else:
                    env.warn(
                        S.NO_FUNCTION_FOUND, f"No function found with name '{name}' and {len(args)} parameters"
                    )
                return None
            return _invoke(env, fn, name, args, named)

        return call

    def c_qcall(self, node: Node) -> Fn:
        base_f = self.compile(node.args[0])
        name = node.args[1]
        args, named = self._args(node)

        def qualified_call(env: S.Env) -> Any:
            base = base_f(env)
            if type(base) is not dict:
                env.warn(S.INVALID_TYPE, f"Expected context but found '{render(base)}'")
                return None
            fn = base.get(name)
            if type(fn) is not FeelFunction or _check_user_function(fn, args, named) is None:
                env.warn(S.NO_FUNCTION_FOUND, f"No function found with name '{name}' and {len(args)} parameters")
                return None
            return _invoke(env, fn, name, args, named)

        return qualified_call

    def c_iter_range(self, node: Node) -> Fn:  # pragma: no cover - only reachable inside iterators
        raise FeelSyntaxError("A range 'a..b' is only allowed after 'in' of for/some/every", self.text, node.pos)


# ---------------------------------------------------------------------------------------------
# helpers


def _scopes(saved: dict[str, Any], names: list[str], lists: list[list[Any]]) -> Iterator[dict[str, Any]]:
    """One scope per combination of the iterators' items (the first iterator varies slowest)."""
    if len(names) == 1:
        name = names[0]
        for item in lists[0]:
            yield {**saved, name: item}
        return
    for combo in itertools.product(*lists):
        yield {**saved, **dict(zip(names, combo, strict=True))}


def _mentions(node: Any, name: str) -> bool:
    """Does the AST below ``node`` refer to the variable ``name``?"""
    if isinstance(node, Node):
        if node.kind == "name" and node.args[0] == name:
            return True
        return any(_mentions(arg, name) for arg in node.args)
    if isinstance(node, tuple | list):
        return any(_mentions(item, name) for item in node)
    return False


def _mentions_kind(node: Any, kind: str) -> bool:
    """Is there a node of ``kind`` anywhere below ``node``?"""
    if isinstance(node, Node):
        return node.kind == kind or any(_mentions_kind(arg, kind) for arg in node.args)
    if isinstance(node, tuple | list):
        return any(_mentions_kind(item, kind) for item in node)
    return False


def _index(items: list[Any], index: Any) -> Any:
    try:
        i = int(to_decimal(index))
    except (ValueError, OverflowError, ArithmeticError):
        return None
    i = i - 1 if i > 0 else len(items) + i
    if i < 0 or i >= len(items):
        return None
    return items[i]


def _filter_items(env: S.Env, items: list[Any], cond: Fn) -> Any:
    if not items:
        return []
    env.spend(len(items))
    saved = env.locals
    result: list[Any] = []
    try:
        first = True
        for item in items:
            scope = {**saved, "item": item}
            if type(item) is dict:
                scope.update(item)
            env.locals = scope
            value = cond(env)
            if first:
                first = False
                if type(value) in NUMBER_TYPES:
                    return _index(items, value)
            if value is True:
                result.append(item)
    finally:
        env.locals = saved
    return result


def _resolve_positional(overloads: list[FeelFunction], count: int) -> FeelFunction | None:
    for f in overloads:
        if len(f.params) == count or (f.varargs and len(f.params) < count):
            return f
    return None


def _resolve_named(overloads: list[FeelFunction], names: set[str]) -> FeelFunction | None:
    for f in overloads:
        if names <= set(f.params):
            return f
    return None


def _check_user_function(fn: FeelFunction, args: list[Any], named: bool) -> FeelFunction | None:
    if named:
        return fn if {n for n, _ in args} <= set(fn.params) else None
    return fn if len(fn.params) == len(args) or (fn.varargs and len(fn.params) < len(args)) else None


def _invoke(env: S.Env, fn: FeelFunction, name: str, args: list[Any], named: bool) -> Any:
    if named:
        given = {n: f(env) for n, f in args}
        values = [given.get(p) for p in fn.params]
    elif fn.varargs and fn.params:
        fixed = len(fn.params) - 1
        evaluated = [f(env) for f in args]
        rest = evaluated[fixed:]
        if fixed == 0 and len(rest) == 1 and type(rest[0]) is list:
            values = [rest[0]]
        else:
            values = [*evaluated[:fixed], rest]
    else:
        values = [f(env) for f in args]
    try:
        return fn.invoke(env, values)
    except FunctionFailure as failure:
        message = failure.message if failure.message is not None else illegal_arguments(values)
        if name == "assert":
            # a failed assertion fails the whole evaluation (FEEL-Scala's ASSERT_FAILURE)
            env.warn(S.ASSERT_FAILURE, message)
            raise S.Fatal(message) from None
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError) as error:
        # a built-in hit a limit of Python's types (e.g. a date beyond year 9999)
        message = f"{illegal_arguments(values)} ({error})"
    env.warn(S.FUNCTION_INVOCATION_FAILURE, f"Failed to invoke function '{name}': {message}")
    return None
