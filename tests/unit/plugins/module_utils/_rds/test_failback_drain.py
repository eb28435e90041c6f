"""rds_replica's failback plan and drain decision, without AWS."""

import datetime

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import failback
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import inputs
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import promoted

from tests.unit.plugins.module_utils._rds.test_present_promoted import params

TOKYO_ARN = "arn:aws:rds:ap-northeast-1:123456789012:db:portforge-dr-rds-replica"


def instance(identifier, source=None):
    found = {"DBInstanceIdentifier": identifier, "DBInstanceStatus": "available"}
    if source:
        found["ReadReplicaSourceDBInstanceIdentifier"] = source
    return found


PRIMARY = instance("portforge-test-rds")
DR_PROMOTED = instance("portforge-dr-rds-replica")
DR_REPLICA = instance("portforge-dr-rds-replica", source="arn:aws:rds:ap-northeast-2:1:db:portforge-test-rds")
FAILBACK_REPLICA = instance("portforge-test-rds-failback", source=TOKYO_ARN)
FAILBACK_PROMOTED = instance("portforge-test-rds-failback")
ALL = [
    "create failback replica",
    "promote failback replica",
    "retire DR instance",
    "set the stale primary aside",
    "take the primary identifier",
]


@pytest.mark.parametrize(
    "primary, failback_replica, dr, steps",
    [
        (PRIMARY, None, DR_REPLICA, []),  # never promoted: nothing to fail back
        (PRIMARY, None, None, []),
        (PRIMARY, None, DR_PROMOTED, ALL),
        (PRIMARY, FAILBACK_REPLICA, DR_PROMOTED, ALL[1:]),
        (PRIMARY, FAILBACK_PROMOTED, DR_PROMOTED, ALL[2:]),
        (PRIMARY, FAILBACK_PROMOTED, None, ALL[3:]),  # stopped after the DR instance was retired
        (None, FAILBACK_PROMOTED, None, ALL[4:]),  # stopped after the old primary was set aside
        (PRIMARY, None, DR_REPLICA, []),  # done and re-armed
    ],
)
def test_a_failback_resumes_where_it_stopped(primary, failback_replica, dr, steps):
    assert failback.plan(primary, failback_replica, dr) == steps


def test_a_failback_replica_of_an_instance_that_is_not_promoted_any_more_is_a_clear_failure():
    with pytest.raises(DRError, match="still a read replica"):
        failback.plan(PRIMARY, FAILBACK_REPLICA, DR_REPLICA)


def test_renamed_identifiers_fit_rds_limits_and_are_fixed_for_one_failback():
    created = {"InstanceCreateTime": datetime.datetime(2026, 12, 6, 1, 42, 7)}
    assert failback.stamp(created) == "20261206014207"
    long_name = failback.suffixed("a" * 60, "retired-202612060142")
    assert len(long_name) == 63 and long_name.endswith("-retired-202612060142")
    assert failback.suffixed("portforge-dr-rds-replica", "retired-1") == "portforge-dr-rds-replica-retired-1"


@pytest.mark.parametrize(
    "lag, drained",
    [
        ({"seconds": 0.0, "replication_active": True, "stale": False}, True),
        ({"seconds": 4.0, "replication_active": True, "stale": False}, False),
        ({"seconds": None, "replication_active": None, "stale": None}, False),  # no datapoint: not known to be drained
        ({"seconds": 0.0, "replication_active": True, "stale": True}, False),
        ({"seconds": 0.0, "replication_active": False, "stale": False}, False),
    ],
)
def test_drained_means_a_fresh_lag_of_zero(lag, drained):
    assert promoted.drained(lag) is drained


def test_failed_back_needs_the_dr_instance_and_its_region():
    with pytest.raises(DRError, match="state=failed_back needs"):
        inputs.validate_params(params(state="failed_back", source_region=None), "ap-northeast-2")
    with pytest.raises(DRError, match="drain_timeout must be 0 or more"):
        inputs.validate_params(params(state="promoted", drain_timeout=-1), "ap-northeast-1")
