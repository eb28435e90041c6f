"""global_table_enable state=drained against the emulator: the graceful failover's DynamoDB drain check."""

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
TABLES = ["KDT-Msp4-PLDR-performances", "KDT-Msp4-PLDR-reservations"]


def ddb(region=SEOUL):
    return boto3.client("dynamodb", region_name=region)


@pytest.fixture
def global_tables(emulator, run_module):
    # one table with a string key, one with a number hash and a binary range key: the marker fits each schema
    ddb().create_table(
        TableName=TABLES[0],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb().create_table(
        TableName=TABLES[1],
        KeySchema=[{"AttributeName": "seat", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "seat", "AttributeType": "N"},
            {"AttributeName": "at", "AttributeType": "B"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    made = run_module("global_table_enable", dict(region=SEOUL, tables=TABLES, replica_regions=[TOKYO]))
    assert not made.failed, made
    ddb().put_item(TableName=TABLES[0], Item={"id": {"S": "written-before-the-fence"}})
    return TABLES


def args(**extra):
    value = dict(region=SEOUL, tables=TABLES, replica_regions=[TOKYO], state="drained", drain_timeout=30)
    value.update(extra)
    return value


def items(name, region):
    return ddb(region).scan(TableName=name, ConsistentRead=True)["Items"]


def actions(emulator, since, region):
    return [c["action"] for c in emulator.calls(since=since, region=region) if c["service"] == "dynamodb"]


def test_check_mode_writes_no_marker(emulator, global_tables, run_module):
    since = emulator.last_seq()
    result = run_module("global_table_enable", args(), check=True)
    assert not result.failed and not result.changed, result
    assert result["drain"]["checked"] is False and result["drain"]["drained"] is None
    assert emulator.mutating_calls(since=since) == []


def test_drained_when_every_marker_reached_dr_and_the_markers_are_gone(emulator, global_tables, run_module):
    since = emulator.last_seq()
    result = run_module("global_table_enable", args())
    assert not result.failed and not result.changed, result
    drain = result["drain"]
    assert drain["checked"] and drain["drained"] and drain["marker"].startswith("pilotlight-drain-")
    for entry in result["tables"]:
        assert entry["drain"]["drained"] is True and TOKYO in entry["drain"]["arrived_after_seconds"]
    assert drain["settle_seconds"] == pytest.approx(
        10 * max(t["arrived_after_seconds"][TOKYO] for t in drain["tables"].values())
    )
    # the marker was written in Seoul, found in Tokyo with a consistent read, then deleted in both regions
    assert actions(emulator, since, SEOUL).count("PutItem") == 2
    assert actions(emulator, since, TOKYO).count("GetItem") >= 2
    assert actions(emulator, since, SEOUL).count("DeleteItem") == 2
    assert actions(emulator, since, TOKYO).count("DeleteItem") == 2
    emulator.settle()
    for region in (SEOUL, TOKYO):
        assert items(TABLES[1], region) == []
        assert items(TABLES[0], region) == [{"id": {"S": "written-before-the-fence"}}]


def test_stalled_replication_fails_naming_the_tables(emulator, global_tables, run_module):
    emulator.settle()
    emulator.configure(latency={"replication": 3600})  # nothing reaches Tokyo while the check runs
    result = run_module("global_table_enable", args(drain_timeout=2))
    assert result.failed, result
    assert "did not drain within drain_timeout=2s" in result["msg"]
    assert f"for table(s) {TABLES[0]}, {TABLES[1]}" in result["msg"]
    assert result["drain"]["drained"] is False
    # no marker is left behind in Seoul (the held put and delete replicate later; the last one wins)
    assert items(TABLES[1], SEOUL) == []
    assert items(TABLES[0], SEOUL) == [{"id": {"S": "written-before-the-fence"}}]
    emulator.configure(latency={"replication": 0.1})
    emulator.settle()
    assert items(TABLES[1], TOKYO) == []


def test_a_table_without_a_dr_replica_is_refused_before_any_marker(emulator, global_tables, run_module):
    ddb().create_table(
        TableName="not-global",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    since = emulator.last_seq()
    result = run_module("global_table_enable", args(tables=[*TABLES, "not-global"]), check=True)
    assert result.failed and "table not-global has no ACTIVE replica in ap-northeast-1 (no replica)" in result["msg"]
    result = run_module("global_table_enable", args(tables=[*TABLES, "not-global"]))
    assert result.failed and "not-global" in result["msg"]
    assert emulator.mutating_calls(since=since) == []
