"""rds_replica's decisions, without AWS: input validation, what changes, what the diff shows, promotion and waits."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import inputs
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import instances
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import present
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import promoted
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import waits

SEOUL_ARN = "arn:aws:rds:ap-northeast-2:123456789012:db:portforge-test-rds"


def params(**extra):
    values = dict(
        db_instance_identifier="portforge-dr-rds-replica",
        state="present",
        source_db_instance_identifier="src",
        source_region="ap-northeast-2",
        kms_key_id=None,
        db_instance_class=None,
        db_subnet_group_name=None,
        vpc_security_group_ids=None,
        multi_az=None,
        publicly_accessible=None,
        tags=None,
        purge_tags=True,
        max_lag_seconds=900,
        lag_lookback_seconds=900,
        force=False,
        backup_retention_period=None,
        wait=True,
        wait_timeout=900,
    )
    values.update(extra)
    return values


def replica(**extra):
    instance = {
        "DBInstanceIdentifier": "portforge-dr-rds-replica",
        "DBInstanceStatus": "available",
        "ReadReplicaSourceDBInstanceIdentifier": SEOUL_ARN,
        "DBInstanceClass": "db.t3.micro",
        "MultiAZ": False,
        "KmsKeyId": "k",
        "TagList": [{"Key": "Environment", "Value": "dr"}],
        "DBInstanceArn": "arn:aws:rds:ap-northeast-1:123456789012:db:portforge-dr-rds-replica",
    }
    instance.update(extra)
    return instance


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"source_db_instance_identifier": None}, "needs source_db_instance_identifier"),
        ({"max_lag_seconds": -5}, "max_lag_seconds must be 0 or more"),
        ({"lag_lookback_seconds": 59}, "at least 60"),
        ({"backup_retention_period": -1}, "between 0 and 35"),
        ({"wait_timeout": -1}, "wait_timeout must be 0 or more"),
        (
            {"source_db_instance_identifier": "arn:aws:rds:ap-northeast-1:123456789012:db:x"},
            "must be in another region",
        ),
    ],
)
def test_validate_params_refuses(extra, message):
    with pytest.raises(DRError, match=message):
        inputs.validate_params(params(**extra), "ap-northeast-1")


def test_validate_params_accepts_promotion_without_source():
    inputs.validate_params(params(state="promoted", source_db_instance_identifier=None), "ap-northeast-1")


def test_wanted_changes_only_what_differs():
    assert present.wanted_changes(replica(), params()) == {}
    assert present.wanted_changes(replica(), params(db_instance_class="db.t3.micro", multi_az=False)) == {}
    assert present.wanted_changes(replica(), params(db_instance_class="db.t3.small", multi_az=True)) == {
        "DBInstanceClass": "db.t3.small",
        "MultiAZ": True,
    }


def test_predicted_tags_follow_purge_tags():
    assert present.predicted_tags(replica(), params(tags={"Owner": "dr"})) == {"Owner": "dr"}
    assert present.predicted_tags(replica(), params(tags={"Owner": "dr"}, purge_tags=False)) == {
        "Environment": "dr",
        "Owner": "dr",
    }
    assert present.predicted_tags(replica(), params(tags=None)) == {"Environment": "dr"}


def test_check_existing_refuses_a_standalone_instance_and_another_source():
    standalone = replica()
    del standalone["ReadReplicaSourceDBInstanceIdentifier"]
    with pytest.raises(DRError, match="cannot become a replica again"):
        present.check_existing(standalone, params(), "ap-northeast-1")
    with pytest.raises(DRError, match="replicates .*, not other"):
        present.check_existing(replica(), params(source_db_instance_identifier="other"), "ap-northeast-1")
    present.check_existing(replica(), params(source_db_instance_identifier="portforge-test-rds"), "ap-northeast-1")
    present.check_existing(
        replica(), params(source_db_instance_identifier=SEOUL_ARN, source_region=None), "ap-northeast-1"
    )


def test_snapshot_and_result_shape():
    shown = instances.snapshot(replica())
    assert shown == {
        "db_instance_identifier": "portforge-dr-rds-replica",
        "status": "available",
        "replica_of": SEOUL_ARN,
        "db_instance_class": "db.t3.micro",
        "multi_az": False,
        "kms_key_id": "k",
        "tags": {"Environment": "dr"},
    }
    assert instances.snapshot(None) == {}
    result = instances.as_result(replica())
    assert result["tags"] == {"Environment": "dr"} and result["read_replica_source_db_instance_identifier"] == SEOUL_ARN


class FakeRds:
    """DescribeDBInstances answers in turn; PromoteReadReplica fails as AWS does during a promotion."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.promotions = 0

    def get_paginator(self, name):
        client = self

        class Paginator:
            def paginate(self, **kwargs):
                class Result:
                    def build_full_result(self):
                        answer = client.answers.pop(0) if len(client.answers) > 1 else client.answers[0]
                        return {"DBInstances": [answer]}

                return Result()

        return Paginator()

    def promote_read_replica(self, aws_retry, **kwargs):
        import botocore.exceptions

        self.promotions += 1
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "InvalidDBInstanceState", "Message": "Instance is being promoted"}}, "PromoteReadReplica"
        )


class FakeCloudWatch:
    def get_metric_statistics(self, aws_retry, **kwargs):
        return {"Datapoints": [{"Timestamp": kwargs["EndTime"], "Maximum": 1.0, "Minimum": 1.0}]}


class FakeModule:
    region = "ap-northeast-1"
    check_mode = False

    def __init__(self, rds):
        self.clients = {"rds": rds, "cloudwatch": FakeCloudWatch()}

    def client(self, service, region=None):
        return self.clients[service]


def test_a_promotion_already_under_way_is_not_started_twice_nor_an_error():
    rds = FakeRds([replica(), replica(DBInstanceStatus="modifying")])
    warnings = []
    _dummy, instance, changed, lag, promotion = promoted.ensure_promoted(
        FakeModule(rds), params(state="promoted", wait=False, source_db_instance_identifier=None), {}, warnings
    )
    assert rds.promotions == 1 and not changed and not promotion["promoted"]
    assert instance["DBInstanceStatus"] == "modifying" and "not promoted by this run" in warnings[0]


def test_a_refused_promotion_of_an_available_replica_is_an_error():
    rds = FakeRds([replica()])
    with pytest.raises(DRError, match="promoting portforge-dr-rds-replica in ap-northeast-1 failed"):
        promoted.ensure_promoted(
            FakeModule(rds), params(state="promoted", wait=False, source_db_instance_identifier=None), {}, []
        )


class ModifyingRds(FakeRds):
    """ModifyDBInstance is asynchronous on AWS: the describes after it show the change pending first."""

    def __init__(self, answers):
        super().__init__(answers)
        self.modifications = []

    def modify_db_instance(self, aws_retry, **kwargs):
        self.modifications.append(kwargs)
        return {"DBInstance": replica()}


@pytest.fixture
def no_sleep(monkeypatch):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core import waiting

    def wait_until(*args, **kwargs):
        return waiting.wait_until(*args, sleep=lambda seconds: None, **kwargs)

    monkeypatch.setattr(waits, "wait_until", wait_until)


def test_pending_changes_names_what_is_not_applied_yet():
    changes = {"DBInstanceClass": "db.t3.small", "MultiAZ": True}
    assert waits.pending_changes(replica(DBInstanceClass="db.t3.small", MultiAZ=True), changes) == {}
    pending = waits.pending_changes(
        replica(PendingModifiedValues={"DBInstanceClass": "db.t3.small", "EngineVersion": "8.0.40"}), changes
    )
    assert pending == {
        "DBInstanceClass": "DBInstanceClass=db.t3.small in PendingModifiedValues",
        "MultiAZ": "MultiAZ is False, not True",
    }
    # a value queued for the maintenance window by someone else is not waited for
    assert (
        waits.pending_changes(
            replica(DBInstanceClass="db.t3.small", PendingModifiedValues={"EngineVersion": "8.0.40"}),
            {"DBInstanceClass": "db.t3.small"},
        )
        == {}
    )


def test_wait_true_waits_until_a_modification_is_applied_not_merely_available(no_sleep):
    rds = ModifyingRds(
        [
            replica(),  # read before the change
            replica(PendingModifiedValues={"DBInstanceClass": "db.t3.small", "MultiAZ": True}),  # still "available"
            replica(DBInstanceStatus="modifying", PendingModifiedValues={"DBInstanceClass": "db.t3.small"}),
            replica(DBInstanceClass="db.t3.small", MultiAZ=True),
        ]
    )
    timings = {}
    _dummy, instance, changed, lag = present.ensure_present(
        FakeModule(rds),
        params(source_db_instance_identifier=SEOUL_ARN, db_instance_class="db.t3.small", multi_az=True),
        timings,
        [],
    )
    assert changed and rds.modifications == [
        {
            "DBInstanceIdentifier": "portforge-dr-rds-replica",
            "ApplyImmediately": True,
            "DBInstanceClass": "db.t3.small",
            "MultiAZ": True,
        }
    ]
    assert (instance["DBInstanceClass"], instance["MultiAZ"]) == ("db.t3.small", True)
    assert not instance.get("PendingModifiedValues") and rds.answers == [instance] and "wait" in timings
    assert lag["seconds"] == 1.0


def test_a_modification_still_pending_at_the_timeout_fails_naming_it(no_sleep):
    rds = ModifyingRds([replica(), replica(PendingModifiedValues={"DBInstanceClass": "db.t3.small"})])
    args = params(source_db_instance_identifier=SEOUL_ARN, db_instance_class="db.t3.small", wait_timeout=0)
    with pytest.raises(WaitTimeout) as failure:  # a timeout is told from other failures by its type
        present.ensure_present(FakeModule(rds), args, {}, [])
    message = failure.value.message
    assert "timed out after 0s waiting for DB instance portforge-dr-rds-replica in ap-northeast-1" in message
    assert "still pending: DBInstanceClass=db.t3.small in PendingModifiedValues" in message


def test_a_modification_timeout_names_the_status_too(no_sleep):
    rds = ModifyingRds([replica(), replica(DBInstanceStatus="modifying")])
    with pytest.raises(DRError, match="still pending: status modifying, MultiAZ is False, not True"):
        present.ensure_present(
            FakeModule(rds), params(source_db_instance_identifier=SEOUL_ARN, multi_az=True, wait_timeout=0), {}, []
        )


def test_wait_false_sends_the_modification_without_waiting(no_sleep):
    pending = replica(PendingModifiedValues={"DBInstanceClass": "db.t3.small"})
    rds = ModifyingRds([replica(), pending, replica(DBInstanceClass="db.t3.small")])
    _dummy, instance, changed, _dummy = present.ensure_present(
        FakeModule(rds),
        params(source_db_instance_identifier=SEOUL_ARN, db_instance_class="db.t3.small", wait=False),
        {},
        [],
    )
    assert changed and len(rds.modifications) == 1 and instance == pending
