"""A headless Bokeh client for load tests: one websocket session per object, many per event loop.

A browser tab costs the test machine a renderer; this costs a websocket and a Python `Document`. It does
what the page does on the wire: fetch the app's page (the server runs the app for a new session and puts
the session's token in the page), open the websocket with that token, pull the document, apply the
server's patches, and send widget changes and button clicks back.

    client = await SessionClient.open("http://127.0.0.1:5006/app")
    await client.click("Train")
    seconds = await client.set_and_wait(select, "value", "euler", lambda: source.data changed...)
    await client.close()

The protocol classes are Bokeh's own (bokeh.protocol); only the loop around them is ours, because
bokeh.client.ClientSession runs one blocking IOLoop per session and cannot hold thirty at once.
"""
from __future__ import annotations

import asyncio
import json
import re
import time

import panel  # noqa: F401 - registers Panel's Bokeh model types, which the pulled document uses
from bokeh.client.websocket import WebSocketClientConnectionWrapper
from bokeh.document import Document
from bokeh.document.events import MessageSentEvent
from bokeh.events import ButtonClick, DocumentReady
from bokeh.models import Button
from bokeh.protocol import Protocol
from bokeh.protocol.receiver import Receiver
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from explorer.ui.compat import remember_stable_defaults
from explorer.ui.plot import player_controls  # noqa: F401 - registers the page player's data model (a JSComponent)

# These clients stand in for a class's browsers, which build their documents on the students' machines; here
# they share the server's cores, so they build them as cheaply as the server builds its own.
remember_stable_defaults()

TOKEN = re.compile(r'"token"\s*:\s*"([^"]+)"')


class SessionClient:
    """One session of a served Panel/Bokeh app, driven over its websocket."""

    def __init__(self, ws, doc: Document):
        self.ws, self.doc = ws, doc  # ws: Bokeh's wrapper, which holds the lock that keeps a message's parts together
        self.protocol = Protocol()
        self.patches = 0  # PATCH-DOC messages applied from the server
        self.changed = asyncio.Event()  # set after each applied patch
        self.closed = False
        self._reader: asyncio.Task | None = None

    # --- connecting -------------------------------------------------------------------------------
    @classmethod
    async def open(cls, page_url: str, timeout: float = 120.0, ready: bool = True) -> SessionClient:
        """Open a new session of the app at `page_url` (its page is fetched; the server runs the app). `ready`:
        then say "document ready", as BokehJS does once it has drawn the page; False leaves that to `ready()`
        (a page still drawing)."""
        ws, receiver, ws_url = await connect(page_url, timeout)
        protocol = Protocol()
        await protocol.create("PULL-DOC-REQ").send(ws)
        doc = Document()
        while True:
            msg = await cls._read(ws, receiver)
            if msg is None:
                raise RuntimeError(f"{ws_url} closed before sending the document")
            if msg.msgtype == "PULL-DOC-REPLY":
                msg.push_to_document(doc)
                break
        if not doc.roots:
            raise RuntimeError(f"{ws_url} sent an empty document: did the app fail? (see the server's log)")
        doc.models.flush_synced()  # the server knows every model now: send references, not definitions
        client = cls(ws, doc)
        client._receiver = receiver
        doc.on_change_dispatch_to(client)
        client._reader = asyncio.ensure_future(client._read_forever())
        if ready:
            client.ready()
        return client

    def ready(self) -> None:
        """Say "document ready", as BokehJS does once the page is drawn: Panel holds its updates (and onload
        callbacks) until then."""
        self._send_event(DocumentReady())

    @staticmethod
    async def _read(ws, receiver: Receiver):
        while True:
            fragment = await ws.read_message()
            if fragment is None:
                return None
            msg = await receiver.consume(fragment)
            if msg is not None:
                return msg

    async def _read_forever(self) -> None:
        try:
            while True:
                msg = await self._read(self.ws, self._receiver)
                if msg is None:
                    break
                if msg.msgtype == "PATCH-DOC":
                    msg.apply_to_document(self.doc, self)
                    self.doc.models.flush_synced()
                    self.patches += 1
                    self.changed.set()
        finally:
            self.closed = True
            self.changed.set()

    async def close(self) -> None:
        """Close the websocket, as closing the tab does."""
        self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 10)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - a closed socket may end the reader noisily
                pass

    # --- sending ----------------------------------------------------------------------------------
    def _document_patched(self, event) -> None:
        """Bokeh calls this for every change of the local document; send ours (not the server's) back."""
        if getattr(event, "setter", None) is self:
            return
        msg = self.protocol.create("PATCH-DOC", [event])
        asyncio.ensure_future(msg.send(self.ws))

    def button(self, label: str) -> Button:
        found = [m for m in self.doc.models if isinstance(m, Button) and m.label == label]
        if not found:
            raise LookupError(f"no button labelled {label!r}")
        return found[0]

    def click(self, label: str) -> None:
        """Press the button labelled `label`, as a browser does (a ButtonClick event)."""
        self._send_event(ButtonClick(self.button(label)))

    def _send_event(self, event) -> None:
        self.doc.callbacks.trigger_on_change(MessageSentEvent(self.doc, "bokeh_event", event))

    def find(self, predicate):
        """The first model of the document for which predicate(model) is true."""
        for model in self.doc.models:
            if predicate(model):
                return model
        raise LookupError("no such model in the document")

    async def wait_for(self, predicate, timeout: float) -> float:
        """Wait until predicate() is true after a server patch; the seconds waited. TimeoutError if not."""
        start = time.perf_counter()
        deadline = start + timeout
        while not predicate():
            if self.closed:
                raise ConnectionError("the session's websocket closed")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise asyncio.TimeoutError
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                if not predicate():
                    raise
        return time.perf_counter() - start


async def connect(page_url: str, timeout: float = 120.0):
    """Fetch the app's page (the server makes the session) and open its websocket: (ws, receiver, ws url)."""
    # A class opens its pages at once: the default client queues beyond 10 requests and times the queue out.
    http = AsyncHTTPClient(force_instance=True, max_clients=100)
    try:
        resp = await http.fetch(page_url, request_timeout=timeout, connect_timeout=timeout)
    finally:
        http.close()
    match = TOKEN.search(resp.body.decode())
    if match is None:
        raise RuntimeError(f"no session token in the page at {page_url}")
    # The page's query travels inside the session token; the websocket's address has none.
    ws_url = re.sub(r"^http", "ws", page_url.split("?", 1)[0].rstrip("/")) + "/ws"
    # Cookies the page set (a proxy's route to its server process) go with the websocket, as a browser's do.
    cookies = "; ".join(c.split(";", 1)[0] for c in resp.headers.get_list("Set-Cookie"))
    headers = {"Cookie": cookies} if cookies else {}
    ws = WebSocketClientConnectionWrapper(await websocket_connect(
        HTTPRequest(ws_url, request_timeout=timeout, headers=headers), subprotocols=["bokeh", match.group(1)],
        max_message_size=200 * 2**20))
    receiver = Receiver(Protocol())
    ack = await SessionClient._read(ws, receiver)
    if ack is None or ack.msgtype != "ACK":
        raise RuntimeError(f"expected ACK from {ws_url}, got {ack!r}")
    return ws, receiver, ws_url


async def open_on_the_wire(page_url: str, until: str, timeout: float = 120.0) -> tuple[float, float]:
    """A session as the server sees a browser open it, without building its document: pull the first document,
    say "document ready", and wait for a patch whose text holds `until` (a part of the page sent after the
    first paint). (first document arrived, `until` arrived): perf_counter times. A browser builds the document
    on its own machine; this client leaves the cores to the server, so the times are the server's."""
    ws, receiver, ws_url = await connect(page_url, timeout)
    try:
        await Protocol().create("PULL-DOC-REQ").send(ws)
        while (msg := await SessionClient._read(ws, receiver)) is not None and msg.msgtype != "PULL-DOC-REPLY":
            pass
        if msg is None or not msg.content["doc"]["roots"]:
            raise RuntimeError(f"{ws_url} sent no document: did the app fail? (see the server's log)")
        first = time.perf_counter()
        ready = MessageSentEvent(Document(), "bokeh_event", DocumentReady())
        await Protocol().create("PATCH-DOC", [ready]).send(ws)
        while (msg := await SessionClient._read(ws, receiver)) is not None:
            if msg.msgtype == "PATCH-DOC" and until in json.dumps(msg.content):
                return first, time.perf_counter()
        raise ConnectionError(f"{ws_url} closed before sending {until!r}")
    finally:
        ws.close()
