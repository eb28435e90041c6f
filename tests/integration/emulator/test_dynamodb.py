"""DynamoDB global tables on the emulator: each test fails on plain moto and passes with the extension."""

import time

import boto3
import botocore.exceptions
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def ddb(region):
    return boto3.client("dynamodb", region_name=region)


def make_table(region=SEOUL, name="orders", stream=True, billing="PAY_PER_REQUEST", indexes=False):
    params = dict(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode=billing,
    )
    if billing == "PROVISIONED":
        params["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    if stream:
        params["StreamSpecification"] = STREAM
    if indexes:
        params["AttributeDefinitions"].append({"AttributeName": "status", "AttributeType": "S"})
        params["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
        params["LocalSecondaryIndexes"] = [
            {
                "IndexName": "by-status-local",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "status", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ]
    ddb(region).create_table(**params)


def add_replica(region=TOKYO, name="orders", source=SEOUL):
    return ddb(source).update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])


def global_table(emulator, name="orders"):
    make_table(name=name)
    add_replica(name=name)
    emulator.settle()


def item(pk, sk="1", **attrs):
    value = {"pk": {"S": pk}, "sk": {"S": sk}}
    value.update({key: {"S": str(val)} for key, val in attrs.items()})
    return value


def items(region, name="orders"):
    return sorted(
        (entry["pk"]["S"], entry["sk"]["S"], entry.get("v", {}).get("S"))
        for entry in ddb(region).scan(TableName=name)["Items"]
    )


def set_latency(emulator, **latency):
    """Slow the extension's operations down where it has them (plain moto has no such knob)."""
    known = emulator.config()["latency"]
    emulator.configure(latency={key: value for key, value in latency.items() if key in known})


def validation_error(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    assert info.value.response["Error"]["Code"] == "ValidationException", info.value.response["Error"]
    return info.value.response["Error"]["Message"]


def test_describe_table_carries_table_id(gap_emulator):
    make_table(stream=False)
    table = ddb(SEOUL).describe_table(TableName="orders")["Table"]
    assert len(table["TableId"]) == 36
    assert ddb(SEOUL).describe_table(TableName="orders")["Table"]["TableId"] == table["TableId"]


def test_replica_update_creates_the_replica_table_with_the_same_settings(gap_emulator):
    make_table(indexes=True)
    ddb(SEOUL).put_item(TableName="orders", Item=item("before", status="open"))
    add_replica()
    replica = ddb(TOKYO).describe_table(TableName="orders")["Table"]
    source = ddb(SEOUL).describe_table(TableName="orders")["Table"]
    assert replica["KeySchema"] == source["KeySchema"]
    assert [i["IndexName"] for i in replica["GlobalSecondaryIndexes"]] == ["by-status"]
    assert [i["IndexName"] for i in replica["LocalSecondaryIndexes"]] == ["by-status-local"]
    assert replica["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert replica["StreamSpecification"] == STREAM
    assert replica["TableId"] != source["TableId"]
    assert items(TOKYO) == [("before", "1", None)]  # existing items are backfilled


def test_replicas_are_creating_then_active_with_global_table_version(gap_emulator):
    set_latency(gap_emulator, global_table_replica=30)
    make_table()
    described = add_replica()["TableDescription"]
    assert described["TableStatus"] == "UPDATING"
    assert described["Replicas"] == [
        {"RegionName": TOKYO, "ReplicaStatus": "CREATING", "ReplicaStatusPercentProgress": "0"}
    ]
    assert ddb(TOKYO).describe_table(TableName="orders")["Table"]["TableStatus"] == "CREATING"
    gap_emulator.settle()
    seoul = ddb(SEOUL).describe_table(TableName="orders")["Table"]
    tokyo = ddb(TOKYO).describe_table(TableName="orders")["Table"]
    assert (seoul["TableStatus"], seoul["GlobalTableVersion"]) == ("ACTIVE", "2019.11.21")
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in seoul["Replicas"]] == [(TOKYO, "ACTIVE")]
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in tokyo["Replicas"]] == [(SEOUL, "ACTIVE")]


def test_replica_needs_new_and_old_image_streams_first(gap_emulator):
    make_table(stream=False)
    message = validation_error(add_replica)
    assert "NEW_AND_OLD_IMAGES" in message
    ddb(SEOUL).update_table(
        TableName="orders", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    assert "NEW_AND_OLD_IMAGES" in validation_error(add_replica)
    assert ddb(TOKYO).list_tables()["TableNames"] == []


def test_replica_updates_are_validated_as_aws_does(gap_emulator):
    make_table()
    client = ddb(SEOUL)
    two = [{"Create": {"RegionName": TOKYO}}, {"Create": {"RegionName": "us-east-1"}}]
    assert "more than one" in validation_error(lambda: client.update_table(TableName="orders", ReplicaUpdates=two))
    assert "local region" in validation_error(lambda: add_replica(region=SEOUL))
    mixed = dict(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": TOKYO}}], DeletionProtectionEnabled=True)
    assert "only operation" in validation_error(lambda: client.update_table(**mixed))
    assert "not part of the global table" in validation_error(
        lambda: client.update_table(TableName="orders", ReplicaUpdates=[{"Delete": {"RegionName": TOKYO}}])
    )
    ddb(TOKYO).create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert "already existed as tables" in validation_error(add_replica)


def test_no_other_replica_change_while_one_is_being_added(gap_emulator):
    set_latency(gap_emulator, global_table_replica=30)
    make_table()
    add_replica()
    assert "being added" in validation_error(lambda: add_replica(region="us-east-1"))
    gap_emulator.settle()
    add_replica(region="us-east-1")
    gap_emulator.settle()
    assert {r["RegionName"] for r in ddb(SEOUL).describe_table(TableName="orders")["Table"]["Replicas"]} == {
        TOKYO,
        "us-east-1",
    }


def test_provisioned_table_needs_write_autoscaling(gap_emulator):
    make_table(billing="PROVISIONED")
    assert validation_error(add_replica) == "Table write capacity should either be Pay-Per-Request or AutoScaled."
    boto3.client("application-autoscaling", region_name=SEOUL).register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/orders",
        ScalableDimension="dynamodb:table:WriteCapacityUnits",
        MinCapacity=5,
        MaxCapacity=50,
    )
    add_replica()
    gap_emulator.settle()
    replica = ddb(TOKYO).describe_table(TableName="orders")["Table"]
    assert replica["ProvisionedThroughput"]["WriteCapacityUnits"] == 5


def test_streams_of_a_replica_cannot_be_disabled_but_a_plain_table_can_switch_view_type(gap_emulator):
    make_table(name="plain", stream=False)
    client = ddb(SEOUL)
    client.update_table(TableName="plain", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.update_table(TableName="plain", StreamSpecification={"StreamEnabled": False})
    client.update_table(TableName="plain", StreamSpecification=STREAM)
    assert client.describe_table(TableName="plain")["Table"]["StreamSpecification"] == STREAM
    global_table(gap_emulator)
    message = validation_error(
        lambda: client.update_table(TableName="orders", StreamSpecification={"StreamEnabled": False})
    )
    assert "Disabling Stream is not allowed" in message


def test_every_kind_of_write_reaches_the_other_replica(gap_emulator):
    global_table(gap_emulator)
    seoul, tokyo = ddb(SEOUL), ddb(TOKYO)
    seoul.put_item(TableName="orders", Item=item("put", v="1"))
    seoul.put_item(TableName="orders", Item=item("gone", v="1"))
    seoul.update_item(
        TableName="orders", Key=item("upd"), UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "2"}}
    )
    batch = [{"PutRequest": {"Item": item(f"batch{i}", v=i)}} for i in range(3)]
    seoul.batch_write_item(RequestItems={"orders": batch})
    seoul.transact_write_items(TransactItems=[{"Put": {"TableName": "orders", "Item": item("tx", v="t")}}])
    gap_emulator.settle()
    seoul.delete_item(TableName="orders", Key=item("gone"))
    tokyo.put_item(TableName="orders", Item=item("from-tokyo", v="3"))  # and the other way round
    gap_emulator.settle()
    expected = [
        ("batch0", "1", "0"),
        ("batch1", "1", "1"),
        ("batch2", "1", "2"),
        ("from-tokyo", "1", "3"),
        ("put", "1", "1"),
        ("tx", "1", "t"),
        ("upd", "1", "2"),
    ]
    assert items(TOKYO) == expected
    assert items(SEOUL) == expected
    assert gap_emulator.get("/tasks")["pending"] == []  # nothing bounces back and forth


def test_a_failed_transaction_is_not_replicated(gap_emulator):
    global_table(gap_emulator)
    seoul = ddb(SEOUL)
    seoul.put_item(TableName="orders", Item=item("kept", v="1"))
    gap_emulator.settle()
    with pytest.raises(botocore.exceptions.ClientError):
        seoul.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "orders", "Item": item("ghost", v="x")}},
                {
                    "Update": {
                        "TableName": "orders",
                        "Key": item("kept"),
                        "UpdateExpression": "SET v = :v",
                        "ConditionExpression": "v = :other",
                        "ExpressionAttributeValues": {":v": {"S": "2"}, ":other": {"S": "nope"}},
                    }
                },
            ]
        )
    gap_emulator.settle()
    assert items(SEOUL) == [("kept", "1", "1")]
    assert items(TOKYO) == [("kept", "1", "1")]


def test_last_writer_wins_when_both_regions_write_the_same_item(gap_emulator):
    global_table(gap_emulator)
    set_latency(gap_emulator, replication=30)
    ddb(SEOUL).put_item(TableName="orders", Item=item("seat-1", v="seoul"))
    time.sleep(0.01)
    ddb(TOKYO).put_item(TableName="orders", Item=item("seat-1", v="tokyo"))
    gap_emulator.settle()
    assert items(SEOUL) == items(TOKYO) == [("seat-1", "1", "tokyo")]


def test_replication_latency_metric_is_published_in_the_source_region(gap_emulator):
    global_table(gap_emulator)
    ddb(SEOUL).put_item(TableName="orders", Item=item("a"))
    gap_emulator.settle()
    metrics = boto3.client("cloudwatch", region_name=SEOUL).list_metrics(
        Namespace="AWS/DynamoDB", MetricName="ReplicationLatency"
    )["Metrics"]
    assert [sorted((d["Name"], d["Value"]) for d in m["Dimensions"]) for m in metrics] == [
        [("ReceivingRegion", TOKYO), ("TableName", "orders")]
    ]
    assert (
        boto3.client("cloudwatch", region_name=TOKYO).list_metrics(
            Namespace="AWS/DynamoDB", MetricName="ReplicationLatency"
        )["Metrics"]
        == []
    )


def test_replication_waits_while_a_region_is_down(gap_emulator):
    global_table(gap_emulator)
    gap_emulator.region_down(TOKYO)
    ddb(SEOUL).put_item(TableName="orders", Item=item("during-outage"))
    gap_emulator.settle()
    held = gap_emulator.get("/dynamodb/replication")["held"]
    assert held == {f"orders {SEOUL}->{TOKYO}": 1}
    gap_emulator.region_up(TOKYO)
    gap_emulator.settle()
    assert items(TOKYO) == [("during-outage", "1", None)]


def test_writes_made_before_the_source_went_down_stay_there(gap_emulator):
    global_table(gap_emulator)
    set_latency(gap_emulator, replication=30)
    ddb(SEOUL).put_item(TableName="orders", Item=item("unreplicated"))
    gap_emulator.region_down(SEOUL)
    gap_emulator.settle()
    assert items(TOKYO) == []  # the RPO: it never left Seoul
    gap_emulator.region_up(SEOUL)
    gap_emulator.settle()
    assert items(TOKYO) == [("unreplicated", "1", None)]


def test_deleting_a_replica_removes_the_table_in_that_region(gap_emulator):
    global_table(gap_emulator)
    set_latency(gap_emulator, global_table_replica=30)
    described = ddb(SEOUL).update_table(TableName="orders", ReplicaUpdates=[{"Delete": {"RegionName": TOKYO}}])
    assert described["TableDescription"]["Replicas"][0]["ReplicaStatus"] == "DELETING"
    gap_emulator.settle()
    assert ddb(TOKYO).list_tables()["TableNames"] == []
    table = ddb(SEOUL).describe_table(TableName="orders")["Table"]
    assert "Replicas" not in table and "GlobalTableVersion" not in table
    ddb(SEOUL).put_item(TableName="orders", Item=item("after"))  # a regional table again
    gap_emulator.settle()
    assert ddb(TOKYO).list_tables()["TableNames"] == []


def test_legacy_global_table_can_be_created_and_detected(gap_emulator):
    for region in (SEOUL, TOKYO):
        make_table(region=region)
    created = ddb(SEOUL).create_global_table(
        GlobalTableName="orders", ReplicationGroup=[{"RegionName": SEOUL}, {"RegionName": TOKYO}]
    )
    assert created["GlobalTableDescription"]["GlobalTableStatus"] == "ACTIVE"
    described = ddb(TOKYO).describe_global_table(GlobalTableName="orders")["GlobalTableDescription"]
    assert sorted(r["RegionName"] for r in described["ReplicationGroup"]) == [TOKYO, SEOUL]
    assert [t["GlobalTableName"] for t in ddb(SEOUL).list_global_tables()["GlobalTables"]] == ["orders"]
    table = ddb(SEOUL).describe_table(TableName="orders")["Table"]
    assert "GlobalTableVersion" not in table  # legacy tables are found with DescribeGlobalTable
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb(SEOUL).describe_global_table(GlobalTableName="other")
    assert info.value.response["Error"]["Code"] == "GlobalTableNotFoundException"
    ddb(SEOUL).put_item(TableName="orders", Item=item("legacy"))
    gap_emulator.settle()
    assert items(TOKYO) == [("legacy", "1", None)]
