"""BackgroundTask: a function run in a daemon thread that never touches the page. No Panel here.

    task = BackgroundTask(lambda progress, stop: work(progress=progress, stop=stop)).start()
    ...
    news = task.poll()   # from a periodic callback (polling.Poller): progress, and once done result or error

The thread reports `progress(done, total)` into a locked slot; the page reads it with `poll()`
(docs/performance.md#threads-and-the-poller). `stop()` sets the event the function is given.
"""
from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from explorer.core.errors import ExplorerError


@dataclass
class TaskNews:
    done: int = 0
    total: int = 0
    finished: bool = False
    result: object = None
    error: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class BackgroundTask:
    def __init__(self, fn: Callable[[Callable[[int, int], None], threading.Event], object], name: str = "task"):
        self._fn, self._lock, self._stop = fn, threading.Lock(), threading.Event()
        self._news = TaskNews()
        self._thread = threading.Thread(target=self._run, name=f"explorer-{name}", daemon=True)

    def start(self) -> BackgroundTask:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._news.done, self._news.total = done, total

    def _run(self) -> None:
        try:
            result, error = self._fn(self._progress, self._stop), ""
        except ExplorerError as err:
            result, error = None, str(err)
        except Exception as err:  # noqa: BLE001 - report it on the page, never end the thread silently
            traceback.print_exc()
            result, error = None, f"{type(err).__name__}: {err}"
        with self._lock:
            self._news.result, self._news.error, self._news.finished = result, error, True

    def poll(self) -> TaskNews:
        with self._lock:
            n = self._news
            return TaskNews(n.done, n.total, n.finished, n.result, n.error)
