"""Blocking work off the UI thread: a request to the server or reading a large image never freezes the panel.

A task is a plain function run on a ``QThreadPool``; its result (or its exception) comes back to the UI
thread through a queued signal to the runner (a QObject living there), which then calls the caller's
callbacks. The runner keeps every task alive until its answer is delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

WORKER_THREADS = 2  # one request and one image read at a time are plenty for a panel
WAIT_AT_EXIT_MS = 5_000  # how long closing the panel waits for tasks still running


@dataclass(frozen=True, eq=False)
class _Callbacks:
    done: Callable[[Any], None]
    failed: Callable[[Exception], None]


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], report: Signal) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner drops it once the answer reached the UI thread
        self.work = work
        self.report = report

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 -- handed to the UI thread, which shows it: never swallowed
            self.report.emit(self, None, exc)
            return
        self.report.emit(self, result, None)


class TaskRunner(QObject):
    """Runs functions in worker threads and calls back on the UI thread; ``busy`` while any is running."""

    _finished = Signal(object, object, object)  # (task, result, exception): result or exception is None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(WORKER_THREADS)
        self._running: dict[_Task, _Callbacks] = {}
        self._finished.connect(self._deliver)  # emitted from workers: queued to this object's (the UI) thread

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None],
               failed: Callable[[Exception], None]) -> None:
        """Run ``work()`` in a worker thread; then ``done(result)`` or ``failed(exception)`` on this thread."""
        task = _Task(work, self._finished)
        self._running[task] = _Callbacks(done, failed)
        self._pool.start(task)

    def wait(self, timeout_ms: int = WAIT_AT_EXIT_MS) -> bool:
        """Block until the worker threads are idle (at exit only); False if some task is still running."""
        return self._pool.waitForDone(timeout_ms)

    @Slot(object, object, object)
    def _deliver(self, task: _Task, result: Any, error: Exception | None) -> None:
        callbacks = self._running.pop(task)
        if error is None:
            callbacks.done(result)
        else:
            callbacks.failed(error)
