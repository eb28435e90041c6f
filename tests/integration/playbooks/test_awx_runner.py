"""Readiness and an ungraceful failover run the way AWX runs them (issue 12, part 3).

ansible-runner (the engine of AWX / Automation Controller) on the private data dir AWX builds:
the project, the inventory, the survey answers as env/extravars and the AWS credential's
variables as env/envvars. The runner's own artifacts must say what AWX shows: the status, the host
stats, and the DR summary as job artifacts (set_stats) for the workflow's notify node.
"""

import re

import pytest

from tests.awx_runner import artifacts
from tests.awx_runner import private_data_dir
from tests.awx_runner import run
from tests.awx_runner import stdout
from tests.demo.production import TABLES
from tests.demo.production import table_name
from tests.integration.playbooks.stack import Stack

pytestmark = pytest.mark.xdist_group("awx-runner")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("awx"))
    stack.must("provision")
    stack.client.region_down("ap-northeast-2")
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def job_dir(stack, tmp_path_factory):
    envvars = {key: stack.env[key] for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL")}
    envvars["PILOTLIGHT_REPORT_DIR"] = str(stack.tmp_path / "reports")
    survey = {"dr_mode": "ungraceful", "dr_force": False, "pilotlight_hosts": "megaticket"}
    return private_data_dir(tmp_path_factory.mktemp("job") / "pdd", "inventories/local", survey, envvars)


def test_readiness_job_succeeds_with_primary_side_checks_listed(job_dir):
    runner = run(job_dir, "playbooks/readiness.yml", "readiness")
    assert (runner.status, runner.rc) == ("successful", 0), stdout(runner)[-4000:]
    assert runner.stats["failures"] == {} and "megaticket" in runner.stats["ok"]
    assert "portforge" not in runner.stats["ok"]  # the survey's application limit
    assert "megaticket is ready" in stdout(runner)


def test_failover_job_has_the_dr_summary_as_artifacts(job_dir, stack):
    since = stack.client.last_seq()
    runner = run(job_dir, "playbooks/failover.yml", "failover")
    output = stdout(runner)
    assert (runner.status, runner.rc) == ("successful", 0), output[-4000:]
    assert runner.stats["failures"] == {} and runner.stats["changed"].get("megaticket", 0) > 0
    summary = artifacts(runner)["pilotlight_dr"]["megaticket"]
    assert summary["playbook"] == "failover" and summary["result"] == "ok" and summary["mode"] == "ungraceful"
    assert summary["region"] == "ap-northeast-1" and summary["rto_seconds"] > 0
    assert "dynamodb" in summary["rpo"] and summary["readiness"]["total"] > 0
    # every table's RPO evidence, taken from the readiness gate's DR-side read (no second read on the RTO path)
    assert sorted(summary["rpo"]["dynamodb"]) == sorted(table_name(t) for t in TABLES)
    assert {e["read_in"] for e in summary["rpo"]["dynamodb"].values()} == {"ap-northeast-1"}
    # the read of the latencies is skipped: no second read on the RTO path
    assert re.search(r"Read the global tables and their replication latency[^\n]*\n\S*skipping: \[megaticket\]", output)
    assert "pilotlight.dr failover: ok" in output  # the dr_report summary in the job output
    assert stack.client.calls(since, region="ap-northeast-2") == []
