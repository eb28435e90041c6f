#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudfront_origin_group
version_added: 0.1.0
short_description: CloudFront origin failover - an origin group with primary and secondary origins on a distribution
description:
  - On an existing CloudFront distribution (found by O(distribution_id), O(alias) or O(comment)), ensures an
    origin group with two member origins, the primary first, that fails over to the secondary on the
    O(failover_status_codes), and points the default cache behavior (and/or the O(target_path_patterns)
    behaviors) at the group.
  - The two origins are ensured too when they are given with a C(domain_name), for example the Seoul and the
    Tokyo S3 buckets of a static front end; origins given by id only must exist already.
  - O(primary) chooses which origin is the group's primary; changing it swaps primary and secondary, which is
    how a failover makes the DR origin primary and a failback makes the original origin primary again.
  - Read-compare-write with the distribution's ETag (C(If-Match)); when someone else changes the distribution
    between the read and the write, the module reads it again and re-plans, so it never overwrites their change.
  - O(state=absent) removes the group and points its behaviors back at O(primary) (or the group's primary).
  - This fills a gap of M(community.aws.cloudfront_distribution), which has no origin groups and cannot target
    one from a cache behavior (U(https://github.com/ansible-collections/community.aws/issues/169),
    U(https://github.com/ansible-collections/community.aws/issues/1721)).
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  distribution_id:
    description:
      - Id of the distribution.
      - One of O(distribution_id), O(alias) and O(comment) is required.
    type: str
    version_added: 0.1.0
  alias:
    description:
      - An alternate domain name (CNAME) of the distribution, for example V(www.portforge.org).
    type: str
    version_added: 0.1.0
  comment:
    description:
      - The distribution's comment, when it has no alias; it must match exactly one distribution.
    type: str
    version_added: 0.1.0
  origin_group_id:
    description:
      - Id of the origin group on the distribution. Must differ from every origin id.
    type: str
    required: true
    version_added: 0.1.0
  origins:
    description:
      - The two member origins, for example the primary-region bucket then the DR-region bucket.
      - Required with O(state=present).
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
    suboptions:
      id:
        description:
          - Origin id on the distribution.
        type: str
        required: true
        version_added: 0.1.0
      domain_name:
        description:
          - Origin domain name, for example V(portforge-front-dr.s3.ap-northeast-1.amazonaws.com).
          - When given, the origin is created or its domain name updated; settings not managed here
            (headers, timeouts, shield) are kept. When omitted, the origin must already exist.
        type: str
        version_added: 0.1.0
      origin_path:
        description:
          - Path prefix on the origin. Omitted keeps the current one (none for a new origin).
        type: str
        version_added: 0.1.0
      origin_type:
        description:
          - V(s3) for an S3 REST endpoint (C(S3OriginConfig)), V(custom) for anything else, including S3 website
            endpoints and load balancers (C(CustomOriginConfig)).
          - V(auto) decides from the domain name.
        type: str
        choices: [auto, s3, custom]
        default: auto
        version_added: 0.1.0
      origin_access_control_id:
        description:
          - Origin access control that signs requests to the origin (for private S3 buckets).
          - On an S3 origin it replaces an origin access identity (CloudFront refuses both on one origin).
          - Mutually exclusive with O(origins[].origin_access_control).
        type: str
        version_added: 0.1.0
      origin_access_control:
        description:
          - Name of the origin access control (OAC) that signs CloudFront's requests to this S3 origin
            (SigV4, always). It is created when no OAC has this name, and the origin uses it.
          - Needs O(origins[].domain_name), an S3 REST endpoint such as
            V(portforge-front-dr.s3.ap-northeast-1.amazonaws.com).
          - Without it a private DR bucket answers 403 when the group fails over to it.
        type: str
        version_added: 0.2.0
      bucket_policy:
        description:
          - With O(origins[].origin_access_control), add to the bucket's policy a statement that lets the
            CloudFront service principal read the objects for this distribution only (C(AWS:SourceArn)), as AWS's
            OAC setup does. The other statements of the policy are kept. The bucket is called in its own region.
        type: bool
        default: true
        version_added: 0.2.0
      origin_protocol_policy:
        description:
          - For custom origins, how CloudFront connects to the origin. A new custom origin uses V(https-only).
        type: str
        choices: [http-only, match-viewer, https-only]
        version_added: 0.1.0
  primary:
    description:
      - Id of the origin that is the group's primary; the other one is the secondary.
      - Set it to the DR origin on failover and back to the original origin on failback.
      - When omitted, an existing group keeps its current primary (so re-running a provisioning task during an
        outage never swaps back), and a new group gets the first of O(origins).
      - With O(state=absent), the origin the group's behaviors point to after the group is removed.
    type: str
    version_added: 0.1.0
  failover_status_codes:
    description:
      - HTTP status codes from the primary that make CloudFront retry on the secondary.
    type: list
    elements: int
    choices: [400, 403, 404, 416, 500, 502, 503, 504]
    default: [500, 502, 503, 504]
    version_added: 0.1.0
  target_default_cache_behavior:
    description:
      - Point the default cache behavior at the group.
      - CloudFront refuses this when the behavior allows POST, PUT, PATCH or DELETE; the module says so before
        changing anything.
    type: bool
    default: true
    version_added: 0.1.0
  target_path_patterns:
    description:
      - Path patterns of existing cache behaviors to point at the group, for example V(/static/*).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  state:
    description:
      - V(present) ensures the origins, the group and the targets; V(absent) removes the group.
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Computes the new configuration and reports the changes and the resulting group; makes no change.
  diff_mode:
    support: full
    description: Shows the group, its two origins and the behaviors that target it, before and after.
notes:
  - CloudFront is a global service; the module calls no regional endpoint and so works while the primary region
    is down. O(region) is not needed. Only O(origins[].bucket_policy) calls S3, in the bucket's region, and only
    for origins given with O(origins[].origin_access_control).
  - M(community.aws.cloudfront_distribution) and M(amazon.aws.s3_bucket) have no origin access control and would
    replace the whole bucket policy; hence O(origins[].origin_access_control) here.
  - A change takes several minutes to be C(Deployed) on AWS; O(wait=false) returns at once (a later run with
    O(wait=true) waits without changing anything).
  - CloudFront fails over only for GET, HEAD and OPTIONS requests, hence the restriction on the allowed methods of
    a behavior that targets a group.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Seoul bucket primary, Tokyo bucket secondary, fail over on 5xx (runbook 002, section 9)
  pilotlight.dr.cloudfront_origin_group:
    alias: www.portforge.org
    origin_group_id: portforge-front-failover
    origins:
      - id: portforge-front-seoul
        domain_name: portforge-front.s3.ap-northeast-2.amazonaws.com
      - id: portforge-front-tokyo
        domain_name: portforge-front-dr.s3.ap-northeast-1.amazonaws.com
        # CloudFront signs its requests to the private DR bucket, whose policy lets this distribution read
        origin_access_control: portforge-front-dr-oac
  register: front_failover

- name: Also fail over on 403 and 404 (runbook 003), without waiting for the deployment
  pilotlight.dr.cloudfront_origin_group:
    distribution_id: "{{ front_failover.distribution.id }}"
    origin_group_id: portforge-front-failover
    origins:
      - id: portforge-front-seoul
      - id: portforge-front-tokyo
    failover_status_codes: [403, 404, 500, 502, 503, 504]
    wait: false

- name: Failover - make the Tokyo bucket primary
  pilotlight.dr.cloudfront_origin_group:
    alias: www.portforge.org
    origin_group_id: portforge-front-failover
    origins:
      - id: portforge-front-seoul
      - id: portforge-front-tokyo
    primary: portforge-front-tokyo
    failover_status_codes: [403, 404, 500, 502, 503, 504]

- name: Failback - Seoul primary again
  pilotlight.dr.cloudfront_origin_group:
    alias: www.portforge.org
    origin_group_id: portforge-front-failover
    origins:
      - id: portforge-front-seoul
      - id: portforge-front-tokyo
    primary: portforge-front-seoul
    failover_status_codes: [403, 404, 500, 502, 503, 504]
"""

RETURN = r"""
distribution:
  description: The distribution.
  returned: always
  type: dict
  contains:
    id:
      description: Distribution id.
      type: str
      sample: E2QWRUHAPOMQZL
    arn:
      description: Distribution ARN.
      type: str
      sample: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL
    domain_name:
      description: The distribution's CloudFront domain name.
      type: str
      sample: d111111abcdef8.cloudfront.net
    status:
      description: C(InProgress) while a change deploys, then C(Deployed).
      type: str
      sample: Deployed
    etag:
      description: Current ETag of the distribution's configuration.
      type: str
      sample: E2QWRUHAPOMQZL
    aliases:
      description: Alternate domain names.
      type: list
      elements: str
      sample: ["www.portforge.org"]
origin_group:
  description: The origin group (C(null) after O(state=absent)).
  returned: always
  type: dict
  contains:
    id:
      description: Group id.
      type: str
      sample: portforge-front-failover
    primary:
      description: Id of the primary origin.
      type: str
      sample: portforge-front-seoul
    secondary:
      description: Id of the secondary origin.
      type: str
      sample: portforge-front-tokyo
    members:
      description: Member origin ids, primary first.
      type: list
      elements: str
      sample: ["portforge-front-seoul", "portforge-front-tokyo"]
    failover_status_codes:
      description: Status codes that trigger failover.
      type: list
      elements: int
      sample: [500, 502, 503, 504]
origins:
  description: The group's two origins.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Origin id.
      type: str
      sample: portforge-front-tokyo
    domain_name:
      description: Origin domain name.
      type: str
      sample: portforge-front-dr.s3.ap-northeast-1.amazonaws.com
    origin_path:
      description: Origin path.
      type: str
      sample: ""
    type:
      description: C(s3) or C(custom).
      type: str
      sample: s3
    origin_access_control_id:
      description: The origin access control that signs requests to the origin, when it has one.
      type: str
      returned: when the origin has an origin access control
      sample: E1ABCDEFGHIJKL
bucket_policies:
  description: The buckets whose policy lets the distribution read (origins with O(origins[].origin_access_control)).
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    bucket:
      description: Bucket name.
      type: str
      sample: portforge-front-dr
    region:
      description: The bucket's region.
      type: str
      sample: ap-northeast-1
    grants_distribution:
      description: Whether the policy lets the distribution read the objects (false only in check mode before a change).
      type: bool
      sample: true
targets:
  description: Cache behaviors that target the group (C(default) for the default cache behavior, else the path pattern).
  returned: always
  type: list
  elements: str
  sample: ["default"]
changes:
  description: What this run changed (or would change, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["origin group portforge-front-failover: primary portforge-front-seoul -> portforge-front-tokyo, secondary
    portforge-front-tokyo -> portforge-front-seoul"]
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import access
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import distributions
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import origin_groups as og
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline


def validate_access(params):
    """Origin access control options that need no AWS call; the (bucket, region) whose policy to grant in."""
    grants = []
    for origin in params["origins"]:
        if not origin.get("origin_access_control"):
            continue
        if origin.get("origin_access_control_id"):
            raise DRError(f"origin {origin['id']}: give origin_access_control or origin_access_control_id, not both")
        if not origin.get("domain_name") or og.origin_kind(origin["domain_name"], origin["origin_type"]) != "s3":
            raise DRError(
                f"origin {origin['id']}: origin_access_control needs the domain_name of an S3 REST endpoint "
                "(<bucket>.s3.<region>.amazonaws.com)"
            )
        bucket, region = access.bucket_of(origin["domain_name"])
        if origin["bucket_policy"]:
            grants.append((bucket, region))
    return grants


def resolve_access_controls(client, params, check_mode):
    """The origins with origin_access_control_id set from their OAC name (created when missing); changes."""
    named = [o for o in params["origins"] if o.get("origin_access_control")]
    if not named or params["state"] != "present":
        return params, []
    controls = access.list_access_controls(client)
    origins, changes = [], []
    for origin in params["origins"]:
        name = origin.get("origin_access_control")
        if name:
            found = access.find_access_control(controls, name)
            if found is None:
                changes.append(f"origin access control {name} created (S3, SigV4, always)")
                control_id = (
                    f"(new origin access control {name})"
                    if check_mode
                    else access.create_access_control(client, name, f"pilotlight.dr: CloudFront reads {origin['id']}")
                )
                controls.append({"Id": control_id, "Name": name})
            else:
                control_id = found["Id"]
            origin = dict(origin, origin_access_control_id=control_id)
        origins.append(origin)
    return dict(params, origins=origins), changes


def grant_bucket_reads(module, grants, distribution_arn):
    """Each bucket's policy lets the distribution read its objects; (views, changes)."""
    views, changes = [], []
    for bucket, region in grants:
        s3 = module.client("s3", region=region)
        policy = access.read_bucket_policy(s3, bucket)
        new, planned = access.plan_bucket_policy(policy, bucket, distribution_arn)
        if planned and not module.check_mode:
            access.put_bucket_policy(s3, bucket, new)
        changes += planned
        granted = not planned or not module.check_mode
        views.append({"bucket": bucket, "region": region, "grants_distribution": granted})
    return views, changes


def run(module, params):
    og.validate(params)
    grants = validate_access(params) if params["state"] == "present" else []
    client = module.client("cloudfront", region=distributions.CLOUDFRONT_REGION)
    deadline = Deadline(params["wait_timeout"])
    distribution_id = distributions.find_distribution_id(
        client, params["distribution_id"], params["alias"], params["comment"]
    )
    params, changes = resolve_access_controls(client, params, module.check_mode)
    planner = og.plan_present if params["state"] == "present" else og.plan_absent
    before, after, planned, etag = distributions.converge(
        client, distribution_id, lambda c: planner(c, params), module.check_mode
    )
    changes += planned
    origin_ids = [o["id"] for o in params["origins"]]
    if params["wait"] and not module.check_mode:
        distributions.wait_deployed(client, distribution_id, deadline)
    distribution, etag = distributions.get_distribution(client, distribution_id)
    bucket_policies, granted = grant_bucket_reads(module, grants, distribution["ARN"])
    changes += granted
    view = og.state_view(after, params["origin_group_id"], origin_ids)
    result = dict(
        changed=bool(changes),
        distribution=og.distribution_view(distribution, etag),
        origin_group=view["origin_group"],
        origins=view["origins"],
        targets=view["targets"],
        bucket_policies=bucket_policies,
        changes=changes,
    )
    if module._diff:
        result["diff"] = make_diff(og.state_view(before, params["origin_group_id"], origin_ids), view)
    return result


def main():
    origin_spec = dict(
        id=dict(type="str", required=True),
        domain_name=dict(type="str"),
        origin_path=dict(type="str"),
        origin_type=dict(type="str", choices=["auto", "s3", "custom"], default="auto"),
        origin_access_control_id=dict(type="str"),
        origin_access_control=dict(type="str"),
        bucket_policy=dict(type="bool", default=True),
        origin_protocol_policy=dict(type="str", choices=["http-only", "match-viewer", "https-only"]),
    )
    argument_spec = dict(
        distribution_id=dict(type="str"),
        alias=dict(type="str"),
        comment=dict(type="str"),
        origin_group_id=dict(type="str", required=True),
        origins=dict(type="list", elements="dict", options=origin_spec, default=[]),
        primary=dict(type="str"),
        failover_status_codes=dict(
            type="list", elements="int", choices=og.FAILOVER_STATUS_CODES, default=list(og.DEFAULT_STATUS_CODES)
        ),
        target_default_cache_behavior=dict(type="bool", default=True),
        target_path_patterns=dict(type="list", elements="str", default=[]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[["distribution_id", "alias", "comment"]],
        mutually_exclusive=[["distribution_id", "alias", "comment"]],
    )
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
