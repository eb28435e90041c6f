# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML page of a dr_report: a timeline of the phases per application (as AWS Region switch
shows an execution), the RTO, the readiness verdict, the RPO evidence and what changed.

One self-contained file (inline SVG and CSS, no script, nothing fetched) so that it opens from an
S3 bucket, an AWX artifact or a laptop the same way. Controller-side only (used by the callback).
"""

import html
import json
from datetime import datetime

ROW = 26
LABEL_WIDTH = 210
CHART_WIDTH = 640
COLOURS = {"ok": "#2e7d32", "failed": "#c62828"}


def _seconds(start, moment):
    return (datetime.fromisoformat(moment.replace("Z", "+00:00")) - start).total_seconds()


def timeline_svg(report, application):
    """One bar per phase, placed on a shared time axis from the start of the run; the RTO as a line."""
    start = datetime.fromisoformat(report["started_at"].replace("Z", "+00:00"))
    total = max(float(report["duration_seconds"]), 1.0)
    scale = CHART_WIDTH / total
    phases = application["phases"]
    height = ROW * (len(phases) + 1) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + CHART_WIDTH + 20}" height="{height}" '
        f'role="img" aria-label="timeline">'
    ]
    for index, phase in enumerate(phases):
        y = 6 + index * ROW
        x = LABEL_WIDTH + max(0.0, _seconds(start, phase["started_at"])) * scale
        width = max(4.0, float(phase["duration_seconds"]) * scale)  # a short phase stays visible
        colour = COLOURS.get(phase["status"], "#546e7a")
        name = html.escape(phase["name"])
        parts.append(f'<text x="4" y="{y + 16}" font-size="13">{name}</text>')
        parts.append(
            f'<rect class="phase" data-phase="{name}" data-status="{html.escape(phase["status"])}" '
            f'x="{x:.1f}" y="{y}" width="{width:.1f}" height="{ROW - 8}" fill="{colour}" rx="3">'
            f"<title>{name}: {phase['duration_seconds']} s, {html.escape(phase['status'])}</title></rect>"
        )
        parts.append(f'<text x="{x + width + 4:.1f}" y="{y + 14}" font-size="11">{phase["duration_seconds"]} s</text>')
    axis = 6 + len(phases) * ROW
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="{axis}" x2="{LABEL_WIDTH + CHART_WIDTH}" y2="{axis}" stroke="#999"/>')
    parts.append(f'<text x="{LABEL_WIDTH}" y="{axis + 16}" font-size="11">0 s</text>')
    parts.append(f'<text x="{LABEL_WIDTH + CHART_WIDTH - 40}" y="{axis + 16}" font-size="11">{total:.0f} s</text>')
    rto = application.get("rto_seconds")
    if rto is not None:
        x = LABEL_WIDTH + float(rto) * scale
        parts.append(
            f'<line class="rto" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis}" stroke="#1565c0" '
            f'stroke-dasharray="4 3"><title>RTO {rto} s</title></line>'
        )
        parts.append(f'<text x="{x + 3:.1f}" y="{axis + 16}" font-size="11" fill="#1565c0">RTO {rto} s</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report, serving_label):
    esc = html.escape
    title = f"{report['playbook']} report{' (dry run)' if report['dry_run'] else ''}"
    body = [
        f"<h1>pilotlight.dr {esc(title)}</h1>",
        f'<p>Result <b class="{esc(report["result"])}">{esc(report["result"])}</b>; '
        f"mode {esc(str(report['mode'] or 'n/a'))}; "
        f"{esc(report['started_at'])} to {esc(report['ended_at'])} ({report['duration_seconds']} s)</p>",
    ]
    for name, data in report["applications"].items():
        rto = f"{data['rto_seconds']} s" if data["rto_seconds"] is not None else "not reached"
        body.append(f'<section class="application" id="{esc(name)}"><h2>{esc(name)}: {esc(data["result"])}</h2>')
        body.append(f"<p>RTO (start to {esc(serving_label)}): <b>{esc(rto)}</b></p>")
        body.append(timeline_svg(report, data))
        readiness = data.get("readiness")
        if readiness:
            body.append(f"<h3>Readiness</h3><p>{readiness['passed']} of {readiness['total']} checks passed</p><ul>")
            body += [f"<li>FAIL {esc(text)}</li>" for text in readiness["failed"]]
            body += [f"<li>NOT CHECKED {esc(text)}</li>" for text in readiness["not_checked"]]
            body.append("</ul>")
        body.append("<h3>RPO evidence</h3><table><tr><th>component</th><th>evidence</th></tr>")
        for component, evidence in sorted(data["rpo_evidence"].items()):
            body.append(
                f"<tr><td>{esc(component)}</td><td><code>"
                f"{esc(json.dumps(evidence, sort_keys=True, default=str))}</code></td></tr>"
            )
        body.append("</table>")
        key = "plan" if report["dry_run"] else "changes"
        body.append(f"<h3>{'Plan (would change)' if report['dry_run'] else 'Changes'}</h3><ul>")
        body += [f"<li>[{esc(c['phase'])}] {esc(c['task'])}</li>" for c in data[key]] or ["<li>nothing</li>"]
        body.append("</ul>")
        if data["failed_tasks"]:
            body.append("<h3>Failed</h3><ul>")
            body += [f"<li>[{esc(f['phase'])}] {esc(f['task'])}</li>" for f in data["failed_tasks"]]
            body.append("</ul>")
        body.append("</section>")
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.failed{color:#c62828}.ok{color:#2e7d32}"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )
