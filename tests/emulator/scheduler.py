"""Deferred work for the emulator: replication, copies and promotions that complete "later".

Extensions call ``SCHEDULER.call_later(seconds, fn, ...)``. One daemon thread runs due tasks in
order. ``settle()`` runs everything that is pending now, so a test can skip the wait instead of
sleeping; ``clear()`` drops pending tasks on reset.
"""

import heapq
import itertools
import logging
import threading
import time

LOG = logging.getLogger("emulator.scheduler")


class Scheduler:
    def __init__(self):
        self._cond = threading.Condition()
        self._queue = []
        self._counter = itertools.count()
        self._generation = 0
        self._running = 0
        self._thread = None
        self._stopped = False

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="emulator-scheduler", daemon=True)
            self._thread.start()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def call_later(self, delay, fn, *args, name=None, **kwargs):
        """Run ``fn(*args, **kwargs)`` after ``delay`` seconds (0 = as soon as possible)."""
        due = time.monotonic() + max(0.0, float(delay))
        with self._cond:
            heapq.heappush(
                self._queue,
                (due, next(self._counter), self._generation, name or getattr(fn, "__name__", "task"), fn, args, kwargs),
            )
            self._cond.notify_all()

    def pending(self):
        with self._cond:
            return [{"name": item[3], "due_in": round(item[0] - time.monotonic(), 3)} for item in sorted(self._queue)]

    def clear(self):
        with self._cond:
            self._queue = []
            self._generation += 1
            self._cond.notify_all()

    def settle(self, timeout=30.0):
        """Run every pending task now (tasks they schedule too) until nothing is left."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not self._queue and not self._running:
                    return True
                # Make everything due now; the worker thread runs it in order.
                now = time.monotonic()
                self._queue = [(min(item[0], now),) + item[1:] for item in self._queue]
                heapq.heapify(self._queue)
                self._cond.notify_all()
                self._cond.wait(0.05)
        return False

    def _run(self):
        while True:
            with self._cond:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = None if not self._queue else max(0.0, self._queue[0][0] - time.monotonic())
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _due, _seq, generation, name, fn, args, kwargs = heapq.heappop(self._queue)
                if generation != self._generation:
                    continue
                self._running += 1
            try:
                fn(*args, **kwargs)
            except Exception:  # a broken task must not stop the emulator; it is logged
                LOG.exception("emulator task %s failed", name)
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()


SCHEDULER = Scheduler()
