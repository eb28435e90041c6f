"""Ungraceful failover while Seoul is down, interrupted half-way and run again."""

import re
import textwrap

import boto3
import pytest
import yaml

from tests.integration.playbooks.stack import Stack

pytestmark = pytest.mark.xdist_group("ungraceful-runbooks")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("ungraceful"))
    stack.must("provision")
    stack.client.region_down(SEOUL)
    yield stack
    stack.close()


def test_interrupted_failover_resumes_without_double_promotion_and_never_calls_seoul(stack):
    since = stack.client.last_seq()
    # The traffic switch is refused after the databases were promoted (the operator's role lacks the permission:
    # nothing retries a denial, so the run stops at once in "switch traffic"). The switch is the DR-region
    # CloudWatch alarm (dr_dns_traffic_switch: cloudwatch_alarm) or, with health_check, Route 53's
    # UpdateHealthCheck: refuse both.
    stack.client.add_fault("route53", error="denied", actions=["UpdateHealthCheck", "ChangeResourceRecordSets"])
    stack.client.add_fault("cloudwatch", error="denied", region=TOKYO, actions=["PutMetricData"])
    first = stack.playbook("failover", "-e", "dr_mode=ungraceful")
    assert first.returncode != 0
    first_report = stack.reports("failover")[-1]["applications"]["megaticket"]
    assert [p["name"] for p in first_report["phases"] if p["status"] == "failed"] == ["switch traffic"]

    stack.client.clear_faults()
    stack.must("failover", "-e", "dr_mode=ungraceful")
    log = stack.client.requests(since)
    assert [e for e in log if e["region"] == SEOUL] == []
    promotions = [e for e in log if e["action"] == "PromoteReadReplica" and e["status"] == 200]
    assert len(promotions) == 1, [(e["action"], e["status"]) for e in log if e["service"] == "rds"]
    stops = [e for e in log if e["action"] == "StopReplicationToReplica" and e["status"] == 200]
    assert len(stops) == 2  # one per secret, never again
    replica = boto3.client("rds", region_name=TOKYO).describe_db_instances(
        DBInstanceIdentifier="portforge-dr-rds-replica"
    )["DBInstances"][0]
    assert "ReadReplicaSourceDBInstanceIdentifier" not in replica
    report = stack.reports("failover")[-1]["applications"]["megaticket"]
    assert report["result"] == "ok" and report["rto_seconds"] is not None


def test_a_third_run_changes_nothing_and_keeps_the_recovery_start(stack):
    ssm = boto3.client("ssm", region_name=TOKYO)
    started = ssm.get_parameter(Name="/megaticket/dr/recovery_started_at")["Parameter"]["Value"]
    since = stack.client.last_seq()
    result = stack.must("failover", "-e", "dr_mode=ungraceful")
    assert stack.client.calls(since, region=SEOUL) == []
    assert stack.client.mutating_calls(since) == []
    assert "changed=0" in result.stdout.split("PLAY RECAP")[1]
    assert ssm.get_parameter(Name="/megaticket/dr/recovery_started_at")["Parameter"]["Value"] == started


def readiness_lines(stdout):
    """The checks the last readiness of a run printed (its "Show every readiness check" task), in order."""
    shown = stdout.rsplit("Show every readiness check]", 1)[1].split("=>", 1)[1]
    shown = re.split(r"\n(?:TASK|PLAY|RUNNING HANDLER) ", shown, maxsplit=1)[0]
    return yaml.safe_load(textwrap.dedent(shown))["msg"]


def groups(region, names):
    found = boto3.client("autoscaling", region_name=region).describe_auto_scaling_groups(AutoScalingGroupNames=names)[
        "AutoScalingGroups"
    ]
    return {g["AutoScalingGroupName"]: (g["MinSize"], g["DesiredCapacity"]) for g in found}


def test_failback_fences_the_returning_primary_first_then_re_arms(stack):
    # Seoul comes back as it was: its groups at their old capacity, its database taking writes (split brain).
    stack.client.region_up(SEOUL)
    stack.megaticket.live_traffic()  # production writes again: the final readiness reads the replication latency
    primary = ["MegaTicket-Web-ASG", "MegaTicket-App-ASG"]
    assert groups(SEOUL, primary) == {"MegaTicket-Web-ASG": (2, 2), "MegaTicket-App-ASG": (2, 2)}
    # Readiness says so first, with the fix.
    readiness = stack.playbook("readiness")
    assert readiness.returncode != 0
    lines = readiness_lines(readiness.stdout)
    assert lines[0].startswith(
        "FAIL runbook / both_regions_active - BOTH REGIONS ACTIVE: MegaTicket-Web-ASG (desired 2), "
        f"MegaTicket-App-ASG (desired 2) in {SEOUL} while DR is active"
    ), lines[:3]
    assert "fix - run playbooks/failback.yml" in lines[0]
    since = stack.client.last_seq()
    result = stack.must("failback")
    assert "BOTH REGIONS ACTIVE" in result.stdout
    changes = [e for e in stack.client.mutating_calls(since) if e["service"] not in ("ssm", "sts")]
    fenced = [i for i, e in enumerate(changes) if e["region"] == SEOUL and e["action"] == "UpdateAutoScalingGroup"]
    assert fenced and all(e["service"] == "autoscaling" for e in changes[: fenced[0] + 1]), [
        (e["service"], e["action"]) for e in changes[:5]
    ]
    assert "is ready" in result.stdout  # the failback ends with the readiness checks: armed again
    assert readiness_lines(result.stdout)[0] == (
        f"PASS runbook / both_regions_active - DR is not active (recovery mode is off in {TOKYO})"
    )
    assert groups(SEOUL, primary) == {"MegaTicket-Web-ASG": (2, 2), "MegaTicket-App-ASG": (2, 2)}
    replica = boto3.client("rds", region_name=TOKYO).describe_db_instances(
        DBInstanceIdentifier="portforge-dr-rds-replica"
    )["DBInstances"][0]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:portforge-test-rds")
