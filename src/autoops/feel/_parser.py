"""Recursive-descent parser for FEEL expressions, producing a small AST.

The precedence levels follow FEEL-Scala's grammar (``FeelParser``):

    expression  := if | for | some/every | disjunction
    disjunction := conjunction ("or" conjunction)*
    conjunction := comparison ("and" comparison)*
    comparison  := sum [ (= != < <= > >=) sum | between sum and sum | instance of type | in tests ]
    sum         := product (("+" | "-") product)*
    product     := power (("*" | "/") power)*
    power       := unary ("**" unary)*            (left-associative, as FEEL-Scala)
    unary       := "-" unary | postfix
    postfix     := primary ("." name | "[" expression "]" | "(" args ")")*

Nesting is bounded (MAX_DEPTH) so hostile input yields FeelSyntaxError instead of RecursionError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import FeelSyntaxError
from ._lexer import CHAR, EOF, NAME, NUMBER, OP, QNAME, STRING, Token, tokenize

__all__ = ["MAX_DEPTH", "Node", "parse"]

#: Maximum AST depth. Evaluation recurses once or twice per level, so this keeps far below
#: Python's recursion limit even when the caller is itself deep in a call stack.
MAX_DEPTH = 64

#: Words that can never be a name on their own (FEEL-Scala's ``reservedWord``).
RESERVED = frozenset(
    {"null", "true", "false", "function", "in", "return", "then", "else", "satisfies", "and", "or"}
)

#: Built-in function names that contain reserved words and are therefore listed explicitly.
_RESERVED_FUNCTION_NAMES: tuple[tuple[str, ...], ...] = (
    ("date", "and", "time"),
    ("years", "and", "months", "duration"),
    ("get", "or", "else"),
)

_COMPARISON_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_SPECIAL_TYPE_NAMES: tuple[tuple[str, ...], ...] = (
    ("years", "and", "months", "duration"),
    ("days", "and", "time", "duration"),
    ("date", "and", "time"),
    ("date", "time"),
)


@dataclass(slots=True)
class Node:
    """An AST node: ``kind`` selects the meaning of ``args``; ``pos`` is the source offset."""

    kind: str
    args: tuple[Any, ...]
    pos: int


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.no_filter_depth = -1
        #: a primary already parsed by unary_test, consumed by the next primary() call
        self.pending: Node | None = None

    # -- helpers -------------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else self.tokens[-1]

    def error(self, message: str, token: Token | None = None) -> FeelSyntaxError:
        tok = token or self.tok
        return FeelSyntaxError(message, self.text, tok.start)

    def describe(self, tok: Token) -> str:
        if tok.kind == EOF:
            return "end of expression"
        if tok.kind == STRING:
            return "a string"
        if tok.kind == CHAR:
            return f"character {tok.value!r}"
        return repr(self.text[tok.start : tok.end])

    def is_op(self, value: str) -> bool:
        tok = self.tok
        return tok.kind == OP and tok.value == value

    def is_word(self, value: str, tok: Token | None = None) -> bool:
        t = tok or self.tok
        return t.kind == NAME and t.value == value

    def expect_op(self, value: str, context: str) -> Token:
        tok = self.tok
        if tok.kind != OP or tok.value != value:
            raise self.error(f"Expected '{value}' {context}, but found {self.describe(tok)}")
        self.i += 1
        return tok

    def expect_word(self, value: str, context: str) -> Token:
        tok = self.tok
        if not self.is_word(value):
            raise self.error(f"Expected '{value}' {context}, but found {self.describe(tok)}")
        self.i += 1
        return tok

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Expression is nested too deeply (more than {MAX_DEPTH} levels)")

    def leave(self) -> None:
        self.depth -= 1

    def spaced_words(self, start: int) -> list[Token]:
        """NAME tokens from ``start`` separated only by spaces (FEEL names with whitespace)."""
        words = [self.tokens[start]]
        j = start + 1
        while j < len(self.tokens):
            t = self.tokens[j]
            prev = self.tokens[j - 1]
            if t.kind != NAME or self.text[prev.end : t.start].strip(" ") != "" or prev.end == t.start:
                break
            words.append(t)
            j += 1
        return words

    # -- entry ---------------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.tok.kind == EOF:
            raise self.error("Expected an expression, but the text is empty")
        node = self.expression()
        if self.tok.kind != EOF:
            raise self.error(f"Unexpected {self.describe(self.tok)} after the end of the expression")
        return node

    def expression(self) -> Node:
        self.enter()
        try:
            tok = self.tok
            if tok.kind == NAME and self.pending is None:
                nxt = self.peek()
                if tok.value == "if":
                    return self.if_expression()
                if tok.value == "for" and nxt.kind in (NAME, QNAME) and self.is_word("in", self.peek(2)):
                    return self.for_expression()
                if (
                    tok.value in ("some", "every")
                    and nxt.kind in (NAME, QNAME)
                    and self.is_word("in", self.peek(2))
                ):
                    return self.quantified()
            return self.disjunction()
        finally:
            self.leave()

    def if_expression(self) -> Node:
        start = self.tok.start
        self.i += 1
        cond = self.expression()
        self.expect_word("then", "after the condition of 'if'")
        then = self.expression()
        self.expect_word("else", "after the 'then' branch of 'if' (FEEL requires an else branch)")
        other = self.expression()
        return Node("if", (cond, then, other), start)

    def iterators(self, keyword: str) -> list[tuple[str, Node]]:
        result: list[tuple[str, Node]] = []
        while True:
            tok = self.tok
            if tok.kind not in (NAME, QNAME) or (tok.kind == NAME and tok.value in RESERVED):
                raise self.error(f"Expected an iterator name after '{keyword}', but found {self.describe(tok)}")
            self.i += 1
            self.expect_word("in", f"after the iterator name '{tok.value}'")
            self.enter()
            try:
                start = self.sum()
                if self.is_op(".."):
                    self.i += 1
                    end = self.sum()
                    source = Node("iter_range", (start, end), start.pos)
                else:
                    source = start
            finally:
                self.leave()
            result.append((tok.value, source))
            if self.is_op(","):
                self.i += 1
                continue
            return result

    def for_expression(self) -> Node:
        start = self.tok.start
        self.i += 1
        its = self.iterators("for")
        self.expect_word("return", "after the iterators of 'for'")
        body = self.expression()
        return Node("for", (its, body), start)

    def quantified(self) -> Node:
        tok = self.tok
        self.i += 1
        its = self.iterators(tok.value)
        self.expect_word("satisfies", f"after the iterators of '{tok.value}'")
        cond = self.expression()
        return Node(tok.value, (its, cond), tok.start)

    def disjunction(self) -> Node:
        first = self.conjunction()
        if not self.is_word("or"):
            return first
        items = [first]
        while self.is_word("or"):
            self.i += 1
            items.append(self.conjunction())
        return Node("or", tuple(items), first.pos)

    def conjunction(self) -> Node:
        first = self.comparison()
        if not self.is_word("and"):
            return first
        items = [first]
        while self.is_word("and"):
            self.i += 1
            items.append(self.comparison())
        return Node("and", tuple(items), first.pos)

    def comparison(self) -> Node:
        tok = self.tok
        if tok.kind == OP and tok.value in ("<", "<=", ">", ">=") and self.pending is None:
            # A simple positive unary test used as an expression (compares with the input `?`).
            self.i += 1
            return Node("ut_cmp", (tok.value, self.sum()), tok.start)
        left = self.sum()
        tok = self.tok
        if tok.kind == OP and tok.value in _COMPARISON_OPS:
            self.i += 1
            right = self.sum()
            return Node("cmp", (tok.value, left, right), tok.start)
        if self.is_word("between"):
            self.i += 1
            low = self.sum()
            self.expect_word("and", "between the bounds of 'between'")
            high = self.sum()
            return Node("between", (left, low, high), tok.start)
        if self.is_word("instance"):
            self.i += 1
            self.expect_word("of", "after 'instance'")
            return Node("instance", (left, self.type_name()), tok.start)
        if self.is_word("in"):
            self.i += 1
            return Node("in", (left, self.in_tests()), tok.start)
        return left

    def type_name(self) -> str:
        for dashed in ("day-time-duration", "year-month-duration"):
            parts = dashed.split("-")
            if all(
                self.is_word(w, self.peek(2 * k)) and (k == 2 or self.peek(2 * k + 1).value == "-")
                for k, w in enumerate(parts)
            ):
                self.i += 5
                return dashed
        for words in _SPECIAL_TYPE_NAMES:
            n = len(words)
            if all(self.is_word(w, self.peek(k)) for k, w in enumerate(words)):
                self.i += n
                return " ".join(words)
        tok = self.tok
        if tok.kind not in (NAME, QNAME):
            raise self.error(f"Expected a type name after 'instance of', but found {self.describe(tok)}")
        parts = [tok.value]
        self.i += 1
        while self.is_op(".") and self.peek().kind in (NAME, QNAME):
            parts.append(self.peek().value)
            self.i += 2
        # Generic types such as list<number> or context<a: number>: accept and keep the base.
        if self.is_op("<"):
            depth = 0
            while self.tok.kind != EOF:
                if self.is_op("<"):
                    depth += 1
                elif self.is_op(">"):
                    depth -= 1
                    if depth == 0:
                        self.i += 1
                        break
                self.i += 1
        return ".".join(parts)

    # -- unary tests (right side of `in`) -----------------------------------------------------

    def in_tests(self) -> Node:
        """``(tests, ...)``, an open range ``(a..b]``, or a single test; decided without backtracking
        (backtracking would be exponential in the nesting of such parentheses)."""
        tok = self.tok
        if not self.is_op("("):
            return self.unary_test()
        self.i += 1
        nxt = self.tok
        if nxt.kind == OP and nxt.value in ("<", "<=", ">", ">=", "=", "!="):
            first = self.unary_test()
        else:
            expr = self.expression()
            if self.is_op(".."):
                return Node("ut_range", (self.range_tail(tok, False, expr),), tok.start)
            first = Node("ut_range", (expr,), expr.pos) if expr.kind == "range" else Node("ut_expr", (expr,), expr.pos)
        tests = [first]
        while self.is_op(","):
            self.i += 1
            tests.append(self.unary_test())
        self.expect_op(")", "to close the list of tests after 'in'")
        if len(tests) == 1:
            return tests[0]
        return Node("ut_any", tuple(tests), tok.start)

    def unary_test(self) -> Node:
        tok = self.tok
        if tok.kind == OP and tok.value in ("<", "<=", ">", ">="):
            self.i += 1
            return Node("ut_cmp", (tok.value, self.sum()), tok.start)
        if tok.kind == OP and tok.value in ("=", "!="):
            self.i += 1
            return Node("ut_cmp", (tok.value, self.sum()), tok.start)
        if tok.kind == OP and tok.value in ("[", "]", "("):
            # FEEL-Scala tries an interval before a general expression: `x in [1..5] and y` is
            # (x in [1..5]) and y. Anything else continues as an expression after this primary.
            first = self.primary()
            if first.kind == "range":
                return Node("ut_range", (first,), first.pos)
            self.pending = first
        expr = self.expression()
        if expr.kind == "range":
            return Node("ut_range", (expr,), expr.pos)
        return Node("ut_expr", (expr,), expr.pos)

    # -- arithmetic ----------------------------------------------------------------------------

    def sum(self) -> Node:
        left = self.product()
        while self.tok.kind == OP and self.tok.value in ("+", "-"):
            op = self.tok
            self.i += 1
            right = self.product()
            left = Node("arith", (op.value, left, right), op.start)
            self.check_chain(left)
        return left

    def product(self) -> Node:
        left = self.power()
        while self.tok.kind == OP and self.tok.value in ("*", "/"):
            op = self.tok
            self.i += 1
            right = self.power()
            left = Node("arith", (op.value, left, right), op.start)
            self.check_chain(left)
        return left

    def power(self) -> Node:
        left = self.unary()
        while self.is_op("**"):
            op = self.tok
            self.i += 1
            right = self.unary()
            left = Node("arith", ("**", left, right), op.start)
            self.check_chain(left)
        return left

    def check_chain(self, node: Node) -> None:
        # Left-deep operator chains (a + b + c + ...) deepen the tree without recursion here.
        depth = 0
        n: Node = node
        while n.kind == "arith" and depth <= MAX_DEPTH:
            n = n.args[1]
            depth += 1
        if depth + self.depth > MAX_DEPTH:
            raise FeelSyntaxError(
                f"Expression is nested too deeply (more than {MAX_DEPTH} levels)", self.text, node.pos
            )

    def unary(self) -> Node:
        if self.is_op("-") and self.pending is None:
            tok = self.tok
            self.i += 1
            self.enter()
            try:
                operand = self.unary()
            finally:
                self.leave()
            if operand.kind == "const" and type(operand.args[0]) in (int, str) and operand.args[1]:
                # a negative number literal, e.g. -1 (FEEL-Scala parses it as one number)
                return Node("const", (_negate_literal(operand.args[0]), True), tok.start)
            return Node("neg", (operand,), tok.start)
        return self.postfix()

    # -- postfix and primary -------------------------------------------------------------------

    def postfix(self) -> Node:
        node = self.primary()
        chain = 0
        while True:
            tok = self.tok
            if tok.kind != OP:
                return node
            if tok.value == ".":
                key_tok = self.peek()
                if key_tok.kind not in (NAME, QNAME):
                    raise self.error(f"Expected a name after '.', but found {self.describe(key_tok)}")
                self.i += 2
                key = key_tok.value
                if key == "time" and self.is_word("offset") and key_tok.kind == NAME:
                    self.i += 1
                    key = "time offset"
                if self.is_op("("):
                    args, named = self.arguments()
                    node = Node("qcall", (node, key, args, named), key_tok.start)
                else:
                    node = Node("path", (node, key), key_tok.start)
            elif tok.value == "[" and self.depth != self.no_filter_depth:
                self.i += 1
                cond = self.expression()
                self.expect_op("]", "to close the filter")
                node = Node("filter", (node, cond), tok.start)
            else:
                return node
            chain += 1
            if chain + self.depth > MAX_DEPTH:
                raise self.error(f"Expression is nested too deeply (more than {MAX_DEPTH} levels)")

    def primary(self) -> Node:
        if self.pending is not None:
            node, self.pending = self.pending, None
            return node
        tok = self.tok
        kind = tok.kind
        if kind == NUMBER:
            self.i += 1
            return Node("const", (tok.value, True), tok.start)
        if kind == STRING:
            self.i += 1
            return Node("const", (tok.value, False), tok.start)
        if kind == QNAME:
            self.i += 1
            if self.is_op("("):
                args, named = self.arguments()
                return Node("call", (tok.value, args, named), tok.start)
            return Node("name", (tok.value,), tok.start)
        if kind == NAME:
            return self.name_or_call()
        if kind == OP:
            value = tok.value
            if value == "(":
                return self.parenthesized()
            if value == "[":
                return self.list_or_range()
            if value == "]":
                # ]a..b] or ]a..b[ : a range with an open start
                self.i += 1
                return self.range_rest(tok, False)
            if value == "{":
                return self.context()
            if value == "@":
                self.i += 1
                lit = self.tok
                if lit.kind != STRING:
                    raise self.error(f"Expected a string after '@', e.g. @\"2024-01-01\", but found {self.describe(lit)}")
                self.i += 1
                return Node("temporal", ("@", lit.value), tok.start)
            if value == "?":
                self.i += 1
                return Node("input", (), tok.start)
        if kind == CHAR and tok.value == "'":
            raise self.error("Unexpected character \"'\": FEEL strings use double quotes, e.g. \"text\"")
        raise self.error(f"Expected a value, but found {self.describe(tok)}")

    def name_or_call(self) -> Node:
        tok = self.tok
        word = tok.value
        if word == "null":
            self.i += 1
            return Node("null", (), tok.start)
        if word == "true" or word == "false":
            self.i += 1
            return Node("bool", (word == "true",), tok.start)
        nxt = self.peek()
        if nxt.kind != NAME and not (nxt.kind == OP and nxt.value == "("):
            # the common case: a plain variable name (neither a call nor a multi-word name)
            if word in RESERVED:
                raise self.error(f"Unexpected keyword '{word}', expected a value")
            self.i += 1
            return Node("name", (word,), tok.start)
        if word == "function" and nxt.kind == OP and nxt.value == "(":
            return self.function_definition()
        # Built-in names with reserved words: date and time(...), get or else(...), and(...), or(...)
        for words in _RESERVED_FUNCTION_NAMES:
            n = len(words)
            if all(self.is_word(w, self.peek(k)) for k, w in enumerate(words)):
                after = self.peek(n)
                if after.kind == OP and after.value == "(" and self._spaced(self.i, n):
                    self.i += n
                    return self.call(" ".join(words), tok.start)
        if word in ("and", "or"):
            nxt = self.peek()
            if nxt.kind == OP and nxt.value == "(":
                self.i += 1
                return self.call(word, tok.start)
        if word in RESERVED:
            raise self.error(f"Unexpected keyword '{word}', expected a value")
        # A (possibly multi-word) function name followed by '('.
        spaced = self.spaced_words(self.i)
        n = 0
        for k, w in enumerate(spaced):
            if w.value in RESERVED:
                break
            n = k + 1
        for count in range(n, 0, -1):
            after = self.peek(count)
            if after.kind == OP and after.value == "(":
                name = self.text[spaced[0].start : spaced[count - 1].end]
                self.i += count
                return self.call(name, tok.start)
        self.i += 1
        return Node("name", (word,), tok.start)

    def _spaced(self, start: int, count: int) -> bool:
        for j in range(start + 1, start + count):
            prev, cur = self.tokens[j - 1], self.tokens[j]
            gap = self.text[prev.end : cur.start]
            if not gap or gap.strip(" "):
                return False
        return True

    def call(self, name: str, pos: int) -> Node:
        args, named = self.arguments()
        if name in ("date", "time", "date and time", "duration") and not named and len(args) == 1:
            arg: Any = args[0]
            if arg.kind == "const" and not arg.args[1]:
                # FEEL-Scala parses these calls on a string literal as temporal literals.
                return Node("temporal", (name, arg.args[0]), pos)
        return Node("call", (name, args, named), pos)

    def arguments(self) -> tuple[tuple[Any, ...], bool]:
        self.expect_op("(", "to start the arguments")
        if self.is_op(")"):
            self.i += 1
            return (), False
        named = self.is_named_argument()
        if named:
            pairs: list[tuple[str, Node]] = []
            while True:
                name = self.parameter_name()
                self.expect_op(":", f"after the parameter name '{name}'")
                pairs.append((name, self.expression()))
                if self.is_op(","):
                    self.i += 1
                    continue
                break
            self.expect_op(")", "to close the arguments")
            return tuple(pairs), True
        items: list[Node] = []
        while True:
            items.append(self.expression())
            if self.is_op(","):
                self.i += 1
                continue
            break
        self.expect_op(")", "to close the arguments")
        return tuple(items), False

    def is_named_argument(self) -> bool:
        tok = self.tok
        if tok.kind == QNAME:
            nxt = self.peek()
            return nxt.kind == OP and nxt.value == ":"
        if tok.kind != NAME:
            return False
        words = self.spaced_words(self.i)
        after = self.peek(len(words))
        return after.kind == OP and after.value == ":"

    def parameter_name(self) -> str:
        tok = self.tok
        if tok.kind == QNAME:
            self.i += 1
            return tok.value
        if tok.kind != NAME:
            raise self.error(f"Expected a parameter name, but found {self.describe(tok)}")
        words = self.spaced_words(self.i)
        self.i += len(words)
        return self.text[words[0].start : words[-1].end]

    def function_definition(self) -> Node:
        start = self.tok.start
        self.i += 1
        self.expect_op("(", "after 'function'")
        params: list[str] = []
        if not self.is_op(")"):
            while True:
                params.append(self.parameter_name())
                if self.is_op(","):
                    self.i += 1
                    continue
                break
        self.expect_op(")", "to close the parameters of the function")
        if self.is_word("external"):
            raise self.error("External (Java) functions are not supported")
        body = self.expression()
        return Node("function", (tuple(params), body), start)

    def parenthesized(self) -> Node:
        open_tok = self.tok
        self.i += 1
        inner = self.expression()
        if self.is_op(".."):
            return self.range_tail(open_tok, False, inner)
        self.expect_op(")", "to close '('")
        return inner

    def list_or_range(self) -> Node:
        open_tok = self.tok
        self.i += 1
        if self.is_op("]"):
            self.i += 1
            return Node("list", (), open_tok.start)
        first = self.expression()
        if self.is_op(".."):
            return self.range_tail(open_tok, True, first)
        items = [first]
        while self.is_op(","):
            self.i += 1
            items.append(self.expression())
        self.expect_op("]", "to close the list")
        return Node("list", tuple(items), open_tok.start)

    def range_rest(self, open_tok: Token, start_closed: bool) -> Node:
        start = self.sum()
        if not self.is_op(".."):
            raise self.error(f"Expected '..' in the range, but found {self.describe(self.tok)}")
        return self.range_tail(open_tok, start_closed, start)

    def range_tail(self, open_tok: Token, start_closed: bool, start: Node) -> Node:
        self.expect_op("..", "in the range")
        # In `]2..5[` the '[' closes the range, so a '[' right after the end bound is never a filter
        # (write `[1..(x[2])]` for that); nested expressions (arguments, parentheses) are unaffected.
        saved_no_filter = self.no_filter_depth
        self.no_filter_depth = self.depth
        try:
            end = self.sum()
        finally:
            self.no_filter_depth = saved_no_filter
        close = self.tok
        if close.kind == OP and close.value == "]":
            end_closed = True
        elif close.kind == OP and close.value in (")", "["):
            end_closed = False
        else:
            raise self.error(f"Expected ']' or ')' to close the range, but found {self.describe(close)}")
        self.i += 1
        return Node("range", (start, end, start_closed, end_closed), open_tok.start)

    def context(self) -> Node:
        open_tok = self.tok
        self.i += 1
        entries: list[tuple[str, Node]] = []
        if self.is_op("}"):
            self.i += 1
            return Node("context", (), open_tok.start)
        while True:
            key = self.context_key()
            entries.append((key, self.expression()))
            if self.is_op(","):
                self.i += 1
                continue
            break
        self.expect_op("}", "to close the context")
        return Node("context", tuple(entries), open_tok.start)

    def context_key(self) -> str:
        tok = self.tok
        if tok.kind in (STRING, QNAME):
            self.i += 1
            self.expect_op(":", "after the context key")
            return tok.value
        # Any text up to ':' that contains none of the reserved symbols " { } : , [ ] `
        j = self.i
        while True:
            t = self.tokens[j]
            if t.kind == EOF or (t.kind == OP and t.value in ("{", "}", ":", ",", "[", "]")) or t.kind in (
                STRING,
                QNAME,
            ):
                break
            j += 1
        end_tok = self.tokens[j]
        if j == self.i or not (end_tok.kind == OP and end_tok.value == ":"):
            raise self.error(f"Expected a context key followed by ':', but found {self.describe(tok)}")
        key = self.text[tok.start : self.tokens[j - 1].end]
        self.i = j + 1
        return key


def _negate_literal(value: str) -> str:
    return value[1:] if value.startswith("-") else "-" + value


def parse(text: str) -> Node:
    """Parse FEEL ``text`` into an AST or raise FeelSyntaxError with the position of the problem."""
    parser = _Parser(text)
    try:
        return parser.parse()
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps far below the limit
        raise FeelSyntaxError("Expression is nested too deeply", text, 0) from None
