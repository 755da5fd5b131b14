# SPDX-License-Identifier: GPL-3.0-or-later
import threading

from core.model.jobs import Progress
from gui.tasks import TaskRunner


def job(n: int):
    for i in range(n):
        yield Progress(i + 1, n)
    return n * 2


def test_job_result_and_progress_arrive_on_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    seen: list[int] = []
    results: list[object] = []
    threads: set[bool] = set()

    def done(k: object, v: object) -> None:
        threads.add(threading.current_thread() is threading.main_thread())
        results.append((k, v))

    # Wait on the callbacks, not on the signal: a fast task can finish before a waitSignal connects.
    runner.submit(lambda: job(3), key="k", on_progress=lambda k, p: seen.append(p.done), on_done=done)
    qtbot.waitUntil(lambda: results == [("k", 6)], timeout=5000)
    assert seen == [1, 2, 3]
    assert threads == {True}
    assert runner.shutdown()


def test_failure_is_reported(qtbot) -> None:
    runner = TaskRunner()
    errors: list[str] = []

    def boom():
        raise ValueError("bad")

    runner.submit(boom, key=1, on_error=lambda k, m: errors.append(m))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "bad" in errors[0]
    assert runner.shutdown()


def test_cancel_stops_a_long_job(qtbot) -> None:
    runner = TaskRunner()
    gate = threading.Event()

    def slow():
        for i in range(1000):
            gate.wait(0.01)
            yield Progress(i, 1000)
        return "finished"

    task = runner.submit(slow, key="s")
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        task.cancel()
    assert runner.shutdown()
    assert runner.active() == 0


def test_cooperative_job_finishes_with_its_result_when_cancelled(qtbot) -> None:
    from core.model.jobs import CancelToken

    runner = TaskRunner()
    token = CancelToken()
    started = threading.Event()
    results: list[object] = []

    def polite():
        for i in range(10_000):
            started.set()
            if token.cancelled:
                return f"stopped after {i}"
            yield Progress(i, 10_000)
            token_wait.wait(0.001)
        return "all done"

    token_wait = threading.Event()
    task = runner.submit(polite, key="p", token=token, on_done=lambda k, v: results.append(v))
    started.wait(5)
    with qtbot.waitSignal(task.signals.finished, timeout=5000):
        runner.shutdown()
    qtbot.waitUntil(lambda: bool(results))
    assert str(results[0]).startswith("stopped after")


def test_finished_tasks_are_freed(qtbot) -> None:
    """No reference cycle through Qt connections keeps finished tasks alive (they piled up by the
    thousand while scrolling and made garbage collection stall the grid)."""
    import gc

    from gui.tasks import Task

    runner = TaskRunner()
    done: list[object] = []
    for n in range(200):
        runner.submit(lambda n=n: n, key=n, on_done=lambda k, v: done.append(v))
    qtbot.waitUntil(lambda: len(done) == 200, timeout=10_000)
    assert runner.shutdown()
    qtbot.wait(10)
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Task)]
    assert len(alive) < 5
