"""The pure logic of cross-region RDS replicas: ARNs, source matching, ReplicaLag evidence and the lag gate."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import instances
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import lag

SEOUL_ARN = "arn:aws:rds:ap-northeast-2:123456789012:db:portforge-test-rds"
TOKYO_ARN = "arn:aws:rds:ap-northeast-1:123456789012:db:portforge-dr-rds-replica"
NOW = datetime(2026, 11, 22, 2, 30, 30, tzinfo=timezone.utc)


def point(minutes_ago, maximum, minimum=None, naive=False):
    stamp = NOW.replace(second=0) - timedelta(minutes=minutes_ago)
    if naive:
        stamp = stamp.replace(tzinfo=None)
    return {"Timestamp": stamp, "Maximum": maximum, "Minimum": maximum if minimum is None else minimum}


def test_parse_arn():
    assert instances.parse_arn(SEOUL_ARN) == {
        "partition": "aws",
        "region": "ap-northeast-2",
        "account": "123456789012",
        "id": "portforge-test-rds",
    }
    assert instances.parse_arn("portforge-test-rds") is None
    assert instances.parse_arn("arn:aws:rds:ap-northeast-2:123456789012:cluster:x") is None
    assert instances.parse_arn(None) is None


def test_resolve_source_from_an_arn_or_an_id():
    assert instances.resolve_source(SEOUL_ARN, None) == (SEOUL_ARN, "ap-northeast-2", "portforge-test-rds")
    assert instances.resolve_source(SEOUL_ARN, "ap-northeast-2")[0] == SEOUL_ARN
    assert instances.resolve_source("Portforge-Test-RDS", "ap-northeast-2", TOKYO_ARN) == (
        SEOUL_ARN,
        "ap-northeast-2",
        "portforge-test-rds",
    )
    assert instances.resolve_source("portforge-test-rds", "ap-northeast-2") == (
        None,
        "ap-northeast-2",
        "portforge-test-rds",
    )


@pytest.mark.parametrize(
    "source, region, message",
    [
        (SEOUL_ARN, "ap-northeast-3", "is in ap-northeast-2 but source_region is ap-northeast-3"),
        ("portforge-test-rds", None, "set source_region"),
    ],
)
def test_resolve_source_refuses_what_cannot_be_right(source, region, message):
    with pytest.raises(DRError, match=message):
        instances.resolve_source(source, region)


def test_same_instance_compares_arns_and_ids():
    assert instances.same_instance(SEOUL_ARN, None, "ap-northeast-2", "portforge-test-rds")
    assert instances.same_instance(SEOUL_ARN, SEOUL_ARN, "ap-northeast-2", "PORTFORGE-TEST-RDS")
    assert not instances.same_instance(SEOUL_ARN, None, "ap-northeast-3", "portforge-test-rds")
    assert not instances.same_instance(SEOUL_ARN, None, "ap-northeast-2", "other")
    assert instances.same_instance(
        "portforge-test-rds", None, "ap-northeast-1", "portforge-test-rds"
    )  # same-region replica
    assert not instances.same_instance(None, SEOUL_ARN, "ap-northeast-2", "portforge-test-rds")


def test_replica_and_replication_state():
    replica = {
        "ReadReplicaSourceDBInstanceIdentifier": SEOUL_ARN,
        "StatusInfos": [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}],
    }
    assert instances.is_replica(replica) and instances.replication_state(replica)["Status"] == "replicating"
    assert not instances.is_replica({"DBInstanceIdentifier": "x"}) and instances.replication_state({}) == {}
    assert not instances.is_replica(None)


def test_lag_evidence_active_replication_uses_the_newest_minute():
    evidence = lag.lag_evidence([point(2, 30), point(0, 4), point(1, 12)], NOW)
    assert evidence["seconds"] == 4 and evidence["replication_active"] is True
    assert evidence["reported_seconds"] == 4 and evidence["datapoints"] == 3
    assert evidence["timestamp"] == "2026-11-22T02:30:00+00:00"


def test_lag_evidence_takes_the_worst_of_the_newest_minute():
    assert lag.lag_evidence([point(0, 40, minimum=3)], NOW)["seconds"] == 40


def test_lag_evidence_when_replication_stopped_bounds_the_loss():
    # MySQL reports -1 once the source is unreachable: the bound is the last active lag plus its age.
    evidence = lag.lag_evidence(
        [point(3, 5), point(2, 7), point(1, -1), point(0, -1)],
        NOW,
    )
    assert evidence["replication_active"] is False
    assert evidence["reported_seconds"] == -1
    assert evidence["last_active_seconds"] == 7
    assert evidence["seconds"] == 7 + 150  # measured at 02:28:00, now 02:30:30
    assert "last active lag" in evidence["basis"]


def test_lag_evidence_minute_mixing_active_and_stopped_counts_as_stopped():
    evidence = lag.lag_evidence([point(0, 9, minimum=-1)], NOW)
    assert evidence["replication_active"] is False and evidence["seconds"] is None


def test_lag_evidence_without_active_datapoint_or_any_datapoint_is_unknown():
    assert lag.lag_evidence([point(0, -1)], NOW)["seconds"] is None
    empty = lag.lag_evidence([], NOW)
    assert empty["seconds"] is None and empty["replication_active"] is None and empty["datapoints"] == 0


def test_lag_evidence_accepts_naive_utc_timestamps():
    evidence = lag.lag_evidence([point(2, 7, naive=True), point(0, -1, naive=True)], NOW)
    assert evidence["seconds"] == 7 + 150


@pytest.mark.parametrize(
    "seconds, force, allowed, words",
    [
        (4.0, False, True, "within max_lag_seconds=60"),
        (60.0, False, True, "within"),
        (61.0, False, False, "above max_lag_seconds=60"),
        (61.0, True, True, "promoting anyway because force=true"),
        (None, False, False, "replica lag unknown"),
        (None, True, True, "force=true"),
    ],
)
def test_lag_gate(seconds, force, allowed, words):
    ok, reason = lag.lag_gate({"seconds": seconds, "basis": "test"}, 60, force)
    assert ok is allowed and words in reason


def test_lag_evidence_reports_the_age_of_the_newest_datapoint():
    # the minute 02:29:00-02:30:00 read at 02:30:30: 30 s old, CloudWatch's normal delay, not added to the lag
    evidence = lag.lag_evidence([point(2, 30), point(1, 4)], NOW)
    assert evidence["datapoint_age_seconds"] == 30 and evidence["stale"] is False
    assert evidence["seconds"] == 4 and evidence["basis"] == "latest ReplicaLag datapoint"
    current = lag.lag_evidence([point(0, 4)], NOW)
    assert current["datapoint_age_seconds"] == 0 and current["seconds"] == 4
    assert lag.lag_evidence([], NOW)["datapoint_age_seconds"] is None


def test_lag_evidence_of_a_datapoint_up_to_two_periods_and_the_margin_old_is_fresh():
    # 02:26:00-02:27:00, read 02:30:00: 180 s old, the limit
    evidence = lag.lag_evidence([point(4, 0)], NOW.replace(second=0))
    assert evidence["datapoint_age_seconds"] == lag.STALE_AFTER_SECONDS == 180
    assert evidence["stale"] is False and evidence["seconds"] == 0


def test_lag_evidence_of_a_stale_datapoint_adds_its_age():
    # Primary region lost abruptly: the newest datapoint said 0 s but ended 4.5 minutes ago.
    evidence = lag.lag_evidence([point(6, 2), point(5, 0)], NOW)
    assert evidence["stale"] is True and evidence["datapoint_age_seconds"] == 270  # 02:26:00 -> 02:30:30
    assert evidence["reported_seconds"] == 0 and evidence["last_active_seconds"] == 0
    assert evidence["replication_active"] is True
    assert evidence["seconds"] == 270 and "stale (270s old" in evidence["basis"]
    assert lag.lag_evidence([point(5, 12)], NOW)["seconds"] == 12 + 270
    ok, reason = lag.lag_gate(evidence, 60, False)
    assert not ok and "replica lag 270s is above max_lag_seconds=60" in reason


def test_lag_evidence_when_replication_stopped_keeps_its_bound_and_reports_the_age():
    evidence = lag.lag_evidence([point(8, 7), point(6, -1)], NOW)
    assert evidence["stale"] is True and evidence["datapoint_age_seconds"] == 330
    assert evidence["seconds"] == 7 + 510  # last active minute began 02:22:00, now 02:30:30


def test_read_replica_lag_uses_the_age_against_now():
    class CloudWatch:
        def get_metric_statistics(self, aws_retry, **kwargs):
            assert kwargs["Period"] == lag.METRIC_PERIOD
            return {"Datapoints": [point(10, 3)]}

    evidence = lag.read_replica_lag(CloudWatch(), "portforge-dr-rds-replica", 900, now=NOW)
    assert evidence["stale"] and evidence["seconds"] == 3 + 570 and evidence["measured_at"] == NOW.isoformat()
