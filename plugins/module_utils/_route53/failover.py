# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The steps of route53_failover over a Route 53 client: read the state, plan, refuse, apply, wait.

``ensure`` and ``remove`` take the client, the hosted zone and the module's parameters, not the
module: ``check_mode`` and ``diff`` say how to run, ``warn`` reports a warning, and ``elbv2(region)``
gives the client that reads the DR load balancer's target health before a switch to it.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import api
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import planning
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import switch as alarm_switch
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import ROLES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH_DR
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import fqdn
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import record_key


def _ignore(message):
    return None


# -- reading ---------------------------------------------------------------------------------------------
def read_state(client, zone, name, record_type):
    """The record's tagged health checks and record sets, read side by side."""
    key = record_key(zone["Id"], name, record_type)
    outcomes = run_concurrently(
        lambda job: job(),
        [lambda: api.find_health_checks(client, key), lambda: api.list_records(client, zone["Id"], name, record_type)],
        2,
    )
    for outcome in outcomes:
        if not outcome.ok:
            raise outcome.error
    found, records = (outcome.value for outcome in outcomes)
    return planning.failover_state(key, found, records)


def read_health(client, checks):
    """{role: observations} of the endpoint checks that exist."""
    roles = [role for role in ROLES if checks.get(role)]
    outcomes = run_concurrently(lambda role: api.health_check_observations(client, checks[role]["Id"]), roles, 2)
    health = {role: None for role in ROLES}
    for role, outcome in zip(roles, outcomes):
        if not outcome.ok:
            raise outcome.error
        health[role] = outcome.value
    return health


def answer_of(client, zone, params, endpoints, resolver=api.system_resolver):
    """What Route 53 answers now (TestDNSAnswer), the endpoint that is and its region."""
    answer = api.dns_answer(client, zone["Id"], params["record_name"], params["record_type"])
    endpoint, how = planning.match_answer(answer["record_data"], list(endpoints.values()), resolver=resolver)
    answer.update(endpoint=endpoint, matched_by=how, region=endpoints[endpoint].get("region") if endpoint else None)
    return answer


def secondary_target_health(elbv2, endpoint, warn):
    """(ready, reason) of the DR load balancer for EvaluateTargetHealth, read in the secondary's region only."""
    alias = endpoint.get("alias")
    if not alias or not alias["evaluate_target_health"] or not endpoint.get("region"):
        return None
    if not alias["dns_name"].endswith(".elb.amazonaws.com"):
        return None
    ready, reason = api.load_balancer_readiness(elbv2(endpoint["region"]), alias["dns_name"])
    if ready is None:
        warn(f"could not check the target health of {alias['dns_name']}: {reason}")
    return ready, reason


# -- applying ------------------------------------------------------------------------------------------
def apply_check(client, item, purge):
    action = item["action"]
    if action in ("create", "replace"):
        return api.create_health_check(client, item["config"], item["tags"]), True
    check, changed = item["existing"], False
    if action == "update":
        check, changed = api.update_health_check(client, check, item["changes"]), True
    changed = api.update_tags(client, check, item["tags"], purge) or changed
    return check, changed


def apply(client, params, zone, plan, records_plan):
    """Make the changes; returns (checks by role, change info or None, changed)."""
    purge = bool(params["purge_tags"]) and params["tags"] is not None
    alarm = SWITCH_DR in plan  # the alarm switch's checks need no other check's id
    roles = list(ROLES) + ([SWITCH, SWITCH_DR] if alarm else [])
    outcomes = run_concurrently(lambda role: apply_check(client, plan[role], purge), roles, 2)
    checks, changed = {}, False
    for role, outcome in zip(roles, outcomes):
        if not outcome.ok:
            raise outcome.error
        checks[role], done = outcome.value
        changed = changed or done
    if not alarm:
        switch = plan["switch"]
        switch["config"]["ChildHealthChecks"] = [checks["primary"]["Id"]]
        if switch["existing"] is not None and switch["action"] != "replace":
            existing = switch["existing"]["HealthCheckConfig"]
            switch["changes"], _dummy = planning.check_changes(existing, switch["config"])
            switch["action"] = "update" if switch["changes"] else "keep"
        checks["switch"], done = apply_check(client, switch, purge)
        changed = changed or done
        roles.append(SWITCH)
    changes, _dummy, _dummy = records_plan(checks["switch"]["Id"], checks[SWITCH_DR if alarm else "secondary"]["Id"])
    change = None
    if changes:
        change = api.change_records(
            client, zone["Id"], changes, f"pilotlight.dr route53_failover {fqdn(params['record_name'])}"
        )
        changed = True
    for role in roles:
        if plan[role]["action"] == "replace":
            api.delete_health_check(client, plan[role]["existing"]["Id"])
    return checks, change, changed


def wait_for(client, params, zone, endpoints, change, expected, deadline):
    if change is not None and change.get("Status") != "INSYNC":
        wait_until(
            lambda: api.change_status(client, change["Id"]) == "INSYNC",
            deadline,
            f"Route 53 change {change['Id']} to be INSYNC",
            delay=2.0,
        )
    if expected not in ROLES:
        return None
    state = {}

    def answered():
        state["answer"] = answer_of(client, zone, params, endpoints)
        return state["answer"]["endpoint"] == expected

    try:
        wait_until(answered, deadline, f"{fqdn(params['record_name'])} to answer with the {expected}", delay=2.0)
    except WaitTimeout as exc:
        got = state.get("answer", {})
        raise WaitTimeout(
            f"{exc.message}. It answers {got.get('record_data')} ({got.get('endpoint') or 'unmatched'}): "
            f"Route 53 answers the {expected} only when it is healthy; with evaluate_target_health, "
            "its load balancer also needs a healthy target in every target group."
        ) from exc
    return state["answer"]


# -- main steps ----------------------------------------------------------------------------------------------
def remove(client, zone, params, check_mode=False, diff=False, warn=_ignore):
    """state=absent: delete the failover records and the health checks this module made for them."""
    name, record_type = params["record_name"], params["record_type"]
    state = read_state(client, zone, name, record_type)
    ours = {c["Id"] for c in state["checks"].values() if c}
    failover = [r for r in state["records"] if r.get("Failover")]
    configs = {role: (c or {}).get("HealthCheckConfig") for role, c in state["checks"].items()}
    before = planning.snapshot(planning.mode_of(configs["switch"]), configs, failover)
    changed = bool(ours or failover)
    if changed and not check_mode:
        if failover:
            api.change_records(
                client,
                zone["Id"],
                [{"Action": "DELETE", "ResourceRecordSet": r} for r in failover],
                f"pilotlight.dr route53_failover {fqdn(name)} absent",
            )
        for role in (SWITCH, SWITCH_DR) + ROLES:
            if state["checks"].get(role):
                api.delete_health_check(client, state["checks"][role]["Id"])
    result = dict(
        changed=changed, zone_id=zone["Id"], record_name=fqdn(name), record_type=record_type, active=None, mode=None
    )
    for warning in state["warnings"]:
        warn(warning)
    if diff:
        result["diff"] = make_diff(before, planning.snapshot(None, {role: None for role in configs}, [], like=configs))
    return result


def alarm_of(params, endpoints):
    """{"Region", "Name"} of the alarm switch, or None with traffic_switch=health_check."""
    if params.get("traffic_switch") != alarm_switch.CLOUDWATCH_ALARM:
        return None
    region = params.get("switch_region") or endpoints["secondary"].get("region")
    if not region:
        raise DRError("traffic_switch=cloudwatch_alarm needs switch_region (the DR region, where the alarm lives)")
    return {"Region": region, "Name": alarm_switch.alarm_name(params["record_name"], params["record_type"])}


def set_alarm_switch(cloudwatch, params, mode, check_mode):
    """Create or update the switch alarm and publish the mode; returns changed."""
    name, record_type = params["record_name"], params["record_type"]
    alarm, changed = alarm_switch.ensure_alarm(cloudwatch, name, record_type, check_mode)
    state = (alarm or {}).get("StateValue")
    if alarm_switch.mode_of_state(state) == mode and state != "INSUFFICIENT_DATA" and not changed:
        return False
    if not check_mode:
        alarm_switch.move(cloudwatch, name, record_type, mode == "secondary", alarm)
    return True


def switch_without_route53(cloudwatch, elbv2, params, endpoints, check_mode=False, warn=_ignore):
    """route53_reachable=false: move traffic with the alarm switch alone, no Route 53 call.

    Route 53's control plane (us-east-1) is down; its health checkers read the alarm in the DR region and
    DNS follows. The DNS answer cannot be asked (TestDNSAnswer is a control-plane call): it is predicted.
    """
    if params["state"] != "present" or params["active"] not in ("secondary", "auto", "primary"):
        raise DRError(
            "with route53_reachable=false only the traffic switch can move (active: secondary, primary "
            "or auto): Route 53's control plane is needed to create or change records and health checks"
        )
    alarm = alarm_of(params, endpoints)
    if alarm is None:
        raise DRError(
            "route53_reachable=false needs traffic_switch=cloudwatch_alarm: the health-check switch is "
            "moved with UpdateHealthCheck, a Route 53 control-plane call"
        )
    client = cloudwatch(alarm["Region"])
    mode = planning.target_mode(params["active"], params["force"], None, True, alarm=True)
    found = alarm_switch.read_alarm(client, alarm["Name"])
    state = alarm_switch.state_now(client, alarm["Name"]) if found is None else found.get("StateValue")
    current = alarm_switch.mode_of_state(state)
    if mode == "secondary" and current != "secondary" and not params["force"]:
        readiness = secondary_target_health(elbv2, endpoints["secondary"], warn)
        planning.target_health_refusal(params["record_name"], readiness)
    changed = current != mode or state == "INSUFFICIENT_DATA"
    if changed and not check_mode:
        alarm_switch.move(client, params["record_name"], params["record_type"], mode == "secondary", found)
        if params["wait"]:
            alarm_switch.wait_for_state(
                client,
                params["record_name"],
                params["record_type"],
                mode == "secondary",
                Deadline(params["wait_timeout"]),
                wait_until,
            )
    expected = "secondary" if mode == "secondary" else "primary"
    endpoint = endpoints[expected]
    data = [fqdn(endpoint["alias"]["dns_name"])] if endpoint.get("alias") else list(endpoint.get("values") or [])
    warn(
        "Route 53's control plane is not called (route53_reachable=false): the DNS answer is predicted from the "
        f"switch alarm {alarm['Name']} in {alarm['Region']}, which Route 53's health checkers follow"
    )
    answer = {
        "record_data": data,
        "response_code": None,
        "nameserver": None,
        "protocol": None,
        "endpoint": expected,
        "matched_by": "prediction",
        "region": endpoint.get("region"),
        "expected": expected,
    }
    return dict(
        changed=changed,
        zone_id=None,
        record_name=fqdn(params["record_name"]),
        record_type=params["record_type"],
        active=expected,
        mode=mode,
        dns_answer=answer,
        switch_pending=False,
        health_checks={
            "switch": {
                "mode": mode,
                "type": "cloudwatch_alarm",
                "alarm": alarm["Name"],
                "alarm_region": alarm["Region"],
            }
        },
        records=[],
        route53_called=False,
    )


def ensure(client, zone, params, endpoints, check_mode=False, diff=False, warn=_ignore, elbv2=None, cloudwatch=None):
    """state=present: health checks, records and the switch as asked; where DNS answers afterwards."""
    name, record_type = params["record_name"], params["record_type"]
    alarm = alarm_of(params, endpoints)
    roles_all = ROLES + (SWITCH,) + ((SWITCH_DR,) if alarm else ())
    state = read_state(client, zone, name, record_type)
    observations = read_health(client, state["checks"])
    alarm_state = None
    if alarm:
        found = alarm_switch.read_alarm(cloudwatch(alarm["Region"]), alarm["Name"])
        alarm_state = (found or {}).get("StateValue")
        current_mode = alarm_switch.mode_of_state(alarm_state)
    else:
        current_mode = planning.current_mode(state)
        warning = alarm_switch.needs_control_plane(
            params.get("traffic_switch") or alarm_switch.HEALTH_CHECK, endpoints["primary"].get("region")
        )
        if warning:
            warn(warning)
    mode = planning.target_mode(
        params["active"],
        params["force"],
        current_mode,
        state["checks"]["switch"] is not None if not alarm else current_mode is not None,
        alarm=bool(alarm),
    )
    if mode == "custom":
        warn(
            f"the switch health check {state['checks']['switch']['Id']} of {fqdn(name)} has settings "
            "that are no known mode (changed by hand?); left as it is. Set active to take it over."
        )
    plan = planning.plan_failover(state, endpoints, mode, params["tags"], alarm=alarm)
    health = {role: planning.health_of(role, plan, observations) for role in ROLES}

    def records_plan(switch_id, secondary_id):
        return planning.plan_failover_records(state, endpoints, params, switch_id, secondary_id, alarm=alarm)

    changes, conflicts, desired_records = records_plan(*planning.planned_ids(state, plan))
    if conflicts:
        raise planning.conflicts_error(name, record_type, conflicts)
    if planning.switch_refusal(params, current_mode, health, plan) and elbv2 is not None:
        planning.target_health_refusal(name, secondary_target_health(elbv2, endpoints["secondary"], warn))

    desired_configs = {role: plan[role]["config"] for role in roles_all}
    before = planning.snapshot(
        current_mode,
        {role: (state["checks"].get(role) or {}).get("HealthCheckConfig") for role in roles_all},
        state["records"],
        like=desired_configs,
    )
    checks = {role: plan[role]["existing"] for role in roles_all}
    change = None
    changed = any(plan[role]["action"] != "keep" for role in plan) or bool(changes)
    if not check_mode:
        checks, change, changed_now = apply(client, params, zone, plan, records_plan)
        changed = changed or changed_now
        desired_records = records_plan(checks["switch"]["Id"], checks[SWITCH_DR if alarm else "secondary"]["Id"])[2]
    else:
        changed = changed or planning.tags_would_change(plan, params["tags"], params["purge_tags"])
    if alarm:  # after the records use the alarm checks: the switch moves traffic only once they are in place
        changed = set_alarm_switch(cloudwatch(alarm["Region"]), params, mode, check_mode) or changed

    after_configs = {role: plan[role]["config"] for role in roles_all}
    primary_status = health["primary"][1]
    expected = planning.expected_endpoint(params["active"], mode, plan["switch"]["config"], health)
    deadline = Deadline(params["wait_timeout"])
    answer = None
    if alarm and params["wait"] and not check_mode and params["active"]:
        alarm_switch.wait_for_state(
            cloudwatch(alarm["Region"]), name, record_type, mode == "secondary", deadline, wait_until
        )
    if params["wait"] and not check_mode and (change or params["active"] in ROLES):
        answer = wait_for(
            client, params, zone, endpoints, change, params["active"] if params["active"] in ROLES else None, deadline
        )
    if answer is None:
        answer = answer_of(client, zone, params, endpoints)
    if (check_mode and (changed or answer["endpoint"] is None)) or (
        answer["endpoint"] is None and answer["record_data"]
    ):
        answer.update(endpoint=expected, matched_by="prediction", region=endpoints[expected].get("region"))
    answer["expected"] = expected
    for warning in state["warnings"]:
        warn(warning)
    result = dict(
        changed=changed,
        zone_id=zone["Id"],
        record_name=fqdn(name),
        record_type=record_type,
        active=answer["endpoint"],
        mode=mode,
        dns_answer=answer,
        switch_pending=params["active"] in ROLES and answer["endpoint"] != params["active"],
        health_checks={
            "primary": planning.check_report("primary", checks["primary"], after_configs["primary"], health["primary"]),
            "secondary": planning.check_report(
                "secondary", checks["secondary"], after_configs["secondary"], health["secondary"]
            ),
            "switch": planning.switch_report(checks["switch"], after_configs["switch"], mode, primary_status),
        },
        route53_called=True,
        records=[to_result(record) for record in desired_records],
    )
    for role in ROLES:
        fresh = plan[role]["action"] in ("create", "replace")
        result["health_checks"][role]["observations"] = (
            [] if fresh else planning.observations_report(observations.get(role))
        )
    if diff:
        after = planning.snapshot(mode, after_configs, desired_records, like=desired_configs)
        result["diff"] = make_diff(before, after)
    return result
