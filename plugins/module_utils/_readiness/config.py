# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the application's configuration in the DR region: nothing it reads points at the primary.

One check per source, ``config <source>`` (``config secret portforge/db``, ``config SSM path /megaticket``,
``config launch template MegaTicket-DR-Web-LT``, ``config app config``), read in the DR region only:

* pass: read, nothing points at the primary region; or the only findings are in places the failover
  switches (``switched_at_failover``): a pass with a warning (``evidence.warning``) before a failover;
* fail: a value points at the primary (the reason and the fix name the keys, never the values), or the
  named source is missing; with ``after_failover`` (the failover's verify phase) switched places fail too;
* not_checked: the read failed (throttled, 5xx, denied, unreachable).

The options are config_leak_info's parameters (``launch_templates``, ``launch_template_filters``,
``ssm_paths``, ``secrets``, ``app_config``, ``app_config_name``, ``app_config_required``,
``task_definitions``, ``markers``, ``switched_at_failover``, ``after_failover``, ``max_concurrency``).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._config import leaks
from ansible_collections.pilotlight.dr.plugins.module_utils._config import scan
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import describe_error

COMPONENT = "config"


def check_name(label):
    return f"config {label}"


def check(ctx):
    region, primary_region = ctx.region, ctx.primary_region
    options = leaks.options_with_defaults(ctx.options, region)
    checks = Checks(COMPONENT)
    problems = leaks.validate(options, region, primary_region)
    if problems:
        checks.failed(
            "config inputs",
            "; ".join(problems),
            "correct the options of the config component (the leak check's inputs)",
        )
        return checks.results
    markers = scan.Markers(primary_region, options["markers"])
    sources = leaks.named_sources(options)
    if options["launch_template_filters"]:
        label = leaks.filters_label(options["launch_template_filters"])
        ok, matched = checks.read(
            check_name(label),
            f"the launch templates of {region}",
            leaks.matching_templates,
            ctx.client("ec2"),
            options,
            region,
        )
        if ok:
            if not matched and not options["launch_templates"]:
                verdict = leaks.nothing_matched(label, options, region)
                checks.failed(check_name(label), verdict["reason"], verdict["fix"])
            sources[len(options["launch_templates"]) : len(options["launch_templates"])] = matched

    def one(source):
        return check_source(ctx, source, markers, options)

    for outcome in run_concurrently(one, sources, options["max_concurrency"]):
        if outcome.ok:
            checks.results.extend(outcome.value)
        else:  # a bug must not hide the other sources, nor pass as clean
            checks.not_checked(
                check_name(outcome.item.label), f"the check could not run: {describe_error(outcome.error)}"
            )
    return checks.results


def check_source(ctx, source, markers, options):
    checks = Checks(COMPONENT)
    name = check_name(source.label)
    client = ctx.client(leaks.SERVICES[source.kind]) if source.kind in leaks.SERVICES else None
    ok, outcome = checks.read(
        name, f"{source.label} in {ctx.region}", leaks.read_and_scan, source, client, ctx.region, markers, options
    )
    if not ok:
        return checks.results
    verdict = leaks.judge(source, outcome, ctx.region, ctx.primary_region, options)
    evidence = {key: verdict[key] for key in ("kind", "name", "scanned", "findings", "switched")}
    status = verdict["status"]
    if status == leaks.CLEAN:
        checks.passed(name, verdict["reason"], evidence)
    elif status == leaks.SWITCHED:
        checks.passed(name, verdict["reason"], dict(evidence, warning=True))
    else:  # LEAK or MISSING
        checks.failed(name, verdict["reason"], verdict["fix"], evidence)
    return checks.results
