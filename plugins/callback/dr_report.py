# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: dr_report
type: notification
short_description: Writes the RTO/RPO report of a failover, failback or drill run
version_added: 0.1.0
description:
  - Times every phase of a pilotlight.dr failover, failback or drill run per application (inventory
    host), records what changed (in check mode what would change, the plan), the RPO evidence that
    roles publish as facts named C(dr_<component>_rpo), and the RTO milestone that the playbook
    publishes as the fact C(pilotlight_milestone) (RTO is the time from the start of the run to
    C(dr_serving) for a failover or drill, to C(primary_serving) for a failback).
  - The mode (graceful or ungraceful) is the one the runbook decided, the fact C(pilotlight_mode).
  - A phase is a block whose name starts with C(Phase) (for example C(Phase - promote data) or a name
    with a colon after C(Phase)); tasks
    outside any phase are counted under C(other).
  - A play or task with the variable C(pilotlight_report=false) is left out (the playbooks' application
    guard; the runbook re-raising a failure that the report already holds).
  - The runbook's readiness verdict (the fact C(dr_runbook_readiness)) is reported too, with the checks passed,
    failed, and not checked (those an ungraceful failover went on past).
  - At the end of the run it writes C(<report_dir>/<playbook>-<UTC timestamp>.json), C(.md) and C(.html)
    (a timeline picture of the phases per application) and prints a summary. Runs of other playbooks
    are ignored.
  - When the inventory names a bucket (C(pilotlight_report_bucket), or the C(s3_bucket) option), the
    three files are also uploaded to it, in the DR region (C(pilotlight_dr_region)), since the primary
    may be gone and the execution node of an AWX job goes away with the job. The keys are printed; a
    failed upload is a warning, never a failed run. Credentials come from C(pilotlight_aws) or the
    environment.
  - Enable it with C(callbacks_enabled = pilotlight.dr.dr_report) in C(ansible.cfg) (this collection's
    ansible.cfg does) or C(ANSIBLE_CALLBACKS_ENABLED).
options:
  s3_bucket:
    description:
      - A bucket in the DR region that receives every report. The inventory variable C(pilotlight_report_bucket)
        of the first application takes precedence.
    type: str
    env:
      - name: PILOTLIGHT_REPORT_BUCKET
    ini:
      - section: pilotlight_dr_report
        key: s3_bucket
  s3_prefix:
    description: Key prefix of the uploaded reports.
    type: str
    default: pilotlight-dr/reports/
    env:
      - name: PILOTLIGHT_REPORT_PREFIX
    ini:
      - section: pilotlight_dr_report
        key: s3_prefix
  report_dir:
    description: Directory the reports are written to (created if missing), relative to the current directory.
    default: reports
    type: path
    env:
      - name: PILOTLIGHT_REPORT_DIR
    ini:
      - section: pilotlight_dr_report
        key: report_dir
  playbooks:
    description: Playbook file names (without C(.yml)) whose runs are reported.
    default: [failover, failback, drill]
    type: list
    elements: str
    env:
      - name: PILOTLIGHT_REPORT_PLAYBOOKS
    ini:
      - section: pilotlight_dr_report
        key: playbooks
"""

import json
import os
import re
import time
from datetime import datetime
from datetime import timezone

from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

from ansible_collections.pilotlight.dr.plugins.plugin_utils.report_html import render_html

try:
    import boto3
    import botocore
except ImportError:  # uploads are then reported as not done
    boto3 = None

# pilotlight_aws keys that boto3 takes, and their boto3 names.
SESSION_OPTIONS = {
    "access_key": "aws_access_key_id",
    "aws_access_key_id": "aws_access_key_id",
    "secret_key": "aws_secret_access_key",
    "aws_secret_access_key": "aws_secret_access_key",
    "session_token": "aws_session_token",
    "aws_session_token": "aws_session_token",
    "profile": "profile_name",
    "aws_profile": "profile_name",
}

RPO_FACT = re.compile(r"^dr_[a-z0-9_]+_rpo$")
MILESTONE_FACT = "pilotlight_milestone"
# The mode the runbook decided for an application (graceful or ungraceful), set by its validate step.
MODE_FACT = "pilotlight_mode"
# The runbook's readiness verdict: what was checked, failed, or not checked (and gone on past).
READINESS_FACT = "dr_runbook_readiness"
# Other facts the report carries: fact name -> (section, key). The identity sync says how many users
# the DR pool has and how old they are; dr_monitoring's estimate what the pilot light costs.
SECTION_FACTS = {
    "dr_identity_last_sync_at": ("identity", "last_sync_at"),
    "dr_identity_last_sync_users": ("identity", "last_sync_users"),
    "dr_identity_sync_mode": ("identity", "mode"),
    "dr_identity_sync_counts": ("identity", "sync_counts"),
    "dr_monitoring_cost": ("cost", None),
}
# What the failover's verify phase found: "serving", or "data recovered, compute not managed" for an
# application whose compute this collection does not start (never reported as serving).
SERVING_FACT = "dr_runbook_serving"
# The recovery a run measures: a failover or drill recovers into DR, a failback back into the primary.
RTO_MILESTONES = {"failback": ("primary_serving", "primary serving")}
DEFAULT_RTO_MILESTONE = ("dr_serving", "DR serving")
OTHER_PHASE = "other"


def reported(variables):
    """False for a play or task with the variable pilotlight_report set to false."""
    return (variables or {}).get("pilotlight_report", True) not in (False, "false", "False")


def phase_of(task):
    """The name of the nearest enclosing block called 'Phase...' ('Phase: fence' -> 'fence')."""
    node = getattr(task, "_parent", None)
    while node is not None:
        if isinstance(node, Block):
            name = (node.name or "").strip()
            if name.lower().startswith("phase"):
                return name.split(":", 1)[1].strip() if ":" in name else name
        node = getattr(node, "_parent", None)
    return OTHER_PHASE


def iso(timestamp):
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class RunRecord:
    """Everything the report says about one run, per host (application)."""

    def __init__(self, playbook, started):
        self.playbook = playbook
        self.started = started
        self.ended = None
        self.check_mode = False
        self.hosts = {}
        self.rto_milestone = RTO_MILESTONES.get(playbook, DEFAULT_RTO_MILESTONE)
        self.upload = None  # {"bucket", "region", "aws"} when the inventory names a report bucket

    def host(self, name):
        return self.hosts.setdefault(
            name,
            {
                "phases": {},
                "phase_order": [],
                "changes": [],
                "rpo": {},
                "milestones": {},
                "failed": [],
                "readiness": None,
                "identity": {},
                "cost": None,
                "serving": None,
            },
        )

    def record(self, host, phase, task_name, started, ended, status, changed, facts):
        entry = self.host(host)
        if phase not in entry["phases"]:
            entry["phases"][phase] = {
                "name": phase,
                "started": started,
                "ended": ended,
                "status": "ok",
                "tasks": 0,
                "changed": 0,
            }
            entry["phase_order"].append(phase)
        record = entry["phases"][phase]
        record["started"] = min(record["started"], started)
        record["ended"] = max(record["ended"], ended)
        record["tasks"] += 1
        if status == "failed":
            record["status"] = "failed"
            entry["failed"].append({"phase": phase, "task": task_name})
        if changed:
            record["changed"] += 1
            entry["changes"].append({"phase": phase, "task": task_name, "at": iso(ended)})
        for name, value in (facts or {}).items():
            if RPO_FACT.match(name):
                entry["rpo"][name[3:-4]] = value
            elif name == MODE_FACT and isinstance(value, str):
                entry["mode"] = value
            elif name == MILESTONE_FACT and isinstance(value, str):
                entry["milestones"].setdefault(value, ended)
            elif name == READINESS_FACT and isinstance(value, dict):
                entry["readiness"] = readiness_summary(value)
            elif name == SERVING_FACT and isinstance(value, dict):
                entry["serving"] = value.get("state")
            elif name in SECTION_FACTS:
                section, key = SECTION_FACTS[name]
                if key is None:
                    entry[section] = (
                        {k: value.get(k) for k in ("summary", "totals")} if isinstance(value, dict) else None
                    )
                else:
                    entry[section][key] = value

    def to_dict(self):
        hosts = {}
        for name, entry in sorted(self.hosts.items()):
            phases = []
            for phase in entry["phase_order"]:
                record = entry["phases"][phase]
                phases.append(
                    {
                        "name": phase,
                        "status": record["status"],
                        "started_at": iso(record["started"]),
                        "ended_at": iso(record["ended"]),
                        "duration_seconds": round(record["ended"] - record["started"], 2),
                        "tasks": record["tasks"],
                        "changed": record["changed"],
                    }
                )
            serving = entry["milestones"].get(self.rto_milestone[0])
            hosts[name] = {
                "result": "failed" if entry["failed"] else "ok",
                "mode": entry.get("mode"),
                "rto_seconds": round(serving - self.started, 2) if serving else None,
                "milestones": {key: iso(value) for key, value in entry["milestones"].items()},
                "rpo_evidence": entry["rpo"],
                "readiness": entry["readiness"],
                "identity": entry["identity"] or None,
                "cost": entry["cost"],
                "serving": entry["serving"],
                "phases": phases,
                ("plan" if self.check_mode else "changes"): entry["changes"],
                "failed_tasks": entry["failed"],
            }
        return {
            "playbook": self.playbook,
            # One mode per run in practice; the modes of all applications if they differ.
            "mode": ", ".join(sorted({e["mode"] for e in self.hosts.values() if e.get("mode")})) or None,
            "dry_run": self.check_mode,
            "rto_milestone": self.rto_milestone[0],
            "started_at": iso(self.started),
            "ended_at": iso(self.ended or time.time()),
            "duration_seconds": round((self.ended or time.time()) - self.started, 2),
            "result": "failed" if any(h["result"] == "failed" for h in hosts.values()) else "ok",
            "applications": hosts,
        }


def readiness_summary(readiness):
    """Counts and the checks that did not pass, one line each, from the runbook's readiness fact."""

    def line(check):
        component = str(check.get("component", "?")).removeprefix("dr_")
        return f"{component} / {check.get('check', '?')}: {check.get('reason', '')}"

    checks = readiness.get("checks") or []
    return {
        "ready": bool(readiness.get("ready")),
        "passed": sum(1 for c in checks if c.get("status", "pass" if c.get("passed") else "fail") == "pass"),
        "failed": [line(c) for c in readiness.get("failed") or []],
        "not_checked": [line(c) for c in readiness.get("not_checked") or []],
        "total": len(checks),
    }


def render_markdown(report):
    lines = [
        f"# {report['playbook']} report{' (dry run)' if report['dry_run'] else ''}",
        "",
        f"- result: **{report['result']}**",
        f"- mode: {report['mode'] or 'n/a'}",
        f"- started: {report['started_at']}, ended: {report['ended_at']} ({report['duration_seconds']} s)",
        "",
    ]
    for host, data in report["applications"].items():
        rto = f"{data['rto_seconds']} s" if data["rto_seconds"] is not None else "not reached"
        serving = RTO_MILESTONES.get(report["playbook"], DEFAULT_RTO_MILESTONE)[1]
        lines += [f"## {host}", "", f"- RTO (start to {serving}): **{rto}**"]
        if data.get("serving"):
            lines.append(f"- state in DR: {data['serving']}")
        lines.append("")
        lines += [
            "| phase | status | start | duration (s) | tasks | changed |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for phase in data["phases"]:
            lines.append(
                f"| {phase['name']} | {phase['status']} | {phase['started_at']} | {phase['duration_seconds']} "
                f"| {phase['tasks']} | {phase['changed']} |"
            )
        lines += ["", "### RPO evidence", ""]
        if data["rpo_evidence"]:
            for component, evidence in sorted(data["rpo_evidence"].items()):
                lines.append(f"- {component}: `{json.dumps(evidence, sort_keys=True, default=str)}`")
        else:
            lines.append("- none published")
        readiness = data.get("readiness")
        if readiness:
            lines += [
                "",
                "### Readiness",
                "",
                f"- {readiness['passed']} of {readiness['total']} checks passed"
                f"{'' if readiness['ready'] else ' (NOT ready)'}",
            ]
            lines += [f"- FAIL {text}" for text in readiness["failed"]]
            lines += [f"- NOT CHECKED {text}" for text in readiness["not_checked"]]
        if data.get("identity"):
            lines += ["", "### Identity", ""] + [
                f"- {k}: {json.dumps(v, default=str)}" for k, v in sorted(data["identity"].items())
            ]
        if data.get("cost"):
            lines += ["", "### Cost", "", f"- {data['cost'].get('summary')}"]
        key = "plan" if report["dry_run"] else "changes"
        lines += ["", f"### {'Plan (would change)' if report['dry_run'] else 'Changes'}", ""]
        lines += [f"- [{c['phase']}] {c['task']}" for c in data[key]] or ["- nothing"]
        if data["failed_tasks"]:
            lines += ["", "### Failed", ""] + [f"- [{f['phase']}] {f['task']}" for f in data["failed_tasks"]]
        lines.append("")
    return "\n".join(lines)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "pilotlight.dr.dr_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.run = None
        self._task_started = {}
        self._play_reported = True

    # -- run lifecycle ---------------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        name = os.path.splitext(os.path.basename(playbook._file_name))[0]
        self.set_options()
        self.run = RunRecord(name, time.time()) if name in self.get_option("playbooks") else None

    def v2_playbook_on_play_start(self, play):
        # A play with the variable pilotlight_report: false (the playbooks' application guard) is left out.
        self._play_reported = reported(play.vars)
        if self.run is None:
            return
        from ansible import context

        self.run.check_mode = bool(context.CLIARGS.get("check")) or bool(play.check_mode)
        if self._play_reported and self.run.upload is None:
            self.run.upload = self._upload_target(play)

    def _upload_target(self, play):
        """Where the reports go: the first application's pilotlight_report_bucket in pilotlight_dr_region."""
        manager = play.get_variable_manager()
        hosts = manager._inventory.get_hosts(play.hosts) if manager._inventory else []
        values = manager.get_vars(play=play, host=hosts[0]) if hosts else {}

        def plain(name, default=None):
            value = values.get(name, default)
            return value if isinstance(value, str) and "{{" not in value else default

        bucket = plain("pilotlight_report_bucket") or self.get_option("s3_bucket")
        if not bucket:
            return None
        aws = values.get("pilotlight_aws") if isinstance(values.get("pilotlight_aws"), dict) else {}
        return {
            "bucket": bucket,
            "region": plain("pilotlight_dr_region"),
            "aws": {k: v for k, v in aws.items() if isinstance(v, str) and "{{" not in v},
        }

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_started[task._uuid] = time.time()

    def v2_playbook_on_handler_task_start(self, task):
        self._task_started[task._uuid] = time.time()

    # -- results ---------------------------------------------------------------------------
    def _record(self, result, status):
        if self.run is None or not self._play_reported:
            return
        task = result._task
        if not reported(task.vars):  # e.g. the runbook re-raising a failure it already notified
            return
        data = result._result
        if data.get("results") and isinstance(data["results"], list):  # a loop: one record for the task
            facts = {}
            for item in data["results"]:
                facts.update(item.get("ansible_facts") or {})
        else:
            facts = data.get("ansible_facts") or {}
        started = self._task_started.get(task._uuid, time.time())
        self.run.record(
            result._host.get_name(),
            phase_of(task),
            task.get_name(),
            started,
            time.time(),
            status,
            bool(data.get("changed")) and status != "failed",
            facts,
        )

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "ok" if ignore_errors else "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        pass  # skipped tasks neither take time nor change anything

    # -- the report ------------------------------------------------------------------------
    def v2_playbook_on_stats(self, stats):
        if self.run is None or not self.run.hosts:
            return
        self.run.ended = time.time()
        report = self.run.to_dict()
        directory = self.get_option("report_dir")
        os.makedirs(directory, exist_ok=True)
        stamp = datetime.fromtimestamp(self.run.started, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        base = os.path.join(directory, f"{self.run.playbook}-{stamp}")
        with open(base + ".json", "w") as handle:
            json.dump(report, handle, indent=2, sort_keys=False, default=str)
        with open(base + ".md", "w") as handle:
            handle.write(render_markdown(report))
        with open(base + ".html", "w") as handle:
            handle.write(render_html(report, RTO_MILESTONES.get(report["playbook"], DEFAULT_RTO_MILESTONE)[1]))
        self._print_summary(report, base)
        if self.run.upload:
            self._upload(base, self.run.upload)

    def _upload(self, base, target):
        """Put the three files in the DR region's bucket; say where, or why not."""
        bucket, region = target["bucket"], target["region"]
        if boto3 is None:
            self._display.warning(f"reports not uploaded to s3://{bucket}: boto3 is not installed on the controller")
            return
        options = {SESSION_OPTIONS[k]: v for k, v in target["aws"].items() if k in SESSION_OPTIONS}
        endpoint = target["aws"].get("endpoint_url") or target["aws"].get("aws_endpoint_url")
        prefix = self.get_option("s3_prefix") or ""
        try:
            client = boto3.session.Session(**options).client("s3", region_name=region, endpoint_url=endpoint)
            for suffix, content_type in (
                (".json", "application/json"),
                (".md", "text/markdown"),
                (".html", "text/html"),
            ):
                key = prefix + os.path.basename(base) + suffix
                with open(base + suffix, "rb") as handle:
                    client.put_object(Bucket=bucket, Key=key, Body=handle.read(), ContentType=content_type)
                self._display.display(f"report uploaded: s3://{bucket}/{key} ({region or 'default region'})")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OSError) as error:
            self._display.warning(
                f"reports not uploaded to s3://{bucket} in {region}: {error}. They are in "
                f"{os.path.dirname(base) or '.'}; upload them by hand."
            )

    def _print_summary(self, report, base):
        display = self._display
        title = f"pilotlight.dr {report['playbook']}{' DRY RUN' if report['dry_run'] else ''}: {report['result']}"
        display.banner(title)
        for host, data in report["applications"].items():
            rto = f"{data['rto_seconds']} s" if data["rto_seconds"] is not None else "not reached"
            display.display(
                f"{host}: RTO {rto}; {len(data.get('plan', data.get('changes', [])))} "
                f"{'planned changes' if report['dry_run'] else 'changes'}"
                + (f"; in DR: {data['serving']}" if data.get("serving") else "")
            )
            for phase in data["phases"]:
                display.display(f"  {phase['status']:6} {phase['duration_seconds']:8.2f} s  {phase['name']}")
            readiness = data.get("readiness")
            if readiness:
                display.display(
                    f"  readiness: {readiness['passed']} of {readiness['total']} checks passed, "
                    f"{len(readiness['failed'])} failed, {len(readiness['not_checked'])} not checked"
                )
                for text in readiness["not_checked"]:
                    display.display(f"    NOT CHECKED {text}")
            for component, evidence in sorted(data["rpo_evidence"].items()):
                display.display(f"  RPO evidence {component}: {json.dumps(evidence, sort_keys=True, default=str)}")
        display.display(f"report: {base}.json, {base}.md and {base}.html")
