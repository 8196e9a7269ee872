"""The reader: namespaces, lines, every flow-node kind, event definitions and zeebe extensions."""

from __future__ import annotations

from pathlib import Path

import pytest
from bpmn_builders import Build, document, flow, service

from autoops.bpmn import (
    Activity,
    ElementKind,
    Event,
    EventKind,
    Gateway,
    SubProcess,
    TimerKind,
    parse_bytes,
    parse_file,
)

BPMN_URI = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_URI = "http://camunda.org/schema/zeebe/1.0"
REPO = Path(__file__).resolve().parents[2]

SIMPLE_BODY = """
<{p}startEvent id="start"><{p}outgoing>f1</{p}outgoing></{p}startEvent>
<{p}serviceTask id="work" name="Work">
  <{p}extensionElements><zeebe:taskDefinition type="do-work" retries="5"/></{p}extensionElements>
</{p}serviceTask>
<{p}endEvent id="end"/>
<{p}sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
<{p}sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
"""


def with_prefix(prefix: str) -> bytes:
    declaration = f'xmlns:{prefix[:-1]}="{BPMN_URI}"' if prefix else f'xmlns="{BPMN_URI}"'
    body = SIMPLE_BODY.format(p=prefix)
    return (
        f'<{prefix}definitions {declaration} xmlns:zeebe="{ZEEBE_URI}" id="d">'
        f'<{prefix}process id="p" isExecutable="true">{body}</{prefix}process>'
        f"</{prefix}definitions>"
    ).encode()


@pytest.mark.parametrize("prefix", ["bpmn:", "bpmn2:", "semantic:", "model:", ""])
def test_prefixes_do_not_matter(prefix: str) -> None:
    definitions = parse_bytes(with_prefix(prefix), "x.bpmn")
    process = definitions.process("p")
    assert [n.id for n in process.body.nodes] == ["start", "work", "end"]
    work = process.node("work")
    assert isinstance(work, Activity)
    assert work.kind is ElementKind.SERVICE_TASK
    assert work.task_definition is not None
    assert (work.task_definition.type, work.task_definition.retries) == ("do-work", "5")
    assert work.incoming == ("f1",) and work.outgoing == ("f2",)


def test_elements_keep_their_source_lines(build: Build) -> None:
    body = "\n".join(
        [
            '<bpmn:startEvent id="s"/>',
            '<bpmn:serviceTask id="t">',
            "<bpmn:extensionElements>",
            '<zeebe:taskDefinition type="x"/>',
            "</bpmn:extensionElements>",
            "</bpmn:serviceTask>",
            flow("f", "s", "t"),
        ]
    )
    roots = '<bpmn:message id="m" name="n"/>'
    definitions = build(body, roots=roots)
    process = definitions.process("p")
    # document(): line 1 xml declaration, 2 definitions, 3 process, body from line 4.
    assert process.line == 3
    assert process.node("s").line == 4
    task = process.node("t")
    assert task.line == 5
    assert isinstance(task, Activity) and task.task_definition is not None
    assert task.task_definition.line == 7
    assert process.flow("f").line == 10
    assert definitions.messages[0].line == 12


def test_unknown_namespaces_and_stray_text_are_ignored(build: Build) -> None:
    body = """
<bpmn:startEvent id="s"/>
<other:thing xmlns:other="urn:other" id="x"/>
<bpmn:serviceTask id="t" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:asyncBefore="true">
  <bpmn:extensionElements>0ex
    <camunda:inputOutput><camunda:inputParameter name="a">b</camunda:inputParameter></camunda:inputOutput>
    <zeebe:taskDefinition type="x"/> stray text
    <!-- a comment -->
  </bpmn:extensionElements>
</bpmn:serviceTask>
"""
    process = build(body).process("p")
    task = process.node("t")
    assert isinstance(task, Activity)
    assert task.task_definition is not None and task.task_definition.type == "x"
    assert task.extension_names == ("taskDefinition",)
    assert set(process.nodes) == {"s", "t"}


def test_has_diagram(build: Build) -> None:
    assert not build('<bpmn:startEvent id="s"/>').has_diagram
    diagram = (
        '<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="missing-element"/>'
        "</bpmndi:BPMNDiagram>"
    )
    assert build('<bpmn:startEvent id="s"/>', roots=diagram).has_diagram


def test_definitions_attributes(build: Build) -> None:
    definitions = build('<bpmn:startEvent id="s"/>')
    assert definitions.id == "defs"
    assert definitions.source == "test.bpmn"
    assert definitions.execution_platform == "Camunda Cloud"
    assert definitions.execution_platform_version == "8.8.0"
    assert definitions.target_namespace == "http://bpmn.io/schema/bpmn"


def test_collaboration_and_participants() -> None:
    data = document(
        '<bpmn:startEvent id="s"/>',
        roots=(
            '<bpmn:collaboration id="c">'
            '<bpmn:participant id="pa" name="Shop" processRef="p"/>'
            '<bpmn:participant id="pb" name="Customer"/>'
            '<bpmn:messageFlow id="mf" sourceRef="pb" targetRef="pa"/>'
            "</bpmn:collaboration>"
            '<bpmn:process id="other" isExecutable="false"/>'
        ),
    )
    definitions = parse_bytes(data, "c.bpmn")
    assert [(p.id, p.name, p.process_ref) for p in definitions.participants] == [
        ("pa", "Shop", "p"),
        ("pb", "Customer", None),
    ]
    assert [p.id for p in definitions.executable_processes()] == ["p"]
    assert [p.id for p in definitions.processes] == ["p", "other"]


def test_every_flow_node_kind_is_modelled(build: Build) -> None:
    kinds = [k for k in ElementKind]
    body = "\n".join(f'<bpmn:{k.value} id="n_{k.value}"/>' for k in kinds)
    process = build(body).process("p")
    for kind in kinds:
        assert process.node(f"n_{kind.value}").kind is kind
    assert isinstance(process.node("n_exclusiveGateway"), Gateway)
    assert isinstance(process.node("n_boundaryEvent"), Event)
    assert isinstance(process.node("n_transaction"), SubProcess)
    assert isinstance(process.node("n_callActivity"), Activity)


@pytest.mark.parametrize(
    ("definition", "kind"),
    [
        ('<bpmn:messageEventDefinition messageRef="m"/>', EventKind.MESSAGE),
        (
            "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>",
            EventKind.TIMER,
        ),
        ('<bpmn:errorEventDefinition errorRef="e"/>', EventKind.ERROR),
        ('<bpmn:escalationEventDefinition escalationRef="esc"/>', EventKind.ESCALATION),
        ('<bpmn:signalEventDefinition signalRef="sig"/>', EventKind.SIGNAL),
        ('<bpmn:linkEventDefinition name="L"/>', EventKind.LINK),
        ("<bpmn:terminateEventDefinition/>", EventKind.TERMINATE),
        ("<bpmn:compensateEventDefinition/>", EventKind.COMPENSATION),
        (
            "<bpmn:conditionalEventDefinition><bpmn:condition>=x</bpmn:condition></bpmn:conditionalEventDefinition>",
            EventKind.CONDITIONAL,
        ),
        ("<bpmn:cancelEventDefinition/>", EventKind.CANCEL),
    ],
)
def test_event_definitions(build: Build, definition: str, kind: EventKind) -> None:
    roots = (
        '<bpmn:message id="m" name="msg"/><bpmn:error id="e" errorCode="E1"/>'
        '<bpmn:escalation id="esc" escalationCode="X1"/><bpmn:signal id="sig" name="go"/>'
    )
    event = build(
        f'<bpmn:intermediateCatchEvent id="ev">{definition}</bpmn:intermediateCatchEvent>', roots=roots
    )
    node = event.process("p").node("ev")
    assert isinstance(node, Event)
    assert node.event_kind is kind
    resolved = node.definition
    assert resolved is not None
    if kind is EventKind.MESSAGE:
        assert resolved.message is not None and resolved.message.name == "msg"
    elif kind is EventKind.ERROR:
        assert resolved.error is not None and resolved.error.error_code == "E1"
    elif kind is EventKind.ESCALATION:
        assert resolved.escalation is not None and resolved.escalation.escalation_code == "X1"
    elif kind is EventKind.SIGNAL:
        assert resolved.signal is not None and resolved.signal.name == "go"
    elif kind is EventKind.LINK:
        assert resolved.link_name == "L"
    elif kind is EventKind.TIMER:
        assert resolved.timer is not None
        assert (resolved.timer.kind, resolved.timer.value) == (TimerKind.DURATION, "PT1M")


def test_dangling_reference_keeps_the_id(build: Build) -> None:
    node = (
        build('<bpmn:endEvent id="e"><bpmn:errorEventDefinition errorRef="nope"/></bpmn:endEvent>')
        .process("p")
        .node("e")
    )
    assert isinstance(node, Event) and node.definition is not None
    assert node.definition.ref == "nope" and node.definition.error is None


def test_two_definitions_make_a_multiple_event(build: Build) -> None:
    body = (
        '<bpmn:startEvent id="s"><bpmn:messageEventDefinition/>'
        "<bpmn:signalEventDefinition/></bpmn:startEvent>"
    )
    node = build(body).process("p").node("s")
    assert isinstance(node, Event)
    assert node.event_kind is EventKind.MULTIPLE and node.definition is None


def test_timer_text_is_trimmed(build: Build) -> None:
    body = (
        '<bpmn:startEvent id="s"><bpmn:timerEventDefinition>'
        '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">\n   R3/PT10S\n</bpmn:timeCycle>'
        "</bpmn:timerEventDefinition></bpmn:startEvent>"
    )
    node = build(body).process("p").node("s")
    assert isinstance(node, Event) and node.definition is not None and node.definition.timer is not None
    assert node.definition.timer.value == "R3/PT10S"
    assert node.definition.timer.kind is TimerKind.CYCLE


def test_boundary_events_and_interrupting_flags(build: Build) -> None:
    body = (
        service("t") + '<bpmn:boundaryEvent id="b1" attachedToRef="t"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        + '<bpmn:boundaryEvent id="b2" attachedToRef="t" cancelActivity="false">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent>'
    )
    process = build(body, roots='<bpmn:message id="m" name="x"/>').process("p")
    task = process.node("t")
    assert isinstance(task, Activity) and task.boundary_events == ("b1", "b2")
    b1, b2 = process.node("b1"), process.node("b2")
    assert isinstance(b1, Event) and isinstance(b2, Event)
    assert (b1.attached_to, b1.interrupting) == ("t", True)
    assert (b2.attached_to, b2.interrupting) == ("t", False)


def test_flows_conditions_and_defaults(build: Build) -> None:
    body = (
        '<bpmn:exclusiveGateway id="g" default="f2"/>'
        '<bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
        + flow("f1", "g", "a", "= amount &gt; 100")
        + flow("f2", "g", "b")
    )
    process = build(body).process("p")
    gateway = process.node("g")
    assert isinstance(gateway, Gateway)
    assert gateway.default_flow == "f2"
    assert gateway.outgoing == ("f1", "f2")
    assert process.flow("f1").condition == "= amount > 100"
    assert process.flow("f2").condition is None


def test_subprocesses_nest_and_index(build: Build) -> None:
    body = (
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="inner"/>'
        '<bpmn:subProcess id="ev" triggeredByEvent="true">'
        '<bpmn:startEvent id="evs" isInterrupting="false"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
        "</bpmn:subProcess></bpmn:subProcess>"
    )
    process = build(body, roots='<bpmn:message id="m" name="x"/>').process("p")
    sub = process.node("sub")
    assert isinstance(sub, SubProcess) and not sub.triggered_by_event
    assert process.parent_id("inner") == "sub"
    assert process.parent_id("evs") == "ev"
    assert process.parent_id("sub") == "p"
    event_sub = process.node("ev")
    assert isinstance(event_sub, SubProcess) and event_sub.triggered_by_event
    assert sub.body.event_subprocesses() == (event_sub,)
    start = process.node("evs")
    assert isinstance(start, Event) and not start.interrupting
    assert process.scope_of("ev") is event_sub.body


def test_zeebe_extensions_are_mapped(build: Build) -> None:
    body = """
<bpmn:userTask id="u">
  <bpmn:extensionElements>
    <zeebe:userTask/>
    <zeebe:assignmentDefinition assignee="=initiator" candidateGroups="ops, sales" candidateUsers="ann"/>
    <zeebe:taskSchedule dueDate="2025-01-01T00:00:00Z" followUpDate="=now()"/>
    <zeebe:priorityDefinition priority="75"/>
    <zeebe:formDefinition formId="review-form" bindingType="versionTag" versionTag="v1"/>
    <zeebe:taskListeners><zeebe:taskListener eventType="completing" type="audit" retries="2"/></zeebe:taskListeners>
    <zeebe:ioMapping><zeebe:input source="=order.id" target="orderId"/><zeebe:output source="=ok" target="approved"/></zeebe:ioMapping>
    <zeebe:executionListeners><zeebe:executionListener eventType="start" type="log"/></zeebe:executionListeners>
    <zeebe:properties><zeebe:property name="k" value="v"/></zeebe:properties>
    <zeebe:somethingNew/>
  </bpmn:extensionElements>
</bpmn:userTask>
<bpmn:callActivity id="call">
  <bpmn:extensionElements>
    <zeebe:calledElement processId="child" propagateAllChildVariables="false" bindingType="deployment"/>
  </bpmn:extensionElements>
</bpmn:callActivity>
<bpmn:businessRuleTask id="rule">
  <bpmn:extensionElements><zeebe:calledDecision decisionId="d" resultVariable="r"/></bpmn:extensionElements>
</bpmn:businessRuleTask>
<bpmn:scriptTask id="script">
  <bpmn:extensionElements><zeebe:script expression="=1 + 1" resultVariable="two"/></bpmn:extensionElements>
</bpmn:scriptTask>
<bpmn:serviceTask id="svc">
  <bpmn:extensionElements>
    <zeebe:taskDefinition type="=kind" retries="=3"/>
    <zeebe:taskHeaders><zeebe:header key="channel" value="shop"/><zeebe:header key="lang"/></zeebe:taskHeaders>
  </bpmn:extensionElements>
  <bpmn:multiInstanceLoopCharacteristics isSequential="true">
    <bpmn:extensionElements>
      <zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" outputElement="=r"/>
    </bpmn:extensionElements>
    <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=done</bpmn:completionCondition>
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:serviceTask>
<bpmn:receiveTask id="recv" messageRef="m"/>
"""
    process_extras = (
        '<bpmn:extensionElements><zeebe:versionTag value="1.2"/>'
        '<zeebe:userTaskForm id="f1">{"components": []}</zeebe:userTaskForm>'
        '<zeebe:executionListeners><zeebe:executionListener eventType="end" type="done"/></zeebe:executionListeners>'
        "</bpmn:extensionElements>"
    )
    roots = (
        '<bpmn:message id="m" name="paid"><bpmn:extensionElements>'
        '<zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>'
    )
    definitions = build(process_extras + body, roots=roots)
    process = definitions.process("p")
    assert process.version_tag == "1.2"
    assert [(f.id, f.body) for f in process.user_task_forms] == [("f1", '{"components": []}')]
    assert [(li.event_type, li.type) for li in process.execution_listeners] == [("end", "done")]

    user = process.node("u")
    assert isinstance(user, Activity) and user.user_task is not None
    spec = user.user_task
    assert spec.camunda_user_task
    assert spec.assignment is not None
    assert (spec.assignment.assignee, spec.assignment.candidate_groups, spec.assignment.candidate_users) == (
        "=initiator",
        "ops, sales",
        "ann",
    )
    assert spec.schedule is not None and spec.schedule.follow_up_date == "=now()"
    assert spec.priority == "75"
    assert spec.form is not None and (spec.form.form_id, spec.form.binding_type, spec.form.version_tag) == (
        "review-form",
        "versionTag",
        "v1",
    )
    assert [(t.event_type, t.type, t.retries) for t in spec.task_listeners] == [("completing", "audit", "2")]
    assert [(m.source, m.target) for m in user.io_mapping.inputs] == [("=order.id", "orderId")]
    assert [(m.source, m.target) for m in user.io_mapping.outputs] == [("=ok", "approved")]
    assert [(li.event_type, li.type) for li in user.execution_listeners] == [("start", "log")]
    assert user.properties == (("k", "v"),)
    assert user.unknown_extensions == ("somethingNew",)

    call = process.node("call")
    assert isinstance(call, Activity) and call.called_element is not None
    assert call.called_element.process_id == "child"
    assert not call.called_element.propagate_all_child_variables
    assert call.called_element.propagate_all_parent_variables
    assert call.called_element.binding_type == "deployment"

    rule = process.node("rule")
    assert isinstance(rule, Activity) and rule.called_decision is not None
    assert (rule.called_decision.decision_id, rule.called_decision.result_variable) == ("d", "r")

    script = process.node("script")
    assert isinstance(script, Activity) and script.script is not None
    assert (script.script.expression, script.script.result_variable) == ("=1 + 1", "two")

    svc = process.node("svc")
    assert isinstance(svc, Activity) and svc.multi_instance is not None
    assert [(h.key, h.value) for h in svc.task_headers] == [("channel", "shop"), ("lang", None)]
    mi = svc.multi_instance
    assert mi.is_sequential
    assert (mi.input_collection, mi.input_element, mi.output_collection, mi.output_element) == (
        "=items",
        "item",
        "results",
        "=r",
    )
    assert mi.completion_condition == "=done"

    recv = process.node("recv")
    assert isinstance(recv, Activity) and recv.message is not None
    assert recv.message_ref == "m"
    assert (recv.message.name, recv.message.correlation_key) == ("paid", "=orderId")


def test_job_worker_user_task_without_marker(build: Build) -> None:
    body = (
        '<bpmn:userTask id="u"><bpmn:extensionElements>'
        '<zeebe:formDefinition formKey="camunda-forms:bpmn:f1"/></bpmn:extensionElements></bpmn:userTask>'
    )
    user = build(body).process("p").node("u")
    assert isinstance(user, Activity) and user.user_task is not None
    assert not user.user_task.camunda_user_task
    assert user.user_task.form is not None and user.user_task.form.form_key == "camunda-forms:bpmn:f1"


def test_non_executable_constructs_are_kept_for_the_validator(build: Build) -> None:
    body = (
        '<bpmn:task id="loop"><bpmn:standardLoopCharacteristics/></bpmn:task>'
        '<bpmn:receiveTask id="inst" instantiate="true"/>'
        '<bpmn:serviceTask id="comp" isForCompensation="true"/>'
        '<bpmn:callChoreography id="chor"/>'
    )
    definitions = build(body, roots='<bpmn:choreography id="ch"/>')
    process = definitions.process("p")
    loop, inst, comp = process.node("loop"), process.node("inst"), process.node("comp")
    assert isinstance(loop, Activity) and loop.has_standard_loop
    assert isinstance(inst, Activity) and inst.instantiate
    assert isinstance(comp, Activity) and comp.is_for_compensation
    assert [(u[0], u[1]) for u in definitions.unsupported] == [
        ("callChoreography", "chor"),
        ("choreography", "ch"),
    ]


def test_sequence_flow_execution_listeners_are_kept(build: Build) -> None:
    body = (
        '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"><bpmn:extensionElements>'
        '<zeebe:executionListeners><zeebe:executionListener eventType="start" type="x"/>'
        "</zeebe:executionListeners></bpmn:extensionElements></bpmn:sequenceFlow>"
    )
    assert build(body).process("p").flow("f").execution_listeners[0].type == "x"


def test_repository_model_parses() -> None:
    definitions = parse_file(REPO / "bpmn" / "order-fulfillment.bpmn")
    assert definitions.has_diagram
    assert definitions.execution_platform == "Camunda Cloud"
    assert definitions.execution_platform_version == "8.8.0"
    process = definitions.process("order-fulfillment")
    assert process.is_executable
    kinds = {n.kind for n in process.walk()}
    assert {ElementKind.SERVICE_TASK, ElementKind.USER_TASK, ElementKind.EXCLUSIVE_GATEWAY} <= kinds
    review = process.node("Task_ReviewOrder")
    assert isinstance(review, Activity) and review.user_task is not None
    assert review.user_task.camunda_user_task
    assert review.user_task.assignment is not None
    assert review.user_task.assignment.candidate_groups == "order-review"
    starts = {s.event_kind for s in process.body.start_events()}
    assert starts == {EventKind.MESSAGE, EventKind.NONE}
