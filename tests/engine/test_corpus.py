"""Real Camunda 8 models from the shared corpus, run end to end on the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoops.engine import Engine

from .conftest import complete_all, instance_state

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared BPMN corpus not available")


async def _deploy(engine: Engine, relative: str) -> str:
    path = CORPUS / relative
    result = await engine.deploy([(path.name, path.read_bytes())])
    return result.processes[0].bpmn_process_id


async def _drive(engine: Engine, process_instance_key: int, rounds: int = 20) -> None:
    """Complete every job and user task until nothing is left to do."""
    for _ in range(rounds):
        progressed = 0
        types = {j["type"] for j in engine.query.search("jobs", {"state": "ACTIVATABLE"}, limit=1000).items}
        for job_type in types:
            progressed += await complete_all(engine, job_type)
        for task in engine.query.search("user_tasks", {"state": "CREATED"}).items:
            await engine.complete_user_task(task["userTaskKey"])
            progressed += 1
        if not progressed:
            return


async def test_conditional_pathway_takes_the_branch_of_the_variable(engine: Engine) -> None:
    pid = await _deploy(engine, "camunda-8-js-sdk/conditional-pathway.bpmn")
    yes = await engine.create_instance(bpmn_process_id=pid, variables={"conditionVariable": True})
    no = await engine.create_instance(bpmn_process_id=pid, variables={"conditionVariable": False})
    assert await complete_all(engine, "wait") == 2
    [a] = await engine.activate_jobs("pathA", "w", 1000, 10)
    [b] = await engine.activate_jobs("pathB", "w", 1000, 10)
    assert (a.process_instance_key, b.process_instance_key) == (yes.process_instance_key, no.process_instance_key)


async def test_looping_service_task_loops_until_the_counter_matches(engine: Engine) -> None:
    pid = await _deploy(engine, "zeebe-process-test/looping-servicetask.bpmn")
    created = await engine.create_instance(bpmn_process_id=pid, variables={"totalLoops": 3})
    runs = 0
    while await complete_all(engine, "test"):
        runs += 1
    assert runs == 3
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
    assert engine.query.variables_of(created.process_instance_key)["loopAmount"] == 3


@pytest.mark.parametrize(
    "relative",
    [
        "camunda-8-js-sdk/zeebe-user-task.bpmn",
        "camunda-8-js-sdk/TasklistTestProcess.bpmn",
        "camunda-8-js-sdk/hello-world-complete.bpmn",
        "camunda-8-js-sdk/Worker-Failure-Retries.bpmn",
        "camunda-distributions/single_user_task.bpmn",
        "camunda-distributions/rest_connector_process.bpmn",
        "orchestration-cluster-api-python/typed_variables_test_process.bpmn",
        "zeebe-process-test/multiple-tasks.bpmn",
        "bpmnlint-plugin-camunda-compat/io-mapping.bpmn",
        "zeebe/simple-process.bpmn",
    ],
)
async def test_corpus_model_runs_to_completion(engine: Engine, relative: str) -> None:
    pid = await _deploy(engine, relative)
    created = await engine.create_instance(bpmn_process_id=pid)
    await _drive(engine, created.process_instance_key)
    assert engine.query.search("incidents", {"processInstanceKey": created.process_instance_key}).items == []
    assert instance_state(engine, created.process_instance_key) == "COMPLETED"
