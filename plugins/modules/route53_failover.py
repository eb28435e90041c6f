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
  - pilotlight.dr contributors (@pilotlight)
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
              - Exactly one of O(primary.alias.dns_name) and O(primary.alias.load_balancer_name) is required.
            type: str
            version_added: 0.1.0
          load_balancer_name:
            description:
              - Name of an Application or Network Load Balancer in O(primary.region) (required with it), read
                with C(DescribeLoadBalancers) for its DNS name and hosted zone id, in the same module call.
              - For the primary endpoint with O(primary_reachable=false), the primary region is not called; the
                DNS name is taken from the existing PRIMARY failover record (created by provisioning).
            type: str
            version_added: 0.3.0
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
  traffic_switch:
    description:
      - How traffic is moved.
      - V(health_check) (the default, as in 0.1.0) is a CALCULATED health check whose mode is set with
        C(UpdateHealthCheck), a call to Route 53's control plane, which is served from us-east-1.
      - "V(cloudwatch_alarm) moves traffic with a CloudWatch alarm in O(switch_region) (the DR region): the
        PRIMARY record's health check follows the alarm (healthy when OK) and the SECONDARY record's is the same
        check inverted (healthy only when ALARM); the SECONDARY alias does not evaluate target health. A switch
        is one C(PutMetricData) in the DR region and Route 53's health checkers (its data plane) move DNS, with
        no Route 53 API call, so a failover works while us-east-1 is down. Route 53 then never answers with the
        DR endpoint unless switched to it (a DR side that was not promoted gets no traffic), and a switch to it
        is a true pin (failing health checks cannot undo it). V(active=primary) and V(active=auto) are the same."
      - The module warns when V(health_check) is used with a primary endpoint in us-east-1.
    type: str
    choices: [health_check, cloudwatch_alarm]
    default: health_check
    version_added: 0.2.0
  switch_region:
    description:
      - Region of the switch alarm with O(traffic_switch=cloudwatch_alarm). Defaults to O(secondary.region).
    type: str
    version_added: 0.2.0
  route53_reachable:
    description:
      - Set V(false) when Route 53's control plane (us-east-1) is down, for example when us-east-1 is the failed
        primary region. The module then calls no Route 53 API; with O(traffic_switch=cloudwatch_alarm) it only
        publishes the switch (O(active)) in O(switch_region), checks the DR load balancer's target health
        there first (unless O(force)), and predicts RV(dns_answer). Anything else fails before any change.
    type: bool
    default: true
    version_added: 0.2.0
  primary_reachable:
    description:
      - Set V(false) when the primary region must not be called (it is down, or the failover is ungraceful).
        Only matters with O(primary.alias.load_balancer_name), which is then read from the PRIMARY record.
    type: bool
    default: true
    version_added: 0.3.0
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
    primary: &seoul  # the same endpoints below, as YAML anchors
      alias:
        dns_name: "{{ seoul_alb_dns_name }}"
      health_check:
        resource_path: /health
    secondary: &tokyo
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
    primary: *seoul
    secondary: *tokyo
    active: secondary
    wait_timeout: 300
  register: failover

- name: Fail back to Seoul once it is healthy again (the switch returns to auto)
  pilotlight.dr.route53_failover:
    zone: megaticket.click
    record_name: www.megaticket.click
    primary: *seoul
    secondary: *tokyo
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
route53_called:
  description: False when O(route53_reachable=false) (nothing was read from Route 53, RV(dns_answer) is predicted).
  returned: when state is present
  type: bool
  sample: true
switch_pending:
  description: True when DNS does not answer yet with the endpoint O(active) asks for (after O(wait=false)).
  returned: when state is present
  type: bool
  sample: false
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import api
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import failover
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import targets
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.endpoints import ENDPOINT_TYPES
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.endpoints import endpoint_spec
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.endpoints import validate
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import fqdn
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import in_zone

HEALTH_CHECK_OPTIONS = dict(
    type=dict(type="str", choices=list(ENDPOINT_TYPES), default="HTTPS"),
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
            dns_name=dict(type="str"),
            load_balancer_name=dict(type="str"),
            hosted_zone_id=dict(type="str"),
            evaluate_target_health=dict(type="bool", default=True),
        ),
        mutually_exclusive=[("dns_name", "load_balancer_name")],
        required_one_of=[("dns_name", "load_balancer_name")],
    ),
    values=dict(type="list", elements="str"),
    health_check=dict(type="dict", options=HEALTH_CHECK_OPTIONS),
)


def run(module, params):
    def elbv2(region):
        return module.client("elbv2", region=region)

    if not params["route53_reachable"]:
        # Route 53's control plane is down: only the DR endpoint needs to be known (the primary's DNS name may
        # come from a record that cannot be read now).
        roles = ("primary", "secondary") if params["primary_reachable"] else ("secondary",)
        params = targets.resolve(params, elbv2, roles=roles)
        given = [
            role
            for role in ("primary", "secondary")
            if params[role] and (role == "secondary" or _complete(params[role]))
        ]
        endpoints = {role: endpoint_spec(role, params[role], params["record_type"]) for role in given}
        if "secondary" not in endpoints:
            raise DRError("secondary is required: the DR endpoint the switch moves traffic to")
        endpoints.setdefault("primary", {"role": "primary", "region": (params["primary"] or {}).get("region")})
        return failover.switch_without_route53(
            lambda region: module.client("cloudwatch", region=region),
            elbv2,
            params,
            endpoints,
            check_mode=module.check_mode,
            warn=module.warn,
        )
    named = params["state"] == "present" and targets.to_resolve(params)
    endpoints = None if named else validate(params)
    client = module.client("route53", retry_decorator=api.ROUTE53_RETRY)
    zone = api.find_zone(client, params["zone"], params["zone_id"])
    if not in_zone(params["record_name"], zone["Name"]):
        raise DRError(
            f"record_name {fqdn(params['record_name'])} is not in zone {zone['Name']}; "
            "give the full name, for example www." + zone["Name"].rstrip(".")
        )
    if named:

        def primary_record():
            records = api.list_records(client, zone["Id"], params["record_name"], params["record_type"])
            return targets.primary_record(records)

        params = targets.resolve(params, elbv2, primary_record=primary_record)
        endpoints = validate(params)
    how = dict(check_mode=module.check_mode, diff=module._diff, warn=module.warn)
    if params["state"] == "absent":
        return failover.remove(client, zone, params, **how)
    return failover.ensure(
        client,
        zone,
        params,
        endpoints,
        elbv2=elbv2,
        cloudwatch=lambda region: module.client("cloudwatch", region=region),
        **how,
    )


def _complete(endpoint):
    alias = endpoint.get("alias") or {}
    return bool(endpoint.get("values") or alias.get("dns_name"))


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
        traffic_switch=dict(type="str", choices=["health_check", "cloudwatch_alarm"], default="health_check"),
        switch_region=dict(type="str"),
        route53_reachable=dict(type="bool", default=True),
        primary_reachable=dict(type="bool", default=True),
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
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
