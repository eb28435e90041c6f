"""cloudwatch_dashboard on the emulator: created in the DR region, idempotent, check mode and diff, delete."""

import json

import boto3

TOKYO, SEOUL = "ap-northeast-1", "ap-northeast-2"

BODY = {
    "widgets": [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": "RDS replica lag (RPO metric)",
                "region": TOKYO,
                "stat": "Maximum",
                "period": 60,
                "metrics": [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "megaticket-db-replica"]],
                "annotations": {"horizontal": [{"label": "RPO 15 min", "value": 900}]},
            },
        }
    ]
}


def _stored(name="MegaTicket-DR", region=TOKYO):
    return json.loads(boto3.client("cloudwatch", region_name=region).get_dashboard(DashboardName=name)["DashboardBody"])


def test_created_in_the_dr_region_then_idempotent(emulator, run_module):
    emulator.region_down(SEOUL)  # the primary plays no part
    first = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", body=BODY))
    assert not first.failed and first.changed and first["action"] == "create", first
    assert _stored() == BODY
    assert {call["region"] for call in emulator.requests()} == {TOKYO}
    since = emulator.last_seq()
    # the same body as JSON text with another key order and spacing is the same dashboard
    again = run_module(
        "cloudwatch_dashboard",
        dict(region=TOKYO, name="MegaTicket-DR", body=json.dumps(BODY, indent=2, sort_keys=True)),
    )
    assert not again.failed and not again.changed and again["action"] is None, again
    assert emulator.mutating_calls(since=since) == []


def test_check_mode_predicts_and_writes_nothing_with_a_diff(emulator, run_module):
    since = emulator.last_seq()
    result = run_module(
        "cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", body=BODY), check=True, diff=True
    )
    assert not result.failed and result.changed and result["action"] == "create", result
    assert result["dashboard"]["body"] == BODY and result["diff"] == {"before": {}, "after": BODY}
    assert emulator.mutating_calls(since=since) == []
    assert boto3.client("cloudwatch", region_name=TOKYO).list_dashboards()["DashboardEntries"] == []


def test_update_and_delete(emulator, run_module):
    run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", body=BODY))
    changed = {"widgets": BODY["widgets"] * 2}
    update = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", body=changed), diff=True)
    assert update.changed and update["action"] == "update" and update["diff"]["before"] == BODY, update
    assert _stored() == changed
    since = emulator.last_seq()
    check = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", state="absent"), check=True)
    assert check.changed and check["action"] == "delete" and emulator.mutating_calls(since=since) == []
    gone = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", state="absent"))
    assert gone.changed and gone["dashboard"] == {}
    assert not run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", state="absent")).changed


def test_errors_name_the_dashboard(emulator, run_module):
    since = emulator.last_seq()
    missing = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR"))
    assert missing.failed and "body is required to create or update dashboard MegaTicket-DR" in missing["msg"]
    bad = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", body="{widgets"))
    assert bad.failed and "the body of dashboard MegaTicket-DR is not JSON" in bad["msg"]
    assert emulator.requests(since) == []
    emulator.region_down(TOKYO)
    failed = run_module("cloudwatch_dashboard", dict(region=TOKYO, name="MegaTicket-DR", body=BODY))
    # a failed read is an error, never "absent, so create it"
    assert failed.failed and "cannot read CloudWatch dashboard MegaTicket-DR in ap-northeast-1" in failed["msg"]


def test_examples_run(emulator, run_examples):
    result = run_examples("cloudwatch_dashboard", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
