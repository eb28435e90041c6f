"""The demo reads the failover's configuration leak check from the `ansible-playbook -v` output."""

from tests.demo.__main__ import LEAK_CHECK_TASK
from tests.demo.__main__ import task_results

OUTPUT = f"""
TASK [pilotlight.dr.dr_runbook : Wait until the application answers on its health URL] ***
ok: [megaticket] =>
    status: 200

TASK [pilotlight.dr.dr_runbook : {LEAK_CHECK_TASK}] ***
ok: [megaticket] =>
    changed: false
    checks:
    -   check: launch template MegaTicket-DR-Web-LT
        component: config
        reason: |-
            nothing points at ap-northeast-2: 8 values
            scanned
        status: pass
    -   check: SSM path /megaticket
        status: pass
fatal: [portforge]: FAILED! =>
    changed: false
    msg: 'secret portforge/ai-service/rds: host'
skipping: [fileflow] =>
    false_condition: dr_runbook_config_sources | length > 0

TASK [pilotlight.dr.dr_runbook : Stop when something the DR application reads still points at the primary] ***
ok: [megaticket] =>
    changed: false
    msg: All assertions passed

PLAY RECAP *********************************************************************
megaticket                 : ok=2    changed=0    unreachable=0    failed=0
"""


def test_the_leak_check_results_are_read_per_host():
    results = task_results(OUTPUT, LEAK_CHECK_TASK)
    assert sorted(results) == ["fileflow", "megaticket", "portforge"]
    state, data = results["megaticket"]
    assert state == "ok"
    assert [c["check"] for c in data["checks"]] == ["launch template MegaTicket-DR-Web-LT", "SSM path /megaticket"]
    assert data["checks"][0]["reason"].startswith("nothing points at ap-northeast-2")
    assert results["portforge"][0] == "fatal" and "host" in results["portforge"][1]["msg"]
    assert results["fileflow"][0] == "skipping"


def test_no_result_when_the_task_did_not_run():
    assert task_results(OUTPUT.replace(LEAK_CHECK_TASK, "Something else"), LEAK_CHECK_TASK) == {}
