# SPDX-License-Identifier: GPL-3.0-or-later
import threading
import time

import pytest

from core.model.jobs import (
    Cancelled,
    CancelToken,
    Progress,
    TooComplex,
    check_deadline,
    drive,
    time_budget,
)


def counting(n: int, cancel: CancelToken):
    for i in range(n):
        cancel.raise_if_cancelled()
        yield Progress(i + 1, n)
    return n * 10


def test_drive_returns_result_and_reports_progress() -> None:
    seen: list[int] = []
    assert drive(counting(3, CancelToken()), lambda p: seen.append(p.done)) == 30
    assert seen == [1, 2, 3]


def test_cancel_stops_the_job() -> None:
    token = CancelToken()
    job = counting(5, token)
    next(job)
    token.cancel()
    with pytest.raises(Cancelled):
        next(job)


def _spin(seconds: float) -> str:
    """A pure-Python loop that would run ``seconds`` unless its budget stops it."""
    end = time.monotonic() + seconds
    try:
        with time_budget(0.2):
            while time.monotonic() < end:
                pass
    except TooComplex as exc:
        return str(exc)
    return "finished"


def test_time_budget_stops_a_loop_that_never_checks() -> None:
    assert _spin(30) == "too complex to check within 0.2 seconds"


def test_time_budget_works_in_any_thread() -> None:
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(_spin(30))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["too complex to check within 0.2 seconds"] * 2


def test_work_within_its_budget_is_left_alone() -> None:
    with time_budget(60):
        total = sum(range(1000))
    assert total == 499500
    check_deadline()  # outside a budget: nothing to check


def test_check_deadline_raises_once_over_budget() -> None:
    with pytest.raises(TooComplex, match="too complex"), time_budget(0):
        check_deadline()


def test_time_budget_counts_processor_time_not_waiting() -> None:
    """A busy machine (or a slow disk) makes a file wait, not "too complex"."""
    with time_budget(0.2):
        time.sleep(0.6)
        check_deadline()
