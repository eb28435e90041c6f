# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Route 53 failover planning, pure: no call, so every decision is unit tested.

The traffic switch is a CALCULATED health check (the "switch") whose only child is the primary
endpoint's health check; the PRIMARY record uses the switch, not the endpoint check:

* ``auto``: HealthThreshold 1, not inverted: the switch follows the primary endpoint, Route 53
  fails over on its own;
* ``secondary``: HealthThreshold 0 (documented "always healthy") and Inverted: always unhealthy,
  so Route 53 answers with the SECONDARY whatever the primary endpoint does, even while the primary
  region is down (inverting the endpoint check itself would turn a dead primary *healthy*);
* ``primary`` (forced): HealthThreshold 0, not inverted: always healthy, Route 53 answers with the
  PRIMARY whatever its health checkers say.

Switching is one UpdateHealthCheck on a global service: no record is rewritten, it takes effect as
fast as health-check status propagates, and it is undone by the opposite call.

Here: desired health-check and record configurations and what changes to reach them, health as
Route 53 computes it, which endpoint a DNS answer is, and the reports the module returns.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import ROLES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH_DR
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import TAG_RECORD
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import TAG_ROLE
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import fqdn
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import host
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import short_zone_id
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.switch import gate_config

IMMUTABLE_CHECK_FIELDS = ("Type", "RequestInterval")

# Route 53 considers an endpoint healthy when more than 18% of its health checkers say so.
HEALTHY_FRACTION = 0.18


# -- health checks ---------------------------------------------------------------------------------
def switch_config(mode, child_id):
    """The switch (CALCULATED) health check's configuration for a mode."""
    threshold, inverted = {"auto": (1, False), "secondary": (0, True), "primary": (0, False)}[mode]
    return {
        "Type": "CALCULATED",
        "ChildHealthChecks": [child_id] if child_id else [],
        "HealthThreshold": threshold,
        "Inverted": inverted,
        "Disabled": False,
    }


def mode_of(config):
    """The mode a switch configuration stands for (None when it is no known mode)."""
    if not config:
        return None
    threshold, inverted = config.get("HealthThreshold"), bool(config.get("Inverted"))
    if config.get("Disabled"):
        return "primary"
    if threshold == 0:
        return "secondary" if inverted else "primary"
    children = len(config.get("ChildHealthChecks") or [])
    if threshold is not None and threshold > children:
        return "primary" if inverted else "secondary"
    return None if inverted else "auto"


def check_changes(existing, desired):
    """(UpdateHealthCheck arguments, replace) to turn an existing config into the desired one."""
    for field in IMMUTABLE_CHECK_FIELDS:
        if existing.get(field, desired.get(field)) != desired.get(field):
            return {}, True
    if desired.get("Type") != "CALCULATED" and existing.get("IPAddress") and not desired.get("IPAddress"):
        return {}, True  # an IP address cannot be removed from a health check
    changes, reset = {}, []
    for field, value in desired.items():
        if field in IMMUTABLE_CHECK_FIELDS or field == "Type":
            continue
        current = existing.get(field)
        if field in ("ChildHealthChecks", "Regions"):
            current, value = sorted(current or []), sorted(value or [])
        elif field in ("Inverted", "Disabled", "EnableSNI"):
            current, value = bool(current), bool(value)
        if current != value:
            changes[field] = desired[field]
    for field in ("ResourcePath", "FullyQualifiedDomainName"):
        if existing.get(field) and field not in desired:
            reset.append(field)
    if reset:
        changes["ResetElements"] = reset
    return changes, False


def config_view(config, like):
    """The fields of a health-check config that this module manages (those of ``like``), normalised."""
    if not config:
        return None
    view = {}
    for field in like:
        value = config.get(field)
        if field in ("ChildHealthChecks", "Regions"):
            value = sorted(value or [])
        elif field in ("Inverted", "Disabled", "EnableSNI"):
            value = bool(value)
        view[field] = value
    return view


def endpoint_health(observations):
    """Healthy (True/False) from the checkers' reports, None when there is no report yet."""
    if not observations:
        return None
    good = sum(1 for o in observations if (o.get("StatusReport") or {}).get("Status", "").startswith("Success"))
    return good / len(observations) > HEALTHY_FRACTION


def status_from(raw_healthy, config):
    """The status DNS uses: Disabled is always healthy, Inverted flips (None stays unknown)."""
    if config.get("Disabled"):
        return True
    if raw_healthy is None:
        return None
    return (not raw_healthy) if config.get("Inverted") else raw_healthy


def switch_status(config, primary_status):
    """Status of the switch (a CALCULATED check over the primary endpoint check) from its config."""
    if config.get("Disabled"):
        return True
    threshold = config.get("HealthThreshold")
    threshold = 1 if threshold is None else threshold
    if threshold == 0:
        healthy = True
    elif threshold > len(config.get("ChildHealthChecks") or [None]):
        healthy = False
    elif primary_status is None:
        return None
    else:
        healthy = (1 if primary_status else 0) >= threshold
    return (not healthy) if config.get("Inverted") else healthy


def predict_endpoint(primary_healthy, secondary_healthy):
    """Which failover record Route 53 answers with (unknown health counts as healthy, as before checkers report)."""
    if primary_healthy is not False:
        return "primary"
    if secondary_healthy is not False:
        return "secondary"
    return "primary"


# -- records ---------------------------------------------------------------------------------------
def desired_record(endpoint, name, record_type, ttl, check_id):
    record = {
        "Name": fqdn(name),
        "Type": record_type,
        "SetIdentifier": endpoint["set_identifier"],
        "Failover": endpoint["role"].upper(),
    }
    if check_id:
        record["HealthCheckId"] = check_id
    if endpoint.get("alias"):
        alias = endpoint["alias"]
        record["AliasTarget"] = {
            "HostedZoneId": alias["hosted_zone_id"],
            "DNSName": fqdn(alias["dns_name"]),
            "EvaluateTargetHealth": alias["evaluate_target_health"],
        }
    else:
        record["TTL"] = ttl
        record["ResourceRecords"] = [{"Value": value} for value in endpoint["values"]]
    return record


def normalize_record(record):
    """A record set reduced to what this module manages, for comparison."""
    if record is None:
        return None
    result = {
        "Name": fqdn(record.get("Name")),
        "Type": record.get("Type"),
        "SetIdentifier": record.get("SetIdentifier"),
        "Failover": record.get("Failover"),
        "HealthCheckId": record.get("HealthCheckId"),
    }
    alias = record.get("AliasTarget")
    if alias:
        result["AliasTarget"] = {
            "HostedZoneId": short_zone_id(alias.get("HostedZoneId")),
            "DNSName": fqdn(alias.get("DNSName")),
            "EvaluateTargetHealth": bool(alias.get("EvaluateTargetHealth")),
        }
    else:
        result["TTL"] = record.get("TTL")
        result["ResourceRecords"] = sorted(v.get("Value") for v in record.get("ResourceRecords") or [])
    return result


def same_record(existing, desired):
    return normalize_record(existing) == normalize_record(desired)


def plan_records(existing, desired, overwrite):
    """The Changes of one ChangeResourceRecordSets batch, and the conflicting records (without overwrite).

    ``existing`` are the record sets of the name and type, ``desired`` the PRIMARY and SECONDARY.
    A failover record of the same role with another set identifier is replaced (deleted and created in
    the same batch, as Route 53 allows one PRIMARY and one SECONDARY); records that are not failover
    records conflict (Route 53 refuses to mix them) and are only deleted with ``overwrite``.
    """
    changes, conflicts = [], []
    wanted = {record["Failover"]: record for record in desired}
    for record in existing:
        role = record.get("Failover")
        if role not in wanted:
            conflicts.append(record)
            continue
        if record.get("SetIdentifier") != wanted[role]["SetIdentifier"]:
            changes.append({"Action": "DELETE", "ResourceRecordSet": record})
    if conflicts and overwrite:
        changes = [{"Action": "DELETE", "ResourceRecordSet": record} for record in conflicts] + changes
    by_role = {record.get("Failover"): record for record in existing if record.get("Failover") in wanted}
    for role, record in wanted.items():
        current = by_role.get(role)
        if current is None or not same_record(current, record):
            changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
    return changes, ([] if overwrite else conflicts)


def match_answer(record_data, endpoints, resolver=None):
    """(endpoint role, how) that a TestDNSAnswer RecordData list points to, or (None, None).

    Plain records match by value; alias records by name (answers that carry the target's name) or by
    address (real Route 53 answers an alias with the target's addresses: the target name is resolved
    with ``resolver``, ``api.system_resolver`` in the module, and the address sets compared).
    """
    data = {host(value) for value in record_data or []}
    if not data:
        return None, None
    for endpoint in endpoints:
        if endpoint.get("values") and data & {host(v) for v in endpoint["values"]}:
            return endpoint["role"], "value"
        if endpoint.get("alias") and host(endpoint["alias"]["dns_name"]) in data:
            return endpoint["role"], "alias name"
    aliases = [e for e in endpoints if e.get("alias")]
    if not aliases or resolver is None:
        return None, None
    addresses = resolver([e["alias"]["dns_name"] for e in aliases])
    for endpoint in aliases:
        if data & addresses.get(endpoint["alias"]["dns_name"], set()):
            return endpoint["role"], "alias address"
    return None, None


# -- the failover's state ------------------------------------------------------------------------------
def pick(candidates, referenced, warnings, what):
    """One health check of a role: the one in use when several carry the tags."""
    if not candidates:
        return None
    chosen = next((c for c in candidates if c["Id"] in referenced), candidates[0])
    if len(candidates) > 1:
        others = ", ".join(c["Id"] for c in candidates if c is not chosen)
        warnings.append(
            f"several {what} health checks carry this record's tags; using {chosen['Id']}, left alone: {others}"
        )
    return chosen


def failover_state(key, found, records):
    """The record's state from its tagged health checks (``api.find_health_checks``) and record sets."""
    warnings = []
    in_records = {record.get("HealthCheckId") for record in records}
    checks = {"switch": pick(found["switch"], in_records, warnings, "switch")}
    children = set((checks["switch"] or {}).get("HealthCheckConfig", {}).get("ChildHealthChecks") or [])
    checks["primary"] = pick(found["primary"], children | in_records, warnings, "primary")
    checks["secondary"] = pick(found["secondary"], in_records, warnings, "secondary")
    checks[SWITCH_DR] = pick(found.get(SWITCH_DR) or [], in_records, warnings, "DR switch")
    return {"key": key, "checks": checks, "records": records, "warnings": warnings}


def current_mode(state):
    """The switch's mode now: None without a switch, "custom" when its settings are no known mode."""
    switch = state["checks"]["switch"]
    if switch is None:
        return None
    return mode_of(switch.get("HealthCheckConfig")) or "custom"


# -- planning ----------------------------------------------------------------------------------------------
def target_mode(requested, force, current_mode, switch_exists, alarm=False):
    """The switch mode to set; "custom" keeps an existing switch whose settings are no known mode.

    With the alarm switch, "primary" is "auto": DNS never goes to DR on its own, so the primary is pinned.
    """
    if requested == "primary":
        if alarm:
            return "auto"
        return "primary" if force else "auto"
    if requested:
        return requested
    return current_mode if switch_exists else "auto"


def plan_checks(state, endpoints, tags):
    """For each endpoint check: (action, existing, desired config, update arguments)."""
    plan = {}
    for role, endpoint in endpoints.items():
        existing, desired = state["checks"][role], endpoint["health_check"]
        if existing is None:
            plan[role] = {"action": "create", "existing": None, "config": desired, "changes": {}}
            continue
        changes, replace = check_changes(existing["HealthCheckConfig"], desired)
        action = "replace" if replace else ("update" if changes else "keep")
        plan[role] = {"action": action, "existing": existing, "config": desired, "changes": changes}
    for role, item in plan.items():
        item["tags"] = check_tags(state["key"], role, tags)
    return plan


def check_tags(key, role, extra):
    tags = dict(extra or {})
    tags.setdefault("Name", f"{key.split('/')[1].rstrip('.')} {role}")
    tags.update({TAG_RECORD: key, TAG_ROLE: role})
    return tags


def plan_switch(state, mode, primary_id, tags):
    existing = state["checks"]["switch"]
    if existing is not None and existing["HealthCheckConfig"].get("Type") != "CALCULATED":
        mode = "auto" if mode in (None, "custom") else mode  # was the alarm switch: replaced
    if mode == "custom":  # someone set the switch by hand: keep it, only its child follows the primary check
        desired = config_view(existing["HealthCheckConfig"], switch_config("auto", None))
        desired["ChildHealthChecks"] = [primary_id] if primary_id else []
    else:
        desired = switch_config(mode, primary_id)
    if existing is None:
        return {
            "action": "create",
            "existing": None,
            "config": desired,
            "changes": {},
            "tags": check_tags(state["key"], SWITCH, tags),
        }
    changes, replace = check_changes(existing["HealthCheckConfig"], desired)
    return {
        "action": "replace" if replace else ("update" if changes else "keep"),
        "existing": existing,
        "config": desired,
        "changes": changes,
        "tags": check_tags(state["key"], SWITCH, tags),
    }


def plan_failover(state, endpoints, mode, tags, alarm=None):
    """The plan of the health checks: endpoint checks, then the switch over the primary one.

    ``alarm`` ({"Region", "Name"}, traffic_switch=cloudwatch_alarm): the switch and ``switch_dr`` are
    CLOUDWATCH_METRIC checks on that alarm (``_route53.switch``); the mode lives in the alarm's state.
    """
    plan = plan_checks(state, endpoints, tags)
    if alarm:
        for role, inverted in ((SWITCH, False), (SWITCH_DR, True)):
            plan[role] = plan_one(state, role, gate_config(alarm["Region"], alarm["Name"], inverted), tags)
        return plan
    primary_id = plan["primary"]["existing"]["Id"] if plan["primary"]["action"] in ("keep", "update") else None
    plan["switch"] = plan_switch(state, mode, primary_id, tags)
    return plan


def plan_one(state, role, desired, tags):
    existing = state["checks"].get(role)
    item = {
        "action": "create",
        "existing": existing,
        "config": desired,
        "changes": {},
        "tags": check_tags(state["key"], role, tags),
    }
    if existing is not None:
        changes, replace = check_changes(existing["HealthCheckConfig"], desired)
        item.update(action="replace" if replace else ("update" if changes else "keep"), changes=changes)
    else:
        item["existing"] = None
    return item


def _planned_id(state, plan, role):
    item = plan.get(role)
    if item is None or item["action"] in ("create", "replace"):
        return None
    return (state["checks"].get(role) or {}).get("Id")


def planned_ids(state, plan):
    """(PRIMARY record's check id, SECONDARY record's) as far as known before any change (None: to be made)."""
    return _planned_id(state, plan, SWITCH), _planned_id(state, plan, SWITCH_DR if SWITCH_DR in plan else "secondary")


def record_endpoints(endpoints, alarm):
    """The endpoints as the records carry them: with the alarm switch the SECONDARY alias does not evaluate
    target health, so the health checkers cannot undo a switch to DR (a true pin)."""
    secondary = endpoints["secondary"]
    if not alarm or not secondary.get("alias"):
        return endpoints
    return dict(endpoints, secondary=dict(secondary, alias=dict(secondary["alias"], evaluate_target_health=False)))


def plan_failover_records(state, endpoints, params, switch_id, secondary_id, alarm=None):
    """(Changes, conflicting records, desired PRIMARY and SECONDARY) for the record name and type."""
    name, record_type = params["record_name"], params["record_type"]
    endpoints = record_endpoints(endpoints, alarm)
    desired = [
        desired_record(endpoints["primary"], name, record_type, params["ttl"], switch_id),
        desired_record(endpoints["secondary"], name, record_type, params["ttl"], secondary_id),
    ]
    changes, conflicts = plan_records(state["records"], desired, params["overwrite"])
    return changes, conflicts, desired


def conflicts_error(name, record_type, conflicts):
    listed = "; ".join(
        f"{r['Type']} {r['Name']}" + (f" ({r['SetIdentifier']})" if r.get("SetIdentifier") else "") for r in conflicts
    )
    return DRError(
        f"{fqdn(name)} {record_type} already has records that are not failover records: {listed}. "
        "Route 53 cannot mix them with failover records; set overwrite: true to replace them in one "
        "atomic change"
    )


def tags_would_change(plan, tags, purge_tags):
    purge = bool(purge_tags) and tags is not None
    for item in plan.values():
        if item["existing"] is None:
            continue
        current = {k: v for k, v in item["existing"].get("Tags", {}).items() if not k.startswith("aws:")}
        if any(current.get(k) != v for k, v in item["tags"].items()):
            return True
        if purge and any(k not in item["tags"] for k in current):
            return True
    return False


# -- health ----------------------------------------------------------------------------------------------
def health_of(role, plan, observations):
    """(endpoint healthy, status DNS uses) of an endpoint check after the plan (None = unknown)."""
    if plan[role]["action"] in ("create", "replace"):
        return None, None
    raw = endpoint_health(observations.get(role))
    return raw, status_from(raw, plan[role]["config"])


def describe_health(health):
    raw, status = health
    if raw is None:
        return "no health checker result yet"
    return f"endpoint {'up' if raw else 'down'}, status {'healthy' if status else 'unhealthy'}"


def switch_refusal(params, current_mode, health, plan):
    """Why Route 53 would not carry out the requested switch (DRError raised before any change), or None.

    Returns "check target health" when only the DR load balancer's target health is left to check.
    """
    requested, force = params["active"], params["force"]
    if force or not requested or requested == "auto":
        return None
    name = fqdn(params["record_name"])
    if requested == "secondary" and current_mode != "secondary":
        _dummy, status = health["secondary"]
        if plan["secondary"]["action"] in ("create", "replace"):
            raise DRError(
                f"cannot switch {name} to the secondary in the run that creates its health check: the check "
                "has no result yet. Run again in a minute, or use force: true"
            )
        if status is not True:
            raise DRError(
                f"the secondary endpoint of {name} is not healthy ({describe_health(health['secondary'])}); "
                "Route 53 would keep answering with the primary. Make the DR side healthy (activate its "
                "Auto Scaling groups) and retry, or use force: true"
            )
        return "check target health"
    if requested == "primary":
        raw, _dummy = health["primary"]
        if plan["primary"]["action"] in ("create", "replace") or raw is not True:
            raise DRError(
                f"the primary endpoint of {name} is not healthy ({describe_health(health['primary'])}); "
                "Route 53 would keep answering with the secondary. Fix the primary and retry, or use "
                "force: true to pin traffic to it"
            )
    return None


def target_health_refusal(name, readiness):
    """The refusal when the secondary's load balancer lacks healthy targets (``api.load_balancer_readiness``)."""
    if readiness is not None and readiness[0] is False:
        raise DRError(
            f"the secondary of {fqdn(name)} is an alias that evaluates target health and {readiness[1]}; "
            "Route 53 would keep answering with the primary. Activate the DR side first, or use "
            "force: true"
        )


def expected_endpoint(active, mode, switch_config_after, health):
    """The endpoint the switch sends traffic to: the requested one, or the one Route 53 picks by health."""
    if active in ROLES:
        return active
    if switch_config_after.get("Type") == "CLOUDWATCH_METRIC":  # the alarm switch: DR only when switched
        return "secondary" if mode == "secondary" else "primary"
    return {"secondary": "secondary", "primary": "primary"}.get(mode) or predict_endpoint(
        switch_status(switch_config_after, health["primary"][1]), health["secondary"][1]
    )


# -- results -------------------------------------------------------------------------------------------
def check_report(role, check, config, health):
    raw, status = health
    return {
        "id": (check or {}).get("Id"),
        "type": config["Type"],
        "target": config.get("IPAddress") or config.get("FullyQualifiedDomainName"),
        "port": config.get("Port"),
        "resource_path": config.get("ResourcePath"),
        "request_interval": config.get("RequestInterval"),
        "failure_threshold": config.get("FailureThreshold"),
        "inverted": bool(config.get("Inverted")),
        "disabled": bool(config.get("Disabled")),
        "endpoint_healthy": raw,
        "healthy": status,
    }


def switch_report(check, config, mode, primary_status):
    if config.get("Type") == "CLOUDWATCH_METRIC":
        return {
            "id": (check or {}).get("Id"),
            "mode": mode,
            "type": "cloudwatch_alarm",
            "alarm": config["AlarmIdentifier"]["Name"],
            "alarm_region": config["AlarmIdentifier"]["Region"],
            "healthy": None if mode is None else mode != "secondary",
        }
    return {
        "id": (check or {}).get("Id"),
        "mode": mode,
        "health_threshold": config["HealthThreshold"],
        "inverted": config["Inverted"],
        "child_health_checks": config["ChildHealthChecks"],
        "healthy": switch_status(config, primary_status),
    }


def observations_report(observations):
    return [
        {"region": o.get("Region"), "status": (o.get("StatusReport") or {}).get("Status")} for o in (observations or [])
    ]


def snapshot(mode, checks_config, records, like=None):
    """The state shown by --diff: switch mode, managed health-check fields, records."""
    like = like or checks_config
    return {
        "mode": mode,
        "health_checks": {role: config_view(config, like[role] or {}) for role, config in checks_config.items()},
        "records": [normalize_record(record) for record in records],
    }
