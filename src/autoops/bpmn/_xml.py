"""Hardened XML reading: the only place where untrusted bytes meet libxml2.

A BPMN file comes from users, repositories and deploy requests, so it is treated as hostile:
its size is bounded before anything is read or parsed, a DOCTYPE is refused outright (BPMN never
needs one, and it is the vehicle of XXE and entity-expansion attacks), and libxml2 is told not to
load DTDs, resolve entities, touch the network or lift its size guards. Whatever goes wrong becomes
a :class:`BpmnParseError` naming the file and, where there is one, the line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lxml import etree

from autoops.bpmn.errors import BpmnParseError

__all__ = ["DEFAULT_MAX_BYTES", "parse_xml", "read_bounded"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest BPMN document accepted by default. Real models are tens of kilobytes."""

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_ROOT_START = re.compile(r"<[A-Za-z_:]")
_DOCTYPE = "<!DOCTYPE"


def _prolog(data: bytes) -> str:
    """The text before the root element, decoded, for the DOCTYPE check.

    Only the prolog can hold a DOCTYPE; looking only there keeps a CDATA section that happens to
    contain ``<!DOCTYPE html>`` from being mistaken for one.
    """
    if data.startswith(b"\xff\xfe") or data.startswith(b"<\x00"):
        encoding = "utf-16-le"
    elif data.startswith(b"\xfe\xff") or data.startswith(b"\x00<"):
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    head = 65536
    while True:
        text = data[:head].decode(encoding, "replace")
        match = _ROOT_START.search(text)
        if match is not None:
            return text[: match.start()]
        if head >= len(data):
            return text
        head *= 4


def _too_large(source: str, size: int, max_bytes: int) -> BpmnParseError:
    return BpmnParseError(
        source,
        None,
        f"file is {size} bytes, more than the limit of {max_bytes} bytes for a BPMN document; "
        "split the model or raise the limit (max_bytes) if the file is trusted",
    )


def read_bounded(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file, refusing it before reading when it is larger than ``max_bytes``.

    The size is checked with ``stat`` first and the read itself is capped as well, so a file that
    grows between the two (or a device that lies about its size) cannot make us read more.
    """
    source = str(path)
    p = Path(path)
    try:
        if not p.is_file():
            raise BpmnParseError(source, None, "not a regular file; give the path of a .bpmn file")
        size = p.stat().st_size
        if size > max_bytes:
            raise _too_large(source, size, max_bytes)
        with p.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise BpmnParseError(source, None, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    return data


def _precheck(data: bytes, source: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    body = data
    for bom in _BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    stripped = body.lstrip(b" \t\r\n\x00")
    if not stripped:
        raise BpmnParseError(source, None, "file is empty; a BPMN file is an XML document")
    if not stripped.startswith(b"<"):
        start = stripped[:16].decode("utf-8", "replace")
        raise BpmnParseError(source, 1, f"not an XML document: it starts with {start!r} instead of '<'")
    prolog = _prolog(data)
    index = prolog.find(_DOCTYPE)
    if index >= 0:
        raise BpmnParseError(
            source,
            prolog.count("\n", 0, index) + 1,
            "document type declarations (<!DOCTYPE ...>) are not allowed in BPMN files; "
            "remove the DOCTYPE and any entity declarations",
        )


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe and cost microseconds to build.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
    )


def _syntax_message(exc: etree.XMLSyntaxError, data: bytes) -> str:
    text = (exc.msg or str(exc)).strip()
    lowered = text.lower()
    if "premature end" in lowered or "not found" in lowered or "extra content" in lowered:
        last_line = data.count(b"\n") + 1
        line = exc.lineno or 0
        if "extra content" not in lowered and line >= last_line - 1:
            return f"the XML ends before the document is complete (truncated file?): {text}"
    if "entity" in lowered:
        return f"entity references are not allowed in BPMN files: {text}"
    return f"not well-formed XML: {text}"


def parse_xml(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted bytes into an element tree, or raise :class:`BpmnParseError`."""
    _precheck(data, source, max_bytes)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise BpmnParseError(source, exc.lineno or None, _syntax_message(exc, data)) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise BpmnParseError(source, None, f"cannot decode the document: {exc}") from None
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BpmnParseError(
            source,
            1,
            "document type declarations (<!DOCTYPE ...>) are not allowed in BPMN files; "
            "remove the DOCTYPE and any entity declarations",
        )
    return root
