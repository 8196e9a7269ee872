"""Every validation rule, with a model that breaks it and one that keeps it."""

from __future__ import annotations

import pytest
from bpmn_builders import Check, document, flow, service

from autoops.bpmn import Diagnostic, Severity, parse_bytes, validate

START = '<bpmn:startEvent id="start"/>'
MESSAGE_WITH_KEY = (
    '<bpmn:message id="m" name="paid"><bpmn:extensionElements>'
    '<zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>'
)


def found(diagnostics: list[Diagnostic]) -> set[tuple[str, str]]:
    return {(d.rule, d.element) for d in diagnostics}


def messages(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.message for d in diagnostics]


def all_diagnostics(body: str, **kwargs: object) -> list[Diagnostic]:
    return validate(parse_bytes(document(body, **kwargs), "test.bpmn"))  # type: ignore[arg-type]


def timer_event(tag: str, event_id: str, timer: str, kind: str = "timeDuration", extra: str = "") -> str:
    return (
        f'<bpmn:{tag} id="{event_id}" {extra}><bpmn:timerEventDefinition>'
        f"<bpmn:{kind}>{timer}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:{tag}>"
    )


# --------------------------------------------------------------------------- a valid model


VALID = (
    '<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="orderPlaced"/></bpmn:startEvent>'
    + '<bpmn:startEvent id="manual"/>'
    + service("check", "order.check")
    + '<bpmn:exclusiveGateway id="g" default="f_no"/>'
    + '<bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask/>'
    '<zeebe:assignmentDefinition candidateGroups="ops"/><zeebe:priorityDefinition priority="50"/>'
    '<zeebe:taskSchedule dueDate="2030-01-01T00:00:00Z"/></bpmn:extensionElements></bpmn:userTask>'
    + '<bpmn:boundaryEvent id="late" attachedToRef="review" cancelActivity="false">'
    "<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    + '<bpmn:boundaryEvent id="failed" attachedToRef="check"><bpmn:errorEventDefinition errorRef="e1"/></bpmn:boundaryEvent>'
    + '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>'
    + timer_event("intermediateCatchEvent", "pause", "PT5M")
    + '<bpmn:eventBasedGateway id="eg"/>'
    + '<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=1+1" resultVariable="two"/>'
    "</bpmn:extensionElements></bpmn:scriptTask>"
    + '<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/>'
    "</bpmn:extensionElements></bpmn:callActivity>"
    + '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/><bpmn:endEvent id="end3"/>'
    + '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="e1"/></bpmn:endEvent>'
    + '<bpmn:subProcess id="events" triggeredByEvent="true">'
    + timer_event("startEvent", "tick", "R/PT1H", "timeCycle", 'isInterrupting="false"')
    + '<bpmn:endEvent id="tock"/>'
    + flow("ft", "tick", "tock")
    + "</bpmn:subProcess>"
    + flow("f0", "start", "check")
    + flow("f0b", "manual", "check")
    + flow("f1", "check", "g")
    + flow("f_yes", "g", "eg", "=ok")
    + flow("f_no", "g", "review")
    + flow("f2", "eg", "wait")
    + flow("f3", "eg", "pause")
    + flow("f4", "wait", "calc")
    + flow("f5", "calc", "call")
    + flow("f6", "call", "end")
    + flow("f7", "pause", "end2")
    + flow("f8", "review", "end3")
    + flow("f9", "failed", "fail")
    + flow("f10", "late", "end3")
)
VALID_ROOTS = (
    MESSAGE_WITH_KEY
    + '<bpmn:message id="orderPlaced" name="order-placed"/>'
    + '<bpmn:error id="e1" errorCode="FAILED"/>'
)


def test_a_valid_model_has_no_findings() -> None:
    assert all_diagnostics(VALID, roots=VALID_ROOTS) == []


# --------------------------------------------------------------------------- processes


def test_no_executable_process(errors: Check) -> None:
    result = errors(START, executable=False)
    assert found(result) == {("executable-process", "defs")}
    assert "at least one executable process" in result[0].message


def test_start_event_required(errors: Check) -> None:
    result = errors(service("t"))
    assert found(result) == {("start-event-required", "p")}
    assert result[0].message == "Must have at least one start event"
    assert errors(START + service("t")) == []


def test_non_executable_processes_are_not_checked(errors: Check) -> None:
    roots = '<bpmn:process id="sketch" isExecutable="false"><bpmn:serviceTask id="x"/></bpmn:process>'
    assert errors(START, roots=roots) == []


def test_single_none_start(errors: Check) -> None:
    result = errors(START + '<bpmn:startEvent id="second"/>')
    assert [(d.rule, d.element, d.message) for d in result] == [
        ("single-none-start", "p", "Multiple none start events are not allowed")
    ]


def test_unique_message_start_names(errors: Check) -> None:
    body = (
        '<bpmn:startEvent id="a"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:startEvent>'
        '<bpmn:startEvent id="b"><bpmn:messageEventDefinition messageRef="m2"/></bpmn:startEvent>'
    )
    same = '<bpmn:message id="m1" name="go"/><bpmn:message id="m2" name="go"/>'
    result = errors(body, roots=same)
    assert [(d.rule, d.element, d.message) for d in result] == [
        (
            "unique-message-start",
            "p",
            "Multiple message event definitions with the same name 'go' are not allowed.",
        )
    ]
    different = '<bpmn:message id="m1" name="go"/><bpmn:message id="m2" name="stop"/>'
    assert errors(body, roots=different) == []


def test_duplicate_and_missing_ids(errors: Check) -> None:
    result = errors(START + service("t") + service("t") + '<bpmn:endEvent name="x"/>')
    assert ("duplicate-id", "t") in found(result)
    assert any(d.rule == "missing-id" for d in result)
    dup = next(d for d in result if d.rule == "duplicate-id")
    assert "first used at line" in dup.message


def test_participant_with_unknown_process_is_a_warning() -> None:
    roots = '<bpmn:collaboration id="c"><bpmn:participant id="pa" processRef="ghost"/></bpmn:collaboration>'
    result = all_diagnostics(START, roots=roots)
    assert [(d.rule, d.severity) for d in result] == [("participant-process", Severity.WARNING)]


def test_unsupported_root_and_scope_elements(errors: Check) -> None:
    result = errors(START + '<bpmn:callChoreography id="cc"/>', roots='<bpmn:choreography id="ch"/>')
    assert found(result) == {("unsupported-element", "cc"), ("unsupported-element", "ch")}
    assert all(m.startswith("Elements of this type are not supported") for m in messages(result))


# --------------------------------------------------------------------------- sequence flows


def test_flow_references_must_exist(errors: Check) -> None:
    result = errors(START + flow("f", "start", "ghost"))
    assert found(result) == {("sequence-flow-reference", "f")}
    assert "'targetRef'" in result[0].message and "'ghost'" in result[0].message


def test_flow_may_not_cross_scopes(errors: Check) -> None:
    body = (
        START
        + '<bpmn:subProcess id="sub"><bpmn:startEvent id="in"/>'
        + flow("f", "in", "start")
        + "</bpmn:subProcess>"
    )
    assert found(errors(body)) == {("sequence-flow-reference", "f")}


def test_execution_listener_on_flow(errors: Check) -> None:
    body = (
        START
        + '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="start" targetRef="e"><bpmn:extensionElements>'
        '<zeebe:executionListeners><zeebe:executionListener eventType="start" type="x"/></zeebe:executionListeners>'
        "</bpmn:extensionElements></bpmn:sequenceFlow>"
    )
    result = errors(body)
    assert found(result) == {("listener-placement", "f")}
    assert result[0].message == "Execution listeners are not supported for the 'sequenceFlow' element"


def test_condition_outside_gateway_is_a_warning() -> None:
    result = all_diagnostics(START + '<bpmn:endEvent id="e"/>' + flow("f", "start", "e", "=x"))
    assert [(d.rule, d.severity) for d in result] == [("ignored-condition", Severity.WARNING)]


def test_static_and_empty_conditions(errors: Check) -> None:
    gateway = (
        START
        + '<bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
        + flow("f0", "start", "g")
    )
    static = errors(gateway + flow("f1", "g", "a", "x &gt; 1") + flow("f2", "g", "b", "=true"))
    assert found(static) == {("expression-required", "f1")}
    assert (
        static[0].message
        == "Expected expression but found static value 'x > 1'. An expression must start with '=' (e.g. '=x > 1')."
    )
    empty = errors(gateway + flow("f1", "g", "a", "") + flow("f2", "g", "b", "="))
    assert found(empty) == {("condition-empty", "f1"), ("feel-syntax", "f2")}


# --------------------------------------------------------------------------- FEEL hook


def test_feel_checker_receives_text_without_marker() -> None:
    seen: list[str] = []

    def checker(text: str) -> str | None:
        seen.append(text)
        return "unexpected end" if text.endswith("+") else None

    body = (
        START
        + '<bpmn:exclusiveGateway id="g" default="f2"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
        + flow("f0", "start", "g")
        + flow("f1", "g", "a", "= amount +")
        + flow("f2", "g", "b")
    )
    result = validate(parse_bytes(document(body), "t.bpmn"), check_expression=checker)
    assert seen == ["amount +"]
    assert [(d.rule, d.element, d.message) for d in result] == [
        ("feel-syntax", "f1", "Attribute 'conditionExpression': failed to parse expression 'amount +': unexpected end")
    ]


def test_feel_checker_sees_every_expression_kind() -> None:
    seen: list[str] = []

    def checker(text: str) -> None:
        seen.append(text)

    body = (
        START
        + '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="=jobType" retries="=r"/>'
        '<zeebe:ioMapping><zeebe:input source="=in" target="a"/><zeebe:output source="=out" target="b"/></zeebe:ioMapping>'
        "</bpmn:extensionElements>"
        '<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" '
        'outputCollection="res" outputElement="=el"/></bpmn:extensionElements>'
        "<bpmn:completionCondition>=cc</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"
        + timer_event("boundaryEvent", "b", "=dur", extra='attachedToRef="t"')
        + '<bpmn:endEvent id="x"/>'
        + flow("fb", "b", "x")
    )
    assert validate(parse_bytes(document(body), "t.bpmn"), check_expression=checker) == []
    assert sorted(seen) == sorted(["jobType", "r", "in", "out", "items", "el", "cc", "dur"])


def test_feel_syntax_errors_name_the_attribute() -> None:
    """Several expressions can sit on one element: the diagnostic says which attribute failed."""

    def checker(text: str) -> str | None:
        return "bad" if text.endswith("+") else None

    body = (
        START
        + '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="=jobType" retries="=r +"/>'
        '<zeebe:ioMapping><zeebe:input source="=in +" target="a"/><zeebe:output source="=out" target="b"/></zeebe:ioMapping>'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )
    result = validate(parse_bytes(document(body), "t.bpmn"), check_expression=checker)
    assert sorted(d.message for d in result if d.rule == "feel-syntax") == [
        "Attribute 'retries': failed to parse expression 'r +': bad",
        "Attribute 'source': failed to parse expression 'in +': bad",
    ]


# --------------------------------------------------------------------------- job-based elements


def test_service_task_needs_exactly_one_task_definition(errors: Check) -> None:
    missing = errors(START + '<bpmn:serviceTask id="t"/>')
    assert found(missing) == {("task-definition", "t")}
    assert missing[0].message == "Must have exactly one 'zeebe:taskDefinition' extension element"
    two = (
        '<bpmn:sendTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="a"/>'
        '<zeebe:taskDefinition type="b"/></bpmn:extensionElements></bpmn:sendTask>'
    )
    assert found(errors(START + two)) == {("task-definition", "t")}


@pytest.mark.parametrize("type_attribute", ['type=""', 'type="  "', ""])
def test_task_type_must_not_be_empty(errors: Check, type_attribute: str) -> None:
    body = (
        START
        + f'<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition {type_attribute}/></bpmn:extensionElements></bpmn:serviceTask>'
    )
    result = errors(body)
    assert [(d.rule, d.element, d.message) for d in result] == [
        ("task-type", "t > extensionElements > taskDefinition", "Task type must be present and not empty")
    ]


def test_retries_must_be_a_number_or_expression(errors: Check) -> None:
    def task(retries: str) -> str:
        return (
            START
            + f'<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x" retries="{retries}"/></bpmn:extensionElements></bpmn:serviceTask>'
        )

    assert found(errors(task("three"))) == {("retries", "t > extensionElements > taskDefinition")}
    assert errors(task("3")) == errors(task("=r")) == errors(task("")) == []


def test_message_throw_and_end_events_are_jobs(errors: Check) -> None:
    body = (
        START
        + '<bpmn:intermediateThrowEvent id="th"><bpmn:messageEventDefinition/></bpmn:intermediateThrowEvent>'
        + '<bpmn:endEvent id="en"><bpmn:messageEventDefinition/></bpmn:endEvent>'
    )
    assert found(errors(body)) == {("task-definition", "th"), ("task-definition", "en")}
    ok = body.replace(
        "<bpmn:messageEventDefinition/>",
        '<bpmn:extensionElements><zeebe:taskDefinition type="notify"/></bpmn:extensionElements><bpmn:messageEventDefinition/>',
    )
    assert errors(ok) == []


def test_script_and_business_rule_tasks(errors: Check) -> None:
    job_based = START + '<bpmn:scriptTask id="s"/><bpmn:businessRuleTask id="r"/>'
    assert found(errors(job_based)) == {("task-definition", "s"), ("task-definition", "r")}
    broken = (
        START
        + '<bpmn:scriptTask id="s"><bpmn:extensionElements><zeebe:script expression="1 + 1"/></bpmn:extensionElements></bpmn:scriptTask>'
        + '<bpmn:businessRuleTask id="r"><bpmn:extensionElements><zeebe:calledDecision resultVariable="x"/></bpmn:extensionElements></bpmn:businessRuleTask>'
    )
    result = errors(broken)
    assert {(d.rule, d.message) for d in result} == {
        (
            "expression-required",
            "Expected expression but found static value '1 + 1'. An expression must start with '=' (e.g. '=1 + 1').",
        ),
        ("script", "Attribute 'resultVariable' must be present and not empty"),
        ("called-decision", "Attribute 'decisionId' must be present and not empty"),
    }


def test_call_activity(errors: Check) -> None:
    assert found(errors(START + '<bpmn:callActivity id="c"/>')) == {("called-element", "c")}
    empty = (
        START
        + '<bpmn:callActivity id="c"><bpmn:extensionElements><zeebe:calledElement processId=""/></bpmn:extensionElements></bpmn:callActivity>'
    )
    assert messages(errors(empty)) == ["Attribute 'processId' must be present and not empty"]
    binding = START + (
        '<bpmn:callActivity id="c"><bpmn:extensionElements><zeebe:calledElement processId="x" bindingType="versionTag"/>'
        "</bpmn:extensionElements></bpmn:callActivity>"
    )
    assert messages(errors(binding)) == [
        "Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'"
    ]
    bad = binding.replace('bindingType="versionTag"', 'bindingType="newest"')
    assert found(errors(bad)) == {("binding-type", "c > extensionElements > calledElement")}


def test_task_headers(errors: Check) -> None:
    body = START + (
        '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x"/><zeebe:taskHeaders>'
        '<zeebe:header key="a" value="1"/><zeebe:header key="a" value="2"/><zeebe:header value="3"/>'
        "</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>"
    )
    result = errors(body)
    assert sorted(messages(result)) == [
        "Attribute 'key' must be present and not empty",
        "Task header key 'a' is defined more than once; keys must be unique",
    ]


def test_io_mappings(errors: Check) -> None:
    body = START + (
        '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x"/><zeebe:ioMapping>'
        '<zeebe:input target="a"/><zeebe:output source="=b"/><zeebe:input source="static" target="c"/>'
        "</zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>"
    )
    result = errors(body)
    assert {(d.element, d.message) for d in result} == {
        ("t > extensionElements > ioMapping > output", "Attribute 'target' must be present and not empty"),
    }
    no_source = body.replace('<zeebe:output source="=b"/>', '<zeebe:output target="b"/>')
    assert {(d.element, d.message) for d in errors(no_source)} == {
        ("t > extensionElements > ioMapping > output", "Attribute 'source' must be present and not empty"),
    }
    bad_target = body.replace('<zeebe:output source="=b"/>', '<zeebe:output source="=b" target="$.b"/>')
    assert [d.rule for d in errors(bad_target)] == ["variable-name"]
    assert (
        errors(
            body.replace('<zeebe:output source="=b"/>', '<zeebe:output source="=b" target="order.total"/>')
        )
        == []
    )


def test_execution_listeners(errors: Check) -> None:
    body = START + (
        '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x"/><zeebe:executionListeners>'
        '<zeebe:executionListener type="a"/>'
        '<zeebe:executionListener eventType="during" type="b"/>'
        '<zeebe:executionListener eventType="start"/>'
        '<zeebe:executionListener eventType="end" type="c" retries="many"/>'
        '<zeebe:executionListener eventType="end" type="c"/>'
        "</zeebe:executionListeners></bpmn:extensionElements></bpmn:serviceTask>"
    )
    rules = sorted(d.rule for d in errors(body))
    assert rules == [
        "listener-duplicate",
        "listener-event-type",
        "listener-event-type",
        "listener-type",
        "retries",
    ]
    missing = next(d for d in errors(body) if d.message == "Attribute 'eventType' must be present")
    assert missing.element == "t > extensionElements > executionListeners > executionListener"


# --------------------------------------------------------------------------- gateways


GATEWAY = START + '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>' + flow("f0", "start", "g")


def test_exclusive_gateway_needs_conditions_or_default(errors: Check) -> None:
    body = GATEWAY + '<bpmn:exclusiveGateway id="g"/>' + flow("f1", "g", "a", "=x") + flow("f2", "g", "b")
    result = errors(body)
    assert [(d.rule, d.element, d.message) for d in result] == [
        ("gateway-condition", "f2", "Must have a condition or be default flow")
    ]
    assert errors(body.replace('id="g"/>', 'id="g" default="f2"/>')) == []


def test_single_outgoing_flow_needs_no_condition(errors: Check) -> None:
    assert errors(GATEWAY + '<bpmn:exclusiveGateway id="g"/>' + flow("f1", "g", "a")) == []


def test_default_flow_must_not_have_condition(errors: Check) -> None:
    body = (
        GATEWAY
        + '<bpmn:exclusiveGateway id="g" default="f2"/>'
        + flow("f1", "g", "a", "=x")
        + flow("f2", "g", "b", "=y")
    )
    assert [(d.element, d.message) for d in errors(body)] == [("g", "Default flow must not have a condition")]


def test_default_flow_must_start_at_gateway(errors: Check) -> None:
    body = GATEWAY + '<bpmn:exclusiveGateway id="g" default="f0"/>' + flow("f1", "g", "a")
    assert [(d.element, d.message) for d in errors(body)] == [("g", "Default flow must start at gateway")]


def test_inclusive_gateway_conditions(errors: Check) -> None:
    body = GATEWAY + '<bpmn:inclusiveGateway id="g"/>' + flow("f1", "g", "a", "=x") + flow("f2", "g", "b")
    assert found(errors(body)) == {("gateway-condition", "f2")}


def test_default_on_parallel_gateway_is_a_warning() -> None:
    body = (
        GATEWAY + '<bpmn:parallelGateway id="g" default="f1"/>' + flow("f1", "g", "a") + flow("f2", "g", "b")
    )
    assert [(d.rule, d.severity) for d in all_diagnostics(body)] == [("default-flow", Severity.WARNING)]


def test_complex_gateway_is_not_supported(errors: Check) -> None:
    assert found(errors(START + '<bpmn:complexGateway id="cg"/>')) == {("unsupported-element", "cg")}


def test_event_based_gateway_rules(errors: Check) -> None:
    catch = '<bpmn:intermediateCatchEvent id="{0}"><bpmn:messageEventDefinition messageRef="{1}"/></bpmn:intermediateCatchEvent>'
    roots = MESSAGE_WITH_KEY + MESSAGE_WITH_KEY.replace('id="m"', 'id="m2"')
    base = START + '<bpmn:eventBasedGateway id="eg"/>' + flow("f0", "start", "eg")
    one = base + catch.format("c1", "m") + flow("f1", "eg", "c1")
    assert found(errors(one, roots=roots)) == {("event-gateway", "eg")}
    wrong_target = one + service("t") + flow("f2", "eg", "t")
    assert "other elements than" in errors(wrong_target, roots=roots)[0].message
    duplicate = (
        base
        + catch.format("c1", "m")
        + catch.format("c2", "m2")
        + flow("f1", "eg", "c1")
        + flow("f2", "eg", "c2")
    )
    result = errors(duplicate, roots=roots)
    assert [(d.rule, d.element) for d in result] == [("unique-message-catch", "eg")]
    assert (
        result[0].message == "Multiple message event definitions with the same name 'paid' are not allowed."
    )
    shared = (
        base
        + catch.format("c1", "m")
        + timer_event("intermediateCatchEvent", "t1", "PT1M")
        + flow("f1", "eg", "c1")
        + flow("f2", "eg", "t1")
        + flow("f3", "start", "c1")
    )
    assert found(errors(shared, roots=MESSAGE_WITH_KEY)) == {("event-gateway", "c1")}


# --------------------------------------------------------------------------- events


def test_message_catch_needs_reference_name_and_key(errors: Check) -> None:
    def catch(ref: str) -> str:
        return (
            START
            + f'<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition {ref}/></bpmn:intermediateCatchEvent>'
        )

    assert [(d.element, d.message) for d in errors(catch(""))] == [("c", "Must reference a message")]
    assert "'ghost'" in errors(catch('messageRef="ghost"'))[0].message
    no_name = errors(catch('messageRef="m"'), roots='<bpmn:message id="m"/>')
    assert {(d.element, d.message) for d in no_name} == {
        ("m", "Name must be present and not empty"),
        ("m", "Must have exactly one 'zeebe:subscription' extension element"),
    }
    empty_key = MESSAGE_WITH_KEY.replace("=orderId", "")
    assert [(d.element, d.message) for d in errors(catch('messageRef="m"'), roots=empty_key)] == [
        ("m > extensionElements > subscription", "Attribute 'correlationKey' must be present and not empty")
    ]
    assert errors(catch('messageRef="m"'), roots=MESSAGE_WITH_KEY) == []


def test_message_start_needs_no_correlation_key(errors: Check) -> None:
    body = '<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
    assert errors(body, roots='<bpmn:message id="m" name="go"/>') == []


def test_receive_task(errors: Check) -> None:
    assert found(errors(START + '<bpmn:receiveTask id="r"/>')) == {("message-reference", "r")}
    inst = START + '<bpmn:receiveTask id="r" messageRef="m" instantiate="true"/>'
    assert found(errors(inst, roots=MESSAGE_WITH_KEY)) == {("unsupported-element", "r")}


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (timer_event("startEvent", "s", "PT5M"), "timer-kind"),
        (timer_event("intermediateCatchEvent", "s", "R3/PT5M", "timeCycle"), "timer-kind"),
        (timer_event("boundaryEvent", "s", "R3/PT5M", "timeCycle", 'attachedToRef="t"'), "timer-kind"),
        (timer_event("intermediateCatchEvent", "s", "PT5X"), "timer-value"),
        (timer_event("intermediateCatchEvent", "s", "2025-01-01T00:00:00", "timeDate"), "timer-value"),
        (timer_event("startEvent", "s", "0 0 25 * * *", "timeCycle"), "timer-value"),
        (timer_event("intermediateCatchEvent", "s", ""), "timer"),
        (
            '<bpmn:intermediateCatchEvent id="s"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>',
            "timer",
        ),
    ],
)
def test_timer_rules(errors: Check, body: str, rule: str) -> None:
    result = errors(START + service("t") + body)
    assert [d.rule for d in result] == [rule]


@pytest.mark.parametrize(
    "body",
    [
        timer_event("startEvent", "s", "R/PT5M", "timeCycle"),
        timer_event("startEvent", "s", "0 0 9-17 * * MON-FRI", "timeCycle"),
        timer_event("startEvent", "s", "2030-01-01T09:00:00+01:00[Europe/Berlin]", "timeDate"),
        timer_event("boundaryEvent", "s", "R3/PT5M", "timeCycle", 'attachedToRef="t" cancelActivity="false"'),
        timer_event("boundaryEvent", "s", "-PT1M", "timeDuration", 'attachedToRef="t"'),
        timer_event("intermediateCatchEvent", "s", "=dueAt", "timeDate"),
    ],
)
def test_valid_timers(errors: Check, body: str) -> None:
    assert errors(START + service("t") + body.replace('id="s"', 'id="s2"')) == []


def test_error_events(errors: Check) -> None:
    roots = '<bpmn:error id="e1" errorCode="E"/><bpmn:error id="e2" errorCode=""/><bpmn:error id="e3" errorCode="=code"/>'
    body = (
        START
        + service("t")
        + (
            '<bpmn:boundaryEvent id="b1" attachedToRef="t" cancelActivity="false"><bpmn:errorEventDefinition errorRef="e1"/></bpmn:boundaryEvent>'
            '<bpmn:boundaryEvent id="b2" attachedToRef="t"><bpmn:errorEventDefinition errorRef="ghost"/></bpmn:boundaryEvent>'
            '<bpmn:boundaryEvent id="b3" attachedToRef="t"><bpmn:errorEventDefinition errorRef="e3"/></bpmn:boundaryEvent>'
            '<bpmn:endEvent id="x1"><bpmn:errorEventDefinition/></bpmn:endEvent>'
            '<bpmn:endEvent id="x2"><bpmn:errorEventDefinition errorRef="e2"/></bpmn:endEvent>'
            '<bpmn:endEvent id="x3"><bpmn:errorEventDefinition errorRef="e3"/></bpmn:endEvent>'
        )
    )
    assert found(errors(body, roots=roots)) == {
        ("error-interrupting", "b1"),
        ("error-reference", "b2"),
        ("error-code", "b3"),
        ("error-reference", "x1"),
        ("error-code", "e2"),
    }


def test_error_catch_uniqueness(errors: Check) -> None:
    roots = '<bpmn:error id="e1" errorCode="E"/><bpmn:error id="e2" errorCode="E"/>'
    boundary = (
        '<bpmn:boundaryEvent id="{0}" attachedToRef="t"><bpmn:errorEventDefinition {1}/></bpmn:boundaryEvent>'
    )
    same_code = (
        START + service("t") + boundary.format("b1", 'errorRef="e1"') + boundary.format("b2", 'errorRef="e2"')
    )
    result = errors(same_code, roots=roots)
    assert [(d.rule, d.element) for d in result] == [("unique-error-catch", "t")]
    assert (
        result[0].message == "Multiple error event definitions with the same errorCode 'E' are not allowed."
    )
    catch_all = START + service("t") + boundary.format("b1", "") + boundary.format("b2", "")
    assert "without errorCode" in errors(catch_all)[0].message
    different_tasks = (
        START
        + service("t")
        + service("u")
        + boundary.format("b1", "")
        + boundary.format("b2", "").replace('"t"', '"u"')
    )
    assert errors(different_tasks) == []


def test_event_subprocess_error_starts(errors: Check) -> None:
    sub = (
        '<bpmn:subProcess id="{0}" triggeredByEvent="true"><bpmn:startEvent id="{0}s" {1}>'
        '<bpmn:errorEventDefinition errorRef="e1"/></bpmn:startEvent></bpmn:subProcess>'
    )
    roots = '<bpmn:error id="e1" errorCode="E"/>'
    dup = START + sub.format("a", "") + sub.format("b", "")
    assert found(errors(dup, roots=roots)) == {("unique-error-catch", "p")}
    non_interrupting = START + sub.format("a", 'isInterrupting="false"')
    assert [(d.rule, d.element, d.message) for d in errors(non_interrupting, roots=roots)] == [
        ("error-interrupting", "a", "Non-Interrupting event of this type is not allowed")
    ]


def test_escalation_events(errors: Check) -> None:
    roots = '<bpmn:escalation id="x1" escalationCode="X"/><bpmn:escalation id="x2" escalationCode=""/>'
    boundary = '<bpmn:boundaryEvent id="{0}" attachedToRef="t"><bpmn:escalationEventDefinition escalationRef="x1"/></bpmn:boundaryEvent>'
    body = (
        START
        + service("t")
        + boundary.format("b1")
        + boundary.format("b2")
        + (
            '<bpmn:intermediateThrowEvent id="th"><bpmn:escalationEventDefinition escalationRef="x2"/></bpmn:intermediateThrowEvent>'
            '<bpmn:endEvent id="en"><bpmn:escalationEventDefinition/></bpmn:endEvent>'
            '<bpmn:endEvent id="gh"><bpmn:escalationEventDefinition escalationRef="ghost"/></bpmn:endEvent>'
        )
    )
    assert found(errors(body, roots=roots)) == {
        ("unique-escalation-catch", "t"),
        ("escalation-code", "x2"),
        ("escalation-reference", "en"),
        ("escalation-reference", "gh"),
    }


def test_signal_events(errors: Check) -> None:
    body = START + (
        '<bpmn:intermediateCatchEvent id="c1"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateThrowEvent id="c2"><bpmn:signalEventDefinition signalRef="s1"/></bpmn:intermediateThrowEvent>'
        '<bpmn:endEvent id="c3"><bpmn:signalEventDefinition signalRef="s2"/></bpmn:endEvent>'
    )
    roots = '<bpmn:signal id="s1" name=""/><bpmn:signal id="s2" name="go"/>'
    assert found(errors(body, roots=roots)) == {("signal-reference", "c1"), ("signal-name", "s1")}


def test_link_events(errors: Check) -> None:
    def link(tag: str, event_id: str, name: str) -> str:
        return f'<bpmn:{tag} id="{event_id}"><bpmn:linkEventDefinition name="{name}"/></bpmn:{tag}>'

    ok = START + link("intermediateThrowEvent", "t1", "A") + link("intermediateCatchEvent", "c1", "A")
    assert errors(ok) == []
    broken = (
        START
        + link("intermediateThrowEvent", "t1", "B")
        + link("intermediateCatchEvent", "c1", "A")
        + link("intermediateCatchEvent", "c2", "A")
        + link("intermediateCatchEvent", "c3", "")
    )
    result = errors(broken)
    assert found(result) == {("link-target", "p"), ("link-unique", "p"), ("link-name", "c3")}
    assert set(messages(result)) == {
        "Intermediate throw and catch link event definitions must appear in pairs.",
        "Multiple intermediate catch link event definitions with the same name 'A' are not allowed.",
        "A link event must have a name",
    }


@pytest.mark.parametrize(
    ("body", "rule", "element"),
    [
        (
            '<bpmn:startEvent id="x"><bpmn:conditionalEventDefinition/></bpmn:startEvent>',
            "unsupported-event",
            "x > conditionalEventDefinition",
        ),
        (
            '<bpmn:startEvent id="x"><bpmn:errorEventDefinition id="ed"/></bpmn:startEvent>',
            "unsupported-event",
            "ed",
        ),
        (
            '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition/></bpmn:intermediateCatchEvent>',
            "unsupported-event",
            "x > conditionalEventDefinition",
        ),
        (
            '<bpmn:endEvent id="x"><bpmn:cancelEventDefinition/></bpmn:endEvent>',
            "unsupported-event",
            "x > cancelEventDefinition",
        ),
        (
            '<bpmn:intermediateThrowEvent id="x"><bpmn:terminateEventDefinition/></bpmn:intermediateThrowEvent>',
            "unsupported-event",
            "x > terminateEventDefinition",
        ),
        (
            '<bpmn:boundaryEvent id="x" attachedToRef="t"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>',
            "unsupported-event",
            "x > cancelEventDefinition",
        ),
        (
            '<bpmn:endEvent id="x"><bpmn:compensateEventDefinition/></bpmn:endEvent>',
            "engine-unsupported",
            "x",
        ),
        (
            '<bpmn:intermediateThrowEvent id="x"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>',
            "engine-unsupported",
            "x",
        ),
        (
            '<bpmn:boundaryEvent id="x" attachedToRef="t"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>',
            "engine-unsupported",
            "x",
        ),
        ('<bpmn:boundaryEvent id="x" attachedToRef="t"/>', "boundary-event", "x"),
        ('<bpmn:intermediateCatchEvent id="x"/>', "catch-event", "x"),
        (
            '<bpmn:endEvent id="x"><bpmn:signalEventDefinition signalRef="s"/><bpmn:terminateEventDefinition/></bpmn:endEvent>',
            "unsupported-event",
            "x",
        ),
    ],
)
def test_unsupported_event_definitions(errors: Check, body: str, rule: str, element: str) -> None:
    result = errors(START + service("t") + body, roots='<bpmn:signal id="s" name="s"/>')
    assert [(d.rule, d.element) for d in result] == [(rule, element)]


def test_engine_unsupported_message_is_clear(errors: Check) -> None:
    result = errors(START + '<bpmn:endEvent id="x"><bpmn:compensateEventDefinition/></bpmn:endEvent>')
    assert result[0].message == (
        "Compensation events are not executed by the autoops engine yet; remove this element or deploy "
        "to a Camunda 8 cluster instead"
    )


def test_boundary_attachment(errors: Check) -> None:
    boundary = '<bpmn:boundaryEvent id="b" {0}><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
    assert found(errors(START + boundary.format(""))) == {("boundary-attachment", "b")}
    assert found(errors(START + boundary.format('attachedToRef="start"'))) == {("boundary-attachment", "b")}
    nested = (
        START
        + '<bpmn:subProcess id="sub"><bpmn:startEvent id="in"/>'
        + service("t")
        + "</bpmn:subProcess>"
        + boundary.format('attachedToRef="t"')
    )
    assert "same scope" in errors(nested)[0].message
    incoming = START + service("t") + boundary.format('attachedToRef="t"') + flow("f", "start", "b")
    assert found(errors(incoming)) == {("boundary-incoming", "b")}


def test_start_event_forms(errors: Check) -> None:
    def start(attributes: str) -> str:
        return f'<bpmn:startEvent id="s"><bpmn:extensionElements><zeebe:formDefinition {attributes}/></bpmn:extensionElements></bpmn:startEvent>'

    assert found(errors(start(""))) == {("form-definition", "s > extensionElements > formDefinition")}
    assert errors(start('formId="f"')) == []
    assert found(errors(start('formId="f" externalReference="x"'))) == {
        ("form-definition", "s > extensionElements > formDefinition")
    }


# --------------------------------------------------------------------------- containers and activities


def test_subprocess_start_events(errors: Check) -> None:
    none = START + '<bpmn:subProcess id="sub"><bpmn:endEvent id="e"/></bpmn:subProcess>'
    assert [(d.element, d.message) for d in errors(none)] == [("sub", "Must have exactly one start event")]
    message = (
        START
        + '<bpmn:subProcess id="sub"><bpmn:startEvent id="in"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent></bpmn:subProcess>'
    )
    assert [(d.element, d.message) for d in errors(message, roots=MESSAGE_WITH_KEY)] == [
        ("sub", "Start events in subprocesses must be of type none")
    ]


def test_event_subprocess_rules(errors: Check) -> None:
    starts = (
        '<bpmn:startEvent id="a"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
        '<bpmn:startEvent id="b"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
    )
    two = START + f'<bpmn:subProcess id="ev" triggeredByEvent="true">{starts}</bpmn:subProcess>'
    assert found(errors(two, roots=MESSAGE_WITH_KEY)) == {
        ("event-subprocess", "ev"),
        ("unique-message-catch", "p"),
    }
    none_start = (
        START + '<bpmn:subProcess id="ev" triggeredByEvent="true"><bpmn:startEvent id="a"/></bpmn:subProcess>'
    )
    assert [(d.element, d.message) for d in errors(none_start)] == [
        (
            "ev",
            "Start events in event subprocesses must be one of: message, timer, error, signal or escalation",
        )
    ]
    compensation = none_start.replace(
        '<bpmn:startEvent id="a"/>',
        '<bpmn:startEvent id="a"><bpmn:compensateEventDefinition/></bpmn:startEvent>',
    )
    assert found(errors(compensation)) == {("engine-unsupported", "a")}
    wired = (
        START
        + '<bpmn:subProcess id="ev" triggeredByEvent="true"><bpmn:startEvent id="a"><bpmn:messageEventDefinition messageRef="m"/>'
        "</bpmn:startEvent></bpmn:subProcess>" + flow("f", "start", "ev")
    )
    assert found(errors(wired, roots=MESSAGE_WITH_KEY)) == {("event-subprocess", "ev")}


@pytest.mark.parametrize(
    ("body", "rule", "fragment"),
    [
        (
            '<bpmn:transaction id="x"><bpmn:startEvent id="i"/></bpmn:transaction>',
            "unsupported-element",
            "bpmn:transaction",
        ),
        ('<bpmn:adHocSubProcess id="x"/>', "engine-unsupported", "Ad-hoc subprocesses"),
        (
            '<bpmn:task id="x"><bpmn:standardLoopCharacteristics/></bpmn:task>',
            "unsupported-element",
            "standardLoopCharacteristics",
        ),
        ('<bpmn:task id="x" isForCompensation="true"/>', "engine-unsupported", "Compensation handlers"),
        ('<bpmn:task id="x" default="nope"/>', "default-flow", "must be an outgoing sequence flow"),
    ],
)
def test_unsupported_activities(errors: Check, body: str, rule: str, fragment: str) -> None:
    result = errors(START + body)
    assert [(d.rule, d.element) for d in result] == [(rule, "x")]
    assert fragment in result[0].message


def test_multi_instance(errors: Check) -> None:
    def task(loop: str) -> str:
        return START + (
            '<bpmn:task id="t"><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>'
            f"<zeebe:loopCharacteristics {loop}/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
        )

    path = "t > multiInstanceLoopCharacteristics > extensionElements > loopCharacteristics"
    assert [(d.element, d.message) for d in errors(task(""))] == [
        (path, "Attribute 'inputCollection' must be present and not empty")
    ]
    assert found(errors(task('inputCollection="items"'))) == {("expression-required", path)}
    assert found(errors(task('inputCollection="=items" outputCollection="out"'))) == {
        ("multi-instance", path)
    }
    assert errors(task('inputCollection="=items" outputCollection="out" outputElement="=x"')) == []


def test_user_tasks(errors: Check) -> None:
    def user(extensions: str) -> str:
        return (
            START
            + f'<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:userTask/>{extensions}</bpmn:extensionElements></bpmn:userTask>'
        )

    assert errors(user("")) == []
    assert errors(START + '<bpmn:userTask id="u"/>') == []  # job-worker user task
    assert found(errors(user('<zeebe:priorityDefinition priority="101"/>'))) == {
        ("priority", "u > extensionElements > priorityDefinition")
    }
    assert found(errors(user('<zeebe:taskSchedule dueDate="tomorrow"/>'))) == {
        ("task-schedule", "u > extensionElements > taskSchedule")
    }
    assert found(errors(user('<zeebe:formDefinition formId="a" formKey="b"/>'))) == {
        ("form-definition", "u > extensionElements > formDefinition")
    }
    listeners = user(
        '<zeebe:taskListeners><zeebe:taskListener eventType="completing" type="audit"/></zeebe:taskListeners>'
    )
    assert found(errors(listeners)) == {("engine-unsupported", "u")}
    bad_listener = user(
        '<zeebe:taskListeners><zeebe:taskListener eventType="start" type="audit"/></zeebe:taskListeners>'
    )
    assert {d.rule for d in errors(bad_listener)} == {"engine-unsupported", "listener-event-type"}


def test_warnings_do_not_count_as_errors() -> None:
    body = (
        START
        + '<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:userTask/><zeebe:taskDefinition type="x"/><zeebe:UserTask/></bpmn:extensionElements></bpmn:userTask>'
    )
    result = all_diagnostics(body)
    assert {(d.rule, d.severity) for d in result} == {
        ("user-task", Severity.WARNING),
        ("unknown-extension", Severity.WARNING),
    }
    assert any("zeebe:UserTask" in d.message for d in result)


def test_diagnostics_are_in_line_order_and_carry_location() -> None:
    body = "\n".join([START, '<bpmn:serviceTask id="a"/>', '<bpmn:serviceTask id="b"/>'])
    result = all_diagnostics(body)
    assert [d.element for d in result] == ["a", "b"]
    assert [d.line for d in result] == [5, 6]
    assert all(d.source == "test.bpmn" for d in result)


def test_interrupting_cycles_use_zeebe_text(errors: Check) -> None:
    boundary = (
        START + service("t") + timer_event("boundaryEvent", "b", "R3/PT5M", "timeCycle", 'attachedToRef="t"')
    )
    assert [(d.element, d.message) for d in errors(boundary)] == [
        ("b", "Interrupting timer event with time cycle is not allowed.")
    ]
    sub = (
        START
        + '<bpmn:subProcess id="ev" triggeredByEvent="true">'
        + timer_event("startEvent", "s", "R/PT5M", "timeCycle")
        + "</bpmn:subProcess>"
    )
    assert [(d.element, d.message) for d in errors(sub)] == [
        ("ev", "Interrupting timer event with time cycle is not allowed.")
    ]
    assert errors(sub.replace('id="s"', 'id="s" isInterrupting="false"')) == []


def test_signal_start_names_are_unique(errors: Check) -> None:
    body = (
        '<bpmn:startEvent id="a"><bpmn:signalEventDefinition signalRef="s1"/></bpmn:startEvent>'
        '<bpmn:startEvent id="b"><bpmn:signalEventDefinition signalRef="s2"/></bpmn:startEvent>'
    )
    roots = '<bpmn:signal id="s1" name="go"/><bpmn:signal id="s2" name="go"/>'
    assert [(d.element, d.message) for d in errors(body, roots=roots)] == [
        ("p", "Multiple signal event definitions with the same name 'go' are not allowed.")
    ]
