#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_replication
version_added: 0.1.0
short_description: S3 cross-region replication of a bucket to the DR region, with a backfill of older objects
description:
  - Replicates the objects of O(bucket) (in O(source_region)) to O(destination_bucket) (in O(region), the DR
    region) with one S3 replication rule, and everything the rule needs, in one idempotent task.
  - Versioning is enabled on both buckets when needed (S3 replicates only between versioned buckets). S3 takes a
    moment to see versioning that was just enabled, so setting the rule is retried for up to two minutes while S3
    answers that versioning is not enabled.
  - The replication role is created or updated with a least-privilege inline policy for this pair of buckets
    (read the source's versions and replication configuration, write replicas, and with O(replica_kms_key_id)
    decrypt with the source keys and encrypt with the DR key), or an existing role is used with O(role_arn).
  - The rule can filter by prefix and tags, store replicas in another storage class, replicate delete markers,
    turn on Replication Time Control (15 minutes, with replication metrics) and re-encrypt SSE-KMS objects with
    a KMS key of the DR region. Other rules of the bucket's replication configuration are left untouched.
  - S3 replicates only objects written after the rule exists. With O(backfill=true) the module copies the
    objects of the source (within the rule's prefix and tags) that the destination lacks or holds in an older
    version, and reports how many it copied.
  - Nothing assumes that the source is the primary region, so failback sets the rule the other way (the DR
    bucket as O(bucket), the primary bucket as O(destination_bucket)) and backfills what was written during
    the DR period; see the examples.
  - This fills a gap of M(amazon.aws.s3_bucket), which manages versioning and encryption but has no
    replication configuration, and of M(amazon.aws.iam_role), which knows nothing of the buckets a
    replication role must reach. Use those modules for the buckets' other settings.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  bucket:
    description:
      - The source bucket, in O(source_region). It must exist.
    type: str
    required: true
    version_added: 0.1.0
  source_region:
    description:
      - The region of O(bucket) (the primary region; the DR region for failback).
      - Must differ from O(region), the region of O(destination_bucket).
    type: str
    required: true
    version_added: 0.1.0
  destination_bucket:
    description:
      - The bucket that receives the replicas, in O(region). It must exist.
      - Required when O(state=present).
    type: str
    version_added: 0.1.0
  state:
    description:
      - V(present) creates or updates the rule (and versioning, role, backfill).
      - V(absent) removes the rule O(rule_id) from the source bucket's configuration (deleting the
        configuration when no rule is left) and the inline policy the module put on O(role_name). Buckets,
        versioning, replicas and the role itself are kept.
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.1.0
  rule_id:
    description:
      - ID of the replication rule this task manages. Rules with other IDs are kept as they are.
      - Use distinct IDs for the forward and the failback direction.
    type: str
    default: pilotlight-dr
    version_added: 0.1.0
  priority:
    description:
      - Priority of the rule (S3 uses the highest-priority rule when several rules match an object for the
        same destination).
      - Without it, the rule keeps its current priority, or gets the lowest one not used by another rule.
    type: int
    version_added: 0.1.0
  prefix:
    description:
      - Replicate only keys that start with this prefix. Empty replicates every key.
    type: str
    default: ""
    version_added: 0.1.0
  tags:
    description:
      - Replicate only objects that carry all these tags.
      - S3 cannot replicate delete markers with a tag filter, so O(delete_marker_replication) must be false.
    type: dict
    default: {}
    version_added: 0.1.0
  storage_class:
    description:
      - Storage class of the replicas (for example V(STANDARD_IA) to keep the pilot light cheap).
      - Without it, replicas keep the storage class of their source object.
    type: str
    choices: [STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE,
              GLACIER_IR]
    version_added: 0.1.0
  delete_marker_replication:
    description:
      - Replicate delete markers (a delete without version id), so a deleted object is also gone in DR.
      - Deletions of a specific version are never replicated by S3.
    type: bool
    default: true
    version_added: 0.1.0
  replication_time_control:
    description:
      - Turn on S3 Replication Time Control (99.99% of objects replicated within 15 minutes) with replication
        metrics and a 15-minute event threshold. Billed extra by AWS.
    type: bool
    default: false
    version_added: 0.1.0
  metrics:
    description:
      - Publish replication metrics (C(OperationsPendingReplication), C(BytesPendingReplication),
        C(ReplicationLatency)) to CloudWatch in O(source_region) without Replication Time Control.
      - Always on with O(replication_time_control=true). M(pilotlight.dr.s3_replication_info) reads them.
    type: bool
    default: false
    version_added: 0.1.0
  replica_kms_key_id:
    description:
      - KMS key of O(region) (id, ARN, alias or alias ARN) that replicas of SSE-KMS objects are encrypted with.
      - Sets the rule's C(SseKmsEncryptedObjects) selection. Without this option S3 does not replicate SSE-KMS
        objects at all.
      - The key must exist and be enabled in O(region).
    type: str
    version_added: 0.1.0
  source_kms_key_ids:
    description:
      - KMS keys of O(source_region) that the source objects are encrypted with, for the role's C(kms:Decrypt)
        permission when O(replica_kms_key_id) is set.
      - Without them, the key of the source bucket's default encryption is used, else any key of the account in
        O(source_region) (still limited to S3 in that region and to this bucket's objects).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  role_name:
    description:
      - Name of the replication role that the module creates or updates (trust for C(s3.amazonaws.com) and an
        inline policy named after the two buckets). Several buckets can share it, each adds its own policy.
      - IAM allows 10,240 characters (without whitespace) of inline policies per role. When this bucket's policy
        would not fit beside the role's other inline policies the module fails before any change; use one role
        per bucket or fewer buckets per role.
      - Defaults to C(s3-replication-<bucket>). Mutually exclusive with O(role_arn).
    type: str
    version_added: 0.1.0
  role_arn:
    description:
      - ARN of an existing role to use as it is (the module does not change its policies).
      - Mutually exclusive with O(role_name).
    type: str
    version_added: 0.1.0
  enable_versioning:
    description:
      - Enable versioning on O(bucket) and O(destination_bucket) when it is not enabled.
      - With V(false), a bucket without versioning is an error (before any change).
    type: bool
    default: true
    version_added: 0.1.0
  backfill:
    description:
      - Copy the objects of O(bucket) within the rule's prefix and tags that O(destination_bucket) lacks, or
        holds in an older version (different ETag, and different size or older last-modified time, as
        C(aws s3 sync) compares), in the rule's storage class and with the replica KMS key.
      - Only current versions are copied (not the version history, not delete markers), with their metadata and
        tags; copies get new version ids. Objects only in the destination are never deleted.
      - Objects in the C(GLACIER) or C(DEEP_ARCHIVE) storage class, and others S3 refuses to copy because they are
        archived (C(ObjectNotInActiveTierError), for example Intelligent-Tiering archive tiers), are skipped and
        counted in RV(backfill.skipped_archived); restore them and copy them yourself.
    type: bool
    default: false
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Returns the replication configuration, role and versioning the task would set and the objects a
      backfill would copy; makes no change.
  diff_mode:
    support: full
    description: Shows versioning, role and replication configuration before and after.
notes:
  - Replication is asynchronous; M(pilotlight.dr.s3_replication_info) reports what is still pending.
  - The replication configuration has one role for all its rules. When the bucket already has rules of other
    IDs with another role, give that role as O(role_arn) (and make sure it can reach O(destination_bucket)).
  - Backfill copies go through the DR region's endpoint (C(CopyObject) with the source as copy source), objects
    over 5 GiB in parts of 512 MiB (larger parts for objects over about 4.9 TiB, as S3 allows at most 10,000
    parts). A backfill into a bucket that itself replicates elsewhere is replicated on.
extends_documentation_fragment:
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Replicate portforge-team (Seoul) to portforge-team-dr (Tokyo) with RTC, cheaper storage in DR and a backfill
  pilotlight.dr.s3_replication:
    bucket: portforge-team
    source_region: ap-northeast-2
    destination_bucket: portforge-team-dr
    region: ap-northeast-1
    storage_class: STANDARD_IA
    replication_time_control: true
    backfill: true
  register: team_crr

- name: Report the backfill
  ansible.builtin.debug:
    msg: "{{ team_crr.backfill.copied }} of {{ team_crr.backfill.source_objects }} older objects copied to DR"

- name: Replicate only the logs under audit/, re-encrypted with a KMS key of Tokyo
  pilotlight.dr.s3_replication:
    bucket: portforge-log
    source_region: ap-northeast-2
    destination_bucket: portforge-log-dr
    region: ap-northeast-1
    rule_id: audit-to-dr
    prefix: audit/
    replica_kms_key_id: alias/portforge-dr-s3
    role_name: portforge-s3-replication

- name: Failback - send what was written in Tokyo during the DR period back to Seoul
  pilotlight.dr.s3_replication:
    bucket: portforge-team-dr
    source_region: ap-northeast-1
    destination_bucket: portforge-team
    region: ap-northeast-2
    rule_id: pilotlight-failback
    backfill: true

- name: After failback, remove the Tokyo -> Seoul rule again
  pilotlight.dr.s3_replication:
    bucket: portforge-team-dr
    source_region: ap-northeast-1
    region: ap-northeast-2
    rule_id: pilotlight-failback
    state: absent
"""

RETURN = r"""
rule:
  description: The managed rule as S3 stores it (null when O(state=absent)).
  returned: always
  type: dict
  contains:
    id:
      description: Rule ID.
      type: str
      sample: pilotlight-dr
    priority:
      description: Rule priority.
      type: int
      sample: 1
    status:
      description: C(Enabled).
      type: str
      sample: Enabled
    filter:
      description: The rule's filter (C(prefix), C(tag) or C(and)).
      type: dict
      sample: {"prefix": ""}
    destination:
      description: Destination bucket ARN, storage class, replica KMS key, replication time and metrics.
      type: dict
      sample: {"bucket": "arn:aws:s3:::portforge-team-dr", "storage_class": "STANDARD_IA"}
    delete_marker_replication:
      description: Whether delete markers are replicated.
      type: dict
      sample: {"status": "Enabled"}
replication_configuration:
  description: The source bucket's whole replication configuration after the task (null when it has none).
  returned: always
  type: dict
  contains:
    role:
      description: ARN of the replication role.
      type: str
      sample: arn:aws:iam::123456789012:role/s3-replication-portforge-team
    rules:
      description: Every rule of the bucket, ours and others.
      type: list
      elements: dict
      sample: []
role_arn:
  description: ARN of the replication role (predicted in check mode).
  returned: when O(state=present)
  type: str
  sample: arn:aws:iam::123456789012:role/s3-replication-portforge-team
versioning:
  description: Versioning status of both buckets after the task.
  returned: when O(state=present)
  type: dict
  sample: {"source": "Enabled", "destination": "Enabled"}
backfill:
  description: What the backfill found and copied (in check mode, C(copied) is what it would copy).
  returned: when O(backfill=true)
  type: dict
  contains:
    source_objects:
      description: Objects of the source within the rule's prefix.
      type: int
      sample: 1200
    destination_objects:
      description: Objects of the destination within the prefix before the copy.
      type: int
      sample: 1150
    missing:
      description: Source objects absent from the destination.
      type: int
      sample: 48
    outdated:
      description: Source objects whose destination copy is older.
      type: int
      sample: 2
    skipped_by_tags:
      description: Candidates left out because they lack the rule's tags.
      type: int
      sample: 0
    skipped_archived:
      description:
        - Candidates not copied because they are archived (storage class C(GLACIER) or C(DEEP_ARCHIVE), or
          refused by S3 with C(ObjectNotInActiveTierError)); in check mode only those known from their storage
          class.
      type: int
      sample: 0
    copied:
      description: Objects copied (to copy, in check mode).
      type: int
      sample: 50
    bytes_copied:
      description: Bytes copied (to copy, in check mode).
      type: int
      sample: 52428800
    keys:
      description: The first 100 keys copied (to copy, in check mode).
      type: list
      elements: str
      sample: ["docs/a.txt"]
"""

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import buckets
from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import role as roles
from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import rules
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.backfill import run_backfill
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.plan import plan_present

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


def validate_params(params):
    """Option combinations S3 or IAM would refuse, before any call."""
    if params["state"] == "present" and not params["destination_bucket"]:
        raise DRError("destination_bucket is required with state: present (the bucket in the DR region)")
    if params["destination_bucket"] and params["destination_bucket"] == params["bucket"]:
        raise DRError(f"bucket and destination_bucket are both {params['bucket']}: replicate to another bucket")
    if params["tags"] and params["delete_marker_replication"]:
        raise DRError(
            "S3 cannot replicate delete markers with a tag filter: set delete_marker_replication: false or remove tags"
        )
    if params["priority"] is not None and params["priority"] < 0:
        raise DRError(f"priority must be 0 or more, got {params['priority']}")
    if params["source_kms_key_ids"] and not params["replica_kms_key_id"]:
        raise DRError(
            "source_kms_key_ids is only used with replica_kms_key_id: set replica_kms_key_id (a KMS key "
            "of the DR region) to replicate SSE-KMS objects"
        )
    if params["role_arn"] and not ROLE_ARN.match(params["role_arn"]):
        raise DRError(f"role_arn {params['role_arn']} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
    if params["max_concurrency"] < 1:
        raise DRError(f"max_concurrency must be 1 or more, got {params['max_concurrency']}")


def snapshot(versioning, role_arn, configuration):
    return {"versioning": versioning, "role_arn": role_arn, "replication_configuration": configuration}


def run_present(module, params):
    source, dest = module.client("s3", region=params["source_region"]), module.client("s3")
    plan = plan_present(module.client, params, module.region)
    role, existing, wanted = plan["role"], plan["existing"], plan["wanted"]
    versioning_after = {side: "Enabled" for side in plan["versioning"]}
    config_changed = not rules.same_configuration(existing, wanted)
    role_changed = roles.role_changes(role)
    result = dict(changed=config_changed or role_changed or versioning_after != plan["versioning"])
    if not module.check_mode:
        if plan["versioning"]["source"] != "Enabled":
            buckets.enable_versioning(source, params["bucket"])
        if plan["versioning"]["destination"] != "Enabled":
            buckets.enable_versioning(dest, params["destination_bucket"])
        if role_changed:
            roles.apply_role(module.client("iam"), role)
            wanted["Role"] = role["arn"]
            config_changed = not rules.same_configuration(existing, wanted)
        if config_changed:
            buckets.put_configuration(source, params["bucket"], wanted, rules.VERSIONING_PROPAGATION_TIMEOUT)
    if params["backfill"]:
        replica_key = plan["rule"]["Destination"].get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID")
        result["backfill"] = run_backfill(source, dest, params, plan["rule"], replica_key, module.check_mode)
        result["changed"] = result["changed"] or result["backfill"]["copied"] > 0
    result.update(
        rule=camel_dict_to_snake_dict(plan["rule"]),
        replication_configuration=camel_dict_to_snake_dict(wanted),
        role_arn=role["arn"],
        versioning=versioning_after,
    )
    if module._diff:
        result["diff"] = make_diff(
            snapshot(plan["versioning"], (existing or {}).get("Role"), existing),
            snapshot(versioning_after, role["arn"], wanted),
        )
    return result


def run_absent(module, params):
    source = module.client("s3", region=params["source_region"])
    try:
        existing = buckets.replication_of(source, params["bucket"])
    except DRError as exc:
        if is_error_code(exc.exception, "NoSuchBucket"):  # nothing to remove
            return dict(changed=False, rule=None, replication_configuration=None)
        raise
    wanted = rules.remove_rule(existing, params["rule_id"])
    config_changed = rules.find_rule(existing, params["rule_id"]) is not None
    policy_to_delete = None
    if not params["role_arn"] and params["destination_bucket"]:
        role_name = params["role_name"] or roles.default_role_name(params["bucket"])
        name = roles.policy_name(params["bucket"], params["destination_bucket"])
        current = roles.read_role(module.client("iam"), role_name, name)
        if current and current["policy"] is not None:
            policy_to_delete = (role_name, name)
    if not module.check_mode:
        if config_changed and wanted is None:
            buckets.delete_configuration(source, params["bucket"])
        elif config_changed:
            buckets.put_configuration(source, params["bucket"], wanted)
        if policy_to_delete:
            roles.delete_role_policy(module.client("iam"), *policy_to_delete)
    result = dict(
        changed=config_changed or bool(policy_to_delete),
        rule=None,
        replication_configuration=camel_dict_to_snake_dict(wanted) if wanted else None,
    )
    if module._diff:
        result["diff"] = make_diff({"replication_configuration": existing}, {"replication_configuration": wanted})
    return result


def run(module, params):
    validate_params(params)
    return run_present(module, params) if params["state"] == "present" else run_absent(module, params)


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        source_region=dict(type="str", required=True),
        destination_bucket=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        rule_id=dict(type="str", default="pilotlight-dr"),
        priority=dict(type="int"),
        prefix=dict(type="str", default=""),
        tags=dict(type="dict", default={}),
        storage_class=dict(type="str", choices=rules.STORAGE_CLASSES),
        delete_marker_replication=dict(type="bool", default=True),
        replication_time_control=dict(type="bool", default=False),
        metrics=dict(type="bool", default=False),
        replica_kms_key_id=dict(type="str"),
        source_kms_key_ids=dict(type="list", elements="str", default=[], no_log=False),  # key ids
        role_name=dict(type="str"),
        role_arn=dict(type="str"),
        enable_versioning=dict(type="bool", default=True),
        backfill=dict(type="bool", default=False),
        max_concurrency=dict(type="int", default=8),
    )
    module = PilotLightModule(
        argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[("role_name", "role_arn")]
    )
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
