#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_replication_info
version_added: 0.1.0
short_description: Read a bucket's S3 replication rules, what is still pending replication, and the DR copy
description:
  - Reads the replication configuration of O(bucket) in O(source_region) and, for rules with replication metrics
    (see O(pilotlight.dr.s3_replication#module:replication_time_control)), the latest
    C(OperationsPendingReplication), C(BytesPendingReplication) and C(ReplicationLatency) that S3 published to
    CloudWatch in O(source_region), that is the objects a failover would lose now (RPO evidence).
  - With O(primary_reachable=false) the module calls only O(region) (the DR region). During an outage of the
    primary region the pending counts cannot be read, and the module reports them as unknown together with what
    the DR side shows (with O(summarize_destination=true), the object count and newest object of
    O(destination_bucket)).
  - No amazon.aws or community.aws module reads replication rules or replication metrics; this is the
    C(_info) partner of M(pilotlight.dr.s3_replication).
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  bucket:
    description:
      - The source bucket of the replication, in O(source_region).
    type: str
    required: true
    version_added: 0.1.0
  source_region:
    description:
      - The region of O(bucket). Must differ from O(region).
    type: str
    required: true
    version_added: 0.1.0
  destination_bucket:
    description:
      - The replica bucket in O(region). Only its rules are reported when set.
      - Required with O(primary_reachable=false) or O(summarize_destination=true) when the rules cannot tell it.
    type: str
    version_added: 0.1.0
  primary_reachable:
    description:
      - V(false) never calls O(source_region) (ungraceful failover), only O(region) is read.
    type: bool
    default: true
    version_added: 0.1.0
  summarize_destination:
    description:
      - List O(destination_bucket) (in O(region)) and report its object count, size and newest object.
      - Costs one C(ListObjectsV2) call per 1000 objects.
    type: bool
    default: false
    version_added: 0.1.0
  metrics_lookback_minutes:
    description:
      - How far back to look for the latest replication metric datapoint.
      - Datapoints are read per minute up to a day back; longer windows are read in coarser periods (CloudWatch
        returns at most 1,440 datapoints per request).
    type: int
    default: 60
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Reads only; the same result in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: How much would a failover of portforge-team lose right now?
  pilotlight.dr.s3_replication_info:
    bucket: portforge-team
    source_region: ap-northeast-2
    region: ap-northeast-1
  register: team_replication

- name: Show the pending objects
  ansible.builtin.debug:
    msg: "{{ team_replication.pending_operations }} objects pending replication"

- name: Seoul is down - read only what Tokyo can tell
  pilotlight.dr.s3_replication_info:
    bucket: portforge-team
    source_region: ap-northeast-2
    destination_bucket: portforge-team-dr
    region: ap-northeast-1
    primary_reachable: false
    summarize_destination: true
  register: team_rpo
"""

RETURN = r"""
primary_reachable:
  description: Whether O(source_region) was read.
  returned: always
  type: bool
  sample: true
replication_configuration:
  description: The source bucket's replication configuration (null when it has none or it was not read).
  returned: always
  type: dict
  sample: {"role": "arn:aws:iam::123456789012:role/s3-replication-portforge-team", "rules": []}
rules:
  description: One entry per rule (to O(destination_bucket) when set) with its latest replication metrics.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Rule ID.
      type: str
      sample: pilotlight-dr
    status:
      description: C(Enabled) or C(Disabled).
      type: str
      sample: Enabled
    destination_bucket:
      description: Name of the destination bucket.
      type: str
      sample: portforge-team-dr
    metrics_enabled:
      description: Whether S3 publishes replication metrics for the rule.
      type: bool
      sample: true
    operations_pending:
      description: Latest C(OperationsPendingReplication); null when unknown.
      type: int
      sample: 3
    bytes_pending:
      description: Latest C(BytesPendingReplication); null when unknown.
      type: int
      sample: 3072
    latency_seconds:
      description: Highest C(ReplicationLatency) in the lookback window; null when unknown.
      type: float
      sample: 1.5
    as_of:
      description: Time of the latest pending-operations datapoint (ISO 8601); null when unknown.
      type: str
      sample: "2026-05-01T03:04:05+00:00"
pending_operations:
  description: Sum of C(operations_pending) over the rules; null when any rule's count is unknown.
  returned: always
  type: int
  sample: 3
pending_bytes:
  description: Sum of C(bytes_pending); null when unknown.
  returned: always
  type: int
  sample: 3072
destination:
  description: What O(destination_bucket) holds (with O(summarize_destination=true)).
  returned: when O(summarize_destination=true)
  type: dict
  contains:
    bucket:
      description: Bucket name.
      type: str
      sample: portforge-team-dr
    object_count:
      description: Current objects.
      type: int
      sample: 1200
    total_bytes:
      description: Their total size.
      type: int
      sample: 52428800
    newest_last_modified:
      description: Last-modified time of the newest object (ISO 8601), null when empty.
      type: str
      sample: "2026-05-01T03:04:00+00:00"
"""

import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.metrics import describe_rule
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.metrics import read_configuration
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.metrics import summarize
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.metrics import total
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import bucket_of_arn


def validate_params(params):
    if params["metrics_lookback_minutes"] < 1:
        raise DRError(f"metrics_lookback_minutes must be 1 or more, got {params['metrics_lookback_minutes']}")
    if not params["primary_reachable"] and params["summarize_destination"] and not params["destination_bucket"]:
        raise DRError("with primary_reachable: false the rules cannot be read: give destination_bucket")


def run(module, params):
    validate_params(params)
    configuration = None
    rules = []
    now = datetime.datetime.now(datetime.timezone.utc)
    if params["primary_reachable"]:
        source = module.client("s3", region=params["source_region"])
        configuration = read_configuration(source, params["bucket"], params["source_region"])
        cloudwatch = module.client("cloudwatch", region=params["source_region"])
        for rule in (configuration or {}).get("Rules", []):
            destination = bucket_of_arn(rule["Destination"]["Bucket"])
            if params["destination_bucket"] and destination != params["destination_bucket"]:
                continue
            rules.append(describe_rule(cloudwatch, params["bucket"], rule, params["metrics_lookback_minutes"], now))
    result = dict(
        changed=False,
        primary_reachable=params["primary_reachable"],
        replication_configuration=camel_dict_to_snake_dict(configuration) if configuration else None,
        rules=rules,
        pending_operations=total(rules, "operations_pending") if params["primary_reachable"] else None,
        pending_bytes=total(rules, "bytes_pending") if params["primary_reachable"] else None,
    )
    if params["summarize_destination"]:
        destination = params["destination_bucket"] or next((r["destination_bucket"] for r in rules), None)
        if not destination:
            raise DRError("summarize_destination needs destination_bucket (no rule of the bucket names one)")
        result["destination"] = summarize(module.client("s3"), destination, module.region)
    return result


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        source_region=dict(type="str", required=True),
        destination_bucket=dict(type="str"),
        primary_reachable=dict(type="bool", default=True),
        summarize_destination=dict(type="bool", default=False),
        metrics_lookback_minutes=dict(type="int", default=60),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
