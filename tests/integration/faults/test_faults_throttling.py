"""30 % throttling and 5 % 500/503 on every service in both regions (issue 16): provision, readiness, an
ungraceful failover and failback of MegaTicket reach the state they reach without faults, or fail naming the
call; a throttled read is never taken as "absent". The retries seen in the request log are printed.
"""

import re
from collections import Counter

import boto3
import pytest

from tests.integration.playbooks.stack import Stack

pytestmark = pytest.mark.xdist_group("faults-throttling")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
FAULTS = (("throttle", 0.30), ("500", 0.03), ("503", 0.02))
NAME = "pilotlight-test.click"
FAILED_CHECK = re.compile(r"^\s+FAIL (\S+ / [^:]+):", re.MULTILINE)
NAMES_A_CALL = re.compile(r"cannot |Throttl|InternalFailure|ServiceUnavailable|SlowDown|RequestLimitExceeded")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("faults"))
    yield stack
    stack.close()


def inject(stack):
    for error, rate in FAULTS:
        stack.client.add_fault("*", error=error, rate=rate)


def retry_summary(stack, since, what):
    """Faults injected since ``since`` and how many of them the next call of the same action got past."""
    log = stack.client.requests(since)
    kinds = Counter(e["note"].split()[-1] for e in log if str(e.get("note", "")).startswith("injected"))
    later_ok = {}
    for entry in reversed(log):
        key = (entry["service"], entry["region"], entry["action"])
        if entry["status"] < 400:
            later_ok[key] = True
        entry["_retried"] = later_ok.get(key, False)
    retried = sum(1 for e in log if str(e.get("note", "")).startswith("injected") and e["_retried"])
    print(
        f"\n{what}: {len(log)} calls, {sum(kinds.values())} faults injected {dict(kinds)}, {retried} retried to success"
    )
    return retried


def run_through_faults(stack, playbook, *args, attempts=3):
    """Run under faults; a failed run must name the call that failed, and a re-run converges."""
    for _dummy in range(attempts):
        result = stack.playbook(playbook, *args)
        if result.returncode == 0:
            return result
        tail = result.stdout[-4000:]
        assert NAMES_A_CALL.search(tail), f"{playbook} failed without naming the call:\n{tail}"
    raise AssertionError(f"{playbook} did not converge in {attempts} runs under faults:\n{result.stdout[-6000:]}")


def dns_answer(stack):
    return stack.client.get(f"/route53/answer?name={NAME}&type=A")["record_data"]


def test_provision_under_faults_reaches_the_fault_free_state(stack):
    since = stack.client.last_seq()
    inject(stack)
    run_through_faults(stack, "provision")
    stack.client.clear_faults()
    assert retry_summary(stack, since, "provision") > 0
    assert "changed=0" in stack.must("provision").stdout.split("PLAY RECAP")[1]  # nothing left to do
    tokyo = boto3.session.Session(region_name=TOKYO)
    assert tokyo.client("elbv2").describe_load_balancers(Names=["MegaTicket-DR-ALB"])["LoadBalancers"]
    replica = tokyo.client("rds").describe_db_instances(DBInstanceIdentifier="portforge-dr-rds-replica")
    assert replica["DBInstances"][0].get("ReadReplicaSourceDBInstanceIdentifier")
    alarm = tokyo.client("cloudwatch").describe_alarms(AlarmNames=[f"pilotlight-dr-switch-{NAME}-A"])
    assert [a["StateValue"] for a in alarm["MetricAlarms"]] == ["OK"]


def test_readiness_under_faults_never_fails_what_passes_without_them(stack):
    stack.megaticket.live_traffic()
    clean = set(FAILED_CHECK.findall(stack.playbook("readiness").stdout))
    since = stack.client.last_seq()
    inject(stack)
    faulted = stack.playbook("readiness")
    stack.client.clear_faults()
    retry_summary(stack, since, "readiness")
    assert set(FAILED_CHECK.findall(faulted.stdout)) <= clean, faulted.stdout[-6000:]


def test_ungraceful_failover_under_faults_promotes_once_and_answers_dr(stack):
    stack.client.region_down(SEOUL)
    since = stack.client.last_seq()
    inject(stack)
    run_through_faults(stack, "failover", "-e", "dr_mode=ungraceful")
    stack.client.clear_faults()
    retry_summary(stack, since, "failover")
    log = stack.client.requests(since)
    assert [e for e in log if e["region"] == SEOUL and e["status"] < 400] == []
    assert len([e for e in log if e["action"] == "PromoteReadReplica" and e["status"] == 200]) == 1
    tokyo_alb = boto3.client("elbv2", region_name=TOKYO).describe_load_balancers(Names=["MegaTicket-DR-ALB"])[
        "LoadBalancers"
    ][0]["DNSName"]
    assert dns_answer(stack) == [tokyo_alb.lower().rstrip(".") + "."]


def test_failback_under_faults_returns_dr_to_standby(stack):
    stack.client.region_up(SEOUL)
    stack.megaticket.live_traffic()
    since = stack.client.last_seq()
    inject(stack)
    run_through_faults(stack, "failback")
    stack.client.clear_faults()
    retry_summary(stack, since, "failback")
    groups = boto3.client("autoscaling", region_name=TOKYO).describe_auto_scaling_groups(
        AutoScalingGroupNames=["MegaTicket-DR-Web-ASG", "MegaTicket-DR-App-ASG"]
    )["AutoScalingGroups"]
    assert {g["AutoScalingGroupName"]: g["DesiredCapacity"] for g in groups} == {
        "MegaTicket-DR-Web-ASG": 0,
        "MegaTicket-DR-App-ASG": 0,
    }
    assert dns_answer(stack) == [stack.megaticket.ids["alb_dns_name"].lower().rstrip(".") + "."]
