"""DynamoDB global tables without AWS: the plans (_dynamodb.replicas), the calls (_dynamodb.tables) and the waits."""

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import enabling
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import replicas as gt
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import tables

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
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "CREATING"}, status="UPDATING"), [TOKYO, OSAKA], "present")
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


# -- failed and permanent states ------------------------------------------------------------------
def test_a_failed_replica_can_be_removed_with_state_absent():
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "CREATION_FAILED"}), [OSAKA], "absent")
    assert plan.problems == [] and plan.remove == [OSAKA]
    # even when it is the only replica: it never replicated, so removing it ends nothing
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {OSAKA: "CREATION_FAILED"}), [OSAKA], "absent")
    assert plan.problems == [] and plan.remove == [OSAKA]
    # but the last working replica is still protected
    plan = gt.plan_table(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "CREATION_FAILED"}), [TOKYO], "absent")
    assert "last replica" in plan.problems[0]


def test_failed_and_permanent_states_are_not_busy():
    for status in ("CREATION_FAILED", *gt.PERMANENT):
        assert not gt.is_busy(table("NEW_AND_OLD_IMAGES", {TOKYO: status})), status
    assert not gt.is_busy(table(status="INACCESSIBLE_ENCRYPTION_CREDENTIALS"))
    assert gt.is_busy(table("NEW_AND_OLD_IMAGES", {TOKYO: "UPDATING"}))
    assert gt.is_busy(table("NEW_AND_OLD_IMAGES", {TOKYO: "DELETING"}))


def test_the_permanent_states_are_those_of_the_botocore_model():
    import botocore.session

    model = botocore.session.get_session().get_service_model("dynamodb")
    replica_states = set(model.shape_for("ReplicaStatus").enum)
    table_states = set(model.shape_for("TableStatus").enum)
    assert set(gt.PERMANENT) == (replica_states | table_states) - gt.IN_PROGRESS - {"ACTIVE", "CREATION_FAILED"}
    assert gt.IN_PROGRESS <= table_states and gt.CREATION_FAILED in replica_states


@pytest.mark.parametrize(
    "status, fix",
    [
        ("INACCESSIBLE_ENCRYPTION_CREDENTIALS", "KMS key"),
        ("REGION_DISABLED", "enable it"),
        ("REPLICATION_NOT_AUTHORIZED", "resource-based policy"),
        ("ARCHIVING", "restore"),
        ("ARCHIVED", "backup"),
    ],
)
def test_a_replica_in_a_permanent_state_is_a_problem_naming_table_region_status_and_fix(status, fix):
    plan = gt.plan_table(
        table("NEW_AND_OLD_IMAGES", {TOKYO: status}), [TOKYO, OSAKA], "present", region="ap-northeast-2"
    )
    assert len(plan.problems) == 1
    assert "orders" in plan.problems[0] and TOKYO in plan.problems[0] and status in plan.problems[0]
    assert fix in plan.problems[0]


def test_a_table_in_a_permanent_state_is_a_problem_in_the_module_region():
    problems = gt.permanent_problems(table(status="ARCHIVED"), "ap-northeast-2")
    assert problems == [f"table orders in ap-northeast-2 is ARCHIVED: {gt.PERMANENT['ARCHIVED']}"]
    plan = gt.plan_table(
        table(status="INACCESSIBLE_ENCRYPTION_CREDENTIALS"), [TOKYO], "present", region="ap-northeast-2"
    )
    assert "ap-northeast-2 is INACCESSIBLE_ENCRYPTION_CREDENTIALS" in plan.problems[0]


def test_a_replica_being_removed_may_be_in_a_permanent_state():
    before = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "REGION_DISABLED"})
    plan = gt.plan_table(before, [OSAKA], "absent")
    assert plan.problems == [] and plan.remove == [OSAKA]
    assert "REGION_DISABLED" in gt.plan_table(before, [TOKYO, OSAKA], "present").problems[0]


# -- a change is done when DescribeTable shows it -----------------------------------------------------
def test_a_change_is_done_only_when_describe_table_shows_it():
    stale = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"})  # ACTIVE, but OSAKA not listed yet
    assert not gt.change_done(stale, ("create", OSAKA))
    assert gt.change_done(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "ACTIVE"}), ("create", OSAKA))
    assert not gt.change_done(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "CREATING"}), ("create", OSAKA))
    assert not gt.change_done(table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "ACTIVE"}), ("delete", OSAKA))
    assert gt.change_done(stale, ("delete", OSAKA))
    assert not gt.change_done(table(), ("stream", None))
    assert gt.change_done(table("NEW_AND_OLD_IMAGES"), ("stream", None))
    assert gt.change_done(stale, None) and not gt.change_done(table(status="UPDATING"), None)


# -- UpdateTable retries and errors -------------------------------------------------------------------
class FakeClient:
    """A DynamoDB client whose UpdateTable fails with ``codes`` first; DescribeTable answers ``tables``."""

    def __init__(self, codes=(), tables=(), region="ap-northeast-2"):
        self.codes = list(codes)
        self.tables = list(tables)
        self.updates = []
        self.describes = 0
        self.meta = type("Meta", (), {"region_name": region})()

    def update_table(self, **request):
        assert "aws_retry" not in request  # UPDATE_RETRY is the only retry layer
        self.updates.append(request)
        if self.codes:
            code = self.codes.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": "not now"}}, "UpdateTable")
        return {"TableDescription": {}}

    def describe_table(self, TableName, aws_retry=False):
        self.describes += 1
        return {"Table": self.tables.pop(0) if len(self.tables) > 1 else self.tables[0]}

    def describe_scalable_targets(self, **request):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeScalableTargets")


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@pytest.mark.parametrize("code", ["ResourceInUseException", "LimitExceededException", "ThrottlingException"])
def test_update_table_is_retried_while_the_table_is_busy_or_too_many_change(no_sleep, code):
    client = FakeClient(codes=[code, code])
    tables.create_replica(client, "orders", TOKYO, "alias/dr")
    assert len(client.updates) == 3
    assert client.updates[-1]["ReplicaUpdates"] == [{"Create": {"RegionName": TOKYO, "KMSMasterKeyId": "alias/dr"}}]


def test_the_retried_codes_are_update_table_errors_of_the_botocore_model():
    import botocore.session

    operation = botocore.session.get_session().get_service_model("dynamodb").operation_model("UpdateTable")
    assert {"ResourceInUseException", "LimitExceededException"} <= {e.name for e in operation.error_shapes}


def test_update_table_errors_become_dr_errors_naming_table_and_region(no_sleep):
    client = FakeClient(codes=["ValidationException"])
    with pytest.raises(DRError) as caught:
        tables.delete_replica(client, "orders", OSAKA)
    assert len(client.updates) == 1  # not retried
    message = caught.value.message
    assert "delete the replica in ap-northeast-3 of table orders in ap-northeast-2" in message
    assert caught.value.exception.response["Error"]["Code"] == "ValidationException"


def test_auto_scaling_read_errors_become_dr_errors():
    with pytest.raises(DRError) as caught:
        tables.has_write_autoscaling(FakeClient(), "orders")
    assert "table orders" in caught.value.message and "DescribeScalableTargets" in caught.value.message
    assert caught.value.exception is not None


# -- the module's waits ---------------------------------------------------------------------------------
def runner(client, state="present", regions=(TOKYO,)):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline

    params = dict(state=state, replica_regions=list(regions), replica_kms_keys={})
    return enabling.Runner(client, params, Deadline(60))


def test_the_wait_after_a_create_ignores_a_stale_active_read(no_sleep):
    stale = table("NEW_AND_OLD_IMAGES")
    done = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"})
    client = FakeClient(tables=[stale, stale, done])
    run = runner(client)
    run.actions["orders"] = []
    run._change("orders", TOKYO)
    assert gt.replica_statuses(run._wait_idle("orders", "replica changes")) == {TOKYO: "ACTIVE"}
    assert client.describes == 3


def test_the_wait_after_a_delete_waits_for_the_region_to_go(no_sleep):
    stale = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "ACTIVE"})
    done = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"})
    client = FakeClient(tables=[stale, done])
    run = runner(client, state="absent", regions=[OSAKA])
    run.actions["orders"] = []
    run._change("orders", OSAKA)
    assert gt.replica_statuses(run._wait_idle("orders", "replica changes")) == {TOKYO: "ACTIVE"}
    assert client.describes == 2


def test_state_absent_removes_a_failed_replica_and_does_not_fail_on_it(no_sleep):
    failed = table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE", OSAKA: "CREATION_FAILED"})
    client = FakeClient(tables=[failed, failed, table("NEW_AND_OLD_IMAGES", {TOKYO: "ACTIVE"})])
    run = runner(client, state="absent", regions=[OSAKA])
    plan = gt.plan_table(failed, [OSAKA], "absent")
    run.start("orders", plan, failed)
    assert run.actions["orders"] == [f"delete_replica {OSAKA}"]
    assert gt.replica_statuses(run.finish("orders")) == {TOKYO: "ACTIVE"}


def test_the_wait_fails_at_once_on_a_permanent_state(no_sleep):
    client = FakeClient(tables=[table("NEW_AND_OLD_IMAGES", {TOKYO: "INACCESSIBLE_ENCRYPTION_CREDENTIALS"})])
    with pytest.raises(DRError) as caught:
        runner(client)._wait_idle("orders", "replica changes")
    assert client.describes == 1
    assert f"orders in {TOKYO} is INACCESSIBLE_ENCRYPTION_CREDENTIALS" in caught.value.message


def test_the_wait_fails_on_a_failed_create_with_state_present(no_sleep):
    client = FakeClient(tables=[table("NEW_AND_OLD_IMAGES", {TOKYO: "CREATION_FAILED"})])
    with pytest.raises(DRError, match="failed to create"):
        runner(client)._wait_idle("orders", "replica changes")
