# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The steps of route53_failover over a Route 53 client: read the state, plan, refuse, apply, wait.

``ensure`` and ``remove`` take the client, the hosted zone and the module's parameters, not the
module: ``check_mode`` and ``diff`` say how to run, ``warn`` reports a warning, and ``elbv2(region)``
gives the client that reads the DR load balancer's target health before a switch to it.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import api
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import planning
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import ROLES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import fqdn
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import record_key


def _ignore(message):
    return None


# -- reading ---------------------------------------------------------------------------------------------
def read_state(client, zone, name, record_type):
    """The record's tagged health checks and record sets, read side by side."""
    key = record_key(zone["Id"], name, record_type)
    outcomes = run_concurrently(lambda job: job(), [lambda: api.find_health_checks(client, key),
                                                    lambda: api.list_records(client, zone["Id"], name, record_type)], 2)
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
    answer.update(endpoint=endpoint, matched_by=how,
                  region=endpoints[endpoint].get("region") if endpoint else None)
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
    roles = list(ROLES)
    outcomes = run_concurrently(lambda role: apply_check(client, plan[role], purge), roles, 2)
    checks, changed = {}, False
    for role, outcome in zip(roles, outcomes):
        if not outcome.ok:
            raise outcome.error
        checks[role], done = outcome.value
        changed = changed or done
    switch = plan["switch"]
    switch["config"]["ChildHealthChecks"] = [checks["primary"]["Id"]]
    if switch["existing"] is not None:
        switch["changes"], _ = planning.check_changes(switch["existing"]["HealthCheckConfig"], switch["config"])
        switch["action"] = "update" if switch["changes"] else "keep"
    checks["switch"], done = apply_check(client, switch, purge)
    changed = changed or done
    changes, _, _ = records_plan(checks["switch"]["Id"], checks["secondary"]["Id"])
    change = None
    if changes:
        change = api.change_records(client, zone["Id"], changes,
                                    f"pilotlight.dr route53_failover {fqdn(params['record_name'])}")
        changed = True
    for role in roles:
        if plan[role]["action"] == "replace":
            api.delete_health_check(client, plan[role]["existing"]["Id"])
    return checks, change, changed


def wait_for(client, params, zone, endpoints, change, expected, deadline):
    if change is not None and change.get("Status") != "INSYNC":
        wait_until(lambda: api.change_status(client, change["Id"]) == "INSYNC", deadline,
                   f"Route 53 change {change['Id']} to be INSYNC", delay=2.0)
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
        raise WaitTimeout(f"{exc.message}. It answers {got.get('record_data')} ({got.get('endpoint') or 'unmatched'}): "
                          f"Route 53 answers the {expected} only when it is healthy; with evaluate_target_health, "
                          "its load balancer also needs a healthy target in every target group.") from exc
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
            api.change_records(client, zone["Id"], [{"Action": "DELETE", "ResourceRecordSet": r} for r in failover],
                               f"pilotlight.dr route53_failover {fqdn(name)} absent")
        for role in (SWITCH,) + ROLES:
            if state["checks"][role]:
                api.delete_health_check(client, state["checks"][role]["Id"])
    result = dict(changed=changed, zone_id=zone["Id"], record_name=fqdn(name), record_type=record_type,
                  active=None, mode=None)
    for warning in state["warnings"]:
        warn(warning)
    if diff:
        result["diff"] = make_diff(before, planning.snapshot(None, {role: None for role in configs}, [], like=configs))
    return result


def ensure(client, zone, params, endpoints, check_mode=False, diff=False, warn=_ignore, elbv2=None):
    """state=present: health checks, records and the switch as asked; where DNS answers afterwards."""
    name, record_type = params["record_name"], params["record_type"]
    state = read_state(client, zone, name, record_type)
    observations = read_health(client, state["checks"])
    current_mode = planning.current_mode(state)
    mode = planning.target_mode(params["active"], params["force"], current_mode, state["checks"]["switch"] is not None)
    if mode == "custom":
        warn(f"the switch health check {state['checks']['switch']['Id']} of {fqdn(name)} has settings "
             "that are no known mode (changed by hand?); left as it is. Set active to take it over.")
    plan = planning.plan_failover(state, endpoints, mode, params["tags"])
    health = {role: planning.health_of(role, plan, observations) for role in ROLES}

    def records_plan(switch_id, secondary_id):
        return planning.plan_failover_records(state, endpoints, params, switch_id, secondary_id)

    changes, conflicts, desired_records = records_plan(*planning.planned_ids(state, plan))
    if conflicts:
        raise planning.conflicts_error(name, record_type, conflicts)
    if planning.switch_refusal(params, current_mode, health, plan) and elbv2 is not None:
        planning.target_health_refusal(name, secondary_target_health(elbv2, endpoints["secondary"], warn))

    desired_configs = {role: plan[role]["config"] for role in ROLES + (SWITCH,)}
    before = planning.snapshot(current_mode, {role: (c or {}).get("HealthCheckConfig")
                                              for role, c in state["checks"].items()},
                               state["records"], like=desired_configs)
    checks = {role: plan[role]["existing"] for role in ROLES + (SWITCH,)}
    change = None
    changed = any(plan[role]["action"] != "keep" for role in plan) or bool(changes)
    if not check_mode:
        checks, change, changed_now = apply(client, params, zone, plan, records_plan)
        changed = changed or changed_now
        desired_records = records_plan(checks["switch"]["Id"], checks["secondary"]["Id"])[2]
    else:
        changed = changed or planning.tags_would_change(plan, params["tags"], params["purge_tags"])

    after_configs = {role: plan[role]["config"] for role in ROLES + (SWITCH,)}
    primary_status = health["primary"][1]
    expected = planning.expected_endpoint(params["active"], mode, plan["switch"]["config"], health)
    deadline = Deadline(params["wait_timeout"])
    answer = None
    if params["wait"] and not check_mode and (change or params["active"] in ROLES):
        answer = wait_for(client, params, zone, endpoints, change,
                          params["active"] if params["active"] in ROLES else None, deadline)
    if answer is None:
        answer = answer_of(client, zone, params, endpoints)
    if (check_mode and (changed or answer["endpoint"] is None)) or (
            answer["endpoint"] is None and answer["record_data"]):
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
            "secondary": planning.check_report("secondary", checks["secondary"], after_configs["secondary"],
                                               health["secondary"]),
            "switch": planning.switch_report(checks["switch"], after_configs["switch"], mode, primary_status),
        },
        records=[to_result(record) for record in desired_records],
    )
    for role in ROLES:
        fresh = plan[role]["action"] in ("create", "replace")
        result["health_checks"][role]["observations"] = [] if fresh else planning.observations_report(
            observations.get(role))
    if diff:
        result["diff"] = make_diff(before, planning.snapshot(mode, after_configs, desired_records, like=desired_configs))
    return result
