"""The graceful failover's DynamoDB drain check without AWS: marker keys, readiness, settle time, the check itself."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import drain

TOKEN = "0123456789abcdef0123456789abcdef"
TOKYO = "ap-northeast-1"


def table(name="orders", replicas=None, key=(("id", "S", "HASH"),)):
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": n, "KeyType": k} for n, _t, k in key],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t, _k in key],
        "Replicas": [{"RegionName": r, "ReplicaStatus": s} for r, s in (replicas or {TOKYO: "ACTIVE"}).items()],
    }


def test_the_marker_key_follows_the_key_schema_and_types():
    key = drain.marker_key(table(key=(("seat", "N", "HASH"), ("at", "B", "RANGE"))), TOKEN)
    assert key["at"] == {"B": f"pilotlight-drain-{TOKEN}".encode()}
    assert key["seat"]["N"].startswith("-") and key["seat"]["N"][1:].isdigit()
    assert drain.marker_key(table(), TOKEN) == {"id": {"S": f"pilotlight-drain-{TOKEN}"}}


def test_a_table_needs_an_active_replica_in_every_region():
    assert drain.not_ready(table(), [TOKYO]) is None
    assert "no ACTIVE replica in ap-northeast-1 (CREATING)" in drain.not_ready(
        table(replicas={TOKYO: "CREATING"}), [TOKYO]
    )
    with pytest.raises(DRError, match="orders has no ACTIVE replica in ap-northeast-3 .no replica."):
        drain.check_ready({"orders": table()}, ["ap-northeast-3"])


def test_the_settle_time_is_ten_times_the_slowest_arrival():
    assert drain.settle_seconds([0.2, 0.5]) == 5.0
    assert drain.settle_seconds([]) == 0.0


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeTable:
    """One region's DynamoDB client for one table: items by key; ``arrive_after`` seconds of replication."""

    def __init__(self, region, clock, source=None, arrive_after=None):
        self.meta = type("Meta", (), {"region_name": region})()
        self.clock, self.source, self.arrive_after = clock, source, arrive_after
        self.items, self.calls = {}, []

    def _key(self, key):
        return tuple(sorted((k, str(v)) for k, v in key.items()))

    def put_item(self, TableName, Item, **kwargs):
        self.calls.append("PutItem")
        self.items[self._key({k: v for k, v in Item.items() if k != drain.MARKER_ATTRIBUTE})] = self.clock()

    def get_item(self, TableName, Key, ConsistentRead, **kwargs):
        assert ConsistentRead is True
        self.calls.append("GetItem")
        written = self.source.items.get(self._key(Key))
        arrived = written is not None and self.arrive_after is not None and self.clock() >= written + self.arrive_after
        return {"Item": Key} if arrived else {}

    def delete_item(self, TableName, Key, **kwargs):
        self.calls.append("DeleteItem")


def run(arrive_after, timeout=10):
    clock = Clock()
    primary = FakeTable("ap-northeast-2", clock)
    dr = FakeTable(TOKYO, clock, source=primary, arrive_after=arrive_after)
    warnings = []
    deadline = Deadline(timeout, clock=clock)
    try:
        return drain.drain(primary, {TOKYO: dr}, {"orders": table()}, deadline, warnings, TOKEN, clock, clock.sleep)
    finally:
        run.calls = (primary.calls, dr.calls, clock.now, warnings)


def test_drained_once_the_marker_arrived_and_the_settle_time_passed():
    record = run(arrive_after=0.3)
    primary_calls, dr_calls, now, warnings = run.calls
    assert record["drained"] and record["tables"]["orders"]["drained"]
    arrival = record["tables"]["orders"]["arrived_after_seconds"][TOKYO]
    assert arrival >= 0.3 and record["settle_seconds"] == pytest.approx(10 * arrival)
    assert now >= record["settle_seconds"]  # waited the settle time, counted from the marker's write
    assert primary_calls == ["PutItem", "DeleteItem"] and dr_calls[-1] == "DeleteItem" and warnings == []


def test_a_marker_that_never_arrives_fails_naming_the_table_and_is_deleted():
    with pytest.raises(DRError, match=r"did not drain within drain_timeout=3s.*for table\(s\) orders") as failure:
        run(arrive_after=None, timeout=3)
    assert failure.value.extra["drain"]["drained"] is False
    primary_calls, dr_calls, _now, _warnings = run.calls
    assert primary_calls[-1] == "DeleteItem" and dr_calls[-1] == "DeleteItem"


def test_a_settle_time_beyond_the_timeout_is_not_called_drained():
    with pytest.raises(DRError, match="too slow to call drained"):
        run(arrive_after=2.0, timeout=5)
