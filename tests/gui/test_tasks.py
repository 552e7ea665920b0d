"""Work runs in a worker thread; its result or its exception comes back on the UI thread."""

from __future__ import annotations

import threading

from server.gui.tasks import TaskRunner

WAIT_MS = 5_000


def test_results_and_errors_come_back_on_the_ui_thread(qtbot):
    runner = TaskRunner()
    ui_thread = threading.current_thread()
    seen: dict[str, object] = {}

    def work() -> str:
        seen["worker"] = threading.current_thread()
        return "done"

    def fail() -> None:
        raise OSError("disk gone")

    runner.submit(work, lambda result: seen.update(result=result, done_on=threading.current_thread()),
                  lambda error: seen.update(unexpected=error))
    runner.submit(fail, lambda result: seen.update(unexpected=result),
                  lambda error: seen.update(error=error, failed_on=threading.current_thread()))
    assert runner.busy
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
    assert seen["worker"] is not ui_thread
    assert seen["result"] == "done" and seen["done_on"] is ui_thread
    assert isinstance(seen["error"], OSError) and str(seen["error"]) == "disk gone"
    assert seen["failed_on"] is ui_thread
    assert "unexpected" not in seen
