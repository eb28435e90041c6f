"""The dr_report callback: phases, RTO milestone, RPO evidence, changes or plan, files written."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import COLLECTIONS_DIR
from tests.conftest import REPO_ROOT

PLAYBOOK = textwrap.dedent("""
    - name: A failover-shaped run
      hosts: app1,app2
      connection: local
      gather_facts: false
      tasks:
        - name: "Phase: preflight"
          block:
            - name: Decide the mode once, as the runbook's validate step does
              ansible.builtin.set_fact:
                pilotlight_mode: "{{ dr_mode | default('graceful') }}"
            - name: Look around
              ansible.builtin.debug:
                msg: checking
        - name: "Phase: promote data"
          block:
            - name: Publish RPO evidence
              ansible.builtin.set_fact:
                dr_rds_rpo:
                  replica_lag_seconds: 3
            - name: Change something
              ansible.builtin.set_fact:
                promoted: true
              changed_when: true
            - name: Fail on app2 only
              ansible.builtin.fail:
                msg: boom
              when: inventory_hostname == 'app2'
        - name: "Phase: verify"
          block:
            - name: DR serves
              ansible.builtin.set_fact:
                pilotlight_milestone: dr_serving
""")


def run(tmp_path, name, *args, text=PLAYBOOK):
    playbook = tmp_path / f"{name}.yml"
    playbook.write_text(text)
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_DIR),
        ANSIBLE_NOCOLOR="1",
        PILOTLIGHT_REPORT_DIR=str(tmp_path / "reports"),
    )
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "app1,app2", str(playbook), *args]
    result = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    reports = sorted((tmp_path / "reports").glob("*.json")) if (tmp_path / "reports").exists() else []
    return result, [json.loads(p.read_text()) for p in reports], sorted((tmp_path / "reports").glob("*.md"))


def test_failover_run_is_reported_per_application(tmp_path):
    result, reports, markdown = run(tmp_path, "failover", "-e", "dr_mode=ungraceful")
    assert result.returncode != 0  # app2 failed
    assert len(reports) == 1 and len(markdown) == 1
    report = reports[0]
    assert report["playbook"] == "failover" and report["mode"] == "ungraceful" and report["dry_run"] is False
    assert report["result"] == "failed"
    app1, app2 = report["applications"]["app1"], report["applications"]["app2"]
    assert [p["name"] for p in app1["phases"]] == ["preflight", "promote data", "verify"]
    assert app1["result"] == "ok" and app1["rto_seconds"] is not None and app1["rto_seconds"] >= 0
    assert app1["rpo_evidence"] == {"rds": {"replica_lag_seconds": 3}}
    assert [c["task"] for c in app1["changes"]] == ["Change something"]
    assert app2["result"] == "failed" and app2["rto_seconds"] is None
    assert app2["failed_tasks"] == [{"phase": "promote data", "task": "Fail on app2 only"}]
    assert [p["status"] for p in app2["phases"]] == ["ok", "failed"]
    text = markdown[0].read_text()
    assert "RTO (start to DR serving)" in text and 'rds: `{"replica_lag_seconds": 3}`' in text
    assert "pilotlight.dr failover: failed" in result.stdout


def test_check_mode_report_is_a_plan(tmp_path):
    _dummy, reports, _dummy = run(tmp_path, "drill", "--check")
    report = reports[0]
    assert report["dry_run"] is True
    assert [c["task"] for c in report["applications"]["app1"]["plan"]] == ["Change something"]
    assert "changes" not in report["applications"]["app1"]


@pytest.mark.parametrize("name", ["provision", "readiness"])
def test_other_playbooks_write_no_report(tmp_path, name):
    _dummy, reports, _dummy = run(tmp_path, name)
    assert reports == []


def test_failback_rto_runs_to_the_primary_serving(tmp_path):
    playbook = PLAYBOOK.replace("when: inventory_hostname == 'app2'", "when: false")
    playbook = playbook.replace(
        "pilotlight_milestone: dr_serving",
        "pilotlight_milestone: \"{{ 'primary_serving' if inventory_hostname == 'app1' else 'dr_serving' }}\"",
    )
    result, reports, markdown = run(tmp_path, "failback", text=playbook)
    assert result.returncode == 0, result.stdout
    report = reports[0]
    assert report["rto_milestone"] == "primary_serving"
    assert report["applications"]["app1"]["rto_seconds"] is not None
    assert report["applications"]["app2"]["rto_seconds"] is None  # DR serving is not a failback's recovery
    assert "RTO (start to primary serving)" in markdown[0].read_text()


def test_identity_sync_and_cost_are_reported(tmp_path):
    playbook = PLAYBOOK.replace("when: inventory_hostname == 'app2'", "when: false").replace(
        "        - name: DR serves\n",
        "        - name: Publish the identity sync and the cost\n"
        "          ansible.builtin.set_fact:\n"
        "            dr_identity_last_sync_at: '2026-12-05T10:00:00Z'\n"
        "            dr_identity_last_sync_users: 25\n"
        "            dr_identity_sync_counts: {needs_admin_reset: 2}\n"
        "            dr_monitoring_cost: {summary: 'idle about $67/month, active about $155/month', lines: [1, 2]}\n"
        "        - name: DR serves\n",
    )
    assert "Publish the identity sync" in playbook
    result, reports, markdown = run(tmp_path, "failover", text=playbook)
    assert result.returncode == 0, result.stdout
    app = reports[0]["applications"]["app1"]
    assert app["identity"] == {
        "last_sync_at": "2026-12-05T10:00:00Z",
        "last_sync_users": 25,
        "sync_counts": {"needs_admin_reset": 2},
    }
    assert app["cost"] == {"summary": "idle about $67/month, active about $155/month", "totals": None}
    text = markdown[0].read_text()
    assert "### Identity" in text and "### Cost" in text and "idle about $67/month" in text
