"""RDS cross-region read replicas: each test fails on plain moto and passes on the emulator."""

import time
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import boto3
import botocore.exceptions
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


def rds(region):
    return boto3.client("rds", region_name=region)


def make_source(name="portforge-test-rds", engine="mysql", encrypted=True, backups=7, region=SEOUL):
    instance = rds(region).create_db_instance(
        DBInstanceIdentifier=name,
        Engine=engine,
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=backups,
        StorageEncrypted=encrypted,
    )["DBInstance"]
    return instance["DBInstanceArn"]


def dr_key(region=TOKYO):
    return boto3.client("kms", region_name=region).create_key(Description="rds dr")["KeyMetadata"]["Arn"]


def make_replica(emulator, source_arn, name="portforge-dr-rds-replica", region=TOKYO, settle=True):
    replica = rds(region).create_db_instance_read_replica(
        DBInstanceIdentifier=name,
        SourceDBInstanceIdentifier=source_arn,
        DBInstanceClass="db.t3.micro",
        KmsKeyId=dr_key(region),
        SourceRegion=SEOUL if region == TOKYO else TOKYO,
    )["DBInstance"]
    if settle:
        emulator.settle()
    return replica


def describe(region, name):
    return rds(region).describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def latest_lag(region, name):
    now = datetime.now(timezone.utc)
    points = boto3.client("cloudwatch", region_name=region).get_metric_statistics(
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": name}],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum", "Minimum"],
    )["Datapoints"]
    assert points, f"no ReplicaLag datapoint for {name} in {region}"
    return max(points, key=lambda p: p["Timestamp"])


def test_cross_region_replica_lives_in_its_region_with_its_kms_key(gap_emulator):
    source = make_source()
    key = dr_key()
    created = rds(TOKYO).create_db_instance_read_replica(
        DBInstanceIdentifier="portforge-dr-rds-replica",
        SourceDBInstanceIdentifier=source,
        KmsKeyId=key,
        SourceRegion=SEOUL,
        Tags=[{"Key": "Environment", "Value": "dr"}],
    )["DBInstance"]
    assert created["DBInstanceStatus"] == "creating"
    gap_emulator.settle()
    replica = describe(TOKYO, "portforge-dr-rds-replica")
    assert replica["DBInstanceStatus"] == "available"
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == source
    assert replica["AvailabilityZone"].startswith(TOKYO)
    assert (replica["StorageEncrypted"], replica["KmsKeyId"]) == (True, key)
    assert replica["StatusInfos"] == [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]
    assert describe(SEOUL, "portforge-test-rds")["TagList"] == []  # tags are not shared with the source
    assert describe(SEOUL, "portforge-test-rds")["ReadReplicaDBInstanceIdentifiers"] == [replica["DBInstanceArn"]]


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        ({}, "InvalidParameterCombination", "cross region unencrypted read replica from encrypted source"),
        (
            {"KmsKeyId": "arn:aws:kms:ap-northeast-1:123456789012:key/00000000-0000-0000-0000-000000000000"},
            "KMSKeyNotAccessibleFault",
            "does not exist",
        ),
    ],
    ids=["no-kms-key", "unknown-kms-key"],
)
def test_encrypted_cross_region_replica_needs_a_kms_key_of_its_region(gap_emulator, kwargs, code, message):
    source = make_source()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        rds(TOKYO).create_db_instance_read_replica(
            DBInstanceIdentifier="replica", SourceDBInstanceIdentifier=source, SourceRegion=SEOUL, **kwargs
        )
    assert caught.value.response["Error"]["Code"] == code
    assert message in caught.value.response["Error"]["Message"]
    assert rds(TOKYO).describe_db_instances()["DBInstances"] == []


def test_source_without_automated_backups_is_refused(gap_emulator):
    source = make_source(encrypted=False, backups=0)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        rds(TOKYO).create_db_instance_read_replica(
            DBInstanceIdentifier="replica", SourceDBInstanceIdentifier=source, SourceRegion=SEOUL
        )
    assert caught.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    assert "Automated backups are not enabled" in caught.value.response["Error"]["Message"]


def test_promotion_detaches_the_replica_after_the_promotion_time(gap_emulator):
    source = make_source()
    make_replica(gap_emulator, source)
    promoted = rds(TOKYO).promote_read_replica(DBInstanceIdentifier="portforge-dr-rds-replica")["DBInstance"]
    assert promoted["DBInstanceStatus"] == "modifying"
    gap_emulator.settle()
    replica = describe(TOKYO, "portforge-dr-rds-replica")
    assert replica["DBInstanceStatus"] == "available"
    assert "ReadReplicaSourceDBInstanceIdentifier" not in replica
    assert "StatusInfos" not in replica
    assert replica["BackupRetentionPeriod"] == 1
    assert describe(SEOUL, "portforge-test-rds")["ReadReplicaDBInstanceIdentifiers"] == []


@pytest.mark.parametrize("when", ["standalone", "already-promoted", "while-promoting"])
def test_promotion_is_refused_when_there_is_nothing_to_promote(gap_emulator, when):
    source = make_source()
    target = ("portforge-test-rds", SEOUL) if when == "standalone" else ("portforge-dr-rds-replica", TOKYO)
    if when != "standalone":
        make_replica(gap_emulator, source)
        rds(TOKYO).promote_read_replica(DBInstanceIdentifier=target[0])
        if when == "already-promoted":
            gap_emulator.settle()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        rds(target[1]).promote_read_replica(DBInstanceIdentifier=target[0])
    assert caught.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    expected = "is not in available state" if when == "while-promoting" else "DB Instance is not a read replica"
    assert expected in caught.value.response["Error"]["Message"]


def test_failback_replica_goes_the_other_way_and_can_be_deleted(gap_emulator):
    source = make_source()
    make_replica(gap_emulator, source)
    rds(TOKYO).promote_read_replica(DBInstanceIdentifier="portforge-dr-rds-replica")
    gap_emulator.settle()
    tokyo_arn = describe(TOKYO, "portforge-dr-rds-replica")["DBInstanceArn"]
    make_replica(gap_emulator, tokyo_arn, name="portforge-test-rds-failback", region=SEOUL)
    back = describe(SEOUL, "portforge-test-rds-failback")
    assert back["ReadReplicaSourceDBInstanceIdentifier"] == tokyo_arn
    assert back["KmsKeyId"].split(":")[3] == SEOUL
    assert describe(TOKYO, "portforge-dr-rds-replica")["ReadReplicaDBInstanceIdentifiers"] == [back["DBInstanceArn"]]
    rds(SEOUL).delete_db_instance(DBInstanceIdentifier="portforge-test-rds-failback", SkipFinalSnapshot=True)
    assert describe(TOKYO, "portforge-dr-rds-replica")["ReadReplicaDBInstanceIdentifiers"] == []


def test_replica_lag_is_published_in_the_replica_region(gap_emulator):
    make_replica(gap_emulator, make_source())
    assert latest_lag(TOKYO, "portforge-dr-rds-replica")["Maximum"] == 0
    gap_emulator.post(f"/rds/{TOKYO}/portforge-dr-rds-replica/lag", {"seconds": 42})
    point = latest_lag(TOKYO, "portforge-dr-rds-replica")
    assert (point["Maximum"], point["Unit"]) == (42, "Seconds")
    gap_emulator.post(f"/rds/{TOKYO}/portforge-dr-rds-replica/lag", {"seconds": 3})
    assert latest_lag(TOKYO, "portforge-dr-rds-replica")["Maximum"] == 3  # one datapoint a minute: the latest value


@pytest.mark.parametrize("engine", ["mysql", "postgres"])
def test_replica_keeps_serving_when_the_source_region_is_down(gap_emulator, engine):
    make_replica(gap_emulator, make_source(engine=engine))
    gap_emulator.post(f"/rds/{TOKYO}/portforge-dr-rds-replica/lag", {"seconds": 10})
    gap_emulator.region_down(SEOUL)
    time.sleep(1.1)
    replica = describe(TOKYO, "portforge-dr-rds-replica")
    assert replica["DBInstanceStatus"] == "available"
    assert replica["StatusInfos"][0]["Normal"] is False and replica["StatusInfos"][0]["Status"] == "error"
    lag = latest_lag(TOKYO, "portforge-dr-rds-replica")["Maximum"]
    if engine == "mysql":
        assert lag == -1  # replication not active: Seconds_Behind_Master is NULL
    else:
        assert 11 <= lag < 30  # the replica falls behind for as long as the source is unreachable
    gap_emulator.region_up(SEOUL)
    assert latest_lag(TOKYO, "portforge-dr-rds-replica")["Maximum"] == 10
    assert describe(TOKYO, "portforge-dr-rds-replica")["StatusInfos"][0]["Status"] == "replicating"
