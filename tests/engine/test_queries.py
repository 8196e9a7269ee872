"""Read queries: filters with operators, sorting, paging, variable filters, records."""

from __future__ import annotations

import pytest

from autoops.engine import Engine, QueryError

from .bpmn_builder import linear, service


async def _instances(engine: Engine, n: int) -> list[int]:
    await engine.deploy([("p.bpmn", linear("p", service("t1", "work")))])
    keys = []
    for i in range(n):
        created = await engine.create_instance(
            bpmn_process_id="p", variables={"i": i, "name": f"order-{i}", "tags": {"vip": i % 2 == 0}})
        keys.append(created.process_instance_key)
    return keys


async def test_filters_sort_and_paging(engine: Engine) -> None:
    keys = await _instances(engine, 5)
    page = engine.query.search("process_instances", {"state": "ACTIVE"}, [("processInstanceKey", "DESC")], limit=2)
    assert page.total == 5 and [i["processInstanceKey"] for i in page.items] == keys[::-1][:2]
    assert page.end_cursor is not None
    nxt = engine.query.search("process_instances", {"state": "ACTIVE"}, [("processInstanceKey", "DESC")],
                              limit=2, after=page.end_cursor)
    assert [i["processInstanceKey"] for i in nxt.items] == keys[::-1][2:4]
    ops = engine.query.search("process_instances", {"processInstanceKey": {"$in": keys[:3], "$neq": keys[1]}})
    assert [i["processInstanceKey"] for i in ops.items] == [keys[0], keys[2]]
    gt = engine.query.search("process_instances", {"processInstanceKey": {"$gt": keys[3]}})
    assert [i["processInstanceKey"] for i in gt.items] == [keys[4]]
    like = engine.query.search("variables", {"name": {"$like": "na*"}, "value": {"$like": '"order-?"'}})
    assert like.total == 5
    by_var = engine.query.search("process_instances", {"variables": [{"name": "i", "value": "3"}]})
    assert [i["processInstanceKey"] for i in by_var.items] == [keys[3]]
    vip = engine.query.search("process_instances", {"variables": [{"name": "tags", "value": '{"vip":true}'}]})
    assert vip.total == 3
    either = engine.query.search("process_instances", {"$or": [{"processInstanceKey": keys[0]},
                                                                 {"processInstanceKey": keys[4]}]})
    assert either.total == 2
    assert engine.query.search("process_instances", {"hasIncident": True}).total == 0
    dated = engine.query.search("process_instances", {"startDate": {"$gte": "2023-11-14T00:00:00Z"}})
    assert dated.total == 5


async def test_bad_queries_raise_query_error(engine: Engine) -> None:
    await _instances(engine, 1)
    for args in (("process_instances", {"nope": 1}), ("process_instances", {"state": {"$regex": "x"}}),
                 ("unknown", {})):
        with pytest.raises(QueryError):
            engine.query.search(*args)  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        engine.query.search("jobs", sort=[("type", "SIDEWAYS")])


async def test_record_log_follows_zeebe_intents(engine: Engine) -> None:
    [pi] = await _instances(engine, 1)
    [job] = await engine.activate_jobs("work", "w", 1000, 1)
    await engine.complete_job(job.key)
    records = engine.query.search("records", limit=1000).items
    pairs = [(r["valueType"], r["intent"]) for r in records]
    assert pairs[:2] == [("PROCESS", "CREATED"), ("DEPLOYMENT", "CREATED")]
    assert ("JOB", "CREATED") in pairs and ("JOB_BATCH", "ACTIVATED") in pairs and ("JOB", "COMPLETED") in pairs
    assert [r["position"] for r in records] == sorted(r["position"] for r in records)
    completed = [r for r in records if r["intent"] == "ELEMENT_COMPLETED" and r["value"]["elementId"] == "p"]
    assert completed and completed[0]["value"]["processInstanceKey"] == pi
