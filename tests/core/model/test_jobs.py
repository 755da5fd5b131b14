# SPDX-License-Identifier: GPL-3.0-or-later
import pytest

from core.model.jobs import Cancelled, CancelToken, Progress, drive


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
