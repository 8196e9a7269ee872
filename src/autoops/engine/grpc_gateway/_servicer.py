"""The Zeebe ``gateway_protocol.Gateway`` service, mapped 1:1 onto :class:`autoops.engine.Engine`.

The servicer holds no state of its own beyond request counters: every RPC becomes one engine call,
and the engine's :class:`Rejection` becomes the gRPC status and ``Command 'X' rejected with code
'Y': ...`` text that Zeebe's gateway sends. Long polling (ActivateJobs) and job streaming
(StreamActivatedJobs) wait on the engine's job notifier, so an idle worker costs one request per
long-poll period and nothing in between.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayServicer

from autoops.engine import CreatedInstance, Engine, EngineClosedError, Rejection, ResultTimeoutError
from autoops.engine.grpc_gateway._convert import (
    INVALID_JSON,
    InvalidJsonError,
    activated_job,
    dumps,
    parse_document,
)
from autoops.engine.grpc_gateway._polling import wait_ms_for
from autoops.logging import get_logger

__all__ = ["DEFAULT_LONG_POLL_MS", "GATEWAY_VERSION", "ZeebeGateway"]

DEFAULT_LONG_POLL_MS = 10_000
GATEWAY_VERSION = "8.8.0"
_STREAM_BATCH = 32
_log = get_logger(__name__)

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class _Translate:
    """Turn engine errors into the gRPC status Zeebe would answer with; never leak a crash.

    A plain class rather than ``asynccontextmanager``: it wraps every RPC, so it stays cheap.
    """

    __slots__ = ("_context", "_rpc")

    def __init__(self, context: Context, rpc: str) -> None:
        self._context = context
        self._rpc = rpc

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool:
        if exc is None:
            return False
        context, rpc = self._context, self._rpc
        if isinstance(exc, Rejection):
            await context.abort(grpc.StatusCode[exc.grpc_status], str(exc))
        elif isinstance(exc, InvalidJsonError):
            _log.debug("invalid JSON in request", rpc=rpc, field=exc.field, detail=exc.detail)
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, INVALID_JSON)
        elif isinstance(exc, ResultTimeoutError):
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED,
                                "Expected to handle request, but request timed out between gateway and broker")
        elif isinstance(exc, EngineClosedError):
            await context.abort(grpc.StatusCode.UNAVAILABLE,
                                "Expected to handle request, but the gateway does not know any partitions yet")
        elif isinstance(exc, asyncio.CancelledError):
            _log.debug("gRPC request cancelled while being handled", rpc=rpc)
        elif isinstance(exc, Exception) and not isinstance(exc, grpc.aio.AbortError):
            _log.exception("gRPC request failed unexpectedly", rpc=rpc, exc_info=exc)
            await context.abort(grpc.StatusCode.INTERNAL, f"Expected to handle gRPC request {rpc}, but failed: {exc}")
        return False


class ZeebeGateway(GatewayServicer):
    """gRPC servicer; ``stats`` counts calls per RPC (the tests use it to see polling behaviour)."""

    def __init__(self, engine: Engine, *, host: str, port: int, long_poll_ms: int = DEFAULT_LONG_POLL_MS) -> None:
        self._engine = engine
        self._host = host
        self._port = port
        self._long_poll_ms = long_poll_ms
        self.stats: Counter[str] = Counter()
        self._background: set[asyncio.Task[None]] = set()

    def set_port(self, port: int) -> None:
        """The bound port, known only after the server bound port 0 (Topology reports it)."""
        self._port = port

    # ------------------------------------------------------------------ cluster

    async def Topology(self, request: pb.TopologyRequest, context: Context) -> pb.TopologyResponse:
        self.stats["Topology"] += 1
        partition = pb.Partition(partitionId=1, role=pb.Partition.LEADER, health=pb.Partition.HEALTHY)
        broker = pb.BrokerInfo(nodeId=0, host=self._host, port=self._port, partitions=[partition],
                               version=GATEWAY_VERSION)
        return pb.TopologyResponse(brokers=[broker], clusterSize=1, partitionsCount=1, replicationFactor=1,
                                   gatewayVersion=GATEWAY_VERSION)

    # ------------------------------------------------------------------ deployment and instances

    async def DeployResource(self, request: pb.DeployResourceRequest, context: Context) -> pb.DeployResourceResponse:
        self.stats["DeployResource"] += 1
        async with _Translate(context, "DeployResource"):
            result = await self._engine.deploy([(r.name, r.content) for r in request.resources],
                                               tenant_id=request.tenantId)
            deployments = [
                pb.Deployment(process=pb.ProcessMetadata(
                    bpmnProcessId=p.bpmn_process_id, version=p.version, processDefinitionKey=p.process_definition_key,
                    resourceName=p.resource_name, tenantId=p.tenant_id))
                for p in result.processes
            ]
            deployments.extend(
                pb.Deployment(form=pb.FormMetadata(formId=f.form_id, version=f.version, formKey=f.form_key,
                                                   resourceName=f.resource_name, tenantId=f.tenant_id))
                for f in result.forms
            )
            return pb.DeployResourceResponse(key=result.key, deployments=deployments, tenantId=result.tenant_id)
        raise AssertionError("unreachable")

    async def DeployProcess(self, request: Any, context: Context) -> Any:
        self.stats["DeployProcess"] += 1
        await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                            "DeployProcess was removed in Camunda 8; use DeployResource instead")

    async def _create(self, request: pb.CreateProcessInstanceRequest, *, await_result: bool = False,
                      fetch: list[str] | None = None, request_timeout_ms: int | None = None) -> CreatedInstance:
        return await self._engine.create_instance(
            bpmn_process_id=request.bpmnProcessId or None,
            version=request.version,
            process_definition_key=request.processDefinitionKey,
            variables=parse_document(request.variables),
            tenant_id=request.tenantId,
            await_result=await_result,
            fetch_variables=fetch,
            request_timeout_ms=request_timeout_ms,
            start_instructions=[i.elementId for i in request.startInstructions],
        )

    async def CreateProcessInstance(
        self, request: pb.CreateProcessInstanceRequest, context: Context
    ) -> pb.CreateProcessInstanceResponse:
        self.stats["CreateProcessInstance"] += 1
        async with _Translate(context, "CreateProcessInstance"):
            created = await self._create(request)
            return pb.CreateProcessInstanceResponse(
                processDefinitionKey=created.process_definition_key, bpmnProcessId=created.bpmn_process_id,
                version=created.version, processInstanceKey=created.process_instance_key, tenantId=created.tenant_id)
        raise AssertionError("unreachable")

    async def CreateProcessInstanceWithResult(
        self, request: pb.CreateProcessInstanceWithResultRequest, context: Context
    ) -> pb.CreateProcessInstanceWithResultResponse:
        self.stats["CreateProcessInstanceWithResult"] += 1
        async with _Translate(context, "CreateProcessInstanceWithResult"):
            created = await self._create(request.request, await_result=True, fetch=list(request.fetchVariables),
                                         request_timeout_ms=request.requestTimeout or None)
            return pb.CreateProcessInstanceWithResultResponse(
                processDefinitionKey=created.process_definition_key, bpmnProcessId=created.bpmn_process_id,
                version=created.version, processInstanceKey=created.process_instance_key,
                variables=dumps(created.variables or {}), tenantId=created.tenant_id)
        raise AssertionError("unreachable")

    async def CancelProcessInstance(
        self, request: pb.CancelProcessInstanceRequest, context: Context
    ) -> pb.CancelProcessInstanceResponse:
        self.stats["CancelProcessInstance"] += 1
        async with _Translate(context, "CancelProcessInstance"):
            await self._engine.cancel_instance(request.processInstanceKey)
        return pb.CancelProcessInstanceResponse()

    async def SetVariables(self, request: pb.SetVariablesRequest, context: Context) -> pb.SetVariablesResponse:
        self.stats["SetVariables"] += 1
        async with _Translate(context, "SetVariables"):
            key = await self._engine.set_variables(request.elementInstanceKey, parse_document(request.variables),
                                                   local=request.local)
            return pb.SetVariablesResponse(key=key)
        raise AssertionError("unreachable")

    async def ResolveIncident(self, request: pb.ResolveIncidentRequest, context: Context) -> pb.ResolveIncidentResponse:
        self.stats["ResolveIncident"] += 1
        async with _Translate(context, "ResolveIncident"):
            await self._engine.resolve_incident(request.incidentKey)
        return pb.ResolveIncidentResponse()

    async def ModifyProcessInstance(self, request: Any, context: Context) -> Any:
        self.stats["ModifyProcessInstance"] += 1
        async with _Translate(context, "ModifyProcessInstance"):
            activate = [
                {"elementId": a.elementId, "ancestorElementInstanceKey": a.ancestorElementInstanceKey,
                 "variableInstructions": [{"variables": parse_document(v.variables), "scopeId": v.scopeId}
                                          for v in a.variableInstructions]}
                for a in request.activateInstructions
            ]
            terminate = [t.elementInstanceKey for t in request.terminateInstructions]
            await self._engine.modify_instance(request.processInstanceKey, activate=activate, terminate=terminate)
        return pb.ModifyProcessInstanceResponse()

    async def MigrateProcessInstance(self, request: Any, context: Context) -> Any:
        self.stats["MigrateProcessInstance"] += 1
        await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                            "MigrateProcessInstance is not supported by the embedded autoops engine")

    async def DeleteResource(self, request: Any, context: Context) -> Any:
        self.stats["DeleteResource"] += 1
        async with _Translate(context, "DeleteResource"):
            await self._engine.delete_resource(request.resourceKey)
        return pb.DeleteResourceResponse()

    async def EvaluateDecision(self, request: Any, context: Context) -> Any:
        self.stats["EvaluateDecision"] += 1
        await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                            "EvaluateDecision is not supported: the embedded autoops engine does not execute DMN")

    # ------------------------------------------------------------------ messages and signals

    async def PublishMessage(self, request: pb.PublishMessageRequest, context: Context) -> pb.PublishMessageResponse:
        self.stats["PublishMessage"] += 1
        async with _Translate(context, "PublishMessage"):
            published = await self._engine.publish_message(
                request.name, request.correlationKey, time_to_live_ms=request.timeToLive,
                message_id=request.messageId or None, variables=parse_document(request.variables),
                tenant_id=request.tenantId)
            return pb.PublishMessageResponse(key=published.key, tenantId=published.tenant_id)
        raise AssertionError("unreachable")

    async def BroadcastSignal(self, request: pb.BroadcastSignalRequest, context: Context) -> pb.BroadcastSignalResponse:
        self.stats["BroadcastSignal"] += 1
        async with _Translate(context, "BroadcastSignal"):
            signal = await self._engine.broadcast_signal(request.signalName, variables=parse_document(request.variables),
                                                         tenant_id=request.tenantId)
            return pb.BroadcastSignalResponse(key=signal.key, tenantId=signal.tenant_id)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ jobs

    async def ActivateJobs(
        self, request: pb.ActivateJobsRequest, context: Context
    ) -> AsyncIterator[pb.ActivateJobsResponse]:
        """Long polling: > 0 waits up to requestTimeout, 0 waits the default 10 s, < 0 answers at once."""
        self.stats["ActivateJobs"] += 1
        async with _Translate(context, "ActivateJobs"):
            if not request.worker.strip():
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                    "Expected to activate job batch with worker to be present, but it was blank")
            jobs = await self._engine.activate_jobs_or_wait(
                request.type, request.worker, request.timeout, request.maxJobsToActivate,
                wait_ms_for(request.requestTimeout, self._long_poll_ms),
                fetch_variables=list(request.fetchVariable) or None, tenant_ids=list(request.tenantIds))
            if jobs:
                self.stats["ActivateJobs.jobs"] += len(jobs)
                try:
                    yield pb.ActivateJobsResponse(jobs=[activated_job(j) for j in jobs])
                except BaseException:  # the client went away before taking them
                    self._yield_back([j.key for j in jobs])
                    raise

    async def StreamActivatedJobs(
        self, request: pb.StreamActivatedJobsRequest, context: Context
    ) -> AsyncIterator[pb.ActivatedJob]:
        """Push jobs as they become activatable; the client's deadline (or cancel) ends the stream."""
        self.stats["StreamActivatedJobs"] += 1
        woken = asyncio.Event()

        def wake(_job_type: str) -> None:
            woken.set()

        notifier = self._engine.notifier
        notifier.add_listener(request.type, wake)
        unsent: list[int] = []
        self.stats["streams.open"] += 1
        try:
            async with _Translate(context, "StreamActivatedJobs"):
                if not request.type.strip():
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                        "Expected to stream activated jobs with type to be present, but it was blank")
                if request.timeout < 1:
                    await context.abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        f"Expected to stream activated jobs with timeout to be greater than zero, "
                        f"but it was {request.timeout}")
                fetch = list(request.fetchVariable) or None
                tenants = list(request.tenantIds)
                worker = request.worker or "stream"
                while True:
                    await woken.wait()
                    woken.clear()
                    while True:
                        jobs = await self._engine.activate_jobs(request.type, worker, request.timeout, _STREAM_BATCH,
                                                                fetch_variables=fetch, tenant_ids=tenants)
                        unsent = [job.key for job in jobs]
                        for job in jobs:
                            if context.cancelled():
                                return
                            yield activated_job(job)
                            unsent.pop(0)  # handed to the transport: the worker owns it now
                            self.stats["StreamActivatedJobs.jobs"] += 1
                        if len(jobs) < _STREAM_BATCH:
                            break
        finally:
            self.stats["streams.open"] -= 1
            notifier.remove_listener(request.type, wake)
            if unsent:
                self._yield_back(unsent)

    def _yield_back(self, keys: list[int]) -> None:
        """Jobs activated for a client that went away (a stream push or an ActivateJobs answer that
        could not be delivered): give them back now (JOB YIELD), not at their deadline. Runs as its
        own task because the call's task is being cancelled."""
        self.stats["jobs.yielded"] += len(keys)

        async def give_back() -> None:
            try:
                await self._engine.yield_jobs(keys)
            except EngineClosedError:
                pass  # shutting down: the jobs time out after restart like any other activated job
            except Exception:
                _log.exception("yielding undelivered jobs failed", job_keys=keys)

        task = asyncio.get_running_loop().create_task(give_back())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def CompleteJob(self, request: pb.CompleteJobRequest, context: Context) -> pb.CompleteJobResponse:
        self.stats["CompleteJob"] += 1
        async with _Translate(context, "CompleteJob"):
            await self._engine.complete_job(request.jobKey, parse_document(request.variables))
        return pb.CompleteJobResponse()

    async def FailJob(self, request: pb.FailJobRequest, context: Context) -> pb.FailJobResponse:
        self.stats["FailJob"] += 1
        async with _Translate(context, "FailJob"):
            await self._engine.fail_job(request.jobKey, request.retries, request.errorMessage,
                                        backoff_ms=request.retryBackOff, variables=parse_document(request.variables))
        return pb.FailJobResponse()

    async def ThrowError(self, request: pb.ThrowErrorRequest, context: Context) -> pb.ThrowErrorResponse:
        self.stats["ThrowError"] += 1
        async with _Translate(context, "ThrowError"):
            await self._engine.throw_error(request.jobKey, request.errorCode, request.errorMessage,
                                           variables=parse_document(request.variables))
        return pb.ThrowErrorResponse()

    async def UpdateJobRetries(
        self, request: pb.UpdateJobRetriesRequest, context: Context
    ) -> pb.UpdateJobRetriesResponse:
        self.stats["UpdateJobRetries"] += 1
        async with _Translate(context, "UpdateJobRetries"):
            await self._engine.update_job_retries(request.jobKey, request.retries)
        return pb.UpdateJobRetriesResponse()

    async def UpdateJobTimeout(
        self, request: pb.UpdateJobTimeoutRequest, context: Context
    ) -> pb.UpdateJobTimeoutResponse:
        self.stats["UpdateJobTimeout"] += 1
        async with _Translate(context, "UpdateJobTimeout"):
            await self._engine.update_job_timeout(request.jobKey, request.timeout)
        return pb.UpdateJobTimeoutResponse()

