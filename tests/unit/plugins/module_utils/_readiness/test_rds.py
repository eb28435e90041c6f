"""Readiness checks of dr_rds: ``replica <id> available`` and ``replica <id> lag``, read in the DR region only."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from botocore.exceptions import ClientError
from botocore.exceptions import EndpointConnectionError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SOURCE_ARN = f"arn:aws:rds:{SEOUL}:123456789012:db:portforge-test-rds"
OTHER_ARN = f"arn:aws:rds:{SEOUL}:123456789012:db:other-db"
REPLICA = "portforge-dr-rds-replica"
NOW = datetime(2026, 11, 22, 2, 30, 30, tzinfo=timezone.utc)
ENTRY = {"source": "portforge-test-rds", "replica": REPLICA}


def replica(**extra):
    instance = {
        "DBInstanceIdentifier": REPLICA,
        "DBInstanceStatus": "available",
        "DBInstanceArn": f"arn:aws:rds:{TOKYO}:123456789012:db:{REPLICA}",
        "ReadReplicaSourceDBInstanceIdentifier": SOURCE_ARN,
        "KmsKeyId": "arn:aws:kms:key/dr",
        "StatusInfos": [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}],
    }
    instance.update(extra)
    return instance


def standalone(**extra):
    instance = replica(**extra)
    del instance["ReadReplicaSourceDBInstanceIdentifier"]
    return instance


def point(minutes_ago, maximum, minimum=None):
    return {
        "Timestamp": NOW.replace(second=0) - timedelta(minutes=minutes_ago),
        "Maximum": maximum,
        "Minimum": maximum if minimum is None else minimum,
    }


class FakeRds:
    """DescribeDBInstances from a dict of instances (an exception is raised)."""

    def __init__(self, instances):
        self.instances = instances

    def get_paginator(self, name):
        assert name == "describe_db_instances"
        instances = self.instances

        class Paginator:
            def paginate(self, DBInstanceIdentifier):
                class Result:
                    def build_full_result(self):
                        found = instances.get(DBInstanceIdentifier)
                        if isinstance(found, Exception):
                            raise found
                        if found is None:
                            raise ClientError(
                                {"Error": {"Code": "DBInstanceNotFound", "Message": "not found"}}, "DescribeDBInstances"
                            )
                        return {"DBInstances": [found]}

                return Result()

        return Paginator()


class FakeCloudWatch:
    def __init__(self, datapoints=(), error=None):
        self.datapoints, self.error, self.requests = list(datapoints), error, []

    def get_metric_statistics(self, aws_retry=False, **request):
        self.requests.append(request)
        if self.error:
            raise self.error
        return {"Datapoints": self.datapoints}


FRESH = (point(1, 4),)


def run(instances, datapoints=FRESH, entries=(ENTRY,), primary_reachable=True, cloudwatch=None, **options):
    clients = {"rds": FakeRds(instances), "cloudwatch": cloudwatch or FakeCloudWatch(datapoints)}
    regions = []

    def factory(service, region):
        regions.append(region)
        return clients[service]

    spec = {
        "name": "rds",
        "region": TOKYO,
        "primary_region": SEOUL,
        "primary_reachable": primary_reachable,
        "options": dict({"instances": list(entries), "max_lag_seconds": 900, "lag_lookback_seconds": 900}, **options),
    }
    results = COMPONENTS["rds"](ReadinessContext(factory, spec, now=lambda: NOW))
    assert set(regions) == {TOKYO}, "the checks call the DR region only"
    return {r["check"]: r for r in results}, [r["check"] for r in results]


def test_a_replica_available_and_within_the_lag_passes_both_checks():
    results, order = run({REPLICA: replica()})
    assert order == [f"replica {REPLICA} available", f"replica {REPLICA} lag"]
    available, lag = results[order[0]], results[order[1]]
    assert available["status"] == "pass" and f"{REPLICA} is available, a replica of {SOURCE_ARN}" in available["reason"]
    assert available["component"] == "dr_rds" and available["side"] == "dr"
    assert available["evidence"]["replication"] == "replicating"
    assert lag["status"] == "pass" and f"replica lag of {REPLICA} is 4s (max 900s" in lag["reason"]
    # the RPO evidence the promotion would record
    assert lag["evidence"]["seconds"] == 4 and lag["evidence"]["max_lag_seconds"] == 900
    assert lag["evidence"]["datapoint_age_seconds"] == 30 and lag["evidence"]["stale"] is False


def test_a_missing_replica_fails_both_with_the_fix():
    results, order = run({})
    for name in order:
        assert results[name]["status"] == "fail" and "main entry point" in results[name]["fix"]
    assert f"replica {REPLICA} does not exist in {TOKYO}" in results[order[0]]["reason"]


def test_a_replica_not_available_fails_and_says_whether_it_ends_on_its_own():
    results, order = run({REPLICA: replica(DBInstanceStatus="modifying")})
    assert results[order[0]]["status"] == "fail" and "ends on its own" in results[order[0]]["fix"]
    assert results[order[1]]["status"] == "pass"
    results, order = run({REPLICA: replica(DBInstanceStatus="storage-full")})
    assert results[order[0]]["status"] == "fail" and "needs a person" in results[order[0]]["fix"]


def test_a_replica_of_another_source_fails_naming_both():
    results, order = run({REPLICA: replica(ReadReplicaSourceDBInstanceIdentifier=OTHER_ARN)})
    assert [results[name]["status"] for name in order] == ["fail", "fail"]
    assert f"replicates {OTHER_ARN}, not portforge-test-rds" in results[order[0]]["reason"]
    assert "dr_rds_instances" in results[order[0]]["fix"]


def test_a_source_arn_in_another_region_than_the_primary_fails():
    entry = {"source": "arn:aws:rds:us-east-1:123456789012:db:portforge-test-rds", "replica": REPLICA}
    results, order = run({REPLICA: replica()}, entries=[entry])
    assert (
        results[order[0]]["status"] == "fail" and "but source_region is ap-northeast-2" in results[order[0]]["reason"]
    )


def test_a_standalone_instance_fails_while_the_primary_is_up():
    results, order = run({REPLICA: standalone()})
    assert [results[name]["status"] for name in order] == ["fail", "fail"]
    assert "standalone DB instance, not a read replica" in results[order[0]]["reason"]
    assert "cannot become a replica again" in results[order[0]]["fix"]


def test_a_standalone_instance_passes_when_the_primary_is_down_as_promoted_earlier():
    results, order = run({REPLICA: standalone()}, primary_reachable=False)
    assert [results[name]["status"] for name in order] == ["pass", "pass"]
    assert "already standalone (promoted earlier)" in results[order[0]]["reason"]
    assert "no replica lag to check" in results[order[1]]["reason"]


def test_the_same_checks_run_while_the_primary_is_down():
    results, order = run({REPLICA: replica()}, primary_reachable=False)
    assert [results[name]["status"] for name in order] == ["pass", "pass"]


def test_a_lag_above_the_maximum_fails_with_the_fix():
    results, order = run({REPLICA: replica()}, datapoints=[point(1, 1200)])
    lag = results[order[1]]
    assert lag["status"] == "fail" and "1200s (max 900s" in lag["reason"] and "dr_rds_force" in lag["fix"]


def test_no_datapoint_is_not_checked():
    results, order = run({REPLICA: replica()}, datapoints=[])
    lag = results[order[1]]
    assert lag["status"] == "not_checked" and "no ReplicaLag datapoint" in lag["reason"] and not lag["passed"]


def test_a_stale_datapoint_is_not_checked_with_its_age():
    results, order = run({REPLICA: replica()}, datapoints=[point(10, 3)])
    lag = results[order[1]]
    assert lag["status"] == "not_checked" and "is 570s old (stale after 180s)" in lag["reason"]
    assert lag["evidence"]["datapoint_age_seconds"] == 570 and lag["evidence"]["seconds"] == 573


def test_replication_not_active_is_bounded_by_the_last_active_datapoint():
    bounded, order = run({REPLICA: replica()}, datapoints=[point(3, 5), point(0, -1)])
    assert bounded[order[1]]["status"] == "pass" and "replication not active" in bounded[order[1]]["reason"]
    unknown, _dummy = run({REPLICA: replica()}, datapoints=[point(0, -1)])
    assert unknown[order[1]]["status"] == "not_checked" and "replication not active" in unknown[order[1]]["reason"]
    assert "newest datapoint 0s old" in unknown[order[1]]["reason"]


def test_an_unreachable_rds_makes_both_not_checked_never_absent():
    error = EndpointConnectionError(endpoint_url="https://rds.ap-northeast-1.amazonaws.com")
    results, order = run({REPLICA: error})
    for name in order:
        assert (
            results[name]["status"] == "not_checked"
            and f"could not read DB instance {REPLICA}" in results[name]["reason"]
        )
        assert "does not exist" not in results[name]["reason"]


def test_a_throttled_cloudwatch_read_makes_the_lag_not_checked():
    throttled = ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "GetMetricStatistics")
    results, order = run({REPLICA: replica()}, cloudwatch=FakeCloudWatch(error=throttled))
    assert results[order[0]]["status"] == "pass"
    lag = results[order[1]]
    assert lag["status"] == "not_checked" and "Throttling" in lag["reason"] and "CloudWatch" in lag["reason"]


def test_every_replica_has_its_checks_in_order_and_the_metric_is_read_in_the_dr_region():
    cloudwatch = FakeCloudWatch([point(1, 2)])
    entries = [ENTRY, {"source": "b", "replica": "b-dr"}]
    results, order = run({REPLICA: replica()}, entries=entries, cloudwatch=cloudwatch)
    assert order == [
        f"replica {REPLICA} available",
        f"replica {REPLICA} lag",
        "replica b-dr available",
        "replica b-dr lag",
    ]
    assert cloudwatch.requests[0]["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": REPLICA}]


@pytest.mark.parametrize("options", [{}, {"max_lag_seconds": "900", "lag_lookback_seconds": "900"}])
def test_options_may_come_as_strings_from_the_role(options):
    results, order = run({REPLICA: replica()}, **options)
    assert results[order[1]]["status"] == "pass"
