"""elasticache_dr against the emulator: rebuild (create, wait, delete) and Global Datastore promotion."""

import boto3

from tests.conftest import invoke_module

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
GROUP = "fileflow-dr-redis"


def call(state, check=False, diff=False, region=TOKYO, **extra):
    args = dict(region=region, state=state, replication_group_id=extra.pop("group", GROUP), wait_timeout=60, **extra)
    return invoke_module("pilotlight.dr.elasticache_dr", args, check=check, diff=diff)


def status(region=TOKYO, group=GROUP):
    groups = boto3.client("elasticache", region_name=region).describe_replication_groups()["ReplicationGroups"]
    return {g["ReplicationGroupId"]: g["Status"] for g in groups}.get(group)


def test_rebuild_creates_waits_and_deletes(emulator):
    since = emulator.last_seq()
    dry = call("present", check=True, diff=True)
    assert dry.changed and dry["action"] == "created" and dry["replication_group"]["node_type"] == "cache.r6g.large"
    assert emulator.mutating_calls(since=since) == [] and status() is None

    emulator.configure(latency={"redis_create": 1})
    created = call("present", description="DR Redis for FileFlow")
    assert created.changed and created["action"] == "created", created.get("msg")
    assert created["replication_group"]["status"] == "available" and status() == "available"
    assert created["endpoint"].endswith(":6379") and len(created["replication_group"]["member_clusters"]) == 2
    assert created["rpo"]["mode"] == "rebuild" and "everything in the cache" in created["rpo"]["data_loss"]

    again = call("present", node_type="cache.t3.small")
    assert not again.changed and again["action"] == "exists"
    assert "node type cache.r6g.large, wanted cache.t3.small" in str(again.get("warnings")), again

    assert call("absent", check=True)["action"] == "deleted" and status() == "available"
    deleted = call("absent")
    assert deleted.changed and deleted["replication_group"] is None and status() is None
    assert not call("absent").changed


def _datastore():
    elasticache = boto3.client("elasticache", region_name=SEOUL)
    elasticache.create_replication_group(
        ReplicationGroupId="fileflow-prod-redis", ReplicationGroupDescription="prod", Engine="redis", NumCacheClusters=2
    )
    global_id = elasticache.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="fileflow", PrimaryReplicationGroupId="fileflow-prod-redis"
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    boto3.client("elasticache", region_name=TOKYO).create_replication_group(
        ReplicationGroupId=GROUP, ReplicationGroupDescription="DR", GlobalReplicationGroupId=global_id
    )
    return global_id


def test_promoted_fails_over_when_seoul_answers_and_back(emulator):
    global_id = _datastore()
    dry = call("promoted", check=True)
    assert dry["action"] == "failover" and dry["replication_group"]["global_role"] == "PRIMARY"
    promoted = call("promoted", global_replication_group_id=global_id)
    assert promoted.changed and promoted["action"] == "failover", promoted.get("msg")
    assert promoted["replication_group"]["global_role"] == "PRIMARY"
    assert promoted["rpo"]["mode"] == "global_datastore" and promoted["rpo"]["replication_lag_seconds"] is None
    assert not call("promoted").changed
    # Failback is the same promotion of the primary's group.
    back = call("promoted", region=SEOUL, group="fileflow-prod-redis")
    assert back["action"] == "failover" and back["replication_group"]["global_role"] == "PRIMARY"


def test_promoted_with_seoul_down_detaches_without_calling_seoul(emulator):
    _datastore()
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    promoted = call("promoted", primary_reachable=False)
    assert promoted.changed and promoted["action"] == "disassociated", promoted.get("msg")
    assert promoted["replication_group"]["global_replication_group_id"] is None
    assert not [c for c in emulator.requests(since) if c["region"] == SEOUL]
    again = call("promoted", primary_reachable=False)
    assert not again.changed and again["action"] == "none"


def test_promoted_failover_with_seoul_down_names_the_fix(emulator):
    _datastore()
    emulator.region_down(SEOUL)
    failed = call("promoted", primary_reachable=True)
    assert failed.failed and "primary_reachable: false" in failed["msg"]
