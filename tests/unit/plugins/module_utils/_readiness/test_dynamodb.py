"""Readiness of dr_dynamodb (plugins/module_utils/_readiness/dynamodb.py): every check's pass, fail and not checked."""

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import dynamodb
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
NOW = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=datetime.timezone.utc)


def error(code, operation):
    return ClientError({"Error": {"Code": code, "Message": "no"}}, operation)


class FakeClient:
    """Answers each operation from ``answers``: a value, a function of the request, or an error to raise."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __getattr__(self, operation):
        def call(aws_retry=False, **params):
            self.calls.append((operation, params))
            answer = self.answers[operation]
            if isinstance(answer, Exception):
                raise answer
            return answer(params) if callable(answer) else answer

        return call


def table(name, status="ACTIVE", replicas=None, version="2019.11.21", stream="NEW_AND_OLD_IMAGES"):
    value = {"TableName": name, "TableStatus": status}
    if stream:
        value["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    if replicas is not None:
        value["Replicas"] = [{"RegionName": r, "ReplicaStatus": s} for r, s in replicas.items()]
    if version:
        value["GlobalTableVersion"] = version
    return value


class World:
    """Tables and ReplicationLatency datapoints per region; every call is recorded per (service, region)."""

    def __init__(self):
        self.tables = {
            SEOUL: {"orders": table("orders", replicas={TOKYO: "ACTIVE"})},
            TOKYO: {"orders": table("orders", replicas={SEOUL: "ACTIVE"})},
        }
        self.latency = {SEOUL: {"orders": [{"Timestamp": NOW, "Average": 120.0, "Maximum": 300.0}]}, TOKYO: {}}
        self.legacy = None
        self.overrides = {}
        self.clients = {}

    def client(self, service, region):
        if (service, region) not in self.clients:

            def describe(params):
                found = self.tables[region].get(params["TableName"])
                if found is None:
                    raise error("ResourceNotFoundException", "DescribeTable")
                return {"Table": found}

            def describe_global(params):
                if self.legacy is None:
                    raise error("GlobalTableNotFoundException", "DescribeGlobalTable")
                return {"GlobalTableDescription": {"ReplicationGroup": [{"RegionName": r} for r in self.legacy]}}

            def statistics(params):
                name = params["Dimensions"][0]["Value"]
                assert params["Dimensions"][1]["Value"] == (TOKYO if region == SEOUL else SEOUL)
                assert params["EndTime"] - params["StartTime"] == datetime.timedelta(minutes=16)
                return {"Datapoints": self.latency[region].get(name, [])}

            answers = {
                "describe_table": describe,
                "describe_global_table": describe_global,
                "get_metric_statistics": statistics,
            }
            answers.update(self.overrides.get((service, region), {}))
            self.clients[(service, region)] = FakeClient(answers)
        return self.clients[(service, region)]

    def check(self, tables=("orders",), primary_reachable=True, max_latency_ms=10000):
        spec = {
            "name": "dynamodb",
            "region": TOKYO,
            "primary_region": SEOUL,
            "primary_reachable": primary_reachable,
            "options": {"tables": list(tables), "max_latency_ms": max_latency_ms, "latency_lookback": 15},
        }
        return {r["check"]: r for r in dynamodb.check(ReadinessContext(self.client, spec, now=lambda: NOW))}


@pytest.fixture
def world():
    return World()


def test_an_active_replica_with_a_short_latency_passes(world):
    results = world.check()
    assert list(results) == ["replica orders", "replication latency orders"]
    replica, latency = results["replica orders"], results["replication latency orders"]
    assert (replica["status"], replica["reason"]) == ("pass", f"replica of orders in {TOKYO} is ACTIVE")
    assert latency["status"] == "pass" and latency["side"] == "primary"
    assert latency["reason"] == "newest replication latency of orders is 120.0 ms (limit 10000 ms)"
    assert latency["evidence"] == {
        "latency_ms": 120.0,
        "maximum_ms": 300.0,
        "timestamp": NOW.isoformat(),
        "receiving_region": TOKYO,
        "read_in": SEOUL,
        "table_status": "ACTIVE",
    }
    assert {key[1] for key in world.clients} == {SEOUL}


def test_a_latency_over_the_limit_fails(world):
    result = world.check(max_latency_ms=100)["replication latency orders"]
    assert result["status"] == "fail" and "120.0 ms (limit 100 ms)" in result["reason"] and TOKYO in result["fix"]


def test_no_latency_datapoint_is_not_checked_never_passed(world):
    world.latency[SEOUL] = {}
    result = world.check()["replication latency orders"]
    assert result["status"] == "not_checked" and result["side"] == "primary"
    assert "no ReplicationLatency datapoint" in result["reason"] and "last 15 minutes" in result["reason"]
    assert result["evidence"]["latency_ms"] is None and result["evidence"]["read_in"] == SEOUL


def test_a_failed_metric_read_is_not_checked(world):
    world.overrides[("cloudwatch", SEOUL)] = {"get_metric_statistics": error("AccessDenied", "GetMetricStatistics")}
    results = world.check()
    assert results["replica orders"]["status"] == "pass"
    assert results["replication latency orders"]["status"] == "not_checked"
    assert "AccessDenied" in results["replication latency orders"]["reason"]


@pytest.mark.parametrize(
    "replicas, status, fix",
    [
        ({TOKYO: "CREATING"}, "CREATING", "wait until it is ACTIVE"),
        ({}, "missing", "dr_dynamodb main"),
        ({TOKYO: "INACCESSIBLE_ENCRYPTION_CREDENTIALS"}, "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "re-enable the key"),
    ],
)
def test_a_replica_that_is_not_active_fails_with_its_fix(world, replicas, status, fix):
    world.tables[SEOUL]["orders"] = table("orders", replicas=replicas)
    result = world.check()["replica orders"]
    assert result["status"] == "fail" and result["reason"] == f"replica of orders in {TOKYO} is {status}"
    assert fix in result["fix"]


def test_a_missing_table_fails(world):
    results = world.check(tables=["orders", "venues"])
    assert results["replica venues"]["status"] == "fail"
    assert results["replica venues"]["reason"] == f"table venues not found in {SEOUL}"
    assert "replication latency venues" not in results


def test_a_failed_table_read_is_not_checked_never_absent(world):
    world.overrides[("dynamodb", SEOUL)] = {"describe_table": error("InternalServerError", "DescribeTable")}
    results = world.check()
    assert {name: r["status"] for name, r in results.items()} == {
        "replica orders": "not_checked",
        "replication latency orders": "not_checked",
    }
    assert "could not read table orders in ap-northeast-2" in results["replica orders"]["reason"]


def test_a_legacy_global_table_fails_with_the_upgrade(world):
    world.tables[SEOUL]["orders"] = table("orders", version=None)
    world.legacy = [SEOUL, TOKYO]
    results = world.check()
    assert list(results) == ["global table version orders"]
    result = results["global table version orders"]
    assert result["status"] == "fail" and "2017.11.29" in result["reason"] and "Update version" in result["fix"]


def test_primary_down_reads_the_dr_table_and_the_reverse_latency(world):
    world.latency[TOKYO] = {"orders": [{"Timestamp": NOW, "Average": 80.0, "Maximum": 90.0}]}
    results = world.check(primary_reachable=False)
    assert {key[1] for key in world.clients} == {TOKYO}
    replica, latency = results["replica orders"], results["replication latency orders"]
    assert replica["status"] == "pass" and "read in the DR region only" in replica["reason"]
    assert latency["status"] == "pass" and latency["evidence"]["read_in"] == TOKYO
    assert latency["evidence"]["receiving_region"] == SEOUL and "is unreachable" in latency["evidence"]["note"]


def test_primary_down_without_datapoint_is_not_checked_on_the_primary_side(world):
    results = world.check(primary_reachable=False)
    latency = results["replication latency orders"]
    assert latency["status"] == "not_checked" and latency["side"] == "primary"
    assert "is unreachable" in latency["evidence"]["note"]


def test_primary_down_a_dr_table_not_active_fails(world):
    world.tables[TOKYO]["orders"] = table("orders", status="UPDATING", replicas={SEOUL: "ACTIVE"})
    result = world.check(primary_reachable=False)["replica orders"]
    assert result["status"] == "fail" and result["reason"].startswith(f"table orders in {TOKYO} is UPDATING")


def test_no_tables_no_checks_no_calls(world):
    assert world.check(tables=[]) == {} and world.clients == {}
