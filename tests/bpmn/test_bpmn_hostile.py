"""Hostile and broken input: every case is a specific BpmnParseError, never a read outside the file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from bpmn_builders import document, service
from lxml import etree

from autoops.bpmn import DEFAULT_MAX_BYTES, BpmnParseError, parse_bytes, parse_file
from autoops.bpmn._xml import _parser

SECRET = "TOP-SECRET-MARKER-4711"
HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" name="&x;"/></bpmn:process>'
    "</bpmn:definitions>"
)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_xxe_file_entity_is_refused_without_reading_the_file(tmp_path: Path, secret_file: Path) -> None:
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret_file}">]>\n{HEAD}'
    ).encode()
    path = write(tmp_path, "xxe.bpmn", data)
    with pytest.raises(BpmnParseError) as caught:
        parse_file(path)
    assert caught.value.source == str(path)
    assert caught.value.line == 2
    assert "DOCTYPE" in caught.value.message
    assert SECRET not in str(caught.value)


def test_hardened_lxml_parser_does_not_expand_entities_even_behind_the_precheck(secret_file: Path) -> None:
    # Second line of defence: the libxml2 settings alone never pull the file in.
    data = f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret_file}">]><d>&x;</d>'.encode()
    root = etree.fromstring(data, _parser())
    assert SECRET not in etree.tostring(root).decode()


def test_billion_laughs_is_refused_fast() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    lol = "".join(entities)
    data = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{lol}]>\n<lolz>&lol9;</lolz>'.encode()
    with pytest.raises(BpmnParseError, match="DOCTYPE") as caught:
        parse_bytes(data, "laughs.bpmn")
    assert caught.value.line == 2


def test_external_dtd_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "http://example.invalid/evil.dtd">\n<d/>'
    with pytest.raises(BpmnParseError, match="DOCTYPE"):
        parse_bytes(data, "dtd.bpmn")


def test_plain_doctype_is_refused_in_utf16_too() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d>\n<d/>'.encode("utf-16")
    with pytest.raises(BpmnParseError, match="DOCTYPE") as caught:
        parse_bytes(data, "u16.bpmn")
    assert caught.value.line == 2


def test_doctype_text_inside_cdata_is_not_a_doctype() -> None:
    body = '<bpmn:startEvent id="s"><bpmn:documentation><![CDATA[<!DOCTYPE html><p>hi</p>]]></bpmn:documentation></bpmn:startEvent>'
    definitions = parse_bytes(document(body), "cdata.bpmn")
    assert definitions.processes[0].node("s").documentation == "<!DOCTYPE html><p>hi</p>"


def test_undeclared_entity_reference_is_specific() -> None:
    data = document('<bpmn:startEvent id="s" name="&oops;"/>')
    with pytest.raises(BpmnParseError, match="entity references are not allowed") as caught:
        parse_bytes(data, "ent.bpmn")
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an XML document"),
        (b'{"bpmn": true}', "not an XML document"),
        (b"", "file is empty"),
        (b"   \n\t ", "file is empty"),
    ],
)
def test_non_xml_input(data: bytes, fragment: str) -> None:
    with pytest.raises(BpmnParseError, match=fragment):
        parse_bytes(data, "junk.bpmn")


def test_truncated_file_names_the_line(tmp_path: Path) -> None:
    whole = document('<bpmn:startEvent id="s"/>\n' + service("t"))
    cut = whole[: whole.index(b"<bpmn:serviceTask") + 30]
    path = write(tmp_path, "cut.bpmn", cut)
    with pytest.raises(BpmnParseError, match="truncated") as caught:
        parse_file(path)
    assert caught.value.line is not None and caught.value.line >= 4
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")


def test_malformed_xml_is_not_well_formed() -> None:
    with pytest.raises(BpmnParseError, match="not well-formed XML") as caught:
        parse_bytes(b"<a>\n<b></a>\n<c/>", "bad.bpmn")
    assert caught.value.line == 2


def test_100_mb_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.bpmn"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no 100 MB written or read
    opened: list[Path] = []
    original_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self)
        return original_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)
    with pytest.raises(BpmnParseError, match="more than the limit") as caught:
        parse_file(path)
    assert opened == []
    assert caught.value.line is None
    assert str(104857600) in caught.value.message


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    data = document('<bpmn:startEvent id="s"/>')
    path = write(tmp_path, "small.bpmn", data)
    assert parse_file(path).processes[0].id == "p"
    with pytest.raises(BpmnParseError, match="more than the limit"):
        parse_file(path, max_bytes=100)
    with pytest.raises(BpmnParseError, match="more than the limit"):
        parse_bytes(data, "mem.bpmn", max_bytes=100)
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BpmnParseError, match="not a regular file"):
        parse_file(tmp_path / "nope.bpmn")
    with pytest.raises(BpmnParseError, match="not a regular file"):
        parse_file(tmp_path)


def test_xml_that_is_not_bpmn() -> None:
    with pytest.raises(BpmnParseError, match=r"not a BPMN 2\.0 document") as caught:
        parse_bytes(b'<?xml version="1.0"?>\n<html><body/></html>', "page.bpmn")
    assert caught.value.line == 2


def test_parse_error_carries_its_parts_and_pickles() -> None:
    error = BpmnParseError("a.bpmn", 3, "broken")
    assert (error.source, error.line, error.message) == ("a.bpmn", 3, "broken")
    assert str(error) == "a.bpmn:3: broken"
    assert str(BpmnParseError("a.bpmn", None, "too big")) == "a.bpmn: too big"
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.source, clone.line, clone.message) == ("a.bpmn", 3, "broken")
