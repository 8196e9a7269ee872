"""Draw a BPMN file's diagram (its bpmndi shapes and edges) as a PNG, for the documentation.

Camunda Modeler is the real viewer; this picture exists so that the docs show the process without it::

    .venv/bin/python examples/render_diagram.py bpmn/order-fulfillment.bpmn docs/images/order-fulfillment.png
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from lxml import etree
from matplotlib.patches import Circle, FancyBboxPatch, Polygon

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
INK, FLOW, TIMER, ERROR, MESSAGE = "#222222", "#444444", "#1f6fb2", "#b22222", "#2e7d32"


def bounds(element: etree._Element, path: str) -> tuple[float, float, float, float] | None:
    found = element.find(path, NS)
    if found is None:
        return None
    return tuple(float(found.get(k, "0")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def render(source: Path, target: Path) -> None:
    tree = etree.parse(str(source))
    elements = {e.get("id"): e for e in tree.iter() if isinstance(e.tag, str) and e.get("id")}
    shapes = tree.findall(".//bpmndi:BPMNShape", NS)
    boxes = [b for s in shapes if (b := bounds(s, "dc:Bounds"))]
    left = min(b[0] for b in boxes) - 20
    right = max(b[0] + b[2] for b in boxes) + 60
    top = min(b[1] for b in boxes) - 20
    bottom = max(b[1] + b[3] for b in boxes) + 40
    fig, ax = plt.subplots(figsize=((right - left) / 100, (bottom - top) / 100))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")

    for edge in tree.findall(".//bpmndi:BPMNEdge", NS):
        points = [(float(p.get("x", "0")), float(p.get("y", "0"))) for p in edge.findall("di:waypoint", NS)]
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, color=FLOW, lw=0.9, zorder=1)
        ax.annotate("", xy=points[-1], xytext=points[-2],
                    arrowprops={"arrowstyle": "-|>", "color": FLOW, "lw": 0.9, "shrinkA": 0, "shrinkB": 0})
        flow = elements.get(edge.get("bpmnElement"))
        label = bounds(edge, "bpmndi:BPMNLabel/dc:Bounds")
        if flow is not None and flow.get("name") and label:
            ax.text(label[0], label[1] + label[3] / 2, flow.get("name"), fontsize=6, va="center", color=INK)

    for shape in shapes:
        element = elements.get(shape.get("bpmnElement"))
        box = bounds(shape, "dc:Bounds")
        if element is None or box is None:
            continue
        x, y, w, h = box
        kind = etree.QName(element).localname
        name = element.get("name") or ""
        if kind.endswith("Event"):
            definitions = [etree.QName(c).localname for c in element if etree.QName(c).localname.endswith("EventDefinition")]
            colour = {"timerEventDefinition": TIMER, "errorEventDefinition": ERROR, "messageEventDefinition": MESSAGE}.get(
                definitions[0] if definitions else "", INK
            )
            dashed = element.get("cancelActivity") == "false"
            ax.add_patch(Circle((x + w / 2, y + h / 2), w / 2, fill=True, fc="white", ec=colour,
                                lw=2.2 if kind == "endEvent" else 1.0, ls="--" if dashed else "-", zorder=3))
            if kind in ("boundaryEvent", "intermediateCatchEvent"):
                ax.add_patch(Circle((x + w / 2, y + h / 2), w / 2 - 3, fill=False, ec=colour, lw=0.8,
                                    ls="--" if dashed else "-", zorder=3))
            symbol = {"timerEventDefinition": "T", "errorEventDefinition": "E", "messageEventDefinition": "M"}
            if definitions and definitions[0] in symbol:
                ax.text(x + w / 2, y + h / 2, symbol[definitions[0]], fontsize=6, ha="center", va="center",
                        color=colour, zorder=4)
        elif kind.endswith("Gateway"):
            ax.add_patch(Polygon([(x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h / 2)],
                                 fc="white", ec=INK, lw=1.0, zorder=3))
            ax.text(x + w / 2, y + h / 2, "+" if kind == "parallelGateway" else "X", fontsize=9 if kind == "parallelGateway" else 7,
                    ha="center", va="center", color=INK, zorder=4)
        elif kind == "subProcess":
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=10", fc="#f7f7f7",
                                        ec=INK, lw=1.0, zorder=0))
            ax.text(x + 8, y + 14, name, fontsize=7, ha="left", va="center", color=INK, zorder=4)
            continue
        else:
            fill = {"userTask": "#fff4d6", "sendTask": "#e8f1fb", "receiveTask": "#eaf5ea"}.get(kind, "white")
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=8", fc=fill, ec=INK,
                                        lw=1.0, zorder=3))
            ax.text(x + w / 2, y + h / 2, "\n".join(textwrap.wrap(name, 16)), fontsize=6.5, ha="center",
                    va="center", color=INK, zorder=4)
            if kind == "userTask":
                ax.text(x + 5, y + 9, "person", fontsize=5, color="#8a6d00", zorder=4)
            continue
        label = bounds(shape, "bpmndi:BPMNLabel/dc:Bounds")
        if name and label:
            ax.text(label[0] + label[2] / 2, label[1] + label[3] / 2, "\n".join(textwrap.wrap(name, 22)),
                    fontsize=6, ha="center", va="center", color=INK, zorder=4)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    render(args.source, args.target)
    print(f"{args.target}: {args.target.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
