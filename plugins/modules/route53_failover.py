#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: route53_failover
version_added: 0.1.0
short_description: Route 53 failover records, their health checks, and a switch that moves traffic to DR and back
description:
  - Manages DNS failover for one record (name and type) of a public hosted zone, that is a health check for each
    endpoint (the primary, for example the Seoul load balancer, and the secondary, the DR load balancer in
    Tokyo), a PRIMARY and a SECONDARY failover record (aliases to load balancers with EvaluateTargetHealth,
    or plain values), and a traffic switch O(active).
  - "The switch is a CALCULATED health check whose only child is the primary endpoint's health check; the
    PRIMARY record uses the switch. V(auto): the switch follows the primary endpoint (threshold 1), so Route 53
    fails over on its own when the primary fails its health checks (3 failures x 30 s by default).
    V(secondary): the switch is inverted with threshold 0 (documented as always healthy), so it is always
    unhealthy and Route 53 answers with the SECONDARY whatever the primary does. V(primary): checks that the
    primary is healthy and returns to V(auto); with O(force=true) the switch is pinned healthy (threshold 0)
    and Route 53 answers with the PRIMARY whatever its health checkers say."
  - "Why a switch health check: moving traffic is one C(UpdateHealthCheck) call on a global service. No record
    is rewritten (the records, their TTL and alias targets stay as reviewed), it takes effect as fast as
    health-check status propagates, it is undone by the opposite call, and it needs no call to the primary
    region, so it works while that region is down. The primary endpoint check itself is never inverted:
    inverting it would make a dead primary look healthy and send traffic back to it."
  - The module reports what Route 53 answers now (C(TestDNSAnswer)) and which endpoint that is, and the health
    of each check (C(GetHealthCheckStatus)). Switching to where traffic already goes changes nothing.
  - Health checks are found again through tags that name the zone, record and role, so re-runs are idempotent
    and existing PRIMARY/SECONDARY records (made by hand or by Terraform) are adopted.
  - "What this adds to M(amazon.aws.route53) and M(amazon.aws.route53_health_check): those manage one record or
    one health check at a time and leave the tying to you (health check ids into records, checks found again by
    their immutable settings or a Name tag; C(route53_health_check) creates checks disabled by default, and
    C(route53) needs C(identifier), C(failover), C(health_check) and C(overwrite) right on every failover record,
    or it fails on a re-run or leaves two PRIMARY records). Neither has a switch, reports the DNS answer, or
    checks that the DR side is healthy before sending traffic to it."
author:
  - pilotlight.dr contributors
options:
  zone:
    description:
      - Name of the public hosted zone, for example V(megaticket.click).
      - Exactly one of O(zone) and O(zone_id) is required.
    type: str
    version_added: 0.1.0
  zone_id:
    description:
      - Id of the public hosted zone (with or without the C(/hostedzone/) prefix).
    type: str
    version_added: 0.1.0
  record_name:
    description:
      - The name that fails over, for example V(www.megaticket.click). It must be in the zone.
    type: str
    required: true
    version_added: 0.1.0
  record_type:
    description:
      - Type of the failover records.
    type: str
    choices: [A, AAAA, CNAME]
    default: A
    version_added: 0.1.0
  ttl:
    description:
      - TTL of records with plain O(primary.values)/O(secondary.values). Alias records have no TTL of their own.
    type: int
    default: 60
    version_added: 0.1.0
  primary:
    description:
      - The endpoint that serves normally (the primary region). Required with O(state=present).
    type: dict
    version_added: 0.1.0
    suboptions: &endpoint
      set_identifier:
        description:
          - Set identifier of the failover record. Defaults to V(primary) or V(secondary).
          - Changing it replaces the record in the same atomic change.
        type: str
        version_added: 0.1.0
      region:
        description:
          - The AWS region the endpoint runs in, reported with the DNS answer and used to read the DR load
            balancer's target health. Defaults to the region in the alias or health-check name.
        type: str
        version_added: 0.1.0
      alias:
        description:
          - The record is an alias to this AWS target (an Application Load Balancer for example).
          - Exactly one of O(primary.alias) and O(primary.values) is required.
        type: dict
        version_added: 0.1.0
        suboptions:
          dns_name:
            description:
              - DNS name of the target, for example the load balancer's C(DNSName).
            type: str
            required: true
            version_added: 0.1.0
          hosted_zone_id:
            description:
              - Hosted zone id of the target (a load balancer's C(CanonicalHostedZoneId)).
              - Defaults to the well-known id of Application/Classic Load Balancers of the region in
                O(primary.alias.dns_name), so the primary region is never called to find it. Required for other targets.
            type: str
            version_added: 0.1.0
          evaluate_target_health:
            description:
              - The record also inherits the target's health (for a load balancer, every target group with
                targets must have a healthy target; an empty target group is unhealthy).
            type: bool
            default: true
            version_added: 0.1.0
      values:
        description:
          - The record's values (addresses for A/AAAA, one name for CNAME) when it is not an alias.
        type: list
        elements: str
        version_added: 0.1.0
      health_check:
        description:
          - The endpoint's Route 53 health check. Every endpoint has one; it checks O(primary.alias.dns_name) unless
            O(primary.health_check.fqdn) or O(primary.health_check.ip_address) is given (one of them is required
            with O(primary.values)).
        type: dict
        version_added: 0.1.0
        suboptions:
          type:
            description:
              - How Route 53 checks the endpoint. Cannot change on an existing check (it is replaced).
            type: str
            choices: [HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP]
            default: HTTPS
            version_added: 0.1.0
          fqdn:
            description:
              - Host name to check (and to send as Host header and SNI).
            type: str
            version_added: 0.1.0
          ip_address:
            description:
              - Public IP address to check instead of resolving O(primary.health_check.fqdn).
            type: str
            version_added: 0.1.0
          port:
            description:
              - Port to check. Defaults to 443 for HTTPS types and 80 for HTTP types; required for TCP.
            type: int
            version_added: 0.1.0
          resource_path:
            description:
              - Path requested by HTTP(S) checks, for example V(/health). Defaults to V(/).
            type: str
            version_added: 0.1.0
          search_string:
            description:
              - String the response body must contain (STR_MATCH types only).
            type: str
            version_added: 0.1.0
          request_interval:
            description:
              - Seconds between two checks by one checker. Cannot change on an existing check (it is replaced).
            type: int
            choices: [10, 30]
            default: 30
            version_added: 0.1.0
          failure_threshold:
            description:
              - Consecutive failures (or successes) that change the endpoint's status, 1 to 10.
            type: int
            default: 3
            version_added: 0.1.0
          enable_sni:
            description:
              - Send the host name in the TLS handshake (HTTPS types). Defaults to true when a host name is checked.
            type: bool
            version_added: 0.1.0
          regions:
            description:
              - Health checker regions (at least 3). Default is every checker region.
            type: list
            elements: str
            version_added: 0.1.0
  secondary:
    description:
      - The DR endpoint (the standby region). Same options as O(primary). Required with O(state=present).
    type: dict
    version_added: 0.1.0
    suboptions: *endpoint
  active:
    description:
      - The traffic switch. Omit it to leave the switch as it is (V(auto) when the records are created).
      - V(auto) lets Route 53 choose by health (automatic failover armed).
      - V(secondary) moves traffic to the DR endpoint and keeps it there whatever the primary does. Refused,
        before any change, when the secondary is not healthy (Route 53 would keep answering with the primary),
        unless O(force=true).
      - V(primary) moves traffic back (failback). It is refused when the primary endpoint is not healthy unless
        O(force=true); without O(force) the switch returns to V(auto), with it the switch pins the primary.
    type: str
    choices: [primary, secondary, auto]
    version_added: 0.1.0
  force:
    description:
      - Switch even when the target endpoint's health check does not report healthy.
      - With O(active=primary), pin the primary (Route 53 answers with it whatever its health).
    type: bool
    default: false
    version_added: 0.1.0
  overwrite:
    description:
      - Replace records of the same name and type that are not failover records (Route 53 refuses to mix them).
        The deletion and the creation of the failover records are one atomic change.
      - Without it the module fails, before any change, naming those records.
    type: bool
    default: false
    version_added: 0.1.0
  state:
    description:
      - V(absent) deletes the failover records of the name and type and the health checks this module made for them.
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.1.0
  tags:
    description:
      - Extra tags for the health checks. The module's own tags (record, role) and C(Name) are always set.
    type: dict
    version_added: 0.1.0
  purge_tags:
    description:
      - Remove tags of the health checks that are neither in O(tags) nor the module's own.
      - Ignored when O(tags) is not given.
    type: bool
    default: true
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Returns the predicted health checks, records, switch mode and DNS answer; makes no change.
  diff_mode:
    support: full
    description: Shows the switch mode, health-check settings and records before and after.
notes:
  - Route 53 is a global service; this module calls only Route 53, plus (when switching to the secondary with
    an alias that evaluates target health) Elastic Load Balancing in the secondary's region to check that the
    DR load balancer has healthy targets. It never calls the primary region.
  - With O(wait=true), the module waits until the record change is C(INSYNC) and, when O(active) names an
    endpoint, until C(TestDNSAnswer) answers with it. With O(wait=false) it returns after the change; run it
    again with O(wait=true) to wait (nothing is changed twice).
  - Real Route 53 answers an alias with the target's addresses; the module resolves the alias targets' names
    locally to match them. When that is not possible, RV(active) is predicted from the health checks.
  - A pilot-light DR load balancer with empty target groups is unhealthy for EvaluateTargetHealth, so activate
    the DR Auto Scaling groups before O(active=secondary).
extends_documentation_fragment:
  - pilotlight.dr.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Health checks and failover records for www (Seoul primary, Tokyo DR), Route 53 decides by health
  pilotlight.dr.route53_failover:
    zone: megaticket.click
    record_name: www.megaticket.click
    primary:
      alias:
        dns_name: "{{ seoul_alb_dns_name }}"
      health_check:
        resource_path: /health
    secondary:
      alias:
        dns_name: "{{ tokyo_alb_dns_name }}"
      health_check:
        resource_path: /health
    tags:
      Project: MegaTicket
  register: www_dns

- name: Show where DNS answers and the health of each endpoint
  ansible.builtin.debug:
    msg: >-
      www answers {{ www_dns.active }} ({{ www_dns.dns_answer.record_data | join(', ') }});
      primary healthy={{ www_dns.health_checks.primary.healthy }},
      secondary healthy={{ www_dns.health_checks.secondary.healthy }}

- name: Fail over to Tokyo (works while Seoul is down; refuses if Tokyo is not healthy)
  pilotlight.dr.route53_failover:
    zone: megaticket.click
    record_name: www.megaticket.click
    primary:
      alias:
        dns_name: "{{ seoul_alb_dns_name }}"
      health_check:
        resource_path: /health
    secondary:
      alias:
        dns_name: "{{ tokyo_alb_dns_name }}"
      health_check:
        resource_path: /health
    active: secondary
    wait_timeout: 300
  register: failover

- name: Fail back to Seoul once it is healthy again (the switch returns to auto)
  pilotlight.dr.route53_failover:
    zone: megaticket.click
    record_name: www.megaticket.click
    primary:
      alias:
        dns_name: "{{ seoul_alb_dns_name }}"
      health_check:
        resource_path: /health
    secondary:
      alias:
        dns_name: "{{ tokyo_alb_dns_name }}"
      health_check:
        resource_path: /health
    active: primary

- name: Failover for an API name with plain addresses and TCP health checks on the servers' names
  pilotlight.dr.route53_failover:
    zone: megaticket.click
    record_name: api.megaticket.click
    ttl: 30
    primary:
      set_identifier: seoul
      region: ap-northeast-2
      values: [203.0.113.10]
      health_check:
        type: TCP
        fqdn: api-seoul.megaticket.click
        port: 443
    secondary:
      set_identifier: tokyo
      region: ap-northeast-1
      values: [198.51.100.20]
      health_check:
        type: TCP
        fqdn: api-tokyo.megaticket.click
        port: 443
"""

RETURN = r"""
zone_id:
  description: Id of the hosted zone.
  returned: always
  type: str
  sample: Z0123456789ABCDEFGHIJ
record_name:
  description: The record name (with the trailing dot).
  returned: always
  type: str
  sample: www.megaticket.click.
record_type:
  description: The record type.
  returned: always
  type: str
  sample: A
active:
  description:
    - The endpoint DNS answers with now (V(primary) or V(secondary)), from C(TestDNSAnswer); predicted from the
      health checks in check mode or when the answer cannot be matched. None when the records are absent.
  returned: always
  type: str
  sample: secondary
mode:
  description:
    - The switch after the task (V(auto), V(secondary) or V(primary) when pinned); None when absent.
    - V(custom) when the switch health check was changed by hand to no known mode (it is left alone unless
      O(active) is given).
  returned: always
  type: str
  sample: secondary
dns_answer:
  description: What Route 53 answers for the record (C(TestDNSAnswer)) and which endpoint that is.
  returned: when state is present
  type: dict
  contains:
    record_data:
      description: The answer's values (addresses, or the alias target's name on emulators that have no addresses).
      type: list
      elements: str
      sample: [megaticket-dr-alb-1.ap-northeast-1.elb.amazonaws.com.]
    response_code:
      description: DNS response code.
      type: str
      sample: NOERROR
    nameserver:
      description: The Route 53 name server that answered.
      type: str
      sample: ns-2048.awsdns-64.com
    endpoint:
      description: V(primary) or V(secondary) when the answer matches one of them, else None.
      type: str
      sample: secondary
    matched_by:
      description: How the answer was matched (V(value), V(alias name), V(alias address)), or V(prediction).
      type: str
      sample: alias name
    region:
      description: The region of the endpoint DNS answers with.
      type: str
      sample: ap-northeast-1
    expected:
      description: The endpoint the switch sends traffic to (O(active)), or the one predicted by health for V(auto).
      type: str
      sample: secondary
health_checks:
  description: The health checks by role, with their health.
  returned: when state is present
  type: dict
  contains:
    primary:
      description: The primary endpoint's check (C(id) is None in check mode before it exists).
      type: dict
      sample:
        id: 6f2c8c38-5d1e-4f53-8d0a-2b0f6a8e7c11
        type: HTTPS
        target: megaticket-alb-1.ap-northeast-2.elb.amazonaws.com
        port: 443
        resource_path: /health
        healthy: true
        observations: [{region: us-east-1, status: "Success: HTTP Status Code 200, OK"}]
    secondary:
      description: The secondary endpoint's check, same keys.
      type: dict
    switch:
      description: The switch (CALCULATED) check used by the PRIMARY record, with C(mode), C(health_threshold),
        C(inverted) and C(healthy).
      type: dict
records:
  description: The PRIMARY and SECONDARY record sets after the task.
  returned: when state is present
  type: list
  elements: dict
  sample:
    - name: www.megaticket.click.
      type: A
      set_identifier: primary
      failover: PRIMARY
      health_check_id: 0e7c6c1a-1111-2222-3333-444455556666
      alias_target:
        hosted_zone_id: ZWKZPGTI48KDX
        dns_name: megaticket-alb-1.ap-northeast-2.elb.amazonaws.com.
        evaluate_target_health: true
switch_pending:
  description: True when DNS does not answer yet with the endpoint O(active) asks for (after O(wait=false)).
  returned: when state is present
  type: bool
  sample: false
"""

from ansible_collections.pilotlight.dr.plugins.module_utils import dns_failover as r53
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

HEALTH_CHECK_OPTIONS = dict(
    type=dict(type="str", choices=list(r53.ENDPOINT_TYPES), default="HTTPS"),
    fqdn=dict(type="str"),
    ip_address=dict(type="str"),
    port=dict(type="int"),
    resource_path=dict(type="str"),
    search_string=dict(type="str"),
    request_interval=dict(type="int", choices=[10, 30], default=30),
    failure_threshold=dict(type="int", default=3),
    enable_sni=dict(type="bool"),
    regions=dict(type="list", elements="str"),
)
ENDPOINT_OPTIONS = dict(
    set_identifier=dict(type="str"),
    region=dict(type="str"),
    alias=dict(
        type="dict",
        options=dict(
            dns_name=dict(type="str", required=True),
            hosted_zone_id=dict(type="str"),
            evaluate_target_health=dict(type="bool", default=True),
        ),
    ),
    values=dict(type="list", elements="str"),
    health_check=dict(type="dict", options=HEALTH_CHECK_OPTIONS),
)


# -- reading ---------------------------------------------------------------------------------------------
def pick(candidates, referenced, warnings, what):
    """One health check of a role: the one in use when several carry the tags."""
    if not candidates:
        return None
    chosen = next((c for c in candidates if c["Id"] in referenced), candidates[0])
    if len(candidates) > 1:
        others = ", ".join(c["Id"] for c in candidates if c is not chosen)
        warnings.append(f"several {what} health checks carry this record's tags; using {chosen['Id']}, "
                        f"left alone: {others}")
    return chosen


def read_state(client, zone, name, record_type):
    key = r53.record_key(zone["Id"], name, record_type)
    found, records = [o.value if o.ok else o.error for o in run_concurrently(
        lambda job: job(), [lambda: r53.find_health_checks(client, key, run_concurrently),
                            lambda: r53.list_records(client, zone["Id"], name, record_type)], 2)]
    for value in (found, records):
        if isinstance(value, Exception):
            raise value
    warnings = []
    in_records = {record.get("HealthCheckId") for record in records}
    checks = {"switch": pick(found["switch"], in_records, warnings, "switch")}
    children = set((checks["switch"] or {}).get("HealthCheckConfig", {}).get("ChildHealthChecks") or [])
    checks["primary"] = pick(found["primary"], children | in_records, warnings, "primary")
    checks["secondary"] = pick(found["secondary"], in_records, warnings, "secondary")
    return {"key": key, "checks": checks, "records": records, "warnings": warnings}


def read_health(client, checks):
    """{role: observations} of the endpoint checks that exist."""
    roles = [role for role in r53.ROLES if checks.get(role)]
    outcomes = run_concurrently(lambda role: r53.health_check_observations(client, checks[role]["Id"]), roles, 2)
    health = {role: None for role in r53.ROLES}
    for role, outcome in zip(roles, outcomes):
        if not outcome.ok:
            raise outcome.error
        health[role] = outcome.value
    return health


# -- planning ----------------------------------------------------------------------------------------------
def target_mode(requested, force, current_mode, switch_exists):
    """The switch mode to set; "custom" keeps an existing switch whose settings are no known mode."""
    if requested == "primary":
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
        changes, replace = r53.check_changes(existing["HealthCheckConfig"], desired)
        action = "replace" if replace else ("update" if changes else "keep")
        plan[role] = {"action": action, "existing": existing, "config": desired, "changes": changes}
    for role, item in plan.items():
        item["tags"] = check_tags(state["key"], role, tags)
    return plan


def check_tags(key, role, extra):
    tags = dict(extra or {})
    tags.setdefault("Name", f"{key.split('/')[1].rstrip('.')} {role}")
    tags.update({r53.TAG_RECORD: key, r53.TAG_ROLE: role})
    return tags


def plan_switch(state, mode, primary_id, tags):
    existing = state["checks"]["switch"]
    if mode == "custom":  # someone set the switch by hand: keep it, only its child follows the primary check
        desired = r53.config_view(existing["HealthCheckConfig"], r53.switch_config("auto", None))
        desired["ChildHealthChecks"] = [primary_id] if primary_id else []
    else:
        desired = r53.switch_config(mode, primary_id)
    if existing is None:
        return {"action": "create", "existing": None, "config": desired, "changes": {},
                "tags": check_tags(state["key"], r53.SWITCH, tags)}
    changes, _ = r53.check_changes(existing["HealthCheckConfig"], desired)
    return {"action": "update" if changes else "keep", "existing": existing, "config": desired, "changes": changes,
            "tags": check_tags(state["key"], r53.SWITCH, tags)}


def health_of(role, plan, observations):
    """(endpoint healthy, status DNS uses) of an endpoint check after the plan (None = unknown)."""
    if plan[role]["action"] in ("create", "replace"):
        return None, None
    raw = r53.endpoint_health(observations.get(role))
    return raw, r53.status_from(raw, plan[role]["config"])


def check_switch_allowed(params, current_mode, health, endpoints, plan, module):
    """Refuse, before any change, a switch that Route 53 would not carry out."""
    requested, force = params["active"], params["force"]
    if force or not requested or requested == "auto":
        return
    name = r53.fqdn(params["record_name"])
    if requested == "secondary" and current_mode != "secondary":
        _, status = health["secondary"]
        if plan["secondary"]["action"] in ("create", "replace"):
            raise DRError(f"cannot switch {name} to the secondary in the run that creates its health check: the check "
                          "has no result yet. Run again in a minute, or use force: true")
        if status is not True:
            raise DRError(f"the secondary endpoint of {name} is not healthy ({describe_health(health['secondary'])}); "
                          "Route 53 would keep answering with the primary. Make the DR side healthy (activate its "
                          "Auto Scaling groups) and retry, or use force: true")
        readiness = secondary_target_health(module, endpoints["secondary"])
        if readiness is not None and readiness[0] is False:
            raise DRError(f"the secondary of {name} is an alias that evaluates target health and {readiness[1]}; "
                          "Route 53 would keep answering with the primary. Activate the DR side first, or use "
                          "force: true")
    if requested == "primary":
        raw, _ = health["primary"]
        if plan["primary"]["action"] in ("create", "replace") or raw is not True:
            raise DRError(f"the primary endpoint of {name} is not healthy ({describe_health(health['primary'])}); "
                          "Route 53 would keep answering with the secondary. Fix the primary and retry, or use "
                          "force: true to pin traffic to it")


def describe_health(health):
    raw, status = health
    if raw is None:
        return "no health checker result yet"
    return f"endpoint {'up' if raw else 'down'}, status {'healthy' if status else 'unhealthy'}"


def secondary_target_health(module, endpoint):
    """(ready, reason) of the DR load balancer for EvaluateTargetHealth, read in the secondary's region only."""
    alias = endpoint.get("alias")
    if not alias or not alias["evaluate_target_health"] or not endpoint.get("region"):
        return None
    if not alias["dns_name"].endswith(".elb.amazonaws.com"):
        return None
    ready, reason = r53.load_balancer_readiness(module.client("elbv2", region=endpoint["region"]), alias["dns_name"])
    if ready is None:
        module.warn(f"could not check the target health of {alias['dns_name']}: {reason}")
    return ready, reason


# -- applying ------------------------------------------------------------------------------------------
def apply_check(client, item, purge):
    action = item["action"]
    if action in ("create", "replace"):
        return r53.create_health_check(client, item["config"], item["tags"]), True
    check, changed = item["existing"], False
    if action == "update":
        check, changed = r53.update_health_check(client, check, item["changes"]), True
    changed = r53.update_tags(client, check, item["tags"], purge) or changed
    return check, changed


def apply(client, params, zone, plan, endpoints, records_plan_fn):
    """Make the changes; returns (checks by role, change info or None, changed)."""
    purge = bool(params["purge_tags"]) and params["tags"] is not None
    roles = list(r53.ROLES)
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
        switch["changes"], _ = r53.check_changes(switch["existing"]["HealthCheckConfig"], switch["config"])
        switch["action"] = "update" if switch["changes"] else "keep"
    checks["switch"], done = apply_check(client, switch, purge)
    changed = changed or done
    changes, _ = records_plan_fn(checks["switch"]["Id"], checks["secondary"]["Id"])
    change = None
    if changes:
        change = r53.change_records(client, zone["Id"], changes,
                                    f"pilotlight.dr route53_failover {r53.fqdn(params['record_name'])}")
        changed = True
    for role in roles:
        if plan[role]["action"] == "replace":
            r53.delete_health_check(client, plan[role]["existing"]["Id"])
    return checks, change, changed


def wait_for(client, params, zone, endpoints, change, expected, deadline):
    if change is not None and change.get("Status") != "INSYNC":
        wait_until(lambda: r53.change_status(client, change["Id"]) == "INSYNC", deadline,
                   f"Route 53 change {change['Id']} to be INSYNC", delay=2.0)
    if expected not in r53.ROLES:
        return None
    state = {}

    def answered():
        state["answer"] = answer_of(client, zone, params, endpoints)
        return state["answer"]["endpoint"] == expected

    try:
        wait_until(answered, deadline, f"{r53.fqdn(params['record_name'])} to answer with the {expected}", delay=2.0)
    except DRError as exc:
        got = state.get("answer", {})
        raise DRError(f"{exc.message}. It answers {got.get('record_data')} ({got.get('endpoint') or 'unmatched'}): "
                      f"Route 53 answers the {expected} only when it is healthy; with evaluate_target_health, "
                      "its load balancer also needs a healthy target in every target group.")
    return state["answer"]


# -- results -------------------------------------------------------------------------------------------
def answer_of(client, zone, params, endpoints):
    answer = r53.dns_answer(client, zone["Id"], params["record_name"], params["record_type"])
    endpoint, how = r53.match_answer(answer["record_data"], list(endpoints.values()))
    answer.update(endpoint=endpoint, matched_by=how,
                  region=endpoints[endpoint].get("region") if endpoint else None)
    return answer


def check_report(role, check, config, health):
    raw, status = health
    report = {
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
    return report


def switch_report(check, config, mode, primary_status):
    return {
        "id": (check or {}).get("Id"),
        "mode": mode,
        "health_threshold": config["HealthThreshold"],
        "inverted": config["Inverted"],
        "child_health_checks": config["ChildHealthChecks"],
        "healthy": r53.switch_status(config, primary_status),
    }


def snapshot(mode, checks_config, records, like=None):
    """The state shown by --diff: switch mode, managed health-check fields, records."""
    like = like or checks_config
    return {
        "mode": mode,
        "health_checks": {role: r53.config_view(config, like[role] or {}) for role, config in checks_config.items()},
        "records": [r53.normalize_record(record) for record in records],
    }


# -- main steps ----------------------------------------------------------------------------------------------
def remove(module, client, zone, params):
    name, record_type = params["record_name"], params["record_type"]
    state = read_state(client, zone, name, record_type)
    ours = {c["Id"] for c in state["checks"].values() if c}
    failover = [r for r in state["records"] if r.get("Failover")]
    configs = {role: (c or {}).get("HealthCheckConfig") for role, c in state["checks"].items()}
    before = snapshot(r53.mode_of(configs["switch"]), configs, failover)
    changed = bool(ours or failover)
    if changed and not module.check_mode:
        if failover:
            r53.change_records(client, zone["Id"], [{"Action": "DELETE", "ResourceRecordSet": r} for r in failover],
                               f"pilotlight.dr route53_failover {r53.fqdn(name)} absent")
        for role in (r53.SWITCH,) + r53.ROLES:
            if state["checks"][role]:
                r53.delete_health_check(client, state["checks"][role]["Id"])
    result = dict(changed=changed, zone_id=zone["Id"], record_name=r53.fqdn(name), record_type=record_type,
                  active=None, mode=None)
    for warning in state["warnings"]:
        module.warn(warning)
    if module._diff:
        result["diff"] = make_diff(before, snapshot(None, {role: None for role in configs}, [], like=configs))
    return result


def validate(params):
    """Every input check that needs no AWS call; endpoints with their defaults resolved."""
    if params["ttl"] is not None and not 0 <= params["ttl"] <= 2147483647:
        raise DRError(f"ttl must be between 0 and 2147483647 seconds, got {params['ttl']}")
    if params["state"] == "absent":
        return None
    for role in r53.ROLES:
        if not params[role]:
            raise DRError(f"{role} is required with state present: the {role} endpoint of the failover pair")
    endpoints = {role: r53.endpoint_spec(role, params[role], params["record_type"]) for role in r53.ROLES}
    r53.check_distinct(endpoints["primary"], endpoints["secondary"])
    return endpoints


def ensure(module, client, zone, params, endpoints):
    name, record_type = params["record_name"], params["record_type"]
    state = read_state(client, zone, name, record_type)
    observations = read_health(client, state["checks"])
    current_mode = r53.mode_of((state["checks"]["switch"] or {}).get("HealthCheckConfig"))
    if current_mode is None and state["checks"]["switch"] is not None:
        current_mode = "custom"
    mode = target_mode(params["active"], params["force"], current_mode, state["checks"]["switch"] is not None)
    if mode == "custom":
        module.warn(f"the switch health check {state['checks']['switch']['Id']} of {r53.fqdn(name)} has settings "
                    "that are no known mode (changed by hand?); left as it is. Set active to take it over.")
    plan = plan_checks(state, endpoints, params["tags"])
    primary_id = plan["primary"]["existing"]["Id"] if plan["primary"]["action"] in ("keep", "update") else None
    plan["switch"] = plan_switch(state, mode, primary_id, params["tags"])
    health = {role: health_of(role, plan, observations) for role in r53.ROLES}

    def records_plan(switch_id, secondary_id):
        desired = [r53.desired_record(endpoints["primary"], name, record_type, params["ttl"], switch_id),
                   r53.desired_record(endpoints["secondary"], name, record_type, params["ttl"], secondary_id)]
        changes, conflicts = r53.plan_records(state["records"], desired, params["overwrite"])
        return changes, conflicts, desired

    predicted_ids = {
        "switch": (state["checks"]["switch"] or {}).get("Id") if plan["switch"]["action"] != "create" else None,
        "secondary": plan["secondary"]["existing"]["Id"] if plan["secondary"]["action"] in ("keep", "update") else None,
    }
    changes, conflicts, desired_records = records_plan(predicted_ids["switch"], predicted_ids["secondary"])
    if conflicts:
        listed = "; ".join(f"{r['Type']} {r['Name']}" + (f" ({r['SetIdentifier']})" if r.get("SetIdentifier") else "")
                           for r in conflicts)
        raise DRError(f"{r53.fqdn(name)} {record_type} already has records that are not failover records: {listed}. "
                      "Route 53 cannot mix them with failover records; set overwrite: true to replace them in one "
                      "atomic change")
    check_switch_allowed(params, current_mode, health, endpoints, plan, module)

    desired_configs = {role: plan[role]["config"] for role in r53.ROLES + (r53.SWITCH,)}
    before = snapshot(current_mode, {role: (c or {}).get("HealthCheckConfig") for role, c in state["checks"].items()},
                      state["records"], like=desired_configs)
    checks = {role: plan[role]["existing"] for role in r53.ROLES + (r53.SWITCH,)}
    change = None
    changed = any(plan[role]["action"] != "keep" for role in plan) or bool(changes)
    if not module.check_mode:
        checks, change, changed_now = apply(client, params, zone, plan, endpoints,
                                            lambda s, sec: records_plan(s, sec)[:2])
        changed = changed or changed_now
        desired_records = records_plan(checks["switch"]["Id"], checks["secondary"]["Id"])[2]
    else:
        changed = changed or tags_would_change(plan, params)

    after_configs = {role: plan[role]["config"] for role in r53.ROLES + (r53.SWITCH,)}
    primary_status = health["primary"][1]
    expected = params["active"] if params["active"] in r53.ROLES else (
        {"secondary": "secondary", "primary": "primary"}.get(mode)
        or r53.predict_endpoint(r53.switch_status(plan["switch"]["config"], primary_status), health["secondary"][1]))
    deadline = Deadline(params["wait_timeout"])
    answer = None
    if params["wait"] and not module.check_mode and (change or params["active"] in r53.ROLES):
        answer = wait_for(client, params, zone, endpoints, change,
                          params["active"] if params["active"] in r53.ROLES else None, deadline)
    if answer is None:
        answer = answer_of(client, zone, params, endpoints)
    if module.check_mode and (changed or answer["endpoint"] is None):
        answer.update(endpoint=expected, matched_by="prediction", region=endpoints[expected].get("region"))
    elif answer["endpoint"] is None and answer["record_data"]:
        answer.update(endpoint=expected, matched_by="prediction", region=endpoints[expected].get("region"))
    answer["expected"] = expected
    for warning in state["warnings"]:
        module.warn(warning)
    after = snapshot(mode, after_configs, desired_records, like=desired_configs)
    result = dict(
        changed=changed,
        zone_id=zone["Id"],
        record_name=r53.fqdn(name),
        record_type=record_type,
        active=answer["endpoint"],
        mode=mode,
        dns_answer=answer,
        switch_pending=params["active"] in r53.ROLES and answer["endpoint"] != params["active"],
        health_checks={
            "primary": check_report("primary", checks["primary"], after_configs["primary"], health["primary"]),
            "secondary": check_report("secondary", checks["secondary"], after_configs["secondary"],
                                      health["secondary"]),
            "switch": switch_report(checks["switch"], after_configs["switch"], mode, primary_status),
        },
        records=[to_result(record) for record in desired_records],
    )
    for role in r53.ROLES:
        result["health_checks"][role]["observations"] = [
            {"region": o.get("Region"), "status": (o.get("StatusReport") or {}).get("Status")}
            for o in (observations.get(role) or [])] if plan[role]["action"] not in ("create", "replace") else []
    if module._diff:
        result["diff"] = make_diff(before, after)
    return result


def tags_would_change(plan, params):
    purge = bool(params["purge_tags"]) and params["tags"] is not None
    for item in plan.values():
        if item["existing"] is None:
            continue
        current = {k: v for k, v in item["existing"].get("Tags", {}).items() if not k.startswith("aws:")}
        if any(current.get(k) != v for k, v in item["tags"].items()):
            return True
        if purge and any(k not in item["tags"] for k in current):
            return True
    return False


def main():
    argument_spec = dict(
        zone=dict(type="str"),
        zone_id=dict(type="str"),
        record_name=dict(type="str", required=True),
        record_type=dict(type="str", choices=["A", "AAAA", "CNAME"], default="A"),
        ttl=dict(type="int", default=60),
        primary=dict(type="dict", options=ENDPOINT_OPTIONS),
        secondary=dict(type="dict", options=ENDPOINT_OPTIONS),
        active=dict(type="str", choices=["primary", "secondary", "auto"]),
        force=dict(type="bool", default=False),
        overwrite=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("zone", "zone_id")],
        required_one_of=[("zone", "zone_id")],
        supports_check_mode=True,
    )
    try:
        endpoints = validate(module.params)
        client = module.client("route53", retry_decorator=r53.ROUTE53_RETRY)
        zone = r53.find_zone(client, module.params["zone"], module.params["zone_id"])
        if not r53.in_zone(module.params["record_name"], zone["Name"]):
            raise DRError(f"record_name {r53.fqdn(module.params['record_name'])} is not in zone {zone['Name']}; "
                          "give the full name, for example www." + zone["Name"].rstrip("."))
        if module.params["state"] == "absent":
            result = remove(module, client, zone, module.params)
        else:
            result = ensure(module, client, zone, module.params, endpoints)
    except DRError as error:
        module.fail_dr(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
