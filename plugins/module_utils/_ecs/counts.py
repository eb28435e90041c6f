# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pilot-light life of ECS services: desired counts and readiness.

A service in standby has a desired count of 0 and carries the count to come back to in a tag
(``pilotlight:active-count`` = ``4``), so activation in the DR region needs nothing but the service
itself: no call to the primary region, which may be down.

The functions here are pure (dicts in, dicts out) and unit-tested; the ECS and ELB calls are in
``services``.
"""

import math

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

COUNT_TAG = "pilotlight:active-count"


class CountError(ValueError):
    """A desired count that cannot be used; the message names what is wrong."""


def tags_of(service):
    return {tag["key"]: tag.get("value", "") for tag in service.get("tags") or []}


def recorded_count(service, tag=COUNT_TAG):
    """The count recorded on the service, None when there is none; CountError when unreadable."""
    value = tags_of(service).get(tag)
    if value is None:
        return None
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise CountError(f"tag {tag} of service {service['serviceName']} is {value!r}, not a count (0 or more)")
    return count


def scaled(count, percent):
    """``percent`` of a count, rounded up (ARC Region switch style)."""
    return math.ceil(count * percent / 100.0)


def reference_count(reference, tag=COUNT_TAG):
    """What the reference service runs: its desired count, or its recorded one when it is fenced at 0."""
    if reference.get("desiredCount"):
        return reference["desiredCount"], "current"
    recorded = recorded_count(reference, tag)
    if recorded:
        return recorded, "recorded"
    return None, None


def standby_plan(service, entry, record=True, tag=COUNT_TAG):
    """(count to record or None, where it comes from) for state=standby.

    The recorded count is the entry's explicit one, else the service's desired count when it runs,
    else what is recorded already (a service already in standby keeps its record).
    """
    existing = recorded_count(service, tag)
    if not record:
        return existing, ("recorded" if existing is not None else "none")
    if entry.get("desired_count") is not None:
        return entry["desired_count"], "explicit"
    if service.get("desiredCount"):
        return service["desiredCount"], "current"
    if existing is not None:
        return existing, "recorded"
    return None, "none"


def active_target(service, entry, reference=None, percent=100, tag=COUNT_TAG):
    """(desired count, source) for state=active: explicit > reference service x percent > recorded tag.

    A service with no record that runs already (never fenced) keeps what it runs.
    """
    name = entry["name"]
    if entry.get("desired_count") is not None:
        return entry["desired_count"], "explicit"
    if entry.get("reference_service"):
        if reference is None:
            raise CountError(f"service {name}: reference service {entry['reference_service']} not found")
        count, how = reference_count(reference, tag)
        if count is None:
            raise CountError(
                f"service {name}: reference service {entry['reference_service']} runs nothing and has no recorded "
                "count; give desired_count"
            )
        return scaled(count, percent), f"reference ({how})"
    recorded = recorded_count(service, tag)
    if recorded is None and service.get("desiredCount"):
        return service["desiredCount"], "current"
    if recorded is None:
        raise CountError(
            f"service {name} has no recorded count (tag {tag}): put it in standby with desired_count first, "
            "or give desired_count or reference_service"
        )
    return recorded, "recorded"


def plan_service(service, entry, params, references):
    """A plan dict for one service: desired count before/after and the count to record."""
    tag = params["count_tag"]
    before = service.get("desiredCount") or 0
    existing = recorded_count(service, tag)
    if params["state"] == "standby":
        after = 0
        record, source = standby_plan(service, entry, params["record_count"], tag)
    else:
        target, source = active_target(
            service, entry, references.get(entry.get("reference_service")), params["capacity_percent"], tag
        )
        # Never scale in a service that already runs more (a failover must not take capacity away).
        after, record = max(before, target), existing
    return {
        "name": entry["name"],
        "arn": service["serviceArn"],
        "before": before,
        "after": after,
        "existing_record": existing,
        "record": record,
        "source": source,
        "rescale": after != before,
        "retag": record is not None and record != existing,
        "timings": {"update": None, "running": None, "healthy": None},
    }


def make_plans(services, params, references):
    """The plan of every service of the task; one DRError naming every service whose count is unusable."""
    plans, problems = [], []
    for entry in params["services"]:
        try:
            plans.append(plan_service(services[entry["name"]], entry, params, references))
        except CountError as exc:
            problems.append(str(exc))
    if problems:
        raise DRError("; ".join(problems))
    return plans


# -- readiness -----------------------------------------------------------------------------------------
def target_groups_of(service):
    return sorted({lb["targetGroupArn"] for lb in service.get("loadBalancers") or [] if lb.get("targetGroupArn")})


def healthy_targets(health_by_tg, service):
    """{target group arn: number of healthy targets} of the service's target groups."""
    return {
        arn: sum(1 for state in health_by_tg.get(arn, {}).values() if state == "healthy")
        for arn in target_groups_of(service)
    }


def progress(service, health_by_tg):
    """(running, ready): running = desired with nothing pending; ready = also as many healthy targets."""
    desired = service.get("desiredCount") or 0
    running = service.get("runningCount", 0) == desired and not service.get("pendingCount")
    healthy = healthy_targets(health_by_tg, service)
    return running, running and all(count >= desired for count in healthy.values())


def stopped(service):
    return not service.get("runningCount") and not service.get("pendingCount")


# -- the module's result ---------------------------------------------------------------------------------
def describe_plan(plan, service, health, region, check_mode):
    """One item of the module's ``services``."""
    return {
        "name": plan["name"],
        "arn": plan["arn"],
        "region": region,
        "changed": plan["rescale"] or plan["retag"],
        "desired_count_before": plan["before"],
        "desired_count": plan["after"] if check_mode else service.get("desiredCount", 0),
        "running_count": service.get("runningCount", 0),
        "pending_count": service.get("pendingCount", 0),
        "recorded_count": plan["record"],
        "count_source": plan["source"],
        "target_groups": healthy_targets(health, service),
        "timings": plan["timings"],
    }


def diff_view(desired, record):
    return {"desired_count": desired, "recorded_count": record}
