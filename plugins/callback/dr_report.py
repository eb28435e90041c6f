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
  - A phase is a block whose name starts with C(Phase) (for example C(Phase - promote data) or a name
    with a colon after C(Phase)); tasks
    outside any phase are counted under C(other).
  - At the end of the run it writes C(<report_dir>/<playbook>-<UTC timestamp>.json) and C(.md) and
    prints a summary. Runs of other playbooks are ignored.
  - Enable it with C(callbacks_enabled = pilotlight.dr.dr_report) in C(ansible.cfg) (this collection's
    ansible.cfg does) or C(ANSIBLE_CALLBACKS_ENABLED).
options:
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

RPO_FACT = re.compile(r"^dr_[a-z0-9_]+_rpo$")
MILESTONE_FACT = "pilotlight_milestone"
# The recovery a run measures: a failover or drill recovers into DR, a failback back into the primary.
RTO_MILESTONES = {"failback": ("primary_serving", "primary serving")}
DEFAULT_RTO_MILESTONE = ("dr_serving", "DR serving")
OTHER_PHASE = "other"


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
        self.mode = None
        self.check_mode = False
        self.hosts = {}
        self.rto_milestone = RTO_MILESTONES.get(playbook, DEFAULT_RTO_MILESTONE)

    def host(self, name):
        return self.hosts.setdefault(
            name, {"phases": {}, "phase_order": [], "changes": [], "rpo": {}, "milestones": {}, "failed": []}
        )

    def record(self, host, phase, task_name, started, ended, status, changed, facts):
        entry = self.host(host)
        if phase not in entry["phases"]:
            entry["phases"][phase] = {"name": phase, "started": started, "ended": ended, "status": "ok", "tasks": 0,
                                      "changed": 0}
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
            elif name == MILESTONE_FACT and isinstance(value, str):
                entry["milestones"].setdefault(value, ended)

    def to_dict(self):
        hosts = {}
        for name, entry in sorted(self.hosts.items()):
            phases = []
            for phase in entry["phase_order"]:
                record = entry["phases"][phase]
                phases.append({
                    "name": phase,
                    "status": record["status"],
                    "started_at": iso(record["started"]),
                    "ended_at": iso(record["ended"]),
                    "duration_seconds": round(record["ended"] - record["started"], 2),
                    "tasks": record["tasks"],
                    "changed": record["changed"],
                })
            serving = entry["milestones"].get(self.rto_milestone[0])
            hosts[name] = {
                "result": "failed" if entry["failed"] else "ok",
                "rto_seconds": round(serving - self.started, 2) if serving else None,
                "milestones": {key: iso(value) for key, value in entry["milestones"].items()},
                "rpo_evidence": entry["rpo"],
                "phases": phases,
                ("plan" if self.check_mode else "changes"): entry["changes"],
                "failed_tasks": entry["failed"],
            }
        return {
            "playbook": self.playbook,
            "mode": self.mode,
            "dry_run": self.check_mode,
            "rto_milestone": self.rto_milestone[0],
            "started_at": iso(self.started),
            "ended_at": iso(self.ended or time.time()),
            "duration_seconds": round((self.ended or time.time()) - self.started, 2),
            "result": "failed" if any(h["result"] == "failed" for h in hosts.values()) else "ok",
            "applications": hosts,
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
        lines += [f"## {host}", "", f"- RTO (start to {serving}): **{rto}**", ""]
        lines += ["| phase | status | start | duration (s) | tasks | changed |", "| --- | --- | --- | --- | --- | --- |"]
        for phase in data["phases"]:
            lines.append(f"| {phase['name']} | {phase['status']} | {phase['started_at']} | {phase['duration_seconds']} "
                         f"| {phase['tasks']} | {phase['changed']} |")
        lines += ["", "### RPO evidence", ""]
        if data["rpo_evidence"]:
            for component, evidence in sorted(data["rpo_evidence"].items()):
                lines.append(f"- {component}: `{json.dumps(evidence, sort_keys=True, default=str)}`")
        else:
            lines.append("- none published")
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

    # -- run lifecycle ---------------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        name = os.path.splitext(os.path.basename(playbook._file_name))[0]
        self.set_options()
        self.run = RunRecord(name, time.time()) if name in self.get_option("playbooks") else None

    def v2_playbook_on_play_start(self, play):
        if self.run is None:
            return
        extra = play.get_variable_manager().extra_vars
        self.run.mode = extra.get("dr_mode", self.run.mode)
        from ansible import context

        self.run.check_mode = bool(context.CLIARGS.get("check")) or bool(play.check_mode)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_started[task._uuid] = time.time()

    def v2_playbook_on_handler_task_start(self, task):
        self._task_started[task._uuid] = time.time()

    # -- results ---------------------------------------------------------------------------
    def _record(self, result, status):
        if self.run is None:
            return
        task = result._task
        data = result._result
        if data.get("results") and isinstance(data["results"], list):  # a loop: one record for the task
            facts = {}
            for item in data["results"]:
                facts.update(item.get("ansible_facts") or {})
        else:
            facts = data.get("ansible_facts") or {}
        started = self._task_started.get(task._uuid, time.time())
        self.run.record(result._host.get_name(), phase_of(task), task.get_name(), started, time.time(), status,
                        bool(data.get("changed")) and status != "failed", facts)

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
        self._print_summary(report, base)

    def _print_summary(self, report, base):
        display = self._display
        title = f"pilotlight.dr {report['playbook']}{' DRY RUN' if report['dry_run'] else ''}: {report['result']}"
        display.banner(title)
        for host, data in report["applications"].items():
            rto = f"{data['rto_seconds']} s" if data["rto_seconds"] is not None else "not reached"
            display.display(f"{host}: RTO {rto}; {len(data.get('plan', data.get('changes', [])))} "
                            f"{'planned changes' if report['dry_run'] else 'changes'}")
            for phase in data["phases"]:
                display.display(f"  {phase['status']:6} {phase['duration_seconds']:8.2f} s  {phase['name']}")
            for component, evidence in sorted(data["rpo_evidence"].items()):
                display.display(f"  RPO evidence {component}: {json.dumps(evidence, sort_keys=True, default=str)}")
        display.display(f"report: {base}.json and {base}.md")
