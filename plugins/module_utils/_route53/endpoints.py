# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module's input: the two endpoints with every default resolved, refused before any call when wrong."""

import ipaddress

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import ROLES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import elb_hosted_zone_id
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import host
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import region_of
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import short_zone_id

ENDPOINT_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP")
HTTPS_TYPES = ("HTTPS", "HTTPS_STR_MATCH")
STR_MATCH_TYPES = ("HTTP_STR_MATCH", "HTTPS_STR_MATCH")
DEFAULT_PORTS = {"HTTP": 80, "HTTP_STR_MATCH": 80, "HTTPS": 443, "HTTPS_STR_MATCH": 443}


def _check_values(role, values, record_type):
    for value in values:
        if record_type in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                raise DRError(
                    f"{role}.values: {value!r} is not an IP address; an {record_type} record holds addresses"
                ) from None
            if (record_type == "A") != (address.version == 4):
                raise DRError(
                    f"{role}.values: {value} is an IPv{address.version} address; "
                    f"{record_type} records hold IPv{4 if record_type == 'A' else 6} addresses"
                )
    if record_type == "CNAME" and len(values) != 1:
        raise DRError(f"{role}.values: a CNAME record holds exactly one name, got {len(values)}")


def endpoint_spec(role, raw, record_type):
    """One endpoint (primary or secondary) with every default resolved; DRError on bad input."""
    raw = raw or {}
    alias, values = raw.get("alias"), raw.get("values")
    if bool(alias) == bool(values):
        raise DRError(
            f"{role}: give either {role}.alias (a load balancer or another AWS target) or "
            f"{role}.values (the record's addresses), exactly one of them"
        )
    spec = {"role": role, "set_identifier": raw.get("set_identifier") or role}
    if alias:
        dns_name = (alias.get("dns_name") or "").strip().lower().rstrip(".")
        if not dns_name:
            raise DRError(f"{role}.alias.dns_name or {role}.alias.load_balancer_name is required")
        zone_id = alias.get("hosted_zone_id") or elb_hosted_zone_id(dns_name)
        if not zone_id:
            raise DRError(
                f"{role}.alias.hosted_zone_id is required for {dns_name}: only Application/Classic Load Balancer "
                "names (NAME.REGION.elb.amazonaws.com) have a known hosted zone id; give the target's "
                "CanonicalHostedZoneId (describe-load-balancers) or hosted zone id"
            )
        spec["alias"] = {
            "dns_name": dns_name,
            "hosted_zone_id": short_zone_id(zone_id),
            "evaluate_target_health": True
            if alias.get("evaluate_target_health") is None
            else bool(alias["evaluate_target_health"]),
        }
    else:
        _check_values(role, values, record_type)
        spec["values"] = list(values)
    spec["health_check"] = health_check_spec(role, raw.get("health_check") or {}, spec)
    spec["region"] = (
        raw.get("region")
        or region_of(spec.get("alias", {}).get("dns_name"))
        or region_of(spec["health_check"].get("FullyQualifiedDomainName"))
    )
    return spec


def health_check_spec(role, raw, endpoint):
    """The HealthCheckConfig of an endpoint's health check."""
    check_type = raw.get("type") or "HTTPS"
    if check_type not in ENDPOINT_TYPES:
        raise DRError(f"{role}.health_check.type must be one of {', '.join(ENDPOINT_TYPES)}, got {check_type}")
    ip_address = raw.get("ip_address")
    name = raw.get("fqdn") or (endpoint.get("alias") or {}).get("dns_name")
    if not ip_address and not name:
        raise DRError(
            f"{role} has no health check target: its record holds plain values, so set {role}.health_check.fqdn "
            f"or {role}.health_check.ip_address. Every endpoint needs a health check: without one Route 53 "
            "cannot tell whether it may answer with it, and this module cannot check a switch before making it."
        )
    config = {"Type": check_type}
    if ip_address:
        try:
            address = ipaddress.ip_address(ip_address)
        except ValueError:
            raise DRError(f"{role}.health_check.ip_address {ip_address!r} is not an IP address") from None
        if not address.is_global:
            raise DRError(
                f"{role}.health_check.ip_address {ip_address} is not a public address; "
                "Route 53 health checkers can only reach public endpoints"
            )
        config["IPAddress"] = str(address)
    if name:
        config["FullyQualifiedDomainName"] = host(name)
    port = raw.get("port") or DEFAULT_PORTS.get(check_type)
    if port is None:
        raise DRError(f"{role}.health_check.port is required for a TCP health check")
    if not 1 <= int(port) <= 65535:
        raise DRError(f"{role}.health_check.port must be between 1 and 65535, got {port}")
    config["Port"] = int(port)
    if check_type != "TCP":
        path = raw.get("resource_path") or "/"
        if not path.startswith("/") or len(path) > 255:
            raise DRError(
                f"{role}.health_check.resource_path must start with / and have at most 255 characters, got {path!r}"
            )
        config["ResourcePath"] = path
    elif raw.get("resource_path"):
        raise DRError(f"{role}.health_check.resource_path does not apply to a TCP health check")
    if check_type in STR_MATCH_TYPES:
        if not raw.get("search_string"):
            raise DRError(f"{role}.health_check.search_string is required for a {check_type} health check")
        config["SearchString"] = raw["search_string"]
    elif raw.get("search_string"):
        raise DRError(f"{role}.health_check.search_string needs type HTTP_STR_MATCH or HTTPS_STR_MATCH")
    interval = raw.get("request_interval") or 30
    if interval not in (10, 30):
        raise DRError(f"{role}.health_check.request_interval must be 10 or 30, got {interval}")
    config["RequestInterval"] = interval
    threshold = raw.get("failure_threshold") or 3
    if not 1 <= threshold <= 10:
        raise DRError(f"{role}.health_check.failure_threshold must be between 1 and 10, got {threshold}")
    config["FailureThreshold"] = threshold
    if check_type in HTTPS_TYPES:
        sni = raw.get("enable_sni")
        config["EnableSNI"] = bool(name) if sni is None else bool(sni)
    if raw.get("regions"):
        if len(raw["regions"]) < 3:
            raise DRError(f"{role}.health_check.regions needs at least 3 regions, got {len(raw['regions'])}")
        config["Regions"] = sorted(raw["regions"])
    config["Inverted"] = False
    config["Disabled"] = False
    return config


def check_distinct(primary, secondary):
    """The two endpoints must really be two: DRError naming what they share."""
    if primary["set_identifier"] == secondary["set_identifier"]:
        raise DRError(
            f"primary and secondary both use set_identifier {primary['set_identifier']!r}; "
            "the two failover records need different identifiers"
        )
    if (
        primary.get("alias")
        and secondary.get("alias")
        and (host(primary["alias"]["dns_name"]) == host(secondary["alias"]["dns_name"]))
    ):
        raise DRError(
            f"primary and secondary both point to {primary['alias']['dns_name']}: failover needs two "
            "different endpoints (the secondary is normally the DR region's load balancer)"
        )
    if primary.get("values") and secondary.get("values") and set(primary["values"]) & set(secondary["values"]):
        shared = ", ".join(sorted(set(primary["values"]) & set(secondary["values"])))
        raise DRError(f"primary and secondary share the value(s) {shared}: failover needs two different endpoints")
    first, second = primary["health_check"], secondary["health_check"]
    keys = ("Type", "IPAddress", "FullyQualifiedDomainName", "Port", "ResourcePath")
    if all(first.get(key) == second.get(key) for key in keys):
        target = first.get("IPAddress") or first.get("FullyQualifiedDomainName")
        raise DRError(
            f"primary and secondary health checks both check {target}:{first['Port']}: each endpoint "
            "needs its own health check, or failover follows the wrong one"
        )
    if primary.get("region") and primary.get("region") == secondary.get("region"):
        raise DRError(
            f"primary and secondary are both in {primary['region']}: a DR failover needs the secondary "
            "in another region (set region on an endpoint if the name misleads)"
        )


def validate(params):
    """Every input check that needs no AWS call; endpoints with their defaults resolved."""
    if params["ttl"] is not None and not 0 <= params["ttl"] <= 2147483647:
        raise DRError(f"ttl must be between 0 and 2147483647 seconds, got {params['ttl']}")
    if params["state"] == "absent":
        return None
    for role in ROLES:
        if not params[role]:
            raise DRError(f"{role} is required with state present: the {role} endpoint of the failover pair")
    endpoints = {role: endpoint_spec(role, params[role], params["record_type"]) for role in ROLES}
    check_distinct(endpoints["primary"], endpoints["secondary"])
    return endpoints
