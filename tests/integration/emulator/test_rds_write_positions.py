"""The emulator models each RDS instance's write position: what it acknowledged, what a replica applied,
what a promotion keeps. Failback in the right order (writers stopped, replica caught up, then promoted)
keeps every write DR acknowledged; promoting before the catch-up loses some."""

import boto3
import botocore.exceptions
import pytest

from tests.emulator.client import EmulatorError
from tests.integration.emulator.test_rds import SEOUL
from tests.integration.emulator.test_rds import TOKYO
from tests.integration.emulator.test_rds import describe
from tests.integration.emulator.test_rds import make_source
from tests.integration.emulator.test_rds import rds


def writes(emulator, region, name, count):
    return emulator.post(f"/rds/{region}/{name}/writes", {"count": count})["acknowledged"]


def held(emulator, region, name):
    return emulator.get(f"/rds/{region}/{name}/data")


def promote(emulator, region, name):
    rds(region).promote_read_replica(DBInstanceIdentifier=name, BackupRetentionPeriod=7)
    emulator.settle()


@pytest.fixture
def failed_over(emulator):
    """Seoul's database replicated to Tokyo, Tokyo promoted (a failover) and written to."""
    source = make_source(encrypted=False)
    before = writes(emulator, SEOUL, "portforge-test-rds", 3)
    make_replica_plain(emulator, source)
    promote(emulator, TOKYO, "portforge-dr-rds-replica")
    in_dr = writes(emulator, TOKYO, "portforge-dr-rds-replica", 4)
    return before, in_dr


def make_replica_plain(emulator, source_arn, name="portforge-dr-rds-replica", region=TOKYO, source_region=SEOUL):
    rds(region).create_db_instance_read_replica(
        DBInstanceIdentifier=name, SourceDBInstanceIdentifier=source_arn, SourceRegion=source_region
    )
    emulator.settle()


def test_a_replica_is_read_only_and_applies_its_source_writes(emulator):
    source = make_source(encrypted=False)
    first = writes(emulator, SEOUL, "portforge-test-rds", 2)
    make_replica_plain(emulator, source)
    second = writes(emulator, SEOUL, "portforge-test-rds", 2)
    assert held(emulator, TOKYO, "portforge-dr-rds-replica")["writes"] == first + second
    with pytest.raises(EmulatorError, match="read-only"):
        writes(emulator, TOKYO, "portforge-dr-rds-replica", 1)


def test_failback_in_order_keeps_every_write_dr_acknowledged(emulator, failed_over):
    before, in_dr = failed_over
    dr_arn = describe(TOKYO, "portforge-dr-rds-replica")["DBInstanceArn"]
    make_replica_plain(emulator, dr_arn, name="portforge-test-rds-failback", region=SEOUL, source_region=TOKYO)
    emulator.post(f"/rds/{SEOUL}/portforge-test-rds-failback/lag", {"seconds": 20})
    late = writes(emulator, TOKYO, "portforge-dr-rds-replica", 2)  # the last writes before DR is fenced
    assert held(emulator, SEOUL, "portforge-test-rds-failback")["pending"] == 2
    emulator.post(f"/rds/{SEOUL}/portforge-test-rds-failback/lag", {"seconds": 0})  # caught up
    promote(emulator, SEOUL, "portforge-test-rds-failback")
    assert held(emulator, SEOUL, "portforge-test-rds-failback")["writes"] == before + in_dr + late


def test_promoting_before_the_catch_up_loses_writes(emulator, failed_over):
    before, in_dr = failed_over
    dr_arn = describe(TOKYO, "portforge-dr-rds-replica")["DBInstanceArn"]
    make_replica_plain(emulator, dr_arn, name="portforge-test-rds-failback", region=SEOUL, source_region=TOKYO)
    emulator.post(f"/rds/{SEOUL}/portforge-test-rds-failback/lag", {"seconds": 20})
    pending = writes(emulator, TOKYO, "portforge-dr-rds-replica", 2)
    promote(emulator, SEOUL, "portforge-test-rds-failback")  # the old order: promoted while still behind
    after = writes(emulator, TOKYO, "portforge-dr-rds-replica", 1)  # DR still serving until the traffic switch
    kept = held(emulator, SEOUL, "portforge-test-rds-failback")["writes"]
    assert kept == before + in_dr
    assert not set(pending + after) & set(kept)


def test_a_rename_keeps_the_data_and_refuses_an_existing_identifier(emulator, failed_over):
    before, in_dr = failed_over
    boto3.client("rds", region_name=TOKYO).create_db_instance(
        DBInstanceIdentifier="taken",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
    )
    with pytest.raises(botocore.exceptions.ClientError, match="DBInstanceAlreadyExists"):
        rds(TOKYO).modify_db_instance(
            DBInstanceIdentifier="portforge-dr-rds-replica", NewDBInstanceIdentifier="taken", ApplyImmediately=True
        )
    rds(TOKYO).modify_db_instance(
        DBInstanceIdentifier="portforge-dr-rds-replica",
        NewDBInstanceIdentifier="portforge-dr-rds-retired",
        ApplyImmediately=True,
    )
    assert held(emulator, TOKYO, "portforge-dr-rds-retired")["writes"] == before + in_dr
