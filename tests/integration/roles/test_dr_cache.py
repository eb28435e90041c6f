"""dr_cache end to end on the emulator, in both modes: dry run, provision, re-run, ungraceful failover with Seoul down
(no call to Seoul, request log), failback; graceful Global Datastore failover and failback.
"""

import json

import boto3
import yaml

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
APP = "fileflow"
GROUP, PRIMARY_GROUP = f"{APP}-dr-redis", f"{APP}-prod-redis"
PARAMETER = f"/{APP}/dr/redis/endpoint"


def _variables(mode="rebuild", **extra):
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{TOKYO}a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"{APP}-app", Description="app", VpcId=vpc)["GroupId"]
    return {
        "pilotlight_app_name": APP,
        "pilotlight_primary_region": SEOUL,
        "pilotlight_dr_region": TOKYO,
        "dr_cache_mode": mode,
        "dr_cache_subnet_ids": [subnet],
        "dr_cache_security_group_ids": [group],
        **extra,
    }


def _datastore():
    elasticache = boto3.client("elasticache", region_name=SEOUL)
    elasticache.create_replication_group(
        ReplicationGroupId=PRIMARY_GROUP,
        ReplicationGroupDescription="prod",
        Engine="redis",
        CacheNodeType="cache.r6g.large",
        NumCacheClusters=2,
    )
    return elasticache.create_global_replication_group(
        GlobalReplicationGroupIdSuffix=APP, PrimaryReplicationGroupId=PRIMARY_GROUP
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]


def _playbook(tmp_path, name, entry_points, variables, show=None):
    tasks = [
        {
            "name": f"dr_cache {entry}",
            "ansible.builtin.include_role": {"name": "pilotlight.dr.dr_cache", "tasks_from": entry},
            "vars": extra,
        }
        for entry, extra in entry_points
    ]
    if show:
        tasks.append(
            {
                "name": "show",
                "ansible.builtin.copy": {
                    "content": "{{ " + show + " | to_json }}",
                    "dest": str(tmp_path / f"{name}.json"),
                    "mode": "0600",
                },
            }
        )
    plays = [
        {
            "name": f"dr_cache {name}",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": variables,
            "tasks": tasks,
        }
    ]
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    return str(path)


def _run(run_playbook, tmp_path, name, entry_points, variables, show=None, check=False):
    result = run_playbook(_playbook(tmp_path, name, entry_points, variables, show), "-i", "localhost,", check=check)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((tmp_path / f"{name}.json").read_text()) if show else result


def _groups(region):
    groups = boto3.client("elasticache", region_name=region).describe_replication_groups()["ReplicationGroups"]
    return {
        g["ReplicationGroupId"]: (
            g["Status"],
            (g.get("GlobalReplicationGroupInfo") or {}).get("GlobalReplicationGroupMemberRole") or None,
        )
        for g in groups
    }


def _parameter():
    try:
        return boto3.client("ssm", region_name=TOKYO).get_parameter(Name=PARAMETER)["Parameter"]["Value"]
    except boto3.client("ssm", region_name=TOKYO).exceptions.ParameterNotFound:
        return None


def _no_mutation(emulator, run_playbook, tmp_path, name, entry_points, variables):
    since = emulator.last_seq()
    _run(run_playbook, tmp_path, name, entry_points, variables, check=True)
    assert emulator.mutating_calls(since=since) == []


def test_rebuild_failover_without_seoul_then_failback(emulator, run_playbook, tmp_path):
    variables = _variables()
    _no_mutation(emulator, run_playbook, tmp_path, "dry", [("main", {})], variables)
    _run(run_playbook, tmp_path, "provision", [("main", {})], variables)
    since = emulator.last_seq()
    again = _run(run_playbook, tmp_path, "again", [("main", {})], variables)
    assert "changed=0" in again.stdout and emulator.mutating_calls(since=since) == []
    ready = _run(run_playbook, tmp_path, "ready", [("readiness", {})], variables, show="dr_readiness_results")
    assert {c["check"]: c["status"] for c in ready} == {
        "subnet_group": "pass",
        "dr_group_absent": "pass",
        "rpo": "pass",
    }

    emulator.configure(latency={"redis_create": 1})
    emulator.region_down(SEOUL)
    down = {**variables, "pilotlight_primary_reachable": False}
    _no_mutation(emulator, run_playbook, tmp_path, "dry-failover", [("failover", {})], down)
    since = emulator.last_seq()
    result = _run(run_playbook, tmp_path, "failover", [("failover", {})], down, show="dr_cache_failover_result")
    assert not [c for c in emulator.requests(since) if c["region"] == SEOUL]
    assert result["action"] == "created" and result["replication_group"]["status"] == "available"
    assert result["replication_group"]["node_type"] == "cache.r6g.large"
    assert len(result["replication_group"]["member_clusters"]) == 2
    assert "everything in the cache" in result["rpo"]["data_loss"]
    assert _groups(TOKYO)[GROUP][0] == "available" and _parameter() == result["endpoint"]
    since = emulator.last_seq()
    rerun = _run(run_playbook, tmp_path, "failover-again", [("failover", {})], down)
    assert "changed=0" in rerun.stdout and emulator.mutating_calls(since=since) == []

    emulator.region_up(SEOUL)
    _no_mutation(emulator, run_playbook, tmp_path, "dry-failback", [("failback", {})], variables)
    _run(run_playbook, tmp_path, "failback", [("failback", {})], variables)
    assert GROUP not in _groups(TOKYO) and _parameter() is None


def test_global_datastore_graceful_and_ungraceful(emulator, run_playbook, tmp_path):
    global_id = _datastore()
    variables = _variables("global_datastore", dr_cache_global_replication_group_id=global_id)
    _no_mutation(emulator, run_playbook, tmp_path, "dry", [("main", {})], variables)
    _run(run_playbook, tmp_path, "provision", [("main", {})], variables)
    assert _groups(TOKYO)[GROUP] == ("available", "SECONDARY")
    since = emulator.last_seq()
    again = _run(run_playbook, tmp_path, "again", [("main", {})], variables)
    assert "changed=0" in again.stdout and emulator.mutating_calls(since=since) == []
    ready = _run(run_playbook, tmp_path, "ready", [("readiness", {})], variables, show="dr_readiness_results")
    # No lag datapoint in the emulator: the RPO is not checked, never passed.
    assert {c["check"]: c["status"] for c in ready} == {
        "secondary": "pass",
        "primary_member": "pass",
        "rpo": "not_checked",
    }

    # Graceful: the datastore fails over to Tokyo, and back.
    result = _run(run_playbook, tmp_path, "graceful", [("failover", {})], variables, show="dr_cache_failover_result")
    assert result["action"] == "failover" and _groups(TOKYO)[GROUP] == ("available", "PRIMARY")
    assert _groups(SEOUL)[PRIMARY_GROUP][1] == "SECONDARY" and _parameter() == result["endpoint"]
    _run(run_playbook, tmp_path, "back", [("failback", {})], variables)
    assert _groups(TOKYO)[GROUP][1] == "SECONDARY" and _groups(SEOUL)[PRIMARY_GROUP][1] == "PRIMARY"

    # Ungraceful: Seoul is down; Tokyo's secondary is detached without a call to Seoul.
    emulator.region_down(SEOUL)
    down = {**variables, "pilotlight_primary_reachable": False}
    since = emulator.last_seq()
    result = _run(run_playbook, tmp_path, "ungraceful", [("failover", {})], down, show="dr_cache_failover_result")
    assert not [c for c in emulator.requests(since) if c["region"] == SEOUL]
    assert result["action"] == "disassociated" and _groups(TOKYO)[GROUP] == ("available", None)
    assert result["rpo"]["mode"] == "global_datastore"
    since = emulator.last_seq()
    rerun = _run(run_playbook, tmp_path, "ungraceful-again", [("failover", {})], down)
    assert "changed=0" in rerun.stdout and emulator.mutating_calls(since=since) == []

    # Failback: Seoul kept the primary; the detached Tokyo group is replaced by a fresh secondary.
    emulator.region_up(SEOUL)
    _run(run_playbook, tmp_path, "failback", [("failback", {})], variables)
    assert _groups(TOKYO)[GROUP] == ("available", "SECONDARY") and _groups(SEOUL)[PRIMARY_GROUP][1] == "PRIMARY"
