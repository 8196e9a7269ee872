"""Child process for the crash test: drives instances through the engine and logs every
acknowledged command to a file, line by line, so the parent can check them after a SIGKILL.

Usage: python crash_driver.py DB LOG run|finish
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from autoops.engine import Engine, Rejection

MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
<bpmn:process id="crash" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="step"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="step"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="c"><bpmn:extensionElements><zeebe:taskDefinition type="step"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c"/><bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="e"/>
</bpmn:process></bpmn:definitions>"""


async def main(db: Path, log_path: Path, mode: str) -> None:
    engine = await Engine.open(db)
    log = log_path.open("a", buffering=1)
    await engine.deploy([("crash.bpmn", MODEL)])
    n = 0
    while True:
        if mode == "run":
            created = await asyncio.gather(
                *(engine.create_instance(bpmn_process_id="crash", variables={"n": n + i}) for i in range(20))
            )
            n += 20
            for c in created:
                log.write(f"created {c.process_instance_key}\n")
        jobs = await engine.activate_jobs("step", "crash", 300, 100)
        results = await asyncio.gather(
            *(engine.complete_job(j.key, {f"done_{j.element_id}": True}) for j in jobs), return_exceptions=True
        )
        for job, result in zip(jobs, results, strict=True):
            if result is None:
                log.write(f"completed {job.key}\n")
            elif not isinstance(result, Rejection):
                raise result
        if mode == "finish":
            active = engine.query.search("process_instances", {"state": "ACTIVE"}, limit=0).total
            if active == 0:
                break
            if not jobs:
                await engine.wait_for_jobs("step", 0.5)
    await engine.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
