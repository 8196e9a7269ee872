"""Real network peers for the notification tests: an HTTP webhook receiver and an SMTP sink on 127.0.0.1.

The SMTP sink is a minimal asyncio server (the standard library dropped ``smtpd`` in 3.12): greeting,
EHLO/HELO with optional STARTTLS and AUTH PLAIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class WebhookReceiver:
    """An HTTP server in a thread; answers POSTs from a script of replies (then 200), recording each."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.script: deque[Reply] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                reply = receiver.script.popleft() if receiver.script else Reply()
                receiver.requests.append(
                    ReceivedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/orders"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    data: bytes
    tls: bool
    auth: str | None

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data)


class SmtpSink:
    """An asyncio SMTP server that stores every accepted message.

    ``tls_context`` enables STARTTLS; ``users`` enables AUTH PLAIN; ``busy_sessions`` answers that many
    connections with ``421`` (a transient refusal); recipients containing ``reject`` get ``550`` and those
    containing ``later`` get ``450``.
    """

    def __init__(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
        busy_sessions: int = 0,
    ) -> None:
        self.tls_context = tls_context
        self.users = users or {}
        self.busy_sessions = busy_sessions
        self.messages: list[ReceivedMail] = []
        self.sessions = 0
        self.commands: list[str] = []
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> SmtpSink:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.sessions += 1

        async def reply(line: str) -> None:
            writer.write(line.encode("ascii") + b"\r\n")
            await writer.drain()

        try:
            if self.busy_sessions > 0:
                self.busy_sessions -= 1
                await reply("421 sink.test busy, try again later")
                return
            await reply("220 sink.test ESMTP test sink")
            tls = False
            auth: str | None = None
            mail_from: str | None = None
            rcpts: list[str] = []
            while True:
                raw = await reader.readline()
                if not raw:
                    return
                line = raw.decode("ascii", "replace").rstrip("\r\n")
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                self.commands.append(verb)
                if verb == "EHLO":
                    lines = ["sink.test", "8BITMIME", "SIZE 10485760"]
                    if self.tls_context is not None and not tls:
                        lines.append("STARTTLS")
                    if self.users:
                        lines.append("AUTH PLAIN")
                    for extra in lines[:-1]:
                        await reply(f"250-{extra}")
                    await reply(f"250 {lines[-1]}")
                elif verb == "HELO":
                    await reply("250 sink.test")
                elif verb == "STARTTLS":
                    if self.tls_context is None or tls:
                        await reply("502 command not implemented")
                        continue
                    await reply("220 ready to start TLS")
                    await writer.start_tls(self.tls_context)
                    tls = True
                    mail_from, rcpts, auth = None, [], None
                elif verb == "AUTH":
                    mechanism, _, initial = arg.partition(" ")
                    if mechanism.upper() != "PLAIN" or not self.users:
                        await reply("504 unrecognized authentication type")
                        continue
                    if not initial:
                        await reply("334 ")
                        initial = (await reader.readline()).decode().strip()
                    _, user, password = base64.b64decode(initial).decode().split("\0")
                    if self.users.get(user) == password:
                        auth = user
                        await reply("235 authentication successful")
                    else:
                        await reply("535 authentication credentials invalid")
                elif verb == "MAIL":
                    if self.users and auth is None:
                        await reply("530 authentication required")
                        continue
                    mail_from = _address(arg)
                    rcpts = []
                    await reply("250 OK")
                elif verb == "RCPT":
                    if mail_from is None:
                        await reply("503 need MAIL first")
                        continue
                    rcpt = _address(arg)
                    if "reject" in rcpt:
                        await reply("550 no such mailbox")
                    elif "later" in rcpt:
                        await reply("450 mailbox busy")
                    else:
                        rcpts.append(rcpt)
                        await reply("250 OK")
                elif verb == "DATA":
                    if mail_from is None or not rcpts:
                        await reply("503 need MAIL and RCPT first")
                        continue
                    await reply("354 end data with <CR><LF>.<CR><LF>")
                    chunks: list[bytes] = []
                    while True:
                        data_line = await reader.readline()
                        if data_line in (b".\r\n", b".\n", b""):
                            break
                        if data_line.startswith(b".."):
                            data_line = data_line[1:]
                        chunks.append(data_line)
                    self.messages.append(ReceivedMail(mail_from, rcpts, b"".join(chunks), tls, auth))
                    mail_from, rcpts = None, []
                    await reply("250 OK queued")
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    await reply("250 OK")
                elif verb == "NOOP":
                    await reply("250 OK")
                elif verb == "QUIT":
                    await reply("221 bye")
                    return
                else:
                    await reply("500 command not recognized")
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()


def _address(arg: str) -> str:
    """The address inside ``FROM:<a@b> SIZE=...`` or ``TO:<a@b>``."""
    start, end = arg.find("<"), arg.find(">")
    return arg[start + 1 : end]


class SleepRecorder:
    """Stands in for asyncio.sleep: records the backoff delays without waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
