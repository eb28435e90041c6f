"""Deferred cross-region copies that wait out regional outages (used by the S3 and ECR extensions).

``replicate_later(regions, fn, name)`` runs ``fn()`` after the ``replication`` latency. When the task
comes due while one of ``regions`` is down, it is parked instead (AWS keeps such work pending, it
does not lose it) and a small watcher thread hands it back to the scheduler, after the replication
delay again, once every region it needs is up. ``settle()`` does not wait for parked work: it cannot
finish while the region is down.
"""

import threading
import time

from ..core import CONTROL
from ..core import SCHEDULER
from ..core import STATE
from ..core import on_reset

WATCH_INTERVAL = 0.05

_lock = threading.Lock()
_parked = []
_watcher = None
_generation = 0


def replicate_later(regions, fn, name, delay=None):
    """Run ``fn()`` once the replication delay has passed and every region in ``regions`` is up."""
    regions = tuple(region for region in regions if region)
    seconds = STATE.delay("replication") if delay is None else delay
    SCHEDULER.call_later(seconds, _attempt, regions, fn, name, _generation, name=name)


def _attempt(regions, fn, name, generation):
    if generation != _generation:
        return
    down = [region for region in regions if STATE.is_down(region)]
    if down:
        _park(regions, fn, name, down)
        return
    fn()


def _park(regions, fn, name, down):
    global _watcher
    with _lock:
        _parked.append(
            {"regions": regions, "fn": fn, "name": name, "down": down, "since": time.time(), "generation": _generation}
        )
        if _watcher is None or not _watcher.is_alive():
            _watcher = threading.Thread(target=_watch, name="emulator-replication-watcher", daemon=True)
            _watcher.start()


def resume_ready():
    """Hand parked work whose regions are all up back to the scheduler; returns how many resumed."""
    with _lock:
        ready = [item for item in _parked if not any(STATE.is_down(region) for region in item["regions"])]
        for item in ready:
            _parked.remove(item)
    for item in ready:
        if item["generation"] == _generation:
            replicate_later(item["regions"], item["fn"], item["name"])
    return len(ready)


def _watch():
    global _watcher
    while True:
        time.sleep(WATCH_INTERVAL)
        resume_ready()
        with _lock:
            if not _parked:
                _watcher = None
                return


def parked():
    with _lock:
        return [{"name": item["name"], "waiting_for": list(item["down"]), "since": item["since"]} for item in _parked]


@on_reset
def _forget():
    global _generation
    with _lock:
        _parked.clear()
        _generation += 1


@CONTROL.route("GET", "/replication", "cross-region copies waiting for a region to come back (S3, ECR)")
def _parked_route(body, query):
    return {
        "parked": parked(),
        "pending": [task for task in SCHEDULER.pending() if task["name"].startswith(("s3 ", "ecr "))],
    }
