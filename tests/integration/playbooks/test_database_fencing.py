"""An application with a database and no writer the collection manages (PortForge-like, RDS only), in order:
a graceful failover is refused unless its writers are declared stopped; a failback after that refusal has
nothing to fail back; with the declaration the failover waits for the replica to drain and promotes with lag 0
as RPO evidence; the failback brings every write acknowledged in DR back to the primary under its own
identifier and re-arms the pilot light (readiness passes); a full drill leaves it armed too."""

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.conftest import REPO_ROOT
from tests.integration.playbooks.stack import Stack

pytestmark = pytest.mark.xdist_group("database-fencing")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SOURCE, REPLICA = "portforge-test-rds", "portforge-dr-rds-replica"
DECLARED = ["-e", "dr_writers_fenced_externally=true"]
ACKNOWLEDGED = []  # every write a database acknowledged, in order
# PortForge reduced to its database (no leak check: its secrets are not provisioned here).
ONLY_RDS = {"pilotlight_components": ["rds"], "pilotlight_config_sources": {}}
RDS_ONLY = ["-i", "inventories/local", "-l", "portforge", "-e", json.dumps(ONLY_RDS)]


class RdsOnlyStack(Stack):
    def playbook(self, name, *args, check=False):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), f"playbooks/{name}.yml", *RDS_ONLY, *args]
        if check:
            cmd.append("--check")
        return subprocess.run(
            cmd, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, timeout=900, check=False
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = RdsOnlyStack(tmp_path_factory.mktemp("fencing"))
    stack.must("provision")
    yield stack
    stack.close()


def acknowledge(stack, region, name, count):
    ACKNOWLEDGED.extend(stack.client.post(f"/rds/{region}/{name}/writes", {"count": count})["acknowledged"])


def held(stack, region, name):
    return stack.client.get(f"/rds/{region}/{name}/data")["writes"]


def identifiers(region):
    found = boto3.client("rds", region_name=region).describe_db_instances()["DBInstances"]
    return sorted(i["DBInstanceIdentifier"] for i in found)


def replica_source():
    found = boto3.client("rds", region_name=TOKYO).describe_db_instances(DBInstanceIdentifier=REPLICA)
    return found["DBInstances"][0].get("ReadReplicaSourceDBInstanceIdentifier")


def test_graceful_failover_without_a_managed_writer_is_refused_before_any_change(stack):
    since = stack.client.last_seq()
    result = stack.playbook("failover", "-e", "dr_mode=graceful")
    assert result.returncode != 0
    assert "dr_writers_fenced_externally=true" in result.stdout
    assert "dr_mode=ungraceful" in result.stdout
    assert stack.client.mutating_calls(since) == []
    assert replica_source() is not None


def test_failback_after_the_refused_failover_has_nothing_to_fail_back(stack):
    since = stack.client.last_seq()
    result = stack.must("failback")
    assert "nothing to fail back" in result.stdout
    assert stack.client.mutating_calls(since, service="rds") == []
    assert replica_source() is not None  # the pilot light is still armed


def test_declared_writers_wait_for_the_replica_to_drain_before_promoting(stack):
    acknowledge(stack, SEOUL, SOURCE, 3)
    stack.client.post(f"/rds/{TOKYO}/{REPLICA}/lag", {"seconds": 30})
    since = stack.client.last_seq()
    behind = stack.playbook("failover", *DECLARED, "-e", "dr_runbook_drain_timeout=4", "-e", "dr_force=true")
    assert behind.returncode != 0
    assert "did not catch up within drain_timeout=4s" in behind.stdout
    assert stack.client.calls(since, action="PromoteReadReplica") == []

    stack.client.post(f"/rds/{TOKYO}/{REPLICA}/lag", {"seconds": 0})
    stack.must("failover", *DECLARED, "-e", "dr_force=true")
    assert replica_source() is None
    rds = stack.reports("failover")[-1]["applications"]["portforge"]["rpo_evidence"]["rds"]
    assert rds["lag_seconds"] == 0, rds
    assert rds["instances"][0]["drained"] is True and rds["instances"][0]["promoted"] is True
    assert held(stack, TOKYO, REPLICA) == ACKNOWLEDGED


def test_a_dry_run_failback_makes_no_mutating_call(stack):
    since = stack.client.last_seq()
    stack.must("failback", check=True)
    assert stack.client.mutating_calls(since) == []


def test_failback_keeps_every_write_acknowledged_in_dr_and_re_arms(stack):
    acknowledge(stack, TOKYO, REPLICA, 4)  # DR serves and writes
    result = stack.must("failback")
    assert "is ready" in result.stdout  # the failback ends with the readiness checks
    assert held(stack, SEOUL, SOURCE) == ACKNOWLEDGED
    assert replica_source() is not None and replica_source().endswith(f":db:{SOURCE}")
    assert held(stack, TOKYO, REPLICA) == ACKNOWLEDGED
    stale = [name for name in identifiers(SEOUL) if name.startswith(f"{SOURCE}-stale-")]
    retired = [name for name in identifiers(TOKYO) if name.startswith(f"{REPLICA}-retired-")]
    assert len(stale) == 1 and len(retired) == 1, (identifiers(SEOUL), identifiers(TOKYO))
    assert f"{SOURCE}-failback" not in identifiers(SEOUL)
    primary = boto3.client("rds", region_name=SEOUL).describe_db_instances(DBInstanceIdentifier=SOURCE)["DBInstances"][
        0
    ]
    assert "ReadReplicaSourceDBInstanceIdentifier" not in primary and primary["BackupRetentionPeriod"] > 0
    stack.must("readiness")


def test_failback_again_has_nothing_to_fail_back(stack):
    since = stack.client.last_seq()
    result = stack.must("failback")
    assert "nothing to fail back" in result.stdout
    assert stack.client.mutating_calls(since, service="rds") == []


def test_a_full_drill_leaves_the_pilot_light_armed(stack):
    acknowledge(stack, SEOUL, SOURCE, 2)
    stack.must("drill", "-e", "dr_drill_type=full", *DECLARED)
    assert held(stack, SEOUL, SOURCE) == ACKNOWLEDGED
    stack.must("readiness")
    stack.must("drill", "-e", "dr_drill_type=non_disruptive")
