# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of dr_dns: the Route 53 failover of the application's name is in place and armed.

* ``failover records``: the endpoint health checks, the switch and the PRIMARY/SECONDARY records are
  as route53_failover would make them from the role's inputs (it would change nothing);
* ``secondary healthy``: the DR endpoint's health check reports healthy (Route 53 can fail over to it);
* ``dns answers primary``: Route 53 answers with the primary and the switch is on ``auto`` (normal times).

Route 53 is global (its control plane is in us-east-1): it is read whether or not the primary region
answers, and a Route 53 read that failed makes the checks that need it "not checked", never "absent".
When the primary region is us-east-1 and not reachable, Route 53's control plane is down with it: the three
checks are not checked (primary side, so an ungraceful failover goes on) and, with the alarm switch,
``traffic switch`` checks what the failover needs in the DR region: the switch alarm exists there.
The primary region is only called to read the primary load balancer's DNS name when the inventory
names it and the primary is reachable; otherwise that name comes from the PRIMARY record.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import cause
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import describe_error
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import api
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import failover
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import planning
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import switch as alarm_switch
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.endpoints import validate
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import ROLES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import fqdn
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import in_zone

RECORDS = "failover records"
SECONDARY_HEALTHY = "secondary healthy"
ANSWERS_PRIMARY = "dns answers primary"
TRAFFIC_SWITCH = "traffic switch"
CHECKS = (RECORDS, SECONDARY_HEALTHY, ANSWERS_PRIMARY)
ORDER = CHECKS + (TRAFFIC_SWITCH,)

PROVISION = "run the provision playbook (role dr_dns, main.yml) to create or update them"


class _Stop(Exception):
    """Every check is recorded already; nothing more can be checked."""


def check(ctx):
    checks = Checks("dns")
    try:
        _check(ctx, checks)
    except _Stop:
        pass
    return sorted(checks.results, key=lambda result: ORDER.index(result["check"]))


def _step(checks, what, fix, fn, *args):
    """``fn(*args)``; on a DRError record all three checks and stop.

    A failed AWS read (the error carries one) makes them not checked; an error found in what was
    read (no such zone, bad input, conflicting records) fails ``failover records`` with ``fix``.
    """
    try:
        return fn(*args)
    except DRError as error:
        if cause(error) is None:
            _not_in_place(checks, error.message, fix)
        for name in CHECKS:
            checks.not_checked(name, f"could not read {what}: {describe_error(error)}")
        raise _Stop() from error


def _not_in_place(checks, message, fix):
    """Fail ``failover records`` with ``fix``; the other checks cannot be judged without it."""
    checks.failed(RECORDS, message, fix)
    for name in CHECKS[1:]:
        checks.not_checked(name, f"the failover is not in place: {message}")
    raise _Stop()


def _params(options):
    """The module parameters readiness plans with: the role's inputs, leaving the switch as it is."""
    return {
        "record_name": options.get("record_name") or "",
        "record_type": options.get("record_type") or "A",
        "ttl": int(options.get("ttl") if options.get("ttl") not in (None, "") else 60),
        "primary": dict(options.get("primary") or {}),
        "secondary": dict(options.get("secondary") or {}),
        "overwrite": _bool(options.get("overwrite")),
        "tags": options.get("tags") or None,
        "purge_tags": False,
        "active": None,
        "force": False,
        "state": "present",
        "traffic_switch": options.get("traffic_switch") or alarm_switch.HEALTH_CHECK,
        "switch_region": options.get("switch_region") or None,
    }


def _check(ctx, checks):
    options, params = ctx.options, _params(ctx.options)
    name = params["record_name"]
    if not name:
        _not_in_place(
            checks,
            "no record name: dr_dns_record_name is not set",
            "set dr_dns_record_name to the application's hostname",
        )
    if ctx.primary_region == alarm_switch.CONTROL_PLANE_REGION and not ctx.primary_reachable:
        _without_route53(ctx, checks, params)
        raise _Stop()
    route53 = ctx.client("route53")
    zone = _step(
        checks,
        "the hosted zone",
        "create the public hosted zone or set dr_dns_zone / dr_dns_zone_id",
        api.find_zone,
        route53,
        options.get("zone") or None,
        options.get("zone_id") or None,
    )
    if not in_zone(name, zone["Name"]):
        _not_in_place(
            checks,
            f"record name {fqdn(name)} is not in zone {zone['Name']}",
            "set dr_dns_record_name to the full name in the zone",
        )
    _step(
        checks,
        "the load balancers of the failover",
        "check the load balancer names of the dr_dns inputs",
        _resolve_load_balancers,
        ctx,
        route53,
        zone,
        params,
    )
    endpoints = _step(checks, "the inputs", "correct the dr_dns inputs", validate, params)
    state = _step(
        checks,
        f"the health checks and records of {fqdn(name)}",
        PROVISION,
        failover.read_state,
        route53,
        zone,
        name,
        params["record_type"],
    )
    alarm = failover.alarm_of(params, endpoints)
    ok, observations = checks.read(
        SECONDARY_HEALTHY, "the health checkers' results", failover.read_health, route53, state["checks"]
    )
    mode = planning.current_mode(state)
    if alarm:
        ok, found = checks.read(
            CHECKS,
            f"the switch alarm {alarm['Name']} in {alarm['Region']}",
            alarm_switch.read_alarm,
            ctx.client("cloudwatch", alarm["Region"]),
            alarm["Name"],
        )
        if not ok:
            raise _Stop()
        mode = alarm_switch.mode_of_state((found or {}).get("StateValue"))
    plan = planning.plan_failover(
        state,
        endpoints,
        planning.target_mode(None, False, mode, mode is not None, alarm=bool(alarm)),
        params["tags"],
        alarm=alarm,
    )
    health = {role: planning.health_of(role, plan, observations or {}) for role in ROLES}
    reports = _reports(plan, mode, health, observations or {})
    _records_check(checks, state, endpoints, params, plan, mode, reports, zone)
    if ok:
        _secondary_check(checks, plan, health, reports, options)
    ok, answer = checks.read(
        ANSWERS_PRIMARY, f"what Route 53 answers for {fqdn(name)}", failover.answer_of, route53, zone, params, endpoints
    )
    if ok:
        _answer_check(checks, answer, mode, plan, health, endpoints, name)


def _without_route53(ctx, checks, params):
    """us-east-1, the primary, is down and Route 53's control plane with it: check the DR side of the switch."""
    why = (
        "Route 53's control plane is in us-east-1, the primary region, which is not reachable "
        "(DNS still answers: its data plane does not depend on it)"
    )
    checks.skipped_primary(CHECKS, why)
    if params["traffic_switch"] != alarm_switch.CLOUDWATCH_ALARM:
        checks.failed(
            TRAFFIC_SWITCH,
            "traffic_switch is health_check: moving DNS needs UpdateHealthCheck, a call to "
            "Route 53's control plane in us-east-1, which is down",
            "set dr_dns_traffic_switch: "
            "cloudwatch_alarm and provision while us-east-1 is up (a failover now needs dr_force and moves "
            "nothing in DNS)",
        )
        return
    region = params["switch_region"] or ctx.region
    name = alarm_switch.alarm_name(params["record_name"], params["record_type"])
    ok, alarm = checks.read(
        [TRAFFIC_SWITCH],
        f"the switch alarm {name} in {region}",
        alarm_switch.read_alarm,
        ctx.client("cloudwatch", region),
        name,
    )
    if not ok:
        return
    evidence = {"alarm": name, "region": region, "state": (alarm or {}).get("StateValue")}
    if alarm is None:
        checks.failed(TRAFFIC_SWITCH, f"the switch alarm {name} does not exist in {region}", PROVISION, evidence)
    else:
        checks.passed(
            TRAFFIC_SWITCH,
            f"the switch alarm {name} is in {region} ({evidence['state']}): the failover "
            "moves DNS with it, no Route 53 call needed",
            evidence,
        )


def _resolve_load_balancers(ctx, route53, zone, params):
    """Fill in the alias DNS names the inventory gives as load balancer names (as endpoints.yml does)."""
    options = ctx.options
    for role in ROLES:
        lb_name = options.get(f"{role}_load_balancer_name")
        alias = params[role].get("alias")
        if not lb_name or not isinstance(alias, dict) or alias.get("dns_name"):
            continue
        if role == "secondary":
            dns_name = api.load_balancer_dns_name(ctx.client("elbv2"), lb_name)
            where = f"in {ctx.region}"
        elif ctx.primary_reachable:
            dns_name = api.load_balancer_dns_name(ctx.primary_client("elbv2"), lb_name)
            where = f"in {ctx.primary_region}"
        else:  # the primary region is not called: its name is in the PRIMARY record (Route 53 is global)
            records = api.list_records(route53, zone["Id"], params["record_name"], params["record_type"])
            primary = next((r for r in records if r.get("Failover") == "PRIMARY"), {})
            dns_name = (primary.get("AliasTarget") or {}).get("DNSName", "").rstrip(".") or None
            where = f"in the PRIMARY record of {fqdn(params['record_name'])}"
        if not dns_name:
            raise DRError(f"no {role} load balancer {lb_name} found {where}")
        params[role] = dict(params[role], alias=dict(alias, dns_name=dns_name))


def _reports(plan, mode, health, observations):
    reports = {
        role: planning.check_report(role, plan[role]["existing"], plan[role]["config"], health[role]) for role in ROLES
    }
    for role in ROLES:
        fresh = plan[role]["action"] in ("create", "replace")
        reports[role]["observations"] = [] if fresh else planning.observations_report(observations.get(role))
    reports["switch"] = planning.switch_report(
        plan["switch"]["existing"], plan["switch"]["config"], mode, health["primary"][1]
    )
    return reports


def _records_check(checks, state, endpoints, params, plan, mode, reports, zone):
    name, record_type = fqdn(params["record_name"]), params["record_type"]
    alarm = failover.alarm_of(params, endpoints)
    changes, conflicts, _dummy = planning.plan_failover_records(
        state, endpoints, params, *planning.planned_ids(state, plan), alarm=alarm
    )
    evidence = {
        "zone_id": zone["Id"],
        "record_name": name,
        "record_type": record_type,
        "mode": mode,
        "health_checks": reports,
    }
    if conflicts:
        checks.failed(
            RECORDS,
            planning.conflicts_error(name, record_type, conflicts).message,
            "set dr_dns_overwrite: true to replace them in one atomic change, or delete them",
            evidence,
        )
        return
    differences = [
        f"{role} health check to {item['action']}" for role, item in plan.items() if item["action"] != "keep"
    ]
    if alarm and mode is None:
        differences.append(f"switch alarm {alarm['Name']} in {alarm['Region']} to create")
    differences += [f"{_record_label(c['ResourceRecordSet'])} to {c['Action'].lower()}" for c in changes]
    if planning.tags_would_change(plan, params["tags"], False):
        differences.append("health check tags to update")
    evidence["differences"] = differences
    if differences:
        checks.failed(
            RECORDS,
            f"health checks or records of {name} are missing or differ from the inventory: {'; '.join(differences)}",
            PROVISION,
            evidence,
        )
    else:
        checks.passed(
            RECORDS,
            f"health checks and PRIMARY/SECONDARY records of {name} are in place (switch {reports['switch']['id']})",
            evidence,
        )


def _record_label(record):
    label = f"{record.get('Failover') or record['Type']} record"
    return f"{label} {record['SetIdentifier']}" if record.get("SetIdentifier") else label


def _secondary_check(checks, plan, health, reports, options):
    report = reports["secondary"]
    required = _bool(options.get("require_secondary_healthy", True))
    _dummy, status = health["secondary"]
    evidence = {"health_check": report}
    if plan["secondary"]["action"] in ("create", "replace"):
        what = (
            "has no Route 53 health check"
            if plan["secondary"]["action"] == "create"
            else ("has a Route 53 health check that differs from the inventory and would be replaced")
        )
        checks.failed(SECONDARY_HEALTHY, f"the DR endpoint {report['target']} {what}", PROVISION, evidence)
        return
    state = {None: "no health checker result yet", True: "healthy", False: "unhealthy"}[status]
    reason = f"the DR endpoint {report['target']} is {state} for its Route 53 health check {report['id']}"
    if not required:
        checks.passed(
            SECONDARY_HEALTHY, f"{reason} (not required: dr_dns_readiness_require_secondary_healthy is false)", evidence
        )
    elif status is None:
        checks.not_checked(SECONDARY_HEALTHY, reason, evidence)
    else:
        checks.expect(
            SECONDARY_HEALTHY,
            status,
            reason,
            "make the DR side healthy (activate its Auto Scaling groups so the DR load balancer has "
            "healthy targets), or in a strict pilot light set dr_dns_readiness_require_secondary_healthy: "
            "false",
            evidence,
        )


def _answer_check(checks, answer, mode, plan, health, endpoints, name):
    if answer["endpoint"] is None and answer["record_data"]:
        expected = planning.expected_endpoint(None, mode or "auto", plan["switch"]["config"], health)
        answer.update(endpoint=expected, matched_by="prediction", region=endpoints[expected].get("region"))
    answer.update(active=answer["endpoint"], mode=mode)
    reason = (
        f"{fqdn(name)} answers {', '.join(answer['record_data']) or 'nothing'} "
        f"({answer['endpoint'] or 'nothing'}, matched by {answer['matched_by'] or 'nothing'}), "
        f"switch {mode or 'missing'}"
    )
    if mode not in (None, "auto"):
        fix = (
            "traffic is switched away from the primary: fail back (role dr_dns, failback.yml) or set the switch "
            "to auto (dr_dns_active: auto with main.yml)"
        )
    elif answer["endpoint"] == "secondary":
        fix = "Route 53 finds the primary unhealthy: make the primary endpoint pass its health check"
    else:
        fix = PROVISION
    checks.expect(ANSWERS_PRIMARY, answer["endpoint"] == "primary" and mode == "auto", reason, fix, {"answer": answer})


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
