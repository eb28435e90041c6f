"""Readiness checks of dr_s3: replication <bucket>, pending replication <bucket>, DR bucket <dr bucket>."""

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

PRIMARY, DR = "ap-northeast-2", "ap-northeast-1"
NOW = datetime.datetime(2026, 5, 1, 3, 0, tzinfo=datetime.timezone.utc)
OPTIONS = {
    "buckets": [{"name": "team"}, {"name": "log", "dr_name": "log-tokyo"}],
    "dr_bucket_suffix": "-dr",
    "rule_id": "pilotlight-dr",
    "readiness_max_pending": 1000,
}


def error(code, operation="Call"):
    return ClientError({"Error": {"Code": code, "Message": f"{code} message"}}, operation)


THROTTLED = error("SlowDown")


def rule(destination, status="Enabled", metrics=True, rule_id="pilotlight-dr"):
    destination_ = {"Bucket": f"arn:aws:s3:::{destination}"}
    if metrics:
        destination_["Metrics"] = {"Status": "Enabled"}
    return {"ID": rule_id, "Priority": 1, "Status": status, "Filter": {"Prefix": ""}, "Destination": destination_}


def ready_world():
    return {
        "buckets": {
            "team": {"region": PRIMARY, "versioning": "Enabled", "rules": [rule("team-dr")]},
            "log": {"region": PRIMARY, "versioning": "Enabled", "rules": [rule("log-tokyo")]},
            "team-dr": {"region": DR, "versioning": "Enabled", "rules": None},
            "log-tokyo": {"region": DR, "versioning": "Enabled", "rules": None},
        },
        "pending": {"team": 3, "log": 0},
        "errors": {},
    }


class FakeS3:
    def __init__(self, world, region):
        self.world, self.region, self.calls = world, region, []

    def _bucket(self, operation, bucket):
        self.calls.append((operation, bucket))
        failure = self.world["errors"].get((operation, bucket))
        if failure:
            raise failure
        if bucket not in self.world["buckets"]:
            raise error("NoSuchBucket", operation)
        return self.world["buckets"][bucket]

    def get_bucket_replication(self, Bucket, aws_retry=False):
        rules = self._bucket("get_bucket_replication", Bucket)["rules"]
        if rules is None:
            raise error("ReplicationConfigurationNotFoundError")
        return {"ReplicationConfiguration": {"Role": "arn:aws:iam::1:role/r", "Rules": rules}}

    def get_bucket_location(self, Bucket, aws_retry=False):
        region = self._bucket("get_bucket_location", Bucket)["region"]
        return {"LocationConstraint": None if region == "us-east-1" else region}

    def get_bucket_versioning(self, Bucket, aws_retry=False):
        status = self._bucket("get_bucket_versioning", Bucket)["versioning"]
        return {"Status": status} if status != "Disabled" else {}


class FakeCloudWatch:
    def __init__(self, world, region):
        self.world, self.region, self.calls = world, region, []

    def get_metric_statistics(self, MetricName, Dimensions, aws_retry=False, **kwargs):
        bucket = Dimensions[0]["Value"]
        self.calls.append((MetricName, bucket))
        failure = self.world["errors"].get(("get_metric_statistics", bucket))
        if failure:
            raise failure
        pending = self.world["pending"].get(bucket)
        if pending is None:
            return {"Datapoints": []}
        value = pending * 1024 if MetricName == "BytesPendingReplication" else pending
        return {"Datapoints": [{"Timestamp": NOW - datetime.timedelta(minutes=2), "Maximum": float(value)}]}


class Clients:
    """The client factory of a ReadinessContext, recording every (service, region) asked for."""

    def __init__(self, world):
        self.world, self.asked = world, []

    def __call__(self, service, region):
        self.asked.append((service, region))
        return {"s3": FakeS3, "cloudwatch": FakeCloudWatch}[service](self.world, region)


def run(world, primary_reachable=True, **options):
    clients = Clients(world)
    spec = {
        "name": "s3",
        "region": DR,
        "primary_region": PRIMARY,
        "primary_reachable": primary_reachable,
        "options": dict(OPTIONS, **options),
    }
    results = COMPONENTS["s3"](ReadinessContext(clients, spec, now=lambda: NOW))
    return {r["check"]: r for r in results}, clients


def statuses(results):
    return {name: r["status"] for name, r in results.items()}


def test_ready_buckets_pass_with_the_pending_evidence():
    results, _dummy = run(ready_world())
    assert list(results) == [
        "replication team",
        "pending replication team",
        "replication log",
        "pending replication log",
    ]
    assert set(statuses(results).values()) == {"pass"}
    assert results["replication team"]["reason"] == "rule pilotlight-dr replicates team to team-dr"
    pending = results["pending replication team"]
    assert pending["reason"] == "3 operation(s) of team pending replication (limit 1000)"
    assert pending["evidence"]["operations_pending"] == 3 and pending["evidence"]["bytes_pending"] == 3072
    assert pending["side"] == "primary" and pending["component"] == "dr_s3"


def test_a_missing_disabled_or_misdirected_rule_fails_with_the_fix():
    world = ready_world()
    world["buckets"]["team"]["rules"] = None
    world["buckets"]["log"]["rules"] = [rule("elsewhere")]
    results, _dummy = run(world)
    assert statuses(results) == {
        "replication team": "fail",
        "pending replication team": "not_checked",
        "replication log": "fail",
        "pending replication log": "not_checked",
    }
    assert "has no replication rule pilotlight-dr (to team-dr)" in results["replication team"]["reason"]
    assert "replicates to elsewhere, not an enabled rule to log-tokyo" in results["replication log"]["reason"]
    assert "dr_s3 role" in results["replication team"]["fix"]

    world["buckets"]["log"]["rules"] = [rule("log-tokyo", status="Disabled")]
    results, _dummy = run(world)
    assert results["replication log"]["status"] == "fail"


def test_a_missing_primary_bucket_fails():
    world = ready_world()
    del world["buckets"]["team"]
    results, _dummy = run(world)
    assert results["replication team"]["status"] == "fail"
    assert results["replication team"]["reason"] == f"bucket team not found in {PRIMARY}"


def test_too_many_pending_operations_fail():
    world = ready_world()
    world["pending"]["team"] = 1001
    results, _dummy = run(world)
    assert results["pending replication team"]["status"] == "fail"
    assert "1001 operation(s) of team pending replication (limit 1000)" == results["pending replication team"]["reason"]
    assert "wait for replication to catch up" in results["pending replication team"]["fix"]


def test_no_datapoint_or_no_metrics_is_not_checked_never_zero():
    world = ready_world()
    world["pending"]["team"] = None
    world["buckets"]["log"]["rules"] = [rule("log-tokyo", metrics=False)]
    results, _dummy = run(world)
    assert results["replication team"]["status"] == "pass"
    assert results["pending replication team"]["status"] == "not_checked"
    assert "no replication metric datapoint in the last 60 minutes" in results["pending replication team"]["reason"]
    assert results["pending replication log"]["status"] == "not_checked"
    assert "publishes no replication metrics" in results["pending replication log"]["reason"]


def test_a_throttled_read_is_not_checked_never_absent():
    world = ready_world()
    world["errors"][("get_bucket_replication", "team")] = THROTTLED
    world["errors"][("get_metric_statistics", "log")] = THROTTLED
    results, _dummy = run(world)
    assert statuses(results) == {
        "replication team": "not_checked",
        "pending replication team": "not_checked",
        "replication log": "pass",
        "pending replication log": "not_checked",
    }
    assert "SlowDown" in results["replication team"]["reason"]
    assert results["replication team"]["fix"] is None


def test_primary_down_calls_the_dr_region_only():
    world = ready_world()
    world["buckets"]["team-dr"]["versioning"] = "Suspended"
    del world["buckets"]["log-tokyo"]
    world["buckets"]["ok-dr"] = {"region": DR, "versioning": "Enabled", "rules": None}
    results, clients = run(
        world,
        primary_reachable=False,
        buckets=[{"name": "team"}, {"name": "log", "dr_name": "log-tokyo"}, {"name": "ok"}],
    )
    assert {region for _dummy, region in clients.asked} == {DR}
    assert statuses(results) == {
        "replication team": "not_checked",
        "pending replication team": "not_checked",
        "DR bucket team-dr": "fail",
        "replication log": "not_checked",
        "pending replication log": "not_checked",
        "DR bucket log-tokyo": "fail",
        "replication ok": "not_checked",
        "pending replication ok": "not_checked",
        "DR bucket ok-dr": "pass",
    }
    assert results["replication team"]["side"] == "primary" and results["DR bucket team-dr"]["side"] == "dr"
    assert results["replication team"]["reason"].startswith("not checked: the primary region is unreachable")
    assert "is not versioned (versioning Suspended)" in results["DR bucket team-dr"]["reason"]
    assert "does not exist" in results["DR bucket log-tokyo"]["reason"]
    assert (
        results["DR bucket ok-dr"]["reason"] == f"DR bucket ok-dr exists in {DR} and is versioned (read in {DR} only)"
    )


def test_a_dr_bucket_in_another_region_fails():
    world = ready_world()
    world["buckets"]["team-dr"]["region"] = "us-east-1"
    results, _dummy = run(world, primary_reachable=False, buckets=[{"name": "team"}])
    assert results["DR bucket team-dr"]["status"] == "fail"
    assert f"is in us-east-1, not in {DR}" in results["DR bucket team-dr"]["reason"]


@pytest.mark.parametrize("operation", ["get_bucket_location", "get_bucket_versioning"])
def test_a_throttled_dr_read_is_not_checked_not_unversioned(operation):
    world = ready_world()
    world["errors"][(operation, "team-dr")] = THROTTLED
    results, _dummy = run(world, primary_reachable=False, buckets=[{"name": "team"}])
    assert results["DR bucket team-dr"]["status"] == "not_checked"
    assert "not versioned" not in results["DR bucket team-dr"]["reason"]
    assert "SlowDown" in results["DR bucket team-dr"]["reason"]


def test_no_buckets_no_checks():
    results, clients = run(ready_world(), buckets=[])
    assert results == {} and clients.asked == []
