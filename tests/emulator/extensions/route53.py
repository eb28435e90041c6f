"""Route 53: health checks that follow their endpoint, TestDNSAnswer, and record/health-check fixes.

What moto 5.2 lacks and this adds (Route 53 is global: one backend, logged in us-east-1):

* ``GetHealthCheckStatus`` reports what the health checkers would see. The endpoint of a check
  (``IPAddress`` or ``FullyQualifiedDomainName``) belongs to a region: taken from the name
  (``name-1.ap-northeast-2.elb.amazonaws.com``, ``*.ap-northeast-1.amazonaws.com``), from a record of
  a hosted zone that aliases such a name, or set through ``POST /_emulator/route53/endpoints``. A
  region that is down makes its endpoints fail; the control route can also mark an endpoint
  unhealthy (or healthy) explicitly. Observations are the checkers' raw reports, one per checker
  region (checkers in a region that is down report nothing), as AWS documents ``StatusReport``;
  ``Inverted`` and ``Disabled`` act on the health-check *status* (what DNS uses), not on what
  checkers see: inverted flips it, disabled is always healthy. ``CALCULATED`` checks count healthy
  children against ``HealthThreshold`` (0 = always healthy, more than the children = always
  unhealthy) and, as on AWS, cannot be read with ``GetHealthCheckStatus`` (``InvalidInput``).
* ``TestDNSAnswer`` (404 in moto) answers a name/type of a public hosted zone as Route 53 would:
  failover records by health (PRIMARY when healthy; SECONDARY when the primary is not and the
  secondary is healthy or has no health check; PRIMARY again when both are down), a record's
  health being its health check and, for aliases with ``EvaluateTargetHealth``, its target's
  (an ELB is healthy when its region is up and every target group attached to it has at least one
  healthy target; a target group with no targets is unhealthy). Simple records answer their values,
  aliases to a record of a zone answer that record, aliases to anything else (ELB, CloudFront, S3)
  answer the target's DNS name (real Route 53 answers its addresses; none exist here).
* ``UpdateHealthCheck`` no longer wipes ``ChildHealthChecks``/``Regions`` when they are not sent,
  honours ``ResetElements``, bumps ``HealthCheckVersion`` and rejects a stale version
  (``HealthCheckVersionMismatch``), as AWS does.
* ``ChangeResourceRecordSets`` ``DELETE`` of a record with a ``SetIdentifier`` deletes that record
  only (moto deletes every record of the zone with the same set identifier, whatever its name).

* ``CLOUDWATCH_METRIC`` health checks keep their ``AlarmIdentifier`` and ``InsufficientDataHealthStatus``
  (moto drops both) and follow the alarm's state in its region's CloudWatch backend: OK healthy, ALARM
  unhealthy, INSUFFICIENT_DATA (or no alarm, or the alarm's region down) as ``InsufficientDataHealthStatus``
  says (``LastKnownStatus``: the last status seen, healthy before any). Route 53 reads the alarm through its
  data plane, so DNS follows an alarm with no Route 53 API call; ``GET /_emulator/route53/answer`` answers a
  name as Route 53's name servers would, without calling the (us-east-1) Route 53 API.

Not emulated: real HTTP to endpoints (no process answers), the failure-threshold delay (status
changes at once), recovery-control checks (always healthy), latency and geolocation choice
(first healthy record).
"""

import copy
import datetime
import ipaddress
import re
import threading

from ..core import CONTROL
from ..core import STATE
from ..core import ControlError
from ..core import ExtensionError
from ..core import backend
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "Route 53: health-check status follows endpoint regions and outages (Inverted, Disabled, CALCULATED), "
    "TestDNSAnswer resolves failover and alias records by health, UpdateHealthCheck keeps children and versions, "
    "CLOUDWATCH_METRIC checks follow their alarm"
)

# The regions Route 53 health checkers run in (HealthCheckRegion) and a fixed checker address each.
CHECKER_REGIONS = {
    "us-east-1": "15.177.2.11",
    "us-west-1": "15.177.10.11",
    "us-west-2": "15.177.18.11",
    "eu-west-1": "15.177.26.11",
    "ap-southeast-1": "15.177.34.11",
    "ap-southeast-2": "15.177.42.11",
    "ap-northeast-1": "15.177.50.11",
    "sa-east-1": "15.177.58.11",
}

ENDPOINT_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP")
FAILURE_TIMEOUT = (
    "Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being "
    "blocked by your firewall. See https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/"
    "dns-failover-router-firewall-rules.html"
)
MAX_ALIAS_DEPTH = 8

_REGION_RE = re.compile(r"(?:^|[.-])((?:us-gov|us|eu|ap|sa|ca|me|af|il|mx|cn)-[a-z]+-\d+)(?=$|[.-])")
_lock = threading.RLock()
_ENDPOINTS = {}  # normalised host or IP -> {"region": str | None, "healthy": bool | None}
_deletes = threading.local()
_LAST_KNOWN = {}  # CLOUDWATCH_METRIC health check id -> last status from its alarm


# -- endpoints -------------------------------------------------------------------------------------
def _host(target):
    target = (target or "").strip().lower().rstrip(".")
    if target.startswith("dualstack."):
        target = target[len("dualstack.") :]
    return target


def _is_ip(target):
    try:
        ipaddress.ip_address(target)
        return True
    except ValueError:
        return False


def region_in_name(name):
    """The AWS region a DNS name carries (ALB, EC2, S3 website names), or None."""
    match = _REGION_RE.search(_host(name))
    return match.group(1) if match else None


def _norm(name):
    name = (name or "").strip().lower().replace("\\052", "*")
    return name.rstrip(".") + "."


def _zones(route53):
    return list(route53.zones.values())


def _zone_for(route53, name):
    """The public hosted zone that holds ``name`` (longest match), or None."""
    name = _norm(name)
    best = None
    for zone in _zones(route53):
        if zone.private_zone:
            continue
        zone_name = _norm(zone.name)
        if name == zone_name or name.endswith("." + zone_name):
            if best is None or len(zone_name) > len(_norm(best.name)):
                best = zone
    return best


def endpoint_region(route53, target, depth=0):
    """Region of an endpoint: control-route mapping, then the name itself, then what a zone aliases it to."""
    host = _host(target)
    with _lock:
        entry = _ENDPOINTS.get(host)
    if entry and entry.get("region"):
        return entry["region"]
    if not host or _is_ip(host):
        return None
    region = region_in_name(host)
    if region or depth >= MAX_ALIAS_DEPTH:
        return region
    zone = _zone_for(route53, host)
    if zone is None:
        return None
    for record in _records_named(zone, host):
        alias = record.alias_target or {}
        for name in ([alias.get("DNSName")] if alias else []) + [_value(v) for v in record.records or []]:
            if name and not _is_ip(_host(name)):
                region = endpoint_region(route53, name, depth + 1)
                if region:
                    return region
    return None


def endpoint_state(route53, target):
    """(healthy, reason, region) of an endpoint as the health checkers would find it."""
    host = _host(target)
    region = endpoint_region(route53, host)
    if region and STATE.is_down(region):
        return False, f"region {region} is down", region
    with _lock:
        entry = _ENDPOINTS.get(host) or {}
    if entry.get("healthy") is not None:
        return bool(entry["healthy"]), "set through /_emulator/route53/endpoints", region
    return True, "endpoint reachable", region


# -- health-check status ---------------------------------------------------------------------------
def _target_of(check):
    return check.ip_address or check.fqdn


def raw_status(route53, check, seen=None):
    """(healthy, reason) before Inverted/Disabled: what the checkers (or the children) report."""
    seen = set() if seen is None else seen
    if check.type_ == "CALCULATED":
        children = list(check.children or [])
        threshold = 1 if check.health_threshold is None else int(check.health_threshold)
        healthy = sum(1 for child in children if child_status(route53, child, seen))
        return healthy >= threshold, f"{healthy} of {len(children)} child health checks healthy, threshold {threshold}"
    if check.type_ in ENDPOINT_TYPES:
        healthy, reason, _region = endpoint_state(route53, _target_of(check))
        return healthy, reason
    if check.type_ == "CLOUDWATCH_METRIC":
        return alarm_status(check)
    return True, f"{check.type_} health checks are not emulated (always healthy)"


def _alarm_state(region, name):
    """The alarm's state, or None when it cannot be read (no alarm, region down)."""
    if not region or not name or STATE.is_down(region):
        return None
    from .cloudwatch import evaluate_backend

    cloudwatch = backend("cloudwatch", region)
    evaluate_backend(cloudwatch)  # AWS evaluates alarms continuously; here on each read
    alarm = cloudwatch.alarms.get(name)
    return alarm.state_value if alarm is not None else None


def alarm_status(check):
    """(healthy, reason) of a CLOUDWATCH_METRIC check from its alarm, as Route 53's checkers read it."""
    identifier = getattr(check, "alarm_identifier", None) or {}
    region, name = identifier.get("Region"), identifier.get("Name")
    state = _alarm_state(region, name)
    if state in ("OK", "ALARM"):
        healthy = state == "OK"
        with _lock:
            _LAST_KNOWN[check.id] = healthy
        return healthy, f"alarm {name} in {region} is {state}"
    insufficient = getattr(check, "insufficient_data_health_status", None) or "LastKnownStatus"
    if insufficient == "Healthy":
        return True, f"alarm {name} in {region}: insufficient data, counted healthy"
    if insufficient == "Unhealthy":
        return False, f"alarm {name} in {region}: insufficient data, counted unhealthy"
    with _lock:
        last = _LAST_KNOWN.get(check.id, True)
    return last, f"alarm {name} in {region}: insufficient data, last known status kept"


def child_status(route53, check_id, seen):
    if check_id in seen:
        return False
    check = route53.health_checks.get(check_id)
    if check is None:
        return False
    return status(route53, check, seen | {check_id})[0]


def status(route53, check, seen=None):
    """(healthy, reason) as Route 53 uses it for DNS: Disabled is healthy, Inverted flips."""
    if check.disabled:
        return True, "disabled: always healthy"
    healthy, reason = raw_status(route53, check, seen)
    if check.inverted:
        return (not healthy), f"inverted ({reason})"
    return healthy, reason


def _checker_regions(check):
    regions = [region for region in (check.regions or []) if region in CHECKER_REGIONS] or list(CHECKER_REGIONS)
    return [region for region in regions if not STATE.is_down(region)]


def _report(check, healthy, reason):
    if check.type_ == "CLOUDWATCH_METRIC":
        return f"{'Success' if healthy else 'Failure'}: {reason}"
    if healthy:
        if check.type_ == "TCP":
            return "Success: TCP connection established"
        return "Success: HTTP Status Code 200, OK"
    if reason.startswith("region"):
        return FAILURE_TIMEOUT
    if check.type_ == "TCP":
        return "Failure: Connection refused. The endpoint rejected the connection."
    return "Failure: HTTP Status Code 503, Service Unavailable"


def observations(route53, check):
    healthy, reason = raw_status(route53, check)
    now = datetime.datetime.now(datetime.timezone.utc)
    return [
        {
            "Region": region,
            "IPAddress": CHECKER_REGIONS[region],
            "StatusReport": {"Status": _report(check, healthy, reason), "CheckedTime": now},
        }
        for region in _checker_regions(check)
    ]


# -- DNS answers ---------------------------------------------------------------------------------
def _value(value):
    if isinstance(value, dict):
        return value.get("Value")
    return value


def _records_named(zone, name):
    name = _norm(name)
    return [record for record in zone.rrsets if _norm(record.name) == name]


def _truthy(value):
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _find_load_balancer(account_id, dns_name):
    from moto.backends import get_backend

    host = _host(dns_name)
    region = region_in_name(host)
    if not region:
        return None, None, None
    per_account = get_backend("elbv2")[account_id]
    if region not in list(per_account.keys()):
        return None, None, region
    elbv2 = per_account[region]
    for load_balancer in elbv2.load_balancers.values():
        if _host(load_balancer.dns_name) == host:
            return elbv2, load_balancer, region
    return None, None, region


def load_balancer_healthy(elbv2, load_balancer, region):
    """EvaluateTargetHealth on an ALB/NLB: every attached target group has a healthy target."""
    if STATE.is_down(region):
        return False
    for group in elbv2.target_groups.values():
        if load_balancer.arn not in group.load_balancer_arns:
            continue
        if not group.targets:
            return False
        if not any(health.status == "healthy" for health in elbv2.describe_target_health(group.arn, [])):
            return False
    return True


def _alias_zone(route53, alias):
    zone_id = (alias.get("HostedZoneId") or "").replace("/hostedzone/", "")
    zone = route53.zones.get(zone_id)
    if zone is not None and not zone.private_zone:
        dns = _norm(alias.get("DNSName"))
        zone_name = _norm(zone.name)
        if dns == zone_name or dns.endswith("." + zone_name):
            return zone
    return None


def alias_target_healthy(route53, alias, record_type, depth):
    zone = _alias_zone(route53, alias)
    if zone is not None:
        records = [r for r in _records_named(zone, alias["DNSName"]) if r.type == record_type]
        return any(record_healthy(route53, r, depth + 1) for r in records) if depth < MAX_ALIAS_DEPTH else False
    elbv2, load_balancer, region = _find_load_balancer(route53.account_id, alias.get("DNSName"))
    if load_balancer is not None:
        return load_balancer_healthy(elbv2, load_balancer, region)
    return not (region and STATE.is_down(region))


def _has_health(record):
    alias = record.alias_target
    return bool(record.health_check_id) or bool(alias and _truthy(alias.get("EvaluateTargetHealth")))


def record_healthy(route53, record, depth=0):
    if record.health_check_id:
        check = route53.health_checks.get(record.health_check_id)
        if check is not None and not status(route53, check)[0]:
            return False
    alias = record.alias_target
    if alias and _truthy(alias.get("EvaluateTargetHealth")):
        return alias_target_healthy(route53, alias, record.type, depth)
    return True


def choose(route53, records, depth=0):
    """The records Route 53 answers with, among records of one name and type."""
    failover = [r for r in records if r.failover]
    if failover:
        primary = next((r for r in failover if str(r.failover).upper() == "PRIMARY"), None)
        secondary = next((r for r in failover if str(r.failover).upper() == "SECONDARY"), None)
        if primary is not None and record_healthy(route53, primary, depth):
            return [primary]
        if secondary is not None:
            if not _has_health(secondary) or record_healthy(route53, secondary, depth):
                return [secondary]
            return [primary] if primary is not None else [secondary]
        return [primary]
    if len(records) == 1:
        return records
    healthy = [r for r in records if record_healthy(route53, r, depth)] or list(records)
    if any(r.multi_value_answer for r in healthy):
        return healthy[:8]
    weighted = [r for r in healthy if r.weight is not None and int(r.weight) > 0]
    if weighted:
        return [sorted(weighted, key=lambda r: (-int(r.weight), str(r.set_identifier)))[0]]
    return [sorted(healthy, key=lambda r: str(r.set_identifier))[0]]


def resolve(route53, zone, name, record_type, depth=0):
    """(response code, record data) for name/type in zone."""
    records = _records_named(zone, name)
    if not records:
        labels = _norm(name).split(".")
        zone_name = _norm(zone.name)
        for index in range(1, len(labels) - 1):
            wildcard = "*." + ".".join(labels[index:])
            if not _norm(wildcard).endswith(zone_name):
                break
            records = _records_named(zone, wildcard)
            if records:
                break
    if not records:
        return "NXDOMAIN", []
    typed = [r for r in records if r.type == record_type]
    if not typed and record_type != "CNAME":
        typed = [r for r in records if r.type == "CNAME"]
    if not typed:
        return "NOERROR", []
    data = []
    for record in choose(route53, typed, depth):
        data.extend(record_data(route53, record, depth))
    return "NOERROR", data


def record_data(route53, record, depth):
    alias = record.alias_target
    if not alias:
        return [str(_value(value)) for value in record.records or []]
    zone = _alias_zone(route53, alias)
    if zone is not None and depth < MAX_ALIAS_DEPTH:
        return resolve(route53, zone, alias["DNSName"], record.type, depth + 1)[1]
    return [_norm(alias.get("DNSName"))]


# -- moto patches ------------------------------------------------------------------------------------
def _get_health_check_status(self):
    from moto.core.responses import ActionResult
    from moto.route53.exceptions import InvalidInput

    check = self.backend.get_health_check(self._get_param("HealthCheckId"))
    if check.type_ == "CALCULATED":
        raise InvalidInput(
            "GetHealthCheckStatus cannot return the status of a calculated health check; "
            "use the Route 53 console or CloudWatch"
        )
    return ActionResult({"HealthCheckObservations": observations(self.backend, check)})


def _test_dns_answer(self):
    from moto.core.responses import ActionResult
    from moto.route53.exceptions import InvalidInput

    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    if zone.private_zone:
        raise InvalidInput("TestDNSAnswer only supports querying public hosted zones")
    name = self._get_param("RecordName")
    record_type = self._get_param("RecordType")
    code, data = resolve(self.backend, zone, name, record_type)
    name_servers = getattr(zone.delegation_set, "name_servers", None) or ["ns-2048.awsdns-64.com"]
    return ActionResult(
        {
            "Nameserver": name_servers[0],
            "RecordName": name,
            "RecordType": record_type,
            "RecordData": data,
            "ResponseCode": code,
            "Protocol": "UDP",
        }
    )


def _version_mismatch(check_id, expected, actual):
    from moto.route53.exceptions import Route53ClientError

    return Route53ClientError(
        "HealthCheckVersionMismatch",
        f"The value of HealthCheckVersion in the request ({expected}) doesn't match the current version "
        f"({actual}) of health check {check_id}.",
    )


def _update_health_check(self):
    from moto.core.responses import ActionResult

    check_id = self._get_param("HealthCheckId")
    check = self.backend.get_health_check(check_id)
    version = self._get_param("HealthCheckVersion")
    if version is not None and int(version) != int(check.health_check_version):
        raise _version_mismatch(check_id, version, check.health_check_version)
    args = {
        "ip_address": self._get_param("IPAddress"),
        "port": self._get_param("Port"),
        "resource_path": self._get_param("ResourcePath"),
        "fqdn": self._get_param("FullyQualifiedDomainName"),
        "search_string": self._get_param("SearchString"),
        "failure_threshold": self._get_param("FailureThreshold"),
        "health_threshold": self._get_param("HealthThreshold"),
        "inverted": self._get_param("Inverted"),
        "disabled": self._get_param("Disabled"),
        "enable_sni": self._get_param("EnableSNI"),
        "children": self._get_param("ChildHealthChecks"),
        "regions": self._get_param("Regions"),
    }
    check = self.backend.update_health_check(check_id, args)
    _keep_alarm_fields(check, self._get_param("AlarmIdentifier"), self._get_param("InsufficientDataHealthStatus"))
    for element in self._get_param("ResetElements") or []:
        if element == "ChildHealthChecks":
            check.children = None
        elif element == "FullyQualifiedDomainName":
            check.fqdn = None
        elif element == "Regions":
            check.regions = None
        elif element == "ResourcePath":
            check.resource_path = None
    check.health_check_version = int(check.health_check_version) + 1
    return ActionResult({"HealthCheck": check})


def _keep_alarm_fields(check, identifier, insufficient):
    if identifier:
        check.alarm_identifier = {"Region": identifier.get("Region"), "Name": identifier.get("Name")}
    if insufficient:
        check.insufficient_data_health_status = insufficient


def _create_health_check(original):
    def create_health_check(self):
        config = self._get_param("HealthCheckConfig") or {}
        if config.get("Type") == "CLOUDWATCH_METRIC" and not (config.get("AlarmIdentifier") or {}).get("Name"):
            from moto.route53.exceptions import InvalidInput

            raise InvalidInput("AlarmIdentifier is required for a CLOUDWATCH_METRIC health check")
        before = set(self.backend.health_checks)
        result = original(self)
        for check_id in set(self.backend.health_checks) - before:
            _keep_alarm_fields(
                self.backend.health_checks[check_id],
                config.get("AlarmIdentifier"),
                config.get("InsufficientDataHealthStatus"),
            )
        return result

    return create_health_check


def _health_check_config(original):
    def health_check_config(self):
        config = original.fget(self)
        if getattr(self, "alarm_identifier", None):
            config["AlarmIdentifier"] = dict(self.alarm_identifier)
            config["InsufficientDataHealthStatus"] = getattr(self, "insufficient_data_health_status", None) or (
                "LastKnownStatus"
            )
            for key in ("IPAddress", "Port", "RequestInterval", "FailureThreshold", "MeasureLatency"):
                config.pop(key, None)
        return config

    return property(health_check_config)


def _change_resource_record_sets(original):
    def change_resource_record_sets(self, zoneid, change_list):
        _deletes.pending = [
            copy.deepcopy(change["ResourceRecordSet"])
            for change in change_list
            if change.get("Action") == "DELETE" and "SetIdentifier" in change.get("ResourceRecordSet", {})
        ]
        try:
            return original(self, zoneid, change_list)
        finally:
            _deletes.pending = None

    return change_resource_record_sets


def _delete_rrset_by_id(original):
    def delete_rrset_by_id(self, set_identifier):
        pending = getattr(_deletes, "pending", None)
        record_set = None
        if pending:
            for index, candidate in enumerate(pending):
                if candidate.get("SetIdentifier") == set_identifier:
                    record_set = pending.pop(index)
                    break
        if record_set is None:
            return original(self, set_identifier)
        name, record_type = _norm(record_set.get("Name")), record_set.get("Type")
        self.rrsets = [
            r
            for r in self.rrsets
            if not (r.set_identifier == set_identifier and _norm(r.name) == name and r.type == record_type)
        ]

    return delete_rrset_by_id


# -- control routes ----------------------------------------------------------------------------------
def _route53():
    return backend("route53", "aws")


@CONTROL.route(
    "POST",
    "/route53/endpoints",
    "map a health-check endpoint (host or IP) to a region and/or set its health: "
    '{"target": "203.0.113.10", "region": "ap-northeast-2", "healthy": false} ("healthy": null = follow the region)',
)
def set_endpoint(body, query):
    target = _host(body.get("target"))
    if not target:
        raise ControlError(400, 'give "target": the host name or IP address a health check checks')
    region = body.get("region")
    healthy = body.get("healthy")
    if healthy is not None and not isinstance(healthy, bool):
        raise ControlError(400, f'"healthy" must be true, false or null, got {healthy!r}')
    with _lock:
        _ENDPOINTS[target] = {"region": region, "healthy": healthy}
    return list_endpoints(body, query)


@CONTROL.route("GET", "/route53/endpoints", "endpoint mappings set through the control API")
def list_endpoints(body, query):
    with _lock:
        return {"endpoints": [dict(target=target, **entry) for target, entry in sorted(_ENDPOINTS.items())]}


@CONTROL.route("DELETE", "/route53/endpoints", "forget endpoint mappings (?target=HOST for one)")
def clear_endpoints(body, query):
    with _lock:
        if query.get("target"):
            _ENDPOINTS.pop(_host(query["target"]), None)
        else:
            _ENDPOINTS.clear()
    return list_endpoints(body, query)


@CONTROL.route("GET", "/route53/healthchecks", "every health check with its endpoint, region and status as DNS uses it")
def list_health_checks(body, query):
    route53 = _route53()
    checks = []
    for check in list(route53.health_checks.values()):
        healthy, reason = status(route53, check)
        raw, _raw_reason = raw_status(route53, check)
        target = _target_of(check)
        checks.append(
            {
                "id": check.id,
                "type": check.type_,
                "target": target,
                "region": endpoint_region(route53, target) if target else None,
                "endpoint_healthy": raw,
                "inverted": bool(check.inverted),
                "disabled": bool(check.disabled),
                "healthy": healthy,
                "reason": reason,
            }
        )
    return {"health_checks": checks}


@CONTROL.route(
    "GET",
    "/route53/answer",
    "what Route 53's name servers answer for ?name=NAME&type=A (its data plane: works while us-east-1 is down)",
)
def dns_answer(body, query):
    name, record_type = query.get("name"), query.get("type") or "A"
    if not name:
        raise ControlError(400, "give ?name=the record name (and &type=A)")
    route53 = _route53()
    zone = _zone_for(route53, name)
    if zone is None:
        return {"name": _norm(name), "type": record_type, "response_code": "REFUSED", "record_data": []}
    code, data = resolve(route53, zone, name, record_type)
    return {"name": _norm(name), "type": record_type, "zone_id": zone.id, "response_code": code, "record_data": data}


@on_reset
def _forget_endpoints():
    with _lock:
        _ENDPOINTS.clear()
        _LAST_KNOWN.clear()


def install():
    from moto.route53 import models
    from moto.route53 import responses
    from moto.route53 import urls

    require(responses.Route53, "get_health_check_status", "update_health_check")
    require(models.HealthCheck, "set_children", "health_check_config")
    require(responses.Route53, "create_health_check")
    require(models.FakeZone, "delete_rrset_by_id")
    if hasattr(responses.Route53, "test_dns_answer"):
        raise ExtensionError("moto now implements TestDNSAnswer: compare it with this extension and drop ours")
    paths = dict(urls.url_paths)
    paths[r"{0}/(?P<api_version>[\d_-]+)/testdnsanswer$"] = responses.Route53.dispatch
    patch(urls, "url_paths", paths)
    patch(responses.Route53, "get_health_check_status", _get_health_check_status)
    patch(responses.Route53, "update_health_check", _update_health_check)
    patch(responses.Route53, "create_health_check", _create_health_check(responses.Route53.create_health_check))
    patch(models.HealthCheck, "health_check_config", _health_check_config(models.HealthCheck.health_check_config))
    responses.Route53.test_dns_answer = _test_dns_answer
    patch(
        models.Route53Backend,
        "change_resource_record_sets",
        _change_resource_record_sets(models.Route53Backend.change_resource_record_sets),
    )
    patch(models.FakeZone, "delete_rrset_by_id", _delete_rrset_by_id(models.FakeZone.delete_rrset_by_id))
