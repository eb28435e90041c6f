"""global_table_enable against the emulator: streams, replicas, waits, legacy tables, RPO evidence, errors."""

import boto3
import pytest

SEOUL, TOKYO, OSAKA = "ap-northeast-2", "ap-northeast-1", "ap-northeast-3"
TABLES = ["KDT-Msp4-PLDR-performances", "KDT-Msp4-PLDR-reservations", "KDT-Msp4-PLDR-schedules", "KDT-Msp4-PLDR-venues"]


def ddb(region=SEOUL):
    return boto3.client("dynamodb", region_name=region)


def make_table(name, region=SEOUL, stream=None, billing="PAY_PER_REQUEST"):
    params = dict(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode=billing,
    )
    if billing == "PROVISIONED":
        params["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    if stream:
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    ddb(region).create_table(**params)


@pytest.fixture
def tables(emulator):
    for name in TABLES[:2]:
        make_table(name)
    return TABLES[:2]


def args(names, **extra):
    value = dict(region=SEOUL, tables=names, replica_regions=[TOKYO])
    value.update(extra)
    return value


def replicas(name, region=SEOUL):
    table = ddb(region).describe_table(TableName=name)["Table"]
    return {r["RegionName"]: r["ReplicaStatus"] for r in table.get("Replicas", [])}


def update_table_calls(emulator, since):
    return list(emulator.calls(since=since, action="UpdateTable"))


def test_check_mode_predicts_streams_and_replicas_and_changes_nothing(emulator, tables, run_module):
    since = emulator.last_seq()
    result = run_module("global_table_enable", args(tables), check=True, diff=True)
    assert result.changed and not result.failed, result
    assert emulator.mutating_calls(since=since) == []
    for entry in result["tables"]:
        assert entry["stream_view_type"] == "NEW_AND_OLD_IMAGES"
        assert entry["replicas"] == [{"region_name": TOKYO, "replica_status": "ACTIVE"}]
        assert entry["global_table_version"] == "2019.11.21"
        assert entry["actions"] == ["enable_stream", f"create_replica {TOKYO}"]
    assert result["diff"]["before"][tables[0]] == {"stream_view_type": None, "replicas": {}}
    assert result["diff"]["after"][tables[0]] == {
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "replicas": {TOKYO: "ACTIVE"},
    }
    assert ddb(TOKYO).list_tables()["TableNames"] == []


def test_apply_makes_tables_global_then_rerun_changes_nothing(emulator, tables, run_module):
    result = run_module("global_table_enable", args(tables), diff=True)
    assert result.changed and not result.failed, result
    for name in tables:
        assert replicas(name) == {TOKYO: "ACTIVE"}
        tokyo = ddb(TOKYO).describe_table(TableName=name)["Table"]
        assert tokyo["TableStatus"] == "ACTIVE"
        assert tokyo["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    entry = result["tables"][0]
    assert entry["table_status"] == "ACTIVE" and entry["table_id"] and entry["table_arn"].endswith(tables[0])
    assert result["diff"]["after"][tables[1]]["replicas"] == {TOKYO: "ACTIVE"}

    since = emulator.last_seq()
    again = run_module("global_table_enable", args(tables), diff=True)
    assert not again.changed and not again.failed
    assert emulator.mutating_calls(since=since) == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_tables_are_handled_in_parallel(emulator, run_module):
    for name in TABLES:
        make_table(name, stream="NEW_AND_OLD_IMAGES")
    # A replica takes an hour and the task gives the waits 1 s: a module that waited on one table before
    # starting the next would never start the other three. Wall-time figures: tests/benchmarks/bench_concurrent_waits.py
    emulator.configure(latency={"global_table_replica": 3600})
    since = emulator.last_seq()
    result = run_module("global_table_enable", args(TABLES, wait_timeout=1))
    assert result.failed and "timed out" in result["msg"], result
    assert all(f"table {name} and its replicas to be ACTIVE" in result["msg"] for name in TABLES), result["msg"]
    assert all(replicas(name) == {TOKYO: "CREATING"} for name in TABLES)
    assert len([c for c in update_table_calls(emulator, since) if c["region"] == SEOUL]) == len(TABLES)


def test_several_regions_are_added_one_at_a_time(emulator, tables, run_module):
    emulator.configure(latency={"global_table_replica": 0.5})
    result = run_module("global_table_enable", args(tables[:1], replica_regions=[TOKYO, OSAKA]))
    assert not result.failed, result
    assert replicas(tables[0]) == {TOKYO: "ACTIVE", OSAKA: "ACTIVE"}
    assert result["tables"][0]["actions"] == ["enable_stream", f"create_replica {TOKYO}", f"create_replica {OSAKA}"]


def test_wait_false_starts_once_and_wait_true_finishes(emulator, tables, run_module):
    emulator.configure(latency={"global_table_replica": 30})
    since = emulator.last_seq()
    started = run_module("global_table_enable", args(tables, wait=False))
    assert started.changed and not started.failed, started
    assert [e["pending_replicas"] for e in started["tables"]] == [[TOKYO], [TOKYO]]
    assert all(e["replicas"] == [{"region_name": TOKYO, "replica_status": "CREATING"}] for e in started["tables"])

    again = run_module("global_table_enable", args(tables, wait=False))
    assert not again.changed  # nothing started twice
    emulator.configure(latency={"global_table_replica": 0.2})
    emulator.settle()
    finished = run_module("global_table_enable", args(tables))
    assert not finished.failed and not finished.changed
    assert all(e["replicas"] == [{"region_name": TOKYO, "replica_status": "ACTIVE"}] for e in finished["tables"])
    creates = [c for c in update_table_calls(emulator, since) if c["region"] == SEOUL]
    assert len(creates) == 4  # one stream + one replica per table, never repeated


def test_state_absent_removes_a_replica_but_never_the_last(emulator, tables, run_module):
    run_module("global_table_enable", args(tables[:1], replica_regions=[TOKYO, OSAKA]))
    since = emulator.last_seq()
    refused = run_module("global_table_enable", args(tables[:1], replica_regions=[TOKYO, OSAKA], state="absent"))
    assert refused.failed and "last replica" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []

    removed = run_module("global_table_enable", args(tables[:1], replica_regions=[OSAKA], state="absent"), diff=True)
    assert removed.changed and not removed.failed, removed
    assert replicas(tables[0]) == {TOKYO: "ACTIVE"}
    assert OSAKA not in removed["diff"]["after"][tables[0]]["replicas"]
    assert tables[0] not in ddb(OSAKA).list_tables()["TableNames"]
    again = run_module("global_table_enable", args(tables[:1], replica_regions=[OSAKA], state="absent"))
    assert not again.changed and not again.failed


@pytest.mark.parametrize(
    "setup, extra, message",
    [
        (None, {"tables": ["missing-table"]}, "missing-table not found in ap-northeast-2"),
        (None, {"replica_regions": [SEOUL, TOKYO]}, "replica_regions contains ap-northeast-2"),
        (None, {"replica_regions": ["tokyo"]}, "invalid region names ['tokyo']"),
        (None, {"latency_lookback": 0}, "latency_lookback must be at least 1"),
        (None, {"replica_kms_keys": {"us-east-1": "alias/dr"}}, "replica_kms_keys names regions"),
        ("keys-only", {}, "has a KEYS_ONLY stream"),
        ("provisioned", {}, "PROVISIONED without write auto scaling"),
    ],
    ids=["missing", "same-region", "bad-region", "lookback", "kms-region", "stream-type", "provisioned"],
)
def test_bad_input_fails_before_any_change(emulator, tables, run_module, setup, extra, message):
    names = list(tables)
    if setup == "keys-only":
        make_table("stream-keys-only", stream="KEYS_ONLY")
        names.append("stream-keys-only")
    elif setup == "provisioned":
        make_table("provisioned-table", billing="PROVISIONED")
        names.append("provisioned-table")
    since = emulator.last_seq()
    result = run_module("global_table_enable", args(names, **extra))
    assert result.failed and message in result["msg"], result
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, tables, run_module):
    emulator.add_fault("dynamodb", count=3)
    result = run_module("global_table_enable", args(tables))
    assert not result.failed, result
    assert sum(f["injected"] for f in emulator.faults()) == 3
    assert all(replicas(name) == {TOKYO: "ACTIVE"} for name in tables)


def test_update_table_outlasts_botocore_retries(emulator, tables, run_module):
    # more throttles of UpdateTable in a row than botocore's 5 attempts: the module's own back-off goes on
    emulator.add_fault("dynamodb", count=6, actions=["UpdateTable"])
    result = run_module("global_table_enable", args(tables[:1]))
    assert not result.failed, result
    assert sum(f["injected"] for f in emulator.faults()) == 6
    assert replicas(tables[0]) == {TOKYO: "ACTIVE"}


def test_legacy_tables_are_reported_and_left_alone(emulator, tables, run_module):
    for region in (SEOUL, TOKYO):
        make_table("team_chats_ddb", region=region, stream="NEW_AND_OLD_IMAGES")
    ddb().create_global_table(
        GlobalTableName="team_chats_ddb", ReplicationGroup=[{"RegionName": SEOUL}, {"RegionName": TOKYO}]
    )
    since = emulator.last_seq()
    result = run_module("global_table_enable", args(["team_chats_ddb", tables[0]]))
    assert not result.failed, result
    assert [t["table_name"] for t in result["tables"]] == [tables[0]]
    legacy = result["legacy_tables"]
    assert [(t["table_name"], t["replication_group"]) for t in legacy] == [("team_chats_ddb", [TOKYO, SEOUL])]
    assert "2019.11.21" in legacy[0]["upgrade"] and "Update version" in legacy[0]["upgrade"]
    assert {c["action"] for c in emulator.mutating_calls(since=since)} == {"UpdateTable"}  # the other table only
    legacy_table = ddb().describe_table(TableName="team_chats_ddb")["Table"]
    assert "Replicas" not in legacy_table and "GlobalTableVersion" not in legacy_table
    assert ddb(TOKYO).describe_global_table(GlobalTableName="team_chats_ddb")["GlobalTableDescription"]


def test_replication_latency_is_returned_as_rpo_evidence(emulator, tables, run_module):
    run_module("global_table_enable", args(tables))
    ddb().put_item(TableName=tables[0], Item={"id": {"S": "r1"}})
    emulator.settle()
    result = run_module("global_table_enable", args(tables))
    latency = {e["table_name"]: e["replication_latency"] for e in result["tables"]}
    assert latency[tables[0]][0]["receiving_region"] == TOKYO
    assert latency[tables[0]][0]["latency_ms"] >= 0 and latency[tables[0]][0]["timestamp"]
    assert latency[tables[1]] == [
        {"receiving_region": TOKYO, "latency_ms": None, "maximum_ms": None, "timestamp": None}
    ]


def test_dr_only_read_while_the_primary_is_down(emulator, tables, run_module):
    run_module("global_table_enable", args(tables))
    ddb(TOKYO).put_item(TableName=tables[0], Item={"id": {"S": "written-in-tokyo"}})
    emulator.settle()
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("global_table_enable", dict(region=TOKYO, tables=tables, replica_regions=[SEOUL]), check=True)
    assert not result.failed and not result.changed, result
    assert emulator.calls(since=since, region=SEOUL) == []
    entry = result["tables"][0]
    assert entry["replicas"] == [{"region_name": SEOUL, "replica_status": "ACTIVE"}]
    assert entry["replication_latency"][0]["receiving_region"] == SEOUL
    assert entry["replication_latency"][0]["latency_ms"] is not None


def test_examples_run_as_written(emulator, run_examples):
    for name in TABLES:
        make_table(name)
    emulator.configure(latency={"global_table_replica": 0.1})
    result = run_examples("global_table_enable", region=SEOUL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert replicas(TABLES[1]) == {TOKYO: "ACTIVE"}
    assert all(replicas(name) == {TOKYO: "ACTIVE"} for name in TABLES)
