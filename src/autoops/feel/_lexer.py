"""Tokenizer for FEEL expressions.

Keywords are not special tokens: FEEL allows names such as ``order`` or ``index of`` that start
with or contain keyword-like words, so the parser decides what a NAME means from its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import FeelSyntaxError

__all__ = ["MAX_EXPRESSION_LENGTH", "Token", "tokenize"]

#: Longer texts are rejected up front; real expressions are a few hundred characters at most.
MAX_EXPRESSION_LENGTH = 100_000

# Token kinds
NAME = "NAME"  # identifier (incl. keyword-like words)
QNAME = "QNAME"  # `backtick name`
NUMBER = "NUMBER"
STRING = "STRING"
OP = "OP"
CHAR = "CHAR"  # any other character
EOF = "EOF"

# FEEL whitespace (DMN 1.5 grammar rules 61+62), as FEEL-Scala's FeelWhitespace.
_WHITESPACE = frozenset(
    "\u0009\u0020\u0085\u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\u000a\u000b\u000c\u000d"
)

_WHITESPACE_RE = re.compile("[" + re.escape("".join(sorted(_WHITESPACE))) + "]+")
#: name characters after the first: what str.isalnum() accepts, plus '_' and '$'
_NAME_PART_RE = re.compile(r"[\w$]+")

_TWO_CHAR_OPS = frozenset({"**", "!=", "<=", ">=", ".."})
_ONE_CHAR_OPS = frozenset("+-*/=<>()[]{},.:?@")
_VALUE_END = frozenset({")", "]", "}"})
_DIGITS = frozenset("0123456789")

_HEX = frozenset("0123456789abcdefABCDEF")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str
    start: int
    end: int


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_" or ch == "$"


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            hexpart = raw[i + 2 : i + 6]
            if nxt == "u" and len(hexpart) == 4 and all(c in _HEX for c in hexpart):
                code = int(hexpart, 16)
                low = raw[i + 8 : i + 12]
                if (
                    0xD800 <= code <= 0xDBFF
                    and raw[i + 6 : i + 8] == "\\u"
                    and len(low) == 4
                    and all(c in _HEX for c in low)
                    and 0xDC00 <= int(low, 16) <= 0xDFFF
                ):
                    code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                    i += 6
                out.append(chr(code))
                i += 6
                continue
            if nxt == "U":
                j = i + 2
                while j < n and j < i + 8 and raw[j] in _HEX:
                    j += 1
                if j > i + 2 and int(raw[i + 2 : j], 16) <= 0x10FFFF:
                    out.append(chr(int(raw[i + 2 : j], 16)))
                    i = j
                    continue
            # Unknown escapes stay as written (regex patterns such as "\d" rely on this).
            out.append(ch)
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raise FeelSyntaxError for characters FEEL does not know."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise FeelSyntaxError(
            f"Expression is too long ({len(text)} characters, at most {MAX_EXPRESSION_LENGTH})",
            text[:200],
            0,
        )
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _WHITESPACE:
            m = _WHITESPACE_RE.match(text, i)
            i = m.end() if m else i + 1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            if j < 0:
                raise FeelSyntaxError("Unterminated comment, expected '*/'", text, i)
            i = j + 2
            continue
        start = i
        if _is_name_start(ch):
            m = _NAME_PART_RE.match(text, i + 1)
            i = m.end() if m else i + 1
            tokens.append(Token(NAME, text[start:i], start, i))
            continue
        if ch in _DIGITS or (
            ch == "."
            and i + 1 < n
            and text[i + 1] in _DIGITS
            and not (tokens and (tokens[-1].kind in (NAME, QNAME, NUMBER, STRING) or tokens[-1].value in _VALUE_END))
        ):
            while i < n and text[i] in _DIGITS:
                i += 1
            if i + 1 < n and text[i] == "." and text[i + 1] in _DIGITS:
                i += 1
                while i < n and text[i] in _DIGITS:
                    i += 1
            if i < n and _is_name_start(text[i]):
                raise FeelSyntaxError(f"Unexpected character {text[i]!r} after number", text, i)
            tokens.append(Token(NUMBER, text[start:i], start, i))
            continue
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                raise FeelSyntaxError("Unterminated string literal, expected '\"'", text, start)
            raw = text[start + 1 : i]
            i += 1
            tokens.append(Token(STRING, _unescape(raw), start, i))
            continue
        if ch == "`":
            j = text.find("`", i + 1)
            if j < 0 or j == i + 1:
                raise FeelSyntaxError("Unterminated or empty `name`, expected '`'", text, start)
            tokens.append(Token(QNAME, text[i + 1 : j], start, j + 1))
            i = j + 1
            continue
        two = text[i : i + 2]
        if two in _TWO_CHAR_OPS:
            tokens.append(Token(OP, two, start, i + 2))
            i += 2
            continue
        if ch in _ONE_CHAR_OPS:
            tokens.append(Token(OP, ch, start, i + 1))
            i += 1
            continue
        # Other characters are only valid inside context keys ({🐎: 1}); the parser decides.
        tokens.append(Token(CHAR, ch, start, i + 1))
        i += 1
    tokens.append(Token(EOF, "", n, n))
    return tokens
