"""Reports that survive the job (issue 12, part 4): the HTML timeline, and the upload of every report
file to a bucket in the DR region while the primary region is down."""

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import boto3

from tests.conftest import ansible_env
from tests.integration.playbooks.test_report_callback import PLAYBOOK

DR, PRIMARY = "ap-northeast-1", "ap-northeast-2"


class Phases(HTMLParser):
    """The timeline's bars (rect.phase) and the RTO line of each application section."""

    def __init__(self):
        super().__init__()
        self.bars, self.rto_lines, self.sections = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "rect" and attrs.get("class") == "phase":
            self.bars.append((self.sections[-1], attrs["data-phase"], attrs["data-status"], float(attrs["width"])))
        elif tag == "line" and attrs.get("class") == "rto":
            self.rto_lines += 1
        elif tag == "section":
            self.sections.append(attrs["id"])


def run(tmp_path, endpoint, *args):
    playbook = tmp_path / "failover.yml"
    playbook.write_text(PLAYBOOK)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {"app1": {}, "app2": {}},
                    "vars": {
                        "ansible_connection": "local",
                        "pilotlight_report_bucket": "dr-reports",
                        "pilotlight_dr_region": DR,
                    },
                }
            }
        )
    )
    env = ansible_env(endpoint)
    env["PILOTLIGHT_REPORT_DIR"] = str(tmp_path / "reports")
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_reports_go_to_the_dr_bucket_while_the_primary_is_down(tmp_path, emulator):
    boto3.client("s3", region_name=DR).create_bucket(
        Bucket="dr-reports", CreateBucketConfiguration={"LocationConstraint": DR}
    )
    emulator.region_down(PRIMARY)
    since = emulator.last_seq()
    result = run(tmp_path, emulator.endpoint)
    output = result.stdout + result.stderr
    objects = boto3.client("s3", region_name=DR).list_objects_v2(Bucket="dr-reports").get("Contents", [])
    keys = sorted(o["Key"] for o in objects)
    assert [Path(k).suffix for k in keys] == [".html", ".json", ".md"], output[-3000:]
    assert all(k.startswith("pilotlight-dr/reports/failover-") for k in keys)
    for key in keys:
        assert f"report uploaded: s3://dr-reports/{key} ({DR})" in output
    puts = emulator.calls(since, service="s3", action="PutObject")
    assert len(puts) == 3 and {c["region"] for c in puts} == {DR}
    assert emulator.calls(since, region=PRIMARY) == []


def test_html_report_shows_every_phase_of_every_application(tmp_path, emulator):
    run(tmp_path, emulator.endpoint)  # no bucket created: the upload fails, with a warning
    report = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    parser = Phases()
    parser.feed(next((tmp_path / "reports").glob("*.html")).read_text())
    expected = [
        (app, phase["name"], phase["status"])
        for app, data in report["applications"].items()
        for phase in data["phases"]
    ]
    assert [(app, name, status) for app, name, status, _dummy in parser.bars] == expected
    assert ("app2", "promote data", "failed") in expected
    assert all(width > 0 for *_dummy, width in parser.bars)
    assert parser.rto_lines == sum(1 for d in report["applications"].values() if d["rto_seconds"] is not None) == 1


def test_a_failed_upload_warns_and_keeps_the_local_files(tmp_path, emulator):
    result = run(tmp_path, emulator.endpoint)
    output = result.stdout + result.stderr
    assert "reports not uploaded to s3://dr-reports in ap-northeast-1" in output
    assert "NoSuchBucket" in output
    assert len(list((tmp_path / "reports").glob("failover-*"))) == 3
