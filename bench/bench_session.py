"""What one new browser session costs the server, printed (not asserted): `python bench/bench_session.py`.

1. In-process: builds the app as `panel serve` does for each visitor (explorer/app.py: create_app, then serve
   into a document with Panel's current document set), turns it into a Bokeh document and serialises it: the
   server-side work of opening one page, without a browser or a socket. Also counts the document's models.
   The first session of a process pays for imports and the pretrained model's first run (shared by the later
   ones), so the figures are the median of the following ones.
2. Served (`--served`, or alone with `--served-only`): `panel serve explorer/app.py --warm`, then SESSIONS
   headless sessions one after another (tests/support/session_client.py: the page, the websocket, the
   document, "document ready"), each given 1 s for its onload work; the server's CPU seconds and resident
   memory per session, from /proc. This adds what (1) leaves out: the HTML page, the websocket, Panel's
   session bookkeeping and onload callbacks.

Targets (issue #16): <= 0.3 s of server time per new session, <= 30 MB per session.
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import panel as pn
from bokeh.document import Document
from panel.io.state import set_curdoc

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 6
SESSIONS = 8


def one_session(create_app, serve=None) -> tuple[float, float, float, int]:
    doc = Document()
    with set_curdoc(doc):  # as in a server: Panel shares per-document things (one model per stylesheet URL)
        t0 = time.perf_counter()
        page = create_app()
        t1 = time.perf_counter()
        if serve is not None:  # as explorer/app.py puts the page into a session's document
            serve(page, doc)
        else:
            page.server_doc(doc)
        t2 = time.perf_counter()
    doc.to_json()
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(list(doc.models))


def in_process() -> None:
    pn.extension(notifications=True)
    import explorer.app as app  # (builds one page at import: the process's first session)

    rows = [one_session(app.create_app, getattr(app, "serve", None)) for _ in range(ROUNDS)]
    build, doc, js = (statistics.median(r[i] for r in rows) for i in range(3))
    print(f"one session: build {build:.2f} s + Bokeh models {doc:.2f} s + serialise {js:.2f} s = "
          f"{build + doc + js:.2f} s server time; {rows[-1][3]} models in the document")


def served(sessions: int = SESSIONS) -> None:
    sys.path.insert(0, str(REPO / "tests" / "support"))
    import server_probe
    from browser_support import serve_process
    from session_client import SessionClient

    async def open_one(url):
        client = await SessionClient.open(url)
        await asyncio.sleep(1.0)  # its onload callbacks and first updates
        return client

    with tempfile.TemporaryDirectory() as tmp, serve_process(REPO / "explorer" / "app.py", Path(tmp),
                                                             extra_args=["--warm"]) as (proc, url, _log):
        loop = asyncio.new_event_loop()
        clients = [loop.run_until_complete(open_one(url))]  # the first visitor (the pretrained run is shared)
        time.sleep(1.0)
        rss0, cpus, walls = server_probe.rss_mb(proc.pid), [], []
        for _ in range(sessions):
            cpu0, t0 = server_probe.cpu_seconds(proc.pid), time.perf_counter()
            clients.append(loop.run_until_complete(open_one(url)))
            cpus.append(server_probe.cpu_seconds(proc.pid) - cpu0)
            walls.append(time.perf_counter() - t0 - 1.0)
        per_mb = (server_probe.rss_mb(proc.pid) - rss0) / sessions
        for c in clients:
            loop.run_until_complete(c.close())
        loop.close()
    print(f"served: server CPU per new session median {statistics.median(cpus):.2f} s (min {min(cpus):.2f}); "
          f"page + document in {statistics.median(walls):.2f} s; resident memory +{per_mb:.1f} MB per session")


if __name__ == "__main__":
    if "--served-only" not in sys.argv:
        in_process()
    if "--served" in sys.argv or "--served-only" in sys.argv:
        served()
    print("targets: <= 0.3 s server time and <= 30 MB per new session")
