# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin Route 53 and Elastic Load Balancing calls: a client and parameters in, plain data out.

Every AWS error becomes a DRError that names the resource ("cannot ..."), with the AWS error
attached; a read that failed is raised, never returned as "absent" (only the not-found codes
given to ``DRErrorHandler.reader`` mean absent).
"""

import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import jittered_backoff
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import ROLES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import SWITCH_DR
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import TAG_RECORD
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import TAG_ROLE
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import fqdn
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import host
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import short_zone_id

# Route 53 answers PriorRequestNotComplete while an earlier change of the zone is still applied.
ROUTE53_RETRY = jittered_backoff(["PriorRequestNotComplete"])


# -- hosted zone and records ---------------------------------------------------------------------------
@DRErrorHandler.reader("read hosted zone {1}", missing=("NoSuchHostedZone", "InvalidInput"))
def _get_zone(client, zone_id):
    return client.get_hosted_zone(Id=short_zone_id(zone_id), aws_retry=True)["HostedZone"]


def find_zone(client, zone_name=None, zone_id=None):
    """{"Id", "Name"} of the public hosted zone, or DRError saying what to fix."""
    if zone_id:
        zone = _get_zone(client, zone_id)
        if zone is None:
            raise DRError(
                f"hosted zone {zone_id} does not exist in this account; check zone_id "
                "(or give the zone's name with zone)"
            )
    else:
        wanted = fqdn(zone_name)
        with aws_errors(f"list hosted zones named {wanted}"):
            listed = client.list_hosted_zones_by_name(DNSName=wanted, MaxItems="100", aws_retry=True)["HostedZones"]
        matches = [z for z in listed if fqdn(z["Name"]) == wanted and not (z.get("Config") or {}).get("PrivateZone")]
        if not matches:
            raise DRError(
                f"no public hosted zone named {wanted} in this account; check zone "
                "(failover with health checks needs a public hosted zone)"
            )
        if len(matches) > 1:
            ids = ", ".join(short_zone_id(z["Id"]) for z in matches)
            raise DRError(f"{len(matches)} public hosted zones are named {wanted} ({ids}); choose one with zone_id")
        zone = matches[0]
    if (zone.get("Config") or {}).get("PrivateZone"):
        raise DRError(
            f"hosted zone {zone['Name']} ({short_zone_id(zone['Id'])}) is private; Route 53 failover "
            "health checks and TestDNSAnswer work with public hosted zones"
        )
    return {"Id": short_zone_id(zone["Id"]), "Name": fqdn(zone["Name"])}


def list_records(client, zone_id, name, record_type):
    """The record sets of one name and type (all set identifiers)."""
    wanted, records = fqdn(name), []
    params = dict(HostedZoneId=zone_id, StartRecordName=wanted, StartRecordType=record_type, MaxItems="100")
    while True:
        with aws_errors(f"list the records of {wanted} in zone {zone_id}"):
            page = client.list_resource_record_sets(aws_retry=True, **params)
        for record in page["ResourceRecordSets"]:
            if fqdn(record["Name"]) != wanted or record["Type"] != record_type:
                return records
            records.append(record)
        if not page.get("IsTruncated"):
            return records
        params.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])
        if page.get("NextRecordIdentifier"):
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def change_records(client, zone_id, changes, comment):
    try:
        return client.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Comment": comment, "Changes": changes}, aws_retry=True
        )["ChangeInfo"]
    except AWS_ERRORS as exc:  # Route 53's own message says which change it refused
        raise DRError(f"Route 53 refused the record change in zone {zone_id}: {exc}", exception=exc) from exc


@DRErrorHandler.call("read the status of Route 53 change {1}")
def change_status(client, change_id):
    return client.get_change(Id=change_id, aws_retry=True)["ChangeInfo"]["Status"]


def dns_answer(client, zone_id, name, record_type):
    with aws_errors(f"ask Route 53 what {fqdn(name)} {record_type} answers (TestDNSAnswer)"):
        answer = client.test_dns_answer(
            HostedZoneId=zone_id, RecordName=fqdn(name).rstrip("."), RecordType=record_type, aws_retry=True
        )
    return {
        "record_data": list(answer.get("RecordData") or []),
        "response_code": answer.get("ResponseCode"),
        "nameserver": answer.get("Nameserver"),
        "protocol": answer.get("Protocol"),
    }


# -- health checks -------------------------------------------------------------------------------------
@ROUTE53_RETRY
def _all_health_checks(client):
    return client.get_paginator("list_health_checks").paginate().build_full_result().get("HealthChecks", [])


def _tags_of(client, ids):
    if not ids:
        return {}
    result = client.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids, aws_retry=True)
    return {s["ResourceId"]: {t["Key"]: t["Value"] for t in s.get("Tags", [])} for s in result["ResourceTagSets"]}


def find_health_checks(client, key):
    """{role: [health checks tagged for this record]}, roles primary, secondary, switch and switch_dr."""
    with aws_errors("list Route 53 health checks"):
        checks = _all_health_checks(client)
    ids = [check["Id"] for check in checks]
    batches = [ids[i : i + 10] for i in range(0, len(ids), 10)]
    outcomes = run_concurrently(lambda batch: _tags_of(client, batch), batches, 4)
    raise_failures(outcomes, "cannot read the tags of Route 53 health checks", limit=1)
    tags = {}
    for outcome in outcomes:
        tags.update(outcome.value)
    found = {role: [] for role in ROLES + (SWITCH, SWITCH_DR)}
    for check in checks:
        check_tags = tags.get(check["Id"], {})
        if check_tags.get(TAG_RECORD) == key and check_tags.get(TAG_ROLE) in found:
            found[check_tags[TAG_ROLE]].append(dict(check, Tags=check_tags))
    return found


@DRErrorHandler.reader("read the status of health check {1}", missing=("NoSuchHealthCheck",), default=())
def health_check_observations(client, check_id):
    return client.get_health_check_status(HealthCheckId=check_id, aws_retry=True)["HealthCheckObservations"]


def create_health_check(client, config, tags):
    with aws_errors(f"create the {tags.get(TAG_ROLE)} health check ({tags.get('Name')})"):
        check = client.create_health_check(
            CallerReference=f"pilotlight-dr-{uuid.uuid4()}", HealthCheckConfig=config, aws_retry=True
        )["HealthCheck"]
        client.change_tags_for_resource(
            ResourceType="healthcheck",
            ResourceId=check["Id"],
            AddTags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            aws_retry=True,
        )
    return dict(check, Tags=dict(tags))


def update_health_check(client, check, changes):
    try:
        updated = client.update_health_check(
            HealthCheckId=check["Id"], HealthCheckVersion=check["HealthCheckVersion"], aws_retry=True, **changes
        )["HealthCheck"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "HealthCheckVersionMismatch"):
            raise DRError(
                f"health check {check['Id']} was changed by someone else while this task ran; run it again",
                exception=exc,
            ) from exc
        raise DRError(f"cannot update health check {check['Id']}", exception=exc) from exc
    return dict(updated, Tags=check.get("Tags", {}))


def update_tags(client, check, tags, purge):
    current = {k: v for k, v in check.get("Tags", {}).items() if not k.startswith("aws:")}
    add = {k: v for k, v in tags.items() if current.get(k) != v}
    remove = [k for k in current if k not in tags] if purge else []
    if not add and not remove:
        return False
    params = {}
    if add:
        params["AddTags"] = [{"Key": k, "Value": v} for k, v in sorted(add.items())]
    if remove:
        params["RemoveTagKeys"] = sorted(remove)
    with aws_errors(f"tag health check {check['Id']}"):
        client.change_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"], aws_retry=True, **params)
    return True


def delete_health_check(client, check_id):
    try:
        client.delete_health_check(HealthCheckId=check_id, aws_retry=True)
    except AWS_ERRORS as exc:
        if is_error_code(exc, "NoSuchHealthCheck"):
            return
        in_use = (
            " (a record or a calculated health check still uses it)" if is_error_code(exc, "HealthCheckInUse") else ""
        )
        raise DRError(f"cannot delete health check {check_id}{in_use}", exception=exc) from exc


# -- load balancers ------------------------------------------------------------------------------------
@ROUTE53_RETRY
def _all_load_balancers(elbv2):
    return elbv2.get_paginator("describe_load_balancers").paginate().build_full_result().get("LoadBalancers", [])


def load_balancer_readiness(elbv2, dns_name):
    """(ready, reason) for EvaluateTargetHealth on a load balancer: every target group with a healthy target.

    ready is None when it could not be read (the reason says why).
    """
    wanted = host(dns_name)
    try:
        balancers = _all_load_balancers(elbv2)
    except AWS_ERRORS as exc:
        return None, f"cannot read load balancers ({exc})"
    balancer = next((b for b in balancers if host(b["DNSName"]) == wanted), None)
    if balancer is None:
        return None, f"no load balancer named {wanted} found"
    try:
        groups = elbv2.describe_target_groups(LoadBalancerArn=balancer["LoadBalancerArn"], aws_retry=True)[
            "TargetGroups"
        ]
        for group in groups:
            states = [
                d["TargetHealth"]["State"]
                for d in elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"], aws_retry=True)[
                    "TargetHealthDescriptions"
                ]
            ]
            if not states:
                return False, f"target group {group['TargetGroupName']} of {balancer['LoadBalancerName']} has no target"
            if "healthy" not in states:
                return False, (
                    f"target group {group['TargetGroupName']} of {balancer['LoadBalancerName']} has no "
                    f"healthy target ({', '.join(sorted(set(states)))})"
                )
    except AWS_ERRORS as exc:
        return None, f"cannot read the target groups of {balancer['LoadBalancerName']} ({exc})"
    return True, f"every target group of {balancer['LoadBalancerName']} has a healthy target"


@DRErrorHandler.reader("read load balancer {1}", missing=("LoadBalancerNotFound",))
def load_balancer_dns_name(elbv2, name):
    """The DNS name of the load balancer called ``name``, or None when there is none."""
    balancers = elbv2.describe_load_balancers(Names=[name], aws_retry=True)["LoadBalancers"]
    return balancers[0]["DNSName"] if balancers else None


# -- DNS answers -------------------------------------------------------------------------------------
def system_resolver(names, timeout=3.0):
    """{name: set of addresses} through the local resolver, each lookup bounded by ``timeout``."""

    def lookup(name):
        return {info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)}

    found = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(names)))
    try:
        futures = {name: pool.submit(lookup, name) for name in names}
        for name, future in futures.items():
            try:
                found[name] = future.result(timeout=timeout)
            except (FutureTimeout, OSError, UnicodeError):
                found[name] = set()
    finally:
        pool.shutdown(wait=False)
    return found
