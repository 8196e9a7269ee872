"""FEEL benchmark: compile time and cached evaluation time of expressions taken from real models.

Run on demand:  python bench/feel_bench.py

Baselines, measured in the same run: the equivalent Python expression precompiled with ``compile()``
and run with ``eval()`` (an interpreter for the same logic with no FEEL semantics), and a plain Python
lambda (the floor: dict lookups and comparisons only). Figures are microseconds per call (best of
several repeats, measured as CPU time of this process so that a busy machine does not distort them)
and ratios against the baselines; targets are <= 5 us cached evaluation of a typical
condition and <= 100 us compile.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autoops import feel

CORPUS = pathlib.Path("/work/shared/corpus/bpmn")


@dataclass(frozen=True)
class Bench:
    label: str
    feel: str  # as written in the model (with the leading '=')
    variables: dict[str, Any]
    python: str  # equivalent Python over the dict `v`
    fn: Callable[[dict[str, Any]], Any]


EMAIL = {"subject": "Order 42", "plainTextBody": None, "htmlBody": "<p>hi</p>", "messageId": "m-1"}
AGENT = {"context": {"metrics": {"tokenUsage": {"inputTokenCount": 812, "outputTokenCount": 90}, "modelCalls": 3}}}

# Expressions copied from the corpus (file in the comment); variables are plausible instance data.
BENCHES = [
    Bench("condition: amount > 1000 and tier (issue 3)", '=amount > 1000 and customer.tier = "gold"',
          {"amount": 1500, "customer": {"tier": "gold"}},
          'v["amount"] > 1000 and v["customer"]["tier"] == "gold"',
          lambda v: v["amount"] > 1000 and v["customer"]["tier"] == "gold"),
    # pr-created.bpmn
    Bench("condition: string equality", '= reviewResult = "approved"', {"reviewResult": "approved"},
          'v["reviewResult"] == "approved"', lambda v: v["reviewResult"] == "approved"),
    # looping-servicetask.bpmn
    Bench("condition: number inequality", "= loopAmount != totalLoops", {"loopAmount": 3, "totalLoops": 5},
          'v["loopAmount"] != v["totalLoops"]', lambda v: v["loopAmount"] != v["totalLoops"]),
    # C.9.0-roundtrip.bpmn
    Bench("condition: not(flag)", "= not(approved)", {"approved": False},
          'not v["approved"]', lambda v: not v["approved"]),
    # C.9.0-roundtrip.bpmn
    Bench("condition: some ... satisfies", '= some risk in riskLevels satisfies risk = "red"',
          {"riskLevels": ["green", "yellow", "red"]},
          'any(r == "red" for r in v["riskLevels"])', lambda v: any(r == "red" for r in v["riskLevels"])),
    # AI-Email-Support-Agent.bpmn
    Bench("condition: filter + is empty", '=not(is empty(headers[key = "In-Reply-To"]))',
          {"headers": [{"key": "From", "value": "a"}, {"key": "In-Reply-To", "value": "b"}]},
          'len([h for h in v["headers"] if h["key"] == "In-Reply-To"]) != 0',
          lambda v: len([h for h in v["headers"] if h["key"] == "In-Reply-To"]) != 0),
    # message-correlation-test.bpmn
    Bench("correlation key: variable", "=orderId", {"orderId": "o-4711"}, 'v["orderId"]', lambda v: v["orderId"]),
    # AI-Email-Support-Agent.bpmn
    Bench("mapping: deep path", "=agent.context.metrics.tokenUsage.inputTokenCount", {"agent": AGENT},
          'v["agent"]["context"]["metrics"]["tokenUsage"]["inputTokenCount"]',
          lambda v: v["agent"]["context"]["metrics"]["tokenUsage"]["inputTokenCount"]),
    # AI-Email-Support-Agent.bpmn
    Bench("mapping: string concatenation", '="RE: " + currentEmail.subject', {"currentEmail": EMAIL},
          '"RE: " + v["currentEmail"]["subject"]', lambda v: "RE: " + v["currentEmail"]["subject"]),
    # AI-Email-Support-Agent.bpmn
    Bench("mapping: if/then/else with null check",
          "=if currentEmail.plainTextBody != null then currentEmail.plainTextBody else currentEmail.htmlBody",
          {"currentEmail": EMAIL},
          'v["currentEmail"]["plainTextBody"] if v["currentEmail"]["plainTextBody"] is not None '
          'else v["currentEmail"]["htmlBody"]',
          lambda v: v["currentEmail"]["plainTextBody"] if v["currentEmail"]["plainTextBody"] is not None
          else v["currentEmail"]["htmlBody"]),
    # C.9.0-roundtrip.bpmn
    Bench("mapping: context literal",
          '= {\n    "name": applicant.name,\n    "applicationNumber": applicationNumber,\n    "product": product\n}',
          {"applicant": {"name": "Ann"}, "applicationNumber": 17, "product": "loan"},
          '{"name": v["applicant"]["name"], "applicationNumber": v["applicationNumber"], "product": v["product"]}',
          lambda v: {"name": v["applicant"]["name"], "applicationNumber": v["applicationNumber"],
                     "product": v["product"]}),
    # C.9.2-roundtrip.bpmn
    Bench("mapping: string join", '= string join(risks, ", ")', {"risks": ["a", "b", "c"]},
          '", ".join(v["risks"])', lambda v: ", ".join(v["risks"])),
    # ModelWalkerTest.bpmn
    Bench("condition: day of week(today())", '= day of week(today()) = "Tuesday"', {},
          'date.today().strftime("%A") == "Tuesday"', lambda v: dt.date.today().strftime("%A") == "Tuesday"),
]


def best_us(fn: Callable[[], Any], min_time: float = 0.05, repeat: int = 5) -> float:
    # CPU time of this process: other load on a shared machine does not inflate the figures
    timer = timeit.Timer(fn, timer=time.process_time)
    number, _ = timer.autorange()
    number = max(number, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def corpus_expressions() -> list[str]:
    if not CORPUS.is_dir():
        return []
    from lxml import etree

    found: dict[str, None] = {}
    for path in sorted(CORPUS.rglob("*.bpmn")):
        for element in etree.parse(str(path)).iter():
            if not isinstance(element.tag, str):
                continue
            for raw in element.attrib.values():
                value = str(raw)
                if value.startswith("="):
                    found[value] = None
            text = (element.text or "").strip()
            if text.startswith("="):
                found[text] = None
    return list(found)


def main() -> int:
    now = dt.datetime.now(dt.UTC)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")
    print("CPU microseconds per call (process time), best of 5 repeats\n")
    header = (
        f"{'expression':<42} {'compile':>8} {'eval':>7} {'py eval':>8} {'lambda':>7} "
        f"{'eval/py-eval':>12} {'eval/lambda':>11}"
    )
    print(header)
    print("-" * len(header))
    evals: list[float] = []
    compiles: list[float] = []
    for b in BENCHES:
        source = b.feel[1:] if b.feel.startswith("=") else b.feel
        compile_us = best_us(lambda s=source: feel.Expression(s), repeat=3)  # type: ignore[misc]
        expr = feel.compile(b.feel)
        result = expr.evaluate(b.variables, now=now)
        expected = b.fn(b.variables)
        assert feel.to_json(result.value) == expected, (b.label, result, expected)
        assert not result.warnings, (b.label, result.warnings)
        eval_us = best_us(lambda e=expr, v=b.variables: e.evaluate(v, now=now))  # type: ignore[misc]
        code = compile(b.python, "<bench>", "eval")
        py_globals = {"date": dt.date}
        py_us = best_us(lambda c=code, g=py_globals, v=b.variables: eval(c, g, {"v": v}))  # type: ignore[misc]
        lambda_us = best_us(lambda f=b.fn, v=b.variables: f(v))  # type: ignore[misc]
        evals.append(eval_us)
        compiles.append(compile_us)
        print(
            f"{b.label[:42]:<42} {compile_us:8.1f} {eval_us:7.2f} {py_us:8.2f} {lambda_us:7.2f} "
            f"{eval_us / py_us:12.1f} {eval_us / lambda_us:11.1f}"
        )
    print()
    print(f"median cached evaluation: {statistics.median(evals):.2f} us (target <= 5 us)")
    print(f"median compile:           {statistics.median(compiles):.1f} us (target <= 100 us)")
    cached_us = best_us(lambda: feel.compile(BENCHES[0].feel))
    print(f"cached compile() lookup:  {cached_us:.2f} us")

    texts = corpus_expressions()
    if texts:
        ok = []
        for text in texts:
            try:
                feel.compile(text)
                ok.append(text[1:])
            except feel.FeelSyntaxError:
                pass

        def compile_all() -> None:
            for text in ok:
                feel.Expression(text)

        per_expr = best_us(compile_all, repeat=3) / len(ok)
        print(
            f"corpus: {len(ok)} of {len(texts)} distinct model expressions parse; "
            f"mean compile {per_expr:.1f} us per expression"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
