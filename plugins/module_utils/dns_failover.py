# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Route 53 failover for one record: endpoints, health checks, the traffic switch and DNS answers.

Pure logic (input normalisation, desired health-check and record configurations, how Route 53
chooses between PRIMARY and SECONDARY, matching a DNS answer to an endpoint) is separate from the
small functions that call Route 53 with a client, so that it can be unit tested.

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
"""

import datetime
import ipaddress
import re
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK


from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import jittered_backoff

# Route 53 answers PriorRequestNotComplete while an earlier change of the zone is still applied.
ROUTE53_RETRY = jittered_backoff(["PriorRequestNotComplete"])

TAG_RECORD = "pilotlight.dr:failover-record"
TAG_ROLE = "pilotlight.dr:failover-role"
ROLES = ("primary", "secondary")
SWITCH = "switch"

ENDPOINT_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP")
HTTPS_TYPES = ("HTTPS", "HTTPS_STR_MATCH")
STR_MATCH_TYPES = ("HTTP_STR_MATCH", "HTTPS_STR_MATCH")
DEFAULT_PORTS = {"HTTP": 80, "HTTP_STR_MATCH": 80, "HTTPS": 443, "HTTPS_STR_MATCH": 443}
IMMUTABLE_CHECK_FIELDS = ("Type", "RequestInterval")

# Route 53 considers an endpoint healthy when more than 18% of its health checkers say so.
HEALTHY_FRACTION = 0.18

# Canonical hosted zone ids of Application and Classic Load Balancers (name-id.REGION.elb.amazonaws.com),
# from the AWS General Reference "Elastic Load Balancing endpoints and quotas".
ELB_HOSTED_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-north-1": "Z23TAZ7KI7KDR1",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-south-1": "ZP97RAFLXTNZK",
    "sa-east-1": "Z2P70J7HTTTPLU",
}
_ELB_NAME_RE = re.compile(r"\.([a-z]{2}(?:-gov)?-[a-z]+-\d+)\.elb\.amazonaws\.com$")
_REGION_RE = re.compile(r"(?:^|[.-])((?:us-gov|us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+)(?=$|[.-])")

MODES = ("auto", "secondary", "primary")


# -- names -------------------------------------------------------------------------------------------
def host(name):
    """A DNS name as compared here: lower case, no trailing dot, no ``dualstack.`` prefix."""
    name = (name or "").strip().lower().replace("\\052", "*").rstrip(".")
    return name[len("dualstack."):] if name.startswith("dualstack.") else name


def fqdn(name):
    """A DNS name as Route 53 returns it: lower case with a trailing dot."""
    return (name or "").strip().lower().replace("\\052", "*").rstrip(".") + "."


def region_of(name):
    """The AWS region a DNS name carries (ALB, EC2, S3 website names), or None."""
    match = _REGION_RE.search(host(name))
    return match.group(1) if match else None


def elb_hosted_zone_id(dns_name):
    match = _ELB_NAME_RE.search(host(dns_name))
    return ELB_HOSTED_ZONE_IDS.get(match.group(1)) if match else None


def short_zone_id(zone_id):
    return (zone_id or "").split("/")[-1]


def in_zone(name, zone_name):
    name, zone_name = fqdn(name), fqdn(zone_name)
    return name == zone_name or name.endswith("." + zone_name)


def record_key(zone_id, name, record_type):
    """The tag value that ties health checks to one record (name and type) of one zone."""
    return f"{short_zone_id(zone_id)}/{fqdn(name)}/{record_type}"


# -- input ---------------------------------------------------------------------------------------------
def _check_values(role, values, record_type):
    for value in values:
        if record_type in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                raise DRError(f"{role}.values: {value!r} is not an IP address; an {record_type} record holds addresses")
            if (record_type == "A") != (address.version == 4):
                raise DRError(f"{role}.values: {value} is an IPv{address.version} address; "
                              f"{record_type} records hold IPv{4 if record_type == 'A' else 6} addresses")
    if record_type == "CNAME" and len(values) != 1:
        raise DRError(f"{role}.values: a CNAME record holds exactly one name, got {len(values)}")


def endpoint_spec(role, raw, record_type):
    """One endpoint (primary or secondary) with every default resolved; DRError on bad input."""
    raw = raw or {}
    alias, values = raw.get("alias"), raw.get("values")
    if bool(alias) == bool(values):
        raise DRError(f"{role}: give either {role}.alias (a load balancer or another AWS target) or "
                      f"{role}.values (the record's addresses), exactly one of them")
    spec = {"role": role, "set_identifier": raw.get("set_identifier") or role}
    if alias:
        dns_name = (alias.get("dns_name") or "").strip().lower().rstrip(".")
        if not dns_name:
            raise DRError(f"{role}.alias.dns_name is required")
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
            "evaluate_target_health": True if alias.get("evaluate_target_health") is None
            else bool(alias["evaluate_target_health"]),
        }
    else:
        _check_values(role, values, record_type)
        spec["values"] = list(values)
    spec["health_check"] = health_check_spec(role, raw.get("health_check") or {}, spec)
    spec["region"] = (raw.get("region") or region_of(spec.get("alias", {}).get("dns_name"))
                      or region_of(spec["health_check"].get("FullyQualifiedDomainName")))
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
            raise DRError(f"{role}.health_check.ip_address {ip_address!r} is not an IP address")
        if not address.is_global:
            raise DRError(f"{role}.health_check.ip_address {ip_address} is not a public address; "
                          "Route 53 health checkers can only reach public endpoints")
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
            raise DRError(f"{role}.health_check.resource_path must start with / and have at most 255 characters, "
                          f"got {path!r}")
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
        raise DRError(f"primary and secondary both use set_identifier {primary['set_identifier']!r}; "
                      "the two failover records need different identifiers")
    if primary.get("alias") and secondary.get("alias") and (
            host(primary["alias"]["dns_name"]) == host(secondary["alias"]["dns_name"])):
        raise DRError(f"primary and secondary both point to {primary['alias']['dns_name']}: failover needs two "
                      "different endpoints (the secondary is normally the DR region's load balancer)")
    if primary.get("values") and secondary.get("values") and set(primary["values"]) & set(secondary["values"]):
        shared = ", ".join(sorted(set(primary["values"]) & set(secondary["values"])))
        raise DRError(f"primary and secondary share the value(s) {shared}: failover needs two different endpoints")
    first, second = primary["health_check"], secondary["health_check"]
    keys = ("Type", "IPAddress", "FullyQualifiedDomainName", "Port", "ResourcePath")
    if all(first.get(key) == second.get(key) for key in keys):
        target = first.get("IPAddress") or first.get("FullyQualifiedDomainName")
        raise DRError(f"primary and secondary health checks both check {target}:{first['Port']}: each endpoint "
                      "needs its own health check, or failover follows the wrong one")
    if primary.get("region") and primary.get("region") == secondary.get("region"):
        raise DRError(f"primary and secondary are both in {primary['region']}: a DR failover needs the secondary "
                      "in another region (set region on an endpoint if the name misleads)")


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


# -- DNS answers -----------------------------------------------------------------------------------
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


def match_answer(record_data, endpoints, resolver=system_resolver):
    """(endpoint role, how) that a TestDNSAnswer RecordData list points to, or (None, None).

    Plain records match by value; alias records by name (answers that carry the target's name) or by
    address (real Route 53 answers an alias with the target's addresses: the target name is resolved
    with ``resolver`` and the address sets compared).
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


# -- Route 53 calls ------------------------------------------------------------------------------
def find_zone(client, zone_name=None, zone_id=None):
    """{"Id", "Name", "PrivateZone"} of the public hosted zone, or DRError saying what to fix."""
    if zone_id:
        try:
            zone = client.get_hosted_zone(Id=short_zone_id(zone_id), aws_retry=True)["HostedZone"]
        except botocore.exceptions.ClientError as exc:
            if is_error_code(exc, "NoSuchHostedZone", "InvalidInput"):
                raise DRError(f"hosted zone {zone_id} does not exist in this account; check zone_id "
                              "(or give the zone's name with zone)")
            raise DRError(f"cannot read hosted zone {zone_id}", exception=exc)
    else:
        wanted = fqdn(zone_name)
        try:
            listed = client.list_hosted_zones_by_name(DNSName=wanted, MaxItems="100", aws_retry=True)["HostedZones"]
        except botocore.exceptions.ClientError as exc:
            raise DRError(f"cannot list hosted zones named {wanted}", exception=exc)
        matches = [z for z in listed if fqdn(z["Name"]) == wanted and not (z.get("Config") or {}).get("PrivateZone")]
        if not matches:
            raise DRError(f"no public hosted zone named {wanted} in this account; check zone "
                          "(failover with health checks needs a public hosted zone)")
        if len(matches) > 1:
            ids = ", ".join(short_zone_id(z["Id"]) for z in matches)
            raise DRError(f"{len(matches)} public hosted zones are named {wanted} ({ids}); choose one with zone_id")
        zone = matches[0]
    if (zone.get("Config") or {}).get("PrivateZone"):
        raise DRError(f"hosted zone {zone['Name']} ({short_zone_id(zone['Id'])}) is private; Route 53 failover "
                      "health checks and TestDNSAnswer work with public hosted zones")
    return {"Id": short_zone_id(zone["Id"]), "Name": fqdn(zone["Name"])}


@ROUTE53_RETRY
def _all_health_checks(client):
    return client.get_paginator("list_health_checks").paginate().build_full_result().get("HealthChecks", [])


def _tags_of(client, ids):
    if not ids:
        return {}
    result = client.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids, aws_retry=True)
    return {s["ResourceId"]: {t["Key"]: t["Value"] for t in s.get("Tags", [])} for s in result["ResourceTagSets"]}


def find_health_checks(client, key, run_concurrently):
    """{role: [health checks tagged for this record]}, roles primary, secondary and switch."""
    try:
        checks = _all_health_checks(client)
    except botocore.exceptions.ClientError as exc:
        raise DRError("cannot list Route 53 health checks", exception=exc)
    ids = [check["Id"] for check in checks]
    batches = [ids[i:i + 10] for i in range(0, len(ids), 10)]
    tags = {}
    for outcome in run_concurrently(lambda batch: _tags_of(client, batch), batches, 4):
        if not outcome.ok:
            raise DRError("cannot read the tags of Route 53 health checks", exception=outcome.error)
        tags.update(outcome.value)
    found = {role: [] for role in ROLES + (SWITCH,)}
    for check in checks:
        check_tags = tags.get(check["Id"], {})
        if check_tags.get(TAG_RECORD) == key and check_tags.get(TAG_ROLE) in found:
            found[check_tags[TAG_ROLE]].append(dict(check, Tags=check_tags))
    return found


def list_records(client, zone_id, name, record_type):
    """The record sets of one name and type (all set identifiers)."""
    wanted, records = fqdn(name), []
    params = dict(HostedZoneId=zone_id, StartRecordName=wanted, StartRecordType=record_type, MaxItems="100")
    while True:
        try:
            page = client.list_resource_record_sets(aws_retry=True, **params)
        except botocore.exceptions.ClientError as exc:
            raise DRError(f"cannot list the records of {wanted} in zone {zone_id}", exception=exc)
        for record in page["ResourceRecordSets"]:
            if fqdn(record["Name"]) != wanted or record["Type"] != record_type:
                return records
            records.append(record)
        if not page.get("IsTruncated"):
            return records
        params.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])
        if page.get("NextRecordIdentifier"):
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def health_check_observations(client, check_id):
    try:
        return client.get_health_check_status(HealthCheckId=check_id, aws_retry=True)["HealthCheckObservations"]
    except botocore.exceptions.ClientError as exc:
        if is_error_code(exc, "NoSuchHealthCheck"):
            return []
        raise DRError(f"cannot read the status of health check {check_id}", exception=exc)


def dns_answer(client, zone_id, name, record_type):
    try:
        answer = client.test_dns_answer(HostedZoneId=zone_id, RecordName=fqdn(name).rstrip("."),
                                        RecordType=record_type, aws_retry=True)
    except botocore.exceptions.ClientError as exc:
        raise DRError(f"cannot ask Route 53 what {fqdn(name)} {record_type} answers (TestDNSAnswer)", exception=exc)
    return {
        "record_data": list(answer.get("RecordData") or []),
        "response_code": answer.get("ResponseCode"),
        "nameserver": answer.get("Nameserver"),
        "protocol": answer.get("Protocol"),
    }


def create_health_check(client, config, tags):
    try:
        check = client.create_health_check(CallerReference=f"pilotlight-dr-{uuid.uuid4()}",
                                           HealthCheckConfig=config, aws_retry=True)["HealthCheck"]
        client.change_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"],
                                        AddTags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
                                        aws_retry=True)
    except botocore.exceptions.ClientError as exc:
        raise DRError(f"cannot create the {tags.get(TAG_ROLE)} health check ({tags.get('Name')})", exception=exc)
    return dict(check, Tags=dict(tags))


def update_health_check(client, check, changes):
    try:
        updated = client.update_health_check(HealthCheckId=check["Id"], HealthCheckVersion=check["HealthCheckVersion"],
                                             aws_retry=True, **changes)["HealthCheck"]
    except botocore.exceptions.ClientError as exc:
        if is_error_code(exc, "HealthCheckVersionMismatch"):
            raise DRError(f"health check {check['Id']} was changed by someone else while this task ran; run it again",
                          exception=exc)
        raise DRError(f"cannot update health check {check['Id']}", exception=exc)
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
    try:
        client.change_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"], aws_retry=True, **params)
    except botocore.exceptions.ClientError as exc:
        raise DRError(f"cannot tag health check {check['Id']}", exception=exc)
    return True


def delete_health_check(client, check_id):
    try:
        client.delete_health_check(HealthCheckId=check_id, aws_retry=True)
    except botocore.exceptions.ClientError as exc:
        if is_error_code(exc, "NoSuchHealthCheck"):
            return
        raise DRError(f"cannot delete health check {check_id}" + (
            " (a record or a calculated health check still uses it)" if is_error_code(exc, "HealthCheckInUse") else ""),
            exception=exc)


def change_records(client, zone_id, changes, comment):
    try:
        return client.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Comment": comment, "Changes": changes}, aws_retry=True
        )["ChangeInfo"]
    except botocore.exceptions.ClientError as exc:
        raise DRError(f"Route 53 refused the record change in zone {zone_id}: {exc}", exception=exc)


def change_status(client, change_id):
    try:
        return client.get_change(Id=change_id, aws_retry=True)["ChangeInfo"]["Status"]
    except botocore.exceptions.ClientError as exc:
        raise DRError(f"cannot read the status of Route 53 change {change_id}", exception=exc)


# -- the DR side's load balancer -------------------------------------------------------------------
@ROUTE53_RETRY
def _all_load_balancers(elbv2):
    return elbv2.get_paginator("describe_load_balancers").paginate().build_full_result().get("LoadBalancers", [])


def load_balancer_readiness(elbv2, dns_name):
    """(ready, reason) for EvaluateTargetHealth on a load balancer: every target group with a healthy target."""
    wanted = host(dns_name)
    try:
        balancers = _all_load_balancers(elbv2)
    except botocore.exceptions.ClientError as exc:
        return None, f"cannot read load balancers ({exc})"
    balancer = next((b for b in balancers if host(b["DNSName"]) == wanted), None)
    if balancer is None:
        return None, f"no load balancer named {wanted} found"
    try:
        groups = elbv2.describe_target_groups(LoadBalancerArn=balancer["LoadBalancerArn"],
                                              aws_retry=True)["TargetGroups"]
        for group in groups:
            states = [d["TargetHealth"]["State"] for d in elbv2.describe_target_health(
                TargetGroupArn=group["TargetGroupArn"], aws_retry=True)["TargetHealthDescriptions"]]
            if not states:
                return False, f"target group {group['TargetGroupName']} of {balancer['LoadBalancerName']} has no target"
            if "healthy" not in states:
                return False, (f"target group {group['TargetGroupName']} of {balancer['LoadBalancerName']} has no "
                               f"healthy target ({', '.join(sorted(set(states)))})")
    except botocore.exceptions.ClientError as exc:
        return None, f"cannot read the target groups of {balancer['LoadBalancerName']} ({exc})"
    return True, f"every target group of {balancer['LoadBalancerName']} has a healthy target"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()
