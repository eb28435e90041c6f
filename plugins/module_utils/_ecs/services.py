# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ECS and ELB calls of ecs_pilot_light: each takes boto3 clients and raises DRError."""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import counts

# DescribeServices takes at most 10 services per call.
MAX_SERVICES_PER_CALL = 10


def chunked(items, size=MAX_SERVICES_PER_CALL):
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


# -- reads -----------------------------------------------------------------------------------------------
def describe_services(client, cluster, names):
    """{name: service} of the ACTIVE services among ``names`` (with their tags), 10 names per call."""
    out = {}
    for chunk in chunked(dict.fromkeys(names)):
        response = client.describe_services(cluster=cluster, services=chunk, include=["TAGS"], aws_retry=True)
        for service in response.get("services", []):
            if service.get("status") == "ACTIVE":
                out[service["serviceName"]] = service
    return out


def read_services(client, cluster, names, region):
    """{name: service} of every service in ``names``; DRError naming the missing ones."""
    with aws_errors(f"read ECS services of cluster {cluster} in {region}"):
        services = describe_services(client, cluster, names)
    missing = [name for name in names if name not in services]
    if missing:
        raise DRError(
            f"ECS service(s) {', '.join(missing)} not found (or not ACTIVE) in cluster {cluster} in {region}: "
            "check the names, the cluster and the region"
        )
    return services


def read_references(client, cluster, names, region):
    """The reference services (in the primary region, ``client``'s region) that size the DR services."""
    if not names:
        return {}
    with aws_errors(
        f"read the reference service(s) {', '.join(names)} of cluster {cluster} in {region} (is the region reachable?)",
        "leave reference_service out to use the recorded count",
    ):
        services = describe_services(client, cluster, names)
    missing = [name for name in names if name not in services]
    if missing:
        raise DRError(f"reference service(s) {', '.join(missing)} not found in cluster {cluster} in {region}")
    return services


def target_health(elbv2, target_group_arn):
    """{target id: state} of a target group's targets."""
    descriptions = elbv2.describe_target_health(TargetGroupArn=target_group_arn, aws_retry=True)
    return {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in descriptions.get("TargetHealthDescriptions", [])}


def health_of(elbv2, services, region):
    """{target group arn: {target id: state}} of every target group of ``services``."""
    arns = sorted({arn for service in services for arn in counts.target_groups_of(service)})
    with aws_errors(f"read target health in {region}"):
        return {arn: target_health(elbv2, arn) for arn in arns}


# -- changes ---------------------------------------------------------------------------------------------
def apply_plan(client, cluster, plan, tag):
    """Record the count tag, then set the desired count; the service's name."""
    name = plan["name"]
    with aws_errors(f"change ECS service {name} of cluster {cluster}"):
        if plan["retag"]:
            client.tag_resource(
                resourceArn=plan["arn"], tags=[{"key": tag, "value": str(plan["record"])}], aws_retry=True
            )
        if plan["rescale"]:
            client.update_service(cluster=cluster, service=name, desiredCount=plan["after"], aws_retry=True)
    return name


def wait_for_services(client, elbv2, cluster, plans, state, deadline, started, region):
    """One loop for all services: active ones until running = desired and healthy, standby ones until no task runs."""
    names = [p["name"] for p in plans]
    waiting = set(names)

    def check():
        with aws_errors(f"read ECS services of cluster {cluster} in {region}"):
            services = describe_services(client, cluster, sorted(waiting))
        health = {}
        if state == "active":
            health = health_of(elbv2, list(services.values()), region)
        now = round(time.monotonic() - started, 3)
        for plan in plans:
            service = services.get(plan["name"])
            if service is None or plan["name"] not in waiting:
                continue
            if state == "standby":
                if counts.stopped(service):
                    waiting.discard(plan["name"])
                continue
            running, ready = counts.progress(service, health)
            if plan["timings"]["running"] is None and running:
                plan["timings"]["running"] = now
            if ready:
                plan["timings"]["healthy"] = now
                waiting.discard(plan["name"])
        return not waiting

    what = "tasks to stop" if state == "standby" else "tasks RUNNING (running = desired) and healthy targets"
    try:
        # On the failover's critical path: poll at most every 3 s so the RTO is not padded by the back-off.
        wait_until(check, deadline, f"{what} ({', '.join(sorted(waiting))} in {region})", delay=1.0, max_delay=3.0)
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc.message}; not ready: {', '.join(sorted(waiting))}") from None
