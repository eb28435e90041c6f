# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Doing slow AWS work for many resources at once, within a request rate.

DR modules act on lists (every golden AMI, every table, every group). Their waits are long and
independent, so they run side by side: ``run_concurrently`` keeps the input order and returns
each item's result or exception, never losing one failure behind another; ``raise_failures``
turns the failed ones into one error.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError


class Outcome:
    __slots__ = ("item", "value", "error")

    def __init__(self, item, value=None, error=None):
        self.item = item
        self.value = value
        self.error = error

    @property
    def ok(self):
        return self.error is None


def run_concurrently(fn, items, max_workers=8):
    """Call ``fn(item)`` for every item on up to ``max_workers`` threads; Outcomes in input order."""
    items = list(items)
    if not items:
        return []
    if len(items) == 1 or max_workers <= 1:
        return [_call(fn, item) for item in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(lambda item: _call(fn, item), items))


def _call(fn, item):
    try:
        return Outcome(item, value=fn(item))
    except Exception as exc:  # the caller decides how to report each failure
        return Outcome(item, error=exc)


class RateLimiter:
    """A thread-safe token bucket: at most ``rate`` acquisitions per second (None = unlimited)."""

    def __init__(self, rate, burst=None, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate) if rate else None
        self.capacity = float(burst or (rate or 1))
        self.tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self):
        if self.rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
            self._last = now
            wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
            self.tokens -= 1
        if wait:
            self._sleep(wait)
        return wait


def raise_failures(outcomes, what, limit=5, label=None, **extra):
    """Raise one DRError for every failed Outcome (the first ``limit`` named), or return when none failed.

    ``label(item)`` prefixes a message that does not name its item already. The error carries the
    first failure's AWS exception when there is only one failure, and ``failed``/``succeeded``.
    """
    failures = [outcome for outcome in outcomes if not outcome.ok]
    if not failures:
        return
    messages = []
    for outcome in failures[:limit]:
        text = getattr(outcome.error, "message", None) or str(outcome.error)
        if label is not None and str(outcome.item) not in text:
            text = f"{label(outcome.item)}: {text}"
        messages.append(text)
    more = f" (and {len(failures) - limit} more)" if len(failures) > limit else ""
    first = failures[0].error
    exception = first.exception if isinstance(first, DRError) else first
    if not isinstance(exception, AWS_ERRORS or ()):
        exception = None
    raise DRError(
        f"{what}: {'; '.join(messages)}{more}",
        exception=exception,
        failed=len(failures),
        succeeded=len(outcomes) - len(failures),
        **extra,
    )


def apply_plans(apply, plans, max_workers, kind, started, clock=time.monotonic):
    """``apply(plan)`` for every plan on threads (the capacity modules' one way to change what they plan).

    One error names what was changed and what failed (``kind``: "groups", "services", ...); each
    plan's ``timings["update"]`` is stamped with the seconds since ``started``.
    """
    outcomes = run_concurrently(apply, plans, max_workers)
    done = [outcome.value for outcome in outcomes if outcome.ok]
    raise_failures(outcomes, f"some {kind} could not be changed (changed: {', '.join(done) or 'none'})")
    for plan in plans:
        plan["timings"]["update"] = round(clock() - started, 3)
