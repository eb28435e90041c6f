# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The leak check: which sources the DR application reads, each one read in the DR region, scanned, judged.

A source ends in one of five states:

* ``clean``: read, and nothing in it points at the primary region;
* ``leak``: read, and a value points at the primary (the findings name the keys, never the values);
* ``switched``: the only findings are in places the failover switches (``switched_at_failover``): before a
  failover that is expected, a warning; with ``after_failover`` they are leaks like any other;
* ``missing``: the named source does not exist in the DR region, so there is nothing the app could read;
* ``not_checked``: the read failed (throttled past the retries, 5xx, denied, unreachable): never "clean".
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._config import reads
from ansible_collections.pilotlight.dr.plugins.module_utils._config import scan
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import error_code

CLEAN, LEAK, SWITCHED, MISSING, NOT_CHECKED = "clean", "leak", "switched", "missing", "not_checked"
SERVICES = {"launch_template": "ec2", "ssm_path": "ssm", "secret": "secretsmanager", "task_definition": "ecs"}
LABELS = {
    "launch_template": "launch template",
    "ssm_path": "SSM path",
    "secret": "secret",
    "task_definition": "task definition",
}


class Source:
    """One thing the DR application reads. ``template`` is a launch template already described (tag filters)."""

    __slots__ = ("kind", "name", "label", "template", "data")

    def __init__(self, kind, name, label=None, template=None, data=None):
        self.kind, self.name, self.template, self.data = kind, name, template, data
        self.label = label or f"{LABELS[kind]} {name}"


def options_with_defaults(options, region):
    """The leak check's inputs with their defaults (the module's parameters or a readiness spec's options)."""
    options = dict(options or {})
    for key in ("launch_templates", "ssm_paths", "secrets", "task_definitions", "markers", "switched_at_failover"):
        options[key] = [str(v) for v in options.get(key) or []]
    options["launch_template_filters"] = dict(options.get("launch_template_filters") or {})
    options["app_config_name"] = options.get("app_config_name") or "app config"
    required = options.get("app_config_required")
    options["app_config_required"] = {"AWS_REGION": region} if required is None else dict(required)
    options["after_failover"] = bool(options.get("after_failover", False))
    concurrency = options.get("max_concurrency")
    options["max_concurrency"] = 8 if concurrency is None else int(concurrency)
    return options


def validate(options, region, primary_region):
    """Problems with the inputs, before any call (a list of messages; empty when fine)."""
    problems = []
    if not primary_region:
        problems.append(
            "primary_region is required: the region whose names must not appear (for example ap-northeast-2)"
        )
    elif primary_region == region:
        problems.append(f"primary_region and region are both {region}: scan the DR region for the primary's names")
    bad_paths = [p for p in options["ssm_paths"] if not p.startswith("/")]
    if bad_paths:
        problems.append(f"ssm_paths must start with '/': {', '.join(bad_paths)}")
    if region and any(region.lower() == m.lower() for m in options["markers"]):
        problems.append(f"markers must not contain the DR region {region}")
    if options["max_concurrency"] < 1:
        problems.append(f"max_concurrency must be 1 or more, got {options['max_concurrency']}")
    return problems


def named_sources(options):
    """Every source named in the inputs (launch templates found by tag filters come from ``matching_templates``)."""
    sources = [Source("launch_template", name) for name in options["launch_templates"]]
    sources += [Source("ssm_path", path) for path in options["ssm_paths"]]
    sources += [Source("secret", name) for name in options["secrets"]]
    sources += [Source("task_definition", family) for family in options["task_definitions"]]
    if options.get("app_config") is not None:
        name = options["app_config_name"]
        sources.append(Source("app_config", name, label=name, data=options["app_config"]))
    return sources


def filters_label(filters):
    return "launch templates matching " + ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))


def matching_templates(client, options, region):
    """Sources of the launch templates the tag filters find (not already named)."""
    if not options["launch_template_filters"]:
        return []
    named = set(options["launch_templates"])
    found = reads.launch_templates_matching(client, options["launch_template_filters"], region)
    return [
        Source("launch_template", t["LaunchTemplateName"], template=t)
        for t in found
        if t["LaunchTemplateName"] not in named
    ]


def read_and_scan(source, client, region, markers, options):
    """(findings, values scanned) of one source, or None when it does not exist. Raises DRError when a read fails.

    The values read stay inside this function: only where they are and what kind of reference they hold leave.
    """
    label = source.label
    if source.kind == "app_config":
        mapping = source.data or {}
        return scan.scan_mapping(label, label, mapping, markers, options["app_config_required"]), len(mapping)
    if source.kind == "launch_template":
        template = source.template or reads.launch_template(client, source.name, region)
        if template is None:
            return None
        found = []
        versions = reads.template_versions(client, template, region)
        for version in versions:
            where = f"{label} v{version['VersionNumber']}"
            user_data = (version.get("LaunchTemplateData") or {}).get("UserData")
            found += scan.scan_user_data(label, where, user_data, markers)
        return found, len(versions)
    if source.kind == "ssm_path":
        found = []
        parameters = reads.parameters_by_path(client, source.name, region)
        for parameter in parameters:
            where = f"SSM parameter {parameter['Name']}"
            found += scan.scan_value(label, where, parameter.get("Value"), markers, item=parameter["Name"])
        return found, len(parameters)
    if source.kind == "secret":
        value = reads.secret_value(client, source.name, region)
        if value is None:
            return None
        return scan.scan_value(label, label, value, markers), 1
    if source.kind == "task_definition":
        definition = reads.task_definition(client, source.name, region)
        if definition is None:
            return None
        where = f"task definition {definition.get('family', source.name)}:{definition.get('revision', '?')}"
        return scan.scan_task_definition(label, where, definition, markers), len(
            definition.get("containerDefinitions") or []
        )
    raise ValueError(f"unknown source kind {source.kind}")


def is_switched(source, found, entries):
    """True when ``switched_at_failover`` names the source or the place of this finding."""
    names = {source.label, source.name, found["text"], found["where"], found.get("item")}
    return any(entry in names or found["text"].startswith(entry + ":") for entry in entries)


def judge(source, outcome, region, primary_region, options):
    """The result of one source that was read: ``outcome`` is read_and_scan's answer."""
    base = {
        "source": source.label,
        "kind": source.kind,
        "name": source.name,
        "findings": [],
        "switched": [],
        "scanned": 0,
        "reason": "",
        "fix": None,
    }
    if outcome is None:
        return dict(
            base,
            status=MISSING,
            reason=f"{source.label} not found in {region}",
            fix=f"create it in {region}, or correct the name in the leak check's inputs",
        )
    found, scanned = outcome
    entries = options["switched_at_failover"]
    switched = [f for f in found if is_switched(source, f, entries)]
    leaks = [f for f in found if f not in switched]
    if options["after_failover"]:
        leaks, switched = found, []
    base.update(
        scanned=scanned, findings=[scan.describe(f) for f in leaks], switched=[scan.describe(f) for f in switched]
    )
    if leaks:
        places = "; ".join(base["findings"])
        fix = (
            f"change (or set) these values to their {region} counterparts (the DR host, ARN or region): "
            f"{', '.join(f['text'] for f in leaks)}"
        )
        if options["after_failover"] and any(is_switched(source, f, entries) for f in leaks):
            fix += " (the failover should have switched them: check the step that repoints them)"
        elif not options["after_failover"]:
            fix += "; or, when the failover switches them, list them in switched_at_failover"
        return dict(
            base,
            status=LEAK,
            fix=fix,
            reason=f"{len(leaks)} finding(s) in {source.label} in {region} (primary {primary_region}): {places}",
        )
    if switched:
        return dict(
            base,
            status=SWITCHED,
            reason=f"warning: {source.label} still points at {primary_region} in {len(switched)} place(s) "
            f"the failover switches: {'; '.join(base['switched'])}",
        )
    return dict(
        base,
        status=CLEAN,
        reason=f"nothing in {source.label} points at {primary_region} ({scanned} value(s) read in {region})",
    )


def error_text(error):
    """A secret-free text of a failed read: the message and the AWS error code."""
    if isinstance(error, DRError):
        code = error_code(error.exception) if error.exception is not None else None
        return f"{error.message} ({code})" if code else error.message
    # Only the type of any other error: its text could quote the value being scanned.
    return error_code(error) or type(error).__name__


def nothing_matched(label, options, region):
    """The result for tag filters that find no launch template: the app would have no user data to run."""
    return {
        "source": label,
        "kind": "launch_template",
        "name": None,
        "status": MISSING,
        "findings": [],
        "switched": [],
        "scanned": 0,
        "reason": f"no launch template in {region} matches {options['launch_template_filters']}",
        "fix": "correct launch_template_filters, or name the launch templates in launch_templates",
    }


def unread(label, kind, name, error):
    return {
        "source": label,
        "kind": kind,
        "name": name,
        "status": NOT_CHECKED,
        "findings": [],
        "switched": [],
        "scanned": 0,
        "fix": None,
        "reason": f"not checked: could not read {label}: {error_text(error)}",
    }


def scan_all(client_for, options, region, primary_region):
    """Every source read in ``region`` (``client_for(service)``), scanned and judged, in input order."""
    markers = scan.Markers(primary_region, options["markers"])
    sources = named_sources(options)
    results = []
    if options["launch_template_filters"]:
        label = filters_label(options["launch_template_filters"])
        try:
            matched = matching_templates(client_for("ec2"), options, region)
        except (DRError, *AWS_ERRORS) as error:
            results.append(unread(label, "launch_template", None, error))
        else:
            if not matched and not options["launch_templates"]:
                results.append(nothing_matched(label, options, region))
            position = len(options["launch_templates"])
            sources[position:position] = matched

    def one(source):
        client = client_for(SERVICES[source.kind]) if source.kind in SERVICES else None
        try:
            outcome = read_and_scan(source, client, region, markers, options)
        except (DRError, *AWS_ERRORS) as error:
            return unread(source.label, source.kind, source.name, error)
        return judge(source, outcome, region, primary_region, options)

    outcomes = run_concurrently(one, sources, options["max_concurrency"])
    for outcome in outcomes:
        if outcome.ok:
            results.append(outcome.value)
        else:  # a bug must not turn into "clean"
            results.append(unread(outcome.item.label, outcome.item.kind, outcome.item.name, outcome.error))
    return results


def summary(results):
    """Counts by status, the findings and the places not checked (strings, never values)."""
    counts = {
        status: sum(1 for r in results if r["status"] == status)
        for status in (CLEAN, LEAK, SWITCHED, MISSING, NOT_CHECKED)
    }
    return {
        "counts": counts,
        "findings": [f"{f}" for r in results for f in r["findings"]],
        "switched": [f"{f}" for r in results for f in r["switched"]],
        "not_checked": [r["reason"] for r in results if r["status"] == NOT_CHECKED],
        "missing": [r["source"] for r in results if r["status"] == MISSING],
        "leaked": counts[LEAK] > 0,
        "clean": counts[LEAK] == counts[MISSING] == counts[NOT_CHECKED] == 0,
    }
