"""Dry run, graceful failover and failback of one application on its own emulator (in this order)."""

import boto3
import pytest

from tests.integration.playbooks.stack import Stack

pytestmark = pytest.mark.xdist_group("graceful-runbooks")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("graceful"))
    stack.must("provision")
    stack.megaticket.live_traffic()  # production keeps writing: readiness reads the replication latency
    yield stack
    stack.close()


def groups(region, names):
    found = boto3.client("autoscaling", region_name=region).describe_auto_scaling_groups(AutoScalingGroupNames=names)[
        "AutoScalingGroups"
    ]
    return {g["AutoScalingGroupName"]: (g["MinSize"], g["DesiredCapacity"]) for g in found}


def test_provisioning_again_changes_nothing(stack):
    result = stack.must("provision")
    assert "changed=0" in result.stdout.split("PLAY RECAP")[1]


def test_readiness_passes_after_provisioning(stack):
    result = stack.must("readiness")
    assert "megaticket is ready" in result.stdout


def test_check_mode_failover_makes_no_mutating_call_and_reports_a_plan(stack):
    since = stack.client.last_seq()
    stack.must("failover", check=True)
    assert stack.client.mutating_calls(since) == []
    report = stack.reports("failover")[-1]
    assert report["dry_run"] is True
    plan = [change["task"] for change in report["applications"]["megaticket"]["plan"]]
    assert any("Fence the primary groups" in task for task in plan), plan
    assert any("Promote" in task or "promotions" in task for task in plan), plan


def test_graceful_failover_fences_before_it_promotes(stack):
    since = stack.client.last_seq()
    stack.must("failover", "-e", "dr_mode=graceful")
    log = stack.client.requests(since)
    fence = [e["seq"] for e in log if e["region"] == SEOUL and e["action"] == "UpdateAutoScalingGroup"]
    promote = [
        e["seq"]
        for e in log
        if e["region"] == TOKYO and e["action"] in ("PromoteReadReplica", "StopReplicationToReplica")
    ]
    assert fence and promote, (fence, promote)
    assert max(fence) < min(promote)
    assert groups(SEOUL, ["MegaTicket-Web-ASG", "MegaTicket-App-ASG"]) == {
        "MegaTicket-Web-ASG": (0, 0),
        "MegaTicket-App-ASG": (0, 0),
    }
    report = stack.reports("failover")[-1]["applications"]["megaticket"]
    assert report["result"] == "ok" and report["rto_seconds"] > 0
    assert report["rpo_evidence"]["rds"]["instances"][0]["promoted"] is True
    assert [p["name"] for p in report["phases"]][1:] == [
        "readiness",
        "fence primary",
        "recover in DR",
        "switch traffic",
        "verify",
    ]


def test_failback_returns_dr_to_standby(stack):
    stack.must("failback")
    assert groups(TOKYO, ["MegaTicket-DR-Web-ASG", "MegaTicket-DR-App-ASG"]) == {
        "MegaTicket-DR-Web-ASG": (0, 0),
        "MegaTicket-DR-App-ASG": (0, 0),
    }
    assert groups(SEOUL, ["MegaTicket-Web-ASG", "MegaTicket-App-ASG"]) == {
        "MegaTicket-Web-ASG": (2, 2),
        "MegaTicket-App-ASG": (2, 2),
    }
    ssm = boto3.client("ssm", region_name=TOKYO)
    assert ssm.get_parameter(Name="/megaticket/dr/recovery_mode")["Parameter"]["Value"] == "false"
    secrets = boto3.client("secretsmanager", region_name=SEOUL).describe_secret(SecretId="portforge/slack-bot/tokens")
    assert [r["Region"] for r in secrets.get("ReplicationStatus", [])] == [TOKYO]
