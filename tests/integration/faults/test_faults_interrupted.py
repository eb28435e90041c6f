"""An ungraceful failover killed at each phase boundary, then run again (issue 16): it converges, nothing is
promoted twice, the recovery start is kept, and DNS answers with DR only once the switch phase ran.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.conftest import REPO_ROOT
from tests.integration.playbooks.stack import INVENTORY
from tests.integration.playbooks.stack import Stack

pytestmark = pytest.mark.xdist_group("faults-interrupted")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
NAME = "pilotlight-test.click"
STARTED_AT = "/megaticket/dr/recovery_started_at"
# The first task of the next phase: the run is killed when ansible-playbook announces it.
BOUNDARIES = (
    ("readiness", "Record the RPO evidence"),
    ("recover in DR", "Move DNS and CDN origins to DR"),
    ("switch traffic", "DR serves"),
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("interrupted"))
    stack.must("provision")
    stack.megaticket.live_traffic()
    stack.client.region_down(SEOUL)
    yield stack
    stack.close()


def killed_at(stack, task):
    """Run the ungraceful failover and kill it (the whole process group) when ``task`` starts."""
    cmd = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "playbooks/failover.yml",
        *INVENTORY,
        "-e",
        "dr_mode=ungraceful",
    ]
    env = dict(stack.env, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("TASK [") and task in line:
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
    assert any(task in line for line in seen), "".join(seen[-80:])
    return process.returncode


def answer(stack):
    return stack.client.get(f"/route53/answer?name={NAME}&type=A")["record_data"]


def test_failover_killed_after_each_phase_converges_on_rerun(stack):
    since = stack.client.last_seq()
    ssm = boto3.client("ssm", region_name=TOKYO)
    primary_alb = stack.megaticket.ids["alb_dns_name"].lower().rstrip(".") + "."
    started = None
    for phase, next_task in BOUNDARIES:
        assert killed_at(stack, next_task) != 0, f"the run after {phase} was not killed"
        if phase == "recover in DR" or started is None:
            found = ssm.get_parameters(Names=[STARTED_AT])["Parameters"]
            started = started or (found[0]["Value"] if found else None)
        if phase != "switch traffic":
            assert answer(stack) == [primary_alb], f"DNS moved before the switch phase (killed after {phase})"
    assert started, "recovery_started_at was not recorded by the interrupted runs"

    stack.must("failover", "-e", "dr_mode=ungraceful")
    log = stack.client.requests(since)
    promotions = [e for e in log if e["action"] == "PromoteReadReplica" and e["status"] == 200]
    assert len(promotions) == 1, [(e["action"], e["status"]) for e in log if e["service"] == "rds"]
    assert [e for e in log if e["region"] == SEOUL and e["status"] < 400] == []
    assert ssm.get_parameter(Name=STARTED_AT)["Parameter"]["Value"] == started
    tokyo_alb = boto3.client("elbv2", region_name=TOKYO).describe_load_balancers(Names=["MegaTicket-DR-ALB"])[
        "LoadBalancers"
    ][0]["DNSName"]
    assert answer(stack) == [tokyo_alb.lower().rstrip(".") + "."]
    report = stack.reports("failover")[-1]["applications"]["megaticket"]
    assert report["result"] == "ok"
