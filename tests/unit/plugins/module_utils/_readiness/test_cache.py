"""Readiness of dr_cache (plugins/module_utils/_readiness/cache.py): every check's pass, fail and not checked."""

import datetime

from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import cache
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
GLOBAL = "ldgnf-fileflow"
NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)


def error(code, operation):
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


def secondary(role="SECONDARY", status="available"):
    return {
        "ReplicationGroupId": "fileflow-dr-redis",
        "Status": status,
        "MemberClusters": ["fileflow-dr-redis-001"],
        "GlobalReplicationGroupInfo": {"GlobalReplicationGroupId": GLOBAL, "GlobalReplicationGroupMemberRole": role},
    }


class FakeElastiCache:
    def __init__(self, group=None, subnet_group=True, primary_status="associated", fail=None):
        self.group, self.subnet_group, self.primary_status, self.fail = group, subnet_group, primary_status, fail or {}

    def _maybe_fail(self, name):
        if name in self.fail:
            raise self.fail[name]

    def describe_cache_subnet_groups(self, CacheSubnetGroupName, aws_retry=False):  # noqa: N803 (boto3's names)
        self._maybe_fail("subnet")
        if not self.subnet_group:
            raise error("CacheSubnetGroupNotFoundFault", "DescribeCacheSubnetGroups")
        return {"CacheSubnetGroups": [{"CacheSubnetGroupName": CacheSubnetGroupName, "VpcId": "vpc-1"}]}

    def describe_replication_groups(self, ReplicationGroupId, aws_retry=False):  # noqa: N803
        self._maybe_fail("group")
        if self.group is None:
            raise error("ReplicationGroupNotFoundFault", "DescribeReplicationGroups")
        return {"ReplicationGroups": [self.group]}

    def describe_global_replication_groups(self, GlobalReplicationGroupId, ShowMemberInfo, aws_retry=False):  # noqa: N803
        self._maybe_fail("global")
        members = [
            {
                "ReplicationGroupId": "fileflow-prod-redis",
                "ReplicationGroupRegion": SEOUL,
                "Role": "PRIMARY",
                "Status": self.primary_status,
            }
        ]
        return {"GlobalReplicationGroups": [{"GlobalReplicationGroupId": GLOBAL, "Members": members}]}


class FakeCloudWatch:
    def __init__(self, lag=None, fail=None):
        self.lag, self.fail = lag, fail

    def get_metric_statistics(self, aws_retry=False, **kwargs):
        if self.fail:
            raise self.fail
        return {"Datapoints": [] if self.lag is None else [{"Maximum": self.lag}]}


def context(mode="rebuild", elasticache=None, cloudwatch=None, subnet_group="fileflow-dr-redis"):
    spec = {
        "name": "cache",
        "region": TOKYO,
        "primary_region": SEOUL,
        "primary_reachable": True,
        "options": {
            "mode": mode,
            "replication_group_id": "fileflow-dr-redis",
            "primary_replication_group_id": "fileflow-prod-redis",
            "global_replication_group_id": GLOBAL,
            "cache_subnet_group": subnet_group,
            "max_replication_lag": 5,
        },
    }
    clients = {"elasticache": elasticache or FakeElastiCache(), "cloudwatch": cloudwatch or FakeCloudWatch()}

    def factory(service, region):
        assert region == TOKYO  # the datastore is read from the DR region, never the primary
        return clients[service]

    return ReadinessContext(factory, spec, now=lambda: NOW)


def by_check(ctx):
    return {r["check"]: r for r in cache.check(ctx)}


def test_rebuild_pass_with_rpo_evidence():
    results = by_check(context())
    assert {k: r["status"] for k, r in results.items()} == {
        "subnet_group": "pass",
        "dr_group_absent": "pass",
        "rpo": "pass",
    }
    assert "everything in the cache" in results["rpo"]["evidence"]["rpo"]["data_loss"]


def test_rebuild_fails_and_not_checked():
    results = by_check(context(elasticache=FakeElastiCache(group=secondary(), subnet_group=False)))
    assert results["subnet_group"]["status"] == "fail" and results["subnet_group"]["fix"]
    assert results["dr_group_absent"]["status"] == "fail" and "is available" in results["dr_group_absent"]["reason"]
    throttled = error("Throttling", "Describe")
    results = by_check(context(elasticache=FakeElastiCache(fail={"subnet": throttled, "group": throttled})))
    assert results["subnet_group"]["status"] == "not_checked" and results["dr_group_absent"]["status"] == "not_checked"


def test_global_datastore_pass():
    results = by_check(context("global_datastore", FakeElastiCache(group=secondary()), FakeCloudWatch(lag=0.8)))
    assert {k: r["status"] for k, r in results.items()} == {
        "secondary": "pass",
        "primary_member": "pass",
        "rpo": "pass",
    }
    assert results["rpo"]["evidence"]["rpo"]["replication_lag_seconds"] == 0.8
    assert results["primary_member"]["side"] == "primary"


def test_global_datastore_fails():
    results = by_check(
        context(
            "global_datastore",
            FakeElastiCache(group=secondary("PRIMARY"), primary_status="inaccessible"),
            FakeCloudWatch(lag=30),
        )
    )
    assert results["secondary"]["status"] == "fail" and "PRIMARY" in results["secondary"]["reason"]
    assert results["primary_member"]["status"] == "fail" and "inaccessible" in results["primary_member"]["reason"]
    assert results["rpo"]["status"] == "fail" and "30" in results["rpo"]["reason"]


def test_global_datastore_not_checked():
    throttled = error("Throttling", "Describe")
    no_point = by_check(context("global_datastore", FakeElastiCache(group=secondary()), FakeCloudWatch()))
    assert (
        no_point["rpo"]["status"] == "not_checked" and "no GlobalDatastoreReplicationLag" in no_point["rpo"]["reason"]
    )
    failed = by_check(
        context(
            "global_datastore",
            FakeElastiCache(group=secondary(), fail={"global": throttled}),
            FakeCloudWatch(fail=throttled),
        )
    )
    assert failed["primary_member"]["status"] == "not_checked" and failed["rpo"]["status"] == "not_checked"
    unread = by_check(context("global_datastore", FakeElastiCache(fail={"group": throttled})))
    assert {k: r["status"] for k, r in unread.items()} == {
        "secondary": "not_checked",
        "rpo": "not_checked",
        "primary_member": "not_checked",
    }
