import threading
import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import RateLimiter
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently


def test_results_keep_input_order_and_failures_stay_attached():
    def work(n):
        time.sleep(0.01 * (5 - n))
        if n == 2:
            raise ValueError("two is broken")
        return n * 10

    outcomes = run_concurrently(work, range(5), max_workers=5)
    assert [o.item for o in outcomes] == [0, 1, 2, 3, 4]
    assert [o.value for o in outcomes if o.ok] == [0, 10, 30, 40]
    assert str(outcomes[2].error) == "two is broken"


def test_waits_overlap_instead_of_adding_up():
    # All six calls must be in flight at the same time to pass the barrier; run one after another,
    # the first would wait for the other five forever (here: 10 s, then BrokenBarrierError).
    barrier = threading.Barrier(6, timeout=10)
    outcomes = run_concurrently(lambda _dummy: barrier.wait(), range(6), max_workers=6)
    assert all(o.ok for o in outcomes), [repr(o.error) for o in outcomes]


def test_max_workers_one_is_sequential():
    active, peak = [0], [0]
    lock = threading.Lock()

    def work(_dummy):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.01)
        with lock:
            active[0] -= 1

    run_concurrently(work, range(4), max_workers=1)
    assert peak[0] == 1


def test_rate_limiter_spaces_calls_beyond_the_burst():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(rate=10, burst=2, clock=lambda: now[0], sleep=sleep)
    for _dummy in range(6):
        limiter.acquire()
    # Two calls ride the burst, the other four wait a tenth of a second each.
    assert len(slept) == 4
    assert abs(sum(slept) - 0.4) < 1e-9


def test_unlimited_rate_never_sleeps():
    limiter = RateLimiter(rate=None, sleep=lambda s: (_dummy for _dummy in ()).throw(AssertionError("slept")))
    assert all(limiter.acquire() == 0.0 for _dummy in range(100))


def test_apply_plans_stamps_update_times_and_names_what_changed_and_what_failed():
    import pytest

    from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import apply_plans
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    plans = [{"name": "web", "timings": {}}, {"name": "app", "timings": {}}]
    apply_plans(lambda p: p["name"], plans, 2, "groups", started=10.0, clock=lambda: 12.5)
    assert [p["timings"]["update"] for p in plans] == [2.5, 2.5]

    def apply(plan):
        if plan["name"] == "app":
            raise DRError("cannot change Auto Scaling group app")
        return plan["name"]

    with pytest.raises(DRError) as failed:
        apply_plans(apply, [{"name": "web", "timings": {}}, {"name": "app", "timings": {}}], 2, "groups", 0.0)
    assert str(failed.value).startswith("some groups could not be changed (changed: web): cannot change")
