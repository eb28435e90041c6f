"""ElastiCache in the emulator: replication groups creating -> available, deletion, Global Datastores.

Each test runs on plain moto (where it must fail) and on the emulator (where it must pass).
"""

import boto3
import botocore.exceptions
import pytest

from tests.emulator.client import EmulatorError

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


def _latency(client, **latency):
    try:
        client.configure(latency=latency)
    except EmulatorError:
        assert client.kind == "plain-moto"


def _create(region, group_id, **extra):
    return boto3.client("elasticache", region_name=region).create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="FileFlow Redis",
        Engine="redis",
        CacheNodeType="cache.r6g.large",
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        **extra,
    )["ReplicationGroup"]


def _status(region, group_id):
    client = boto3.client("elasticache", region_name=region)
    return client.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]["Status"]


def _members(global_id):
    datastore = boto3.client("elasticache", region_name=TOKYO).describe_global_replication_groups(
        GlobalReplicationGroupId=global_id, ShowMemberInfo=True
    )["GlobalReplicationGroups"][0]
    return {
        m["ReplicationGroupRegion"]: (m["ReplicationGroupId"], m["Role"], m["Status"]) for m in datastore["Members"]
    }


def test_replication_group_is_creating_then_available(gap_emulator):
    _latency(gap_emulator, redis_create=30)
    assert _create(TOKYO, "fileflow-dr-redis")["Status"] == "creating"
    assert _status(TOKYO, "fileflow-dr-redis") == "creating"
    gap_emulator.settle()
    assert _status(TOKYO, "fileflow-dr-redis") == "available"
    group = boto3.client("elasticache", region_name=TOKYO).describe_replication_groups()["ReplicationGroups"][0]
    assert group["MemberClusters"] == ["fileflow-dr-redis-001", "fileflow-dr-redis-002"]


def test_endpoints_name_the_group_region(gap_emulator):
    _create(TOKYO, "fileflow-dr-redis")
    group = boto3.client("elasticache", region_name=TOKYO).describe_replication_groups()["ReplicationGroups"][0]
    [nodes] = group["NodeGroups"]
    hosts = [nodes["PrimaryEndpoint"]["Address"]] + [m["ReadEndpoint"]["Address"] for m in nodes["NodeGroupMembers"]]
    assert len(hosts) == 3
    for host in hosts:
        assert host.endswith(".apne1.cache.amazonaws.com"), host


def test_deleted_replication_group_is_gone(gap_emulator):
    _create(TOKYO, "fileflow-dr-redis")
    boto3.client("elasticache", region_name=TOKYO).delete_replication_group(ReplicationGroupId="fileflow-dr-redis")
    gap_emulator.settle()
    with pytest.raises(botocore.exceptions.ClientError, match="ReplicationGroupNotFoundFault"):
        _status(TOKYO, "fileflow-dr-redis")


def _datastore():
    _create(SEOUL, "fileflow-prod-redis")
    global_id = boto3.client("elasticache", region_name=SEOUL).create_global_replication_group(
        GlobalReplicationGroupIdSuffix="fileflow", PrimaryReplicationGroupId="fileflow-prod-redis"
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    boto3.client("elasticache", region_name=TOKYO).create_replication_group(
        ReplicationGroupId="fileflow-dr-redis", ReplicationGroupDescription="DR", GlobalReplicationGroupId=global_id
    )
    return global_id


def test_global_datastore_failover_swaps_roles(gap_emulator):
    global_id = _datastore()
    assert _members(global_id) == {
        SEOUL: ("fileflow-prod-redis", "PRIMARY", "associated"),
        TOKYO: ("fileflow-dr-redis", "SECONDARY", "associated"),
    }
    boto3.client("elasticache", region_name=TOKYO).failover_global_replication_group(
        GlobalReplicationGroupId=global_id, PrimaryRegion=TOKYO, PrimaryReplicationGroupId="fileflow-dr-redis"
    )
    members = _members(global_id)
    assert members[TOKYO][1] == "PRIMARY" and members[SEOUL][1] == "SECONDARY"


def test_global_datastore_with_primary_down_refuses_failover_and_disassociates(gap_emulator):
    global_id = _datastore()
    gap_emulator.region_down(SEOUL)
    tokyo = boto3.client("elasticache", region_name=TOKYO)
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidGlobalReplicationGroupState"):
        tokyo.failover_global_replication_group(
            GlobalReplicationGroupId=global_id, PrimaryRegion=TOKYO, PrimaryReplicationGroupId="fileflow-dr-redis"
        )
    assert _members(global_id)[SEOUL][2] == "inaccessible"
    tokyo.disassociate_global_replication_group(
        GlobalReplicationGroupId=global_id, ReplicationGroupId="fileflow-dr-redis", ReplicationGroupRegion=TOKYO
    )
    assert list(_members(global_id)) == [SEOUL]
    group = tokyo.describe_replication_groups(ReplicationGroupId="fileflow-dr-redis")["ReplicationGroups"][0]
    assert not group.get("GlobalReplicationGroupInfo", {}).get("GlobalReplicationGroupId")
