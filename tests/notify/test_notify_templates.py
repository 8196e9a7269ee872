from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from autoops.notify import Notification, TemplateError, TemplateStore


def shipped(**variables: object) -> Notification:
    return Notification(kind="order-shipped", key="order-shipped:SO-1", variables=variables)


def test_render_fills_subject_and_body(templates: Path) -> None:
    store = TemplateStore([templates])
    message = store.render(
        shipped(order_id="SO-1", customer_name="Ada", total=12.5, tracking="TRK-9")
    )
    assert message.subject == "Order SO-1 is on its way"
    assert message.body == (
        "Hello Ada,\n\nyour order SO-1 (total $12.50) left our warehouse with tracking number TRK-9.\n"
    )
    assert message.key == "order-shipped:SO-1"


def test_missing_variable_names_file_and_variable(templates: Path) -> None:
    store = TemplateStore([templates])
    with pytest.raises(TemplateError) as info:
        store.render(shipped(order_id="SO-1", customer_name="Ada"))
    text = str(info.value)
    assert "order-shipped.txt" in text
    assert "total, tracking" in text


def test_first_folder_wins_and_kinds_lists_all(tmp_path: Path, templates: Path) -> None:
    override = tmp_path / "override"
    override.mkdir()
    (override / "stock-plan.txt").write_text("Subject: Plan $week\n\nshort\n", encoding="utf-8")
    store = TemplateStore([override, templates])
    assert store.render(Notification(kind="stock-plan", key="k", variables={"week": 7})).subject == "Plan 7"
    assert store.kinds() == {"stock-plan", "order-shipped"}


def test_reload_picks_up_edited_wording(templates: Path) -> None:
    store = TemplateStore([templates])
    note = Notification(kind="stock-plan", key="k", variables={"week": 1, "changes": 3})
    assert store.render(note).body == "3 reorder points changed.\n"
    (templates / "stock-plan.txt").write_text("Subject: S\n\nNow $changes.\n", encoding="utf-8")
    assert store.render(note).body == "3 reorder points changed.\n"
    store.reload()
    assert store.render(note).body == "Now 3.\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Hello\n\nbody\n", ":1:"),
        ("Subject: x\nno blank line\n", ":2:"),
        ("Subject: x\n\nfine\nbad $ sign here\n", ":4:"),
        ("Subject: bad $(x)\n\nbody\n", ":1:"),
    ],
)
def test_malformed_templates_are_located(templates: Path, text: str, where: str) -> None:
    (templates / "broken.txt").write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        TemplateStore([templates]).get("broken")
    assert f"broken.txt{where}" in str(info.value)


def test_unknown_kind_lists_where_it_looked(templates: Path, tmp_path: Path) -> None:
    store = TemplateStore([tmp_path / "nope", templates])
    with pytest.raises(TemplateError) as info:
        store.get("refund-issued")
    assert str(tmp_path / "nope" / "refund-issued.txt") in str(info.value)
    assert str(templates / "refund-issued.txt") in str(info.value)


@pytest.mark.parametrize("kind", ["../etc/passwd", "Order", "a/b", "", "x" * 65])
def test_kind_must_be_a_safe_file_name(kind: str) -> None:
    with pytest.raises(ValidationError):
        Notification(kind=kind, key="k")
