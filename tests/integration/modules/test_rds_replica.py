"""rds_replica against the emulator: replica creation, checks, lag gate, idempotent promotion, failback."""

import json

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SOURCE, REPLICA = "portforge-test-rds", "portforge-dr-rds-replica"


def rds(region):
    return boto3.client("rds", region_name=region)


def make_source(name=SOURCE, engine="mysql", encrypted=True, backups=7, region=SEOUL):
    return rds(region).create_db_instance(
        DBInstanceIdentifier=name,
        Engine=engine,
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=backups,
        StorageEncrypted=encrypted,
    )["DBInstance"]["DBInstanceArn"]


def make_key(region, alias):
    kms = boto3.client("kms", region_name=region)
    key = kms.create_key(Description=alias)["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=alias, TargetKeyId=key)
    return key


def describe(region, name):
    return rds(region).describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


@pytest.fixture
def primary(emulator):
    """An unencrypted source: most tests need no KMS key (moto makes an RSA key pair for each one, slowly)."""
    return {"arn": make_source(encrypted=False)}


@pytest.fixture
def encrypted_primary(emulator):
    return {"arn": make_source(), "key": make_key(TOKYO, "alias/portforge-dr-rds")}


ENCRYPTED = {"kms_key_id": "alias/portforge-dr-rds"}


def present(**extra):
    args = dict(
        region=TOKYO,
        db_instance_identifier=REPLICA,
        source_db_instance_identifier=SOURCE,
        source_region=SEOUL,
        db_instance_class="db.t3.micro",
        tags={"Environment": "dr"},
    )
    args.update(extra)
    return args


def promoted(**extra):
    args = dict(region=TOKYO, db_instance_identifier=REPLICA, state="promoted")
    args.update(extra)
    return args


@pytest.fixture
def replica(primary, run_module):
    result = run_module("rds_replica", present())
    assert result.changed and not result.failed, result
    return primary


def actions(emulator, since, action, region=None):
    return [c for c in emulator.calls(since, region=region) if c["action"] == action]


def test_check_mode_then_apply_then_rerun(emulator, encrypted_primary, run_module):
    primary = encrypted_primary
    since = emulator.last_seq()
    result = run_module("rds_replica", present(**ENCRYPTED), check=True, diff=True)
    assert result.changed and not result.failed, result
    assert emulator.mutating_calls(since=since) == []
    instance = result["db_instance"]
    assert instance["db_instance_status"] == "available"
    assert instance["read_replica_source_db_instance_identifier"] == primary["arn"]
    assert instance["kms_key_id"] == primary["key"]
    assert instance["tags"] == {"Environment": "dr"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["replica_of"] == primary["arn"]

    args = present(multi_az=False, publicly_accessible=False, **ENCRYPTED)
    result = run_module("rds_replica", args, diff=True)
    assert result.changed and not result.failed, result
    replica = describe(TOKYO, REPLICA)
    assert replica["DBInstanceStatus"] == "available"
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == primary["arn"]
    assert (replica["StorageEncrypted"], replica["KmsKeyId"]) == (True, primary["key"])
    assert result["db_instance"]["db_instance_status"] == "available"
    assert result["replica_lag"]["seconds"] == 0 and result["replica_lag"]["replication_active"] is True
    assert result["diff"]["after"]["status"] == "available" and result["diff"]["before"] == {}

    since = emulator.last_seq()
    again = run_module("rds_replica", args, diff=True)
    assert not again.changed and not again.failed, again
    assert emulator.mutating_calls(since=since) == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_existing_replica_class_and_tags_are_brought_in_line(emulator, replica, run_module):
    result = run_module("rds_replica", present(db_instance_class="db.t3.small", tags={"Owner": "dr-team"}), diff=True)
    assert result.changed and not result.failed, result
    assert describe(TOKYO, REPLICA)["DBInstanceClass"] == "db.t3.small"
    assert result["db_instance"]["tags"] == {"Owner": "dr-team"}
    assert result["diff"]["before"]["db_instance_class"] == "db.t3.micro"
    assert result["diff"]["after"]["db_instance_class"] == "db.t3.small"
    make_source("other", encrypted=False)
    other = run_module("rds_replica", present(source_db_instance_identifier="other"))
    assert other.failed and f"replicates {replica['arn']}, not other" in other["msg"]


BAD_INPUT = [
    ({"source_db_instance_identifier": None}, "needs source_db_instance_identifier"),
    ({"source_db_instance_identifier": "nope"}, "source DB instance nope not found in ap-northeast-2"),
    ({"source_region": TOKYO}, "are both ap-northeast-1"),
    (
        {"source_db_instance_identifier": f"arn:aws:rds:{TOKYO}:123456789012:db:x", "source_region": None},
        "a DR replica must be in another region",
    ),
    ({"source_db_instance_identifier": "encrypted"}, "is encrypted: set kms_key_id"),
    (
        {"source_db_instance_identifier": "encrypted", "kms_key_id": "alias/missing"},
        "KMS key alias/missing not found in ap-northeast-1",
    ),
    ({"db_subnet_group_name": "missing"}, "DB subnet group missing not found"),
    ({"max_lag_seconds": -1}, "max_lag_seconds must be 0 or more"),
    ({"lag_lookback_seconds": 10}, "lag_lookback_seconds must be at least 60"),
    ({"backup_retention_period": 36}, "backup_retention_period must be between 0 and 35"),
    ({"source_db_instance_identifier": "no-backups"}, "automated backups off"),
    ({"kms_key_id": "alias/any"}, "is not encrypted, so its replica cannot be"),
    ({"db_instance_identifier": "standalone"}, "is a standalone DB instance, not a read replica"),
]


def test_bad_input_fails_before_any_change(emulator, primary, run_module):
    make_source("no-backups", encrypted=False, backups=0)
    make_source("encrypted")
    make_source("standalone", region=TOKYO)
    since = emulator.last_seq()
    for args, message in BAD_INPUT:
        result = run_module("rds_replica", present(**args))
        assert result.failed, (args, result)
        assert message in result["msg"], (args, result["msg"])
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, primary, run_module):
    emulator.add_fault("rds", count=3)
    result = run_module("rds_replica", present())
    assert result.changed and not result.failed, result
    assert all(fault["remaining"] == 0 for fault in emulator.faults())


def test_wait_false_then_wait_true_creates_once(emulator, primary, run_module):
    emulator.configure(latency={"rds_replica_creation": 30})
    since = emulator.last_seq()
    started = run_module("rds_replica", present(wait=False))
    assert started.changed and started["db_instance"]["db_instance_status"] == "creating"
    assert started["replica_lag"] is None
    not_yet = run_module("rds_replica", promoted(wait=False))
    assert not not_yet.changed and not not_yet.failed and "no promotion started" in str(not_yet["warnings"])
    emulator.settle()
    finished = run_module("rds_replica", present(wait=True))
    assert not finished.changed and finished["db_instance"]["db_instance_status"] == "available"
    assert len(actions(emulator, since, "CreateDBInstanceReadReplica")) == 1
    assert actions(emulator, since, "PromoteReadReplica") == []


def test_promotion_rerun_and_failback(emulator, replica, run_module):
    check = run_module("rds_replica", promoted(), check=True, diff=True)
    assert (
        check.changed
        and check["promotion"]["promoted"]
        and "read_replica_source_db_instance_identifier" not in check["db_instance"]
    )
    assert check["diff"]["after"]["replica_of"] is None
    since = emulator.last_seq()
    result = run_module("rds_replica", promoted(backup_retention_period=7), diff=True)
    assert result.changed and not result.failed, result
    assert result["promotion"]["promoted"] and not result["promotion"]["forced"]
    assert result["promotion"]["completed_at"] and result["replica_lag"]["seconds"] == 0
    instance = describe(TOKYO, REPLICA)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in instance and instance["BackupRetentionPeriod"] == 7
    assert result["diff"]["before"]["replica_of"] == replica["arn"] and result["diff"]["after"]["replica_of"] is None

    rerun_since = emulator.last_seq()
    again = run_module("rds_replica", promoted())
    assert not again.changed and not again.failed, again
    assert again["promotion"]["already_standalone"] and not again["promotion"]["promoted"]
    assert emulator.mutating_calls(since=rerun_since) == []
    assert len(actions(emulator, since, "PromoteReadReplica")) == 1

    # failback: a replica in Seoul of the promoted Tokyo instance
    args = dict(
        region=SEOUL,
        db_instance_identifier="portforge-test-rds-failback",
        source_db_instance_identifier=REPLICA,
        source_region=TOKYO,
    )
    result = run_module("rds_replica", args)
    assert result.changed and not result.failed, result
    back = describe(SEOUL, "portforge-test-rds-failback")
    assert back["ReadReplicaSourceDBInstanceIdentifier"] == describe(TOKYO, REPLICA)["DBInstanceArn"]
    assert back["AvailabilityZone"].startswith(SEOUL)
    assert not run_module("rds_replica", args).changed
    # the old primary still exists: it can never become a replica again
    refused = run_module("rds_replica", dict(args, db_instance_identifier=SOURCE))
    assert refused.failed and "cannot become a replica again" in refused["msg"]


def test_interrupted_promotion_is_finished_not_repeated(emulator, replica, run_module):
    emulator.configure(latency={"rds_promotion": 2})
    since = emulator.last_seq()
    first = run_module("rds_replica", promoted(wait=False))
    assert first.changed and first["promotion"]["promoted"] and first["promotion"]["completed_at"] is None
    second = run_module("rds_replica", promoted(wait=True))
    assert not second.changed and not second.failed, second
    assert second["promotion"]["already_standalone"]
    assert second["db_instance"]["db_instance_status"] == "available"
    assert len(actions(emulator, since, "PromoteReadReplica")) == 1


def test_promotion_while_seoul_is_down_calls_tokyo_only(emulator, run_module):
    make_source(engine="postgres", encrypted=False)
    assert not run_module("rds_replica", present()).failed
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("rds_replica", promoted(source_db_instance_identifier=SOURCE, source_region=SEOUL))
    assert result.changed and not result.failed, result
    assert result["replica_lag"]["replication_active"] is True  # PostgreSQL: lag grows, still measured
    assert 0 < result["replica_lag"]["seconds"] < 60
    calls = emulator.calls(since)
    assert calls and {c["region"] for c in calls} == {TOKYO}
    assert {c["service"] for c in calls} == {"rds", "cloudwatch"}


def test_lag_gate_refuses_above_the_threshold_or_unknown_and_force_overrides(emulator, replica, run_module):
    emulator.post(f"/rds/{TOKYO}/{REPLICA}/lag", {"seconds": 120})
    since = emulator.last_seq()
    refused = run_module("rds_replica", promoted(max_lag_seconds=60))
    assert refused.failed
    assert "refusing to promote portforge-dr-rds-replica in ap-northeast-1: replica lag 120s is above" in refused["msg"]
    assert refused["replica_lag"]["seconds"] == 120

    # MySQL while Seoul is down: ReplicaLag -1, replication not active; only a bound (or nothing) is known
    emulator.region_down(SEOUL)
    unknown = run_module("rds_replica", promoted(max_lag_seconds=0))
    assert unknown.failed and "refusing to promote" in unknown["msg"]
    assert unknown["replica_lag"]["replication_active"] is False
    assert unknown["replica_lag"]["reported_seconds"] == -1
    assert emulator.mutating_calls(since=since) == []

    forced = run_module("rds_replica", promoted(max_lag_seconds=0, force=True))
    assert forced.changed and forced["promotion"]["forced"] and "force=true" in forced["promotion"]["gate"]
    assert forced["replica_lag"]["replication_active"] is False
    assert {c["region"] for c in emulator.calls(since)} == {TOKYO}


def test_examples_run(emulator, run_examples):
    make_source()
    make_key(TOKYO, "alias/portforge-dr-rds")
    make_key(SEOUL, "alias/portforge-rds")
    # where the application reads its database address (the examples publish it there)
    boto3.client("ssm", region_name=TOKYO).put_parameter(
        Name="/shared/rds/dr/endpoint", Value="old:5432", Type="String"
    )
    for region in (SEOUL, TOKYO):
        boto3.client("secretsmanager", region_name=region).create_secret(
            Name="portforge/ai-service/rds", SecretString='{"host": "old", "port": 5432, "password": "p"}'
        )
    result = run_examples("rds_replica")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "promoted=True lag at promotion=0.0s" in result.stdout
    # the promoted Tokyo instance (retired by the failback example since): Multi-AZ, backups, its address published
    dr = boto3.client("rds", region_name=TOKYO).describe_db_instances()["DBInstances"]
    retired = [i for i in dr if i["DBInstanceIdentifier"].startswith(f"{REPLICA}-retired-")]
    assert len(retired) == 1 and retired[0]["MultiAZ"] is True and retired[0]["BackupRetentionPeriod"] == 7
    value = boto3.client("ssm", region_name=TOKYO).get_parameter(Name="/shared/rds/dr/endpoint")["Parameter"]["Value"]
    assert value.startswith(f"{REPLICA}.") and TOKYO in value and value.endswith(f":{retired[0]['Endpoint']['Port']}")
    # The last example cuts over: the failback replica caught up, was promoted and is portforge-test-rds again.
    primary = describe(SEOUL, "portforge-test-rds")
    assert primary["DBInstanceStatus"] == "available" and "ReadReplicaSourceDBInstanceIdentifier" not in primary
    assert primary["MultiAZ"] is True and primary["BackupRetentionPeriod"] == 7
    secret = boto3.client("secretsmanager", region_name=SEOUL).get_secret_value(SecretId="portforge/ai-service/rds")
    assert json.loads(secret["SecretString"]) == {"host": primary["Endpoint"]["Address"], "port": 5432, "password": "p"}
    found = boto3.client("rds", region_name=SEOUL).describe_db_instances()["DBInstances"]
    seoul = [i["DBInstanceIdentifier"] for i in found]
    assert "portforge-test-rds-failback" not in seoul
    assert any(name.startswith("portforge-test-rds-stale-") for name in seoul)
