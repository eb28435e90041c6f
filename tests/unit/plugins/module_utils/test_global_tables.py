"""Planning DynamoDB global-table changes without AWS."""

import datetime

from ansible_collections.pilotlight.dr.plugins.module_utils import global_tables as gt

TOKYO, OSAKA = "ap-northeast-1", "ap-northeast-3"


def table(stream=None, replicas=None, status="ACTIVE", version=None):
    value = {"TableName": "orders", "TableStatus": status}
    if stream:
        value["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    if replicas:
        value["Replicas"] = [{"RegionName": r, "ReplicaStatus": s} for r, s in replicas.items()]
        value["GlobalTableVersion"] = version or gt.CURRENT
    elif version:
        value["GlobalTableVersion"] = version
    return value


def test_a_table_without_stream_needs_the_stream_then_the_replica():
    plan = gt.plan_table(table(), [TOKYO], "present")
    assert (plan.enable_stream, plan.add, plan.remove, plan.problems) == (True, [TOKYO], [], [])
    assert plan.actions() == ["enable_stream", f"create_replica {TOKYO}"]


def test_a_global_table_with_all_replicas_needs_nothing():
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"}), [TOKYO], "present")
    assert not plan.changes and plan.problems == []


def test_a_replica_being_created_is_not_created_again():
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "CREATING"}, status="UPDATING"), [TOKYO, OSAKA],
                         "present")
    assert plan.add == [OSAKA] and not plan.enable_stream


def test_another_stream_view_type_is_a_problem_not_a_change():
    plan = gt.plan_table(table("KEYS_ONLY"), [TOKYO], "present")
    assert not plan.enable_stream
    assert "KEYS_ONLY" in plan.problems[0] and "NEW_AND_OLD_IMAGES" in plan.problems[0]


def test_removing_the_last_replica_is_refused():
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"}), [TOKYO], "absent")
    assert "last replica" in plan.problems[0]
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "ACTIVE"}), [OSAKA], "absent")
    assert plan.remove == [OSAKA] and plan.problems == []
    assert not gt.plan_table(table("NEW_AND_OLD_IMAGES"), [OSAKA], "absent").changes


def test_legacy_tables_are_only_reported():
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES"), [TOKYO], "present", legacy_group=[TOKYO, "ap-northeast-2"])
    assert plan.legacy == [TOKYO, "ap-northeast-2"] and not plan.changes
    report = gt.legacy_report("orders", "ap-northeast-2", plan.legacy)
    assert report["global_table_version"] == "2017.11.29" and "Update version" in report["upgrade"]


def test_a_failed_replica_is_a_problem():
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "CREATION_FAILED"}), [TOKYO], "present")
    assert "failed to create" in plan.problems[0]


def test_prediction_with_and_without_wait():
    before = table()
    plan = gt.plan_table(before, [TOKYO, OSAKA], "present")
    waited = gt.predicted_table(before, plan, wait=True)
    assert gt.replica_statuses(waited) == {TOKYO: "ACTIVE", OSAKA: "ACTIVE"}
    assert waited["TableStatus"] == "ACTIVE" and gt.stream_view(waited) == "NEW_AND_OLD_IMAGES"
    started = gt.predicted_table(before, plan, wait=False)
    assert gt.replica_statuses(started) == {TOKYO: "CREATING"}  # one replica change at a time
    assert started["TableStatus"] == "UPDATING"
    assert gt.pending_regions(started, [TOKYO, OSAKA], "present") == [TOKYO, OSAKA]


def test_prediction_of_a_removal():
    before = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "ACTIVE"})
    plan = gt.plan_table(before, [OSAKA], "absent")
    assert gt.replica_statuses(gt.predicted_table(before, plan, wait=True)) == {TOKYO: "ACTIVE"}
    assert gt.replica_statuses(gt.predicted_table(before, plan, wait=False)) == {TOKYO: "ACTIVE", OSAKA: "DELETING"}


def test_busy_means_the_table_or_a_replica_is_not_active():
    assert gt.is_busy(table(status="UPDATING"))
    assert gt.is_busy(table("NEW_AND_OLD_IMAGES", {TOKYO: "CREATING"}))
    assert not gt.is_busy(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"}))


def test_region_names_are_checked():
    assert gt.invalid_regions(["ap-northeast-1", "us-gov-west-1", "tokyo", ""]) == ["tokyo", ""]


def test_latest_latency_takes_the_newest_datapoint():
    old = datetime.datetime(2026, 11, 22, 3, 0, tzinfo=datetime.timezone.utc)
    new = old + datetime.timedelta(minutes=1)
    points = [{"Timestamp": new, "Average": 120.0, "Maximum": 300.0}, {"Timestamp": old, "Average": 90.0}]
    assert gt.latest_latency(points) == {"latency_ms": 120.0, "maximum_ms": 300.0, "timestamp": new.isoformat()}
    assert gt.latest_latency([]) is None
