#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: rds_replica
version_added: 0.1.0
short_description: Keep a cross-region RDS read replica in the DR region, and promote it on failover behind a lag gate
description:
  - With O(state=present), makes sure the DB instance O(db_instance_identifier) in the module's region (the DR
    region) is a read replica of O(source_db_instance_identifier) in O(source_region), encrypted with a KMS key
    of the DR region, and waits until it is C(available). An existing replica is checked (same source) and its
    class, Multi-AZ setting and tags are brought in line.
  - With O(state=promoted), promotes the replica to a standalone instance on failover. The promotion is refused
    when the C(ReplicaLag) that CloudWatch reports in the DR region is above O(max_lag_seconds), or unknown,
    unless O(force=true). It is safe to re-run; an instance that is already standalone is success with
    C(changed=false), a promotion in progress is waited for and never started twice. The lag observed at the
    moment of promotion is returned as RPO evidence.
  - Promotion reads and writes the DR region only (RDS and CloudWatch there), so it works while the primary
    region is down.
  - Failback is O(state=present) in the other direction (a replica in the primary region of the promoted DR
    instance), then O(state=promoted) of that replica once writes are stopped; a promoted instance can never
    become a replica again.
  - This fills the gaps of M(amazon.aws.rds_instance), which can create a replica
    (O(amazon.aws.rds_instance#module:read_replica=true)) and promote one
    (O(amazon.aws.rds_instance#module:read_replica=false)) but has no lag gate, no RPO evidence,
    no check that an existing instance replicates the expected source, and fails on a double promotion of a
    replica that is still C(modifying). Use M(amazon.aws.rds_instance) for everything else about the instance
    (parameter groups, deletion, snapshots).
author:
  - pilotlight.dr contributors
options:
  db_instance_identifier:
    description:
      - Identifier of the replica in the module's region (the DR region for the pilot light, the primary region
        for a failback replica).
    type: str
    required: true
    version_added: 0.1.0
  state:
    description:
      - V(present) creates the replica if it does not exist and checks it if it does.
      - V(promoted) promotes the replica to a standalone DB instance (failover). Calls only the module's region.
    type: str
    choices: [present, promoted]
    default: present
    version_added: 0.1.0
  source_db_instance_identifier:
    description:
      - The source DB instance, as an ARN or as an identifier in O(source_region).
      - Required with O(state=present). With O(state=promoted) it is optional and only compared with the
        replica's own record of its source (no call is made to the source region).
    type: str
    version_added: 0.1.0
  source_region:
    description:
      - Region of the source instance (the primary region). Required when O(source_db_instance_identifier)
        is not an ARN. Must differ from O(region).
    type: str
    version_added: 0.1.0
  kms_key_id:
    description:
      - KMS key of the module's region (id, ARN, alias or alias ARN) that encrypts the replica.
      - Required when the source is encrypted (AWS cannot re-use the source region's key); refused when the
        source is not encrypted. Only used when the replica is created.
    type: str
    version_added: 0.1.0
  db_instance_class:
    description:
      - Instance class of the replica, for example V(db.t3.micro). Defaults to the source's class on creation;
        an existing replica is modified (immediately) when it differs.
      - With O(wait=true), a modification is waited for until the replica is C(available) and shows it applied
        (no C(PendingModifiedValues) entry for it left), within O(wait_timeout); the same goes for O(multi_az).
    type: str
    version_added: 0.1.0
  db_subnet_group_name:
    description:
      - DB subnet group of the module's region for the replica (only used on creation). Without it, AWS puts a
        cross-region replica in the default VPC.
    type: str
    version_added: 0.1.0
  vpc_security_group_ids:
    description:
      - Security groups of the module's region for the replica (only used on creation).
    type: list
    elements: str
    version_added: 0.1.0
  multi_az:
    description:
      - Whether the replica is Multi-AZ. Omit it to leave the AWS default (single-AZ) or the current setting.
    type: bool
    version_added: 0.1.0
  publicly_accessible:
    description:
      - Whether the replica gets a public address (only used on creation).
    type: bool
    version_added: 0.1.0
  tags:
    description:
      - Tags of the replica. Omit to leave the tags alone.
    type: dict
    version_added: 0.1.0
  purge_tags:
    description:
      - Remove tags not in O(tags) (C(aws:) tags are never touched).
    type: bool
    default: true
    version_added: 0.1.0
  max_lag_seconds:
    description:
      - With O(state=promoted), the largest replica lag (seconds) at which the promotion goes ahead. It is the
        data you accept to lose (RPO). The default is the 15-minute RDS RPO of the FileFlow runbook.
    type: int
    default: 900
    version_added: 0.1.0
  lag_lookback_seconds:
    description:
      - How far back to read C(ReplicaLag) datapoints (one a minute). When the newest datapoint says replication
        is not active (C(-1), MySQL and MariaDB while the source is unreachable), the last active datapoint in
        this window plus the time since it was measured is the lag bound the gate uses; none in the window
        means the lag is unknown.
    type: int
    default: 900
    version_added: 0.1.0
  force:
    description:
      - Promote even when the lag is above O(max_lag_seconds) or unknown (an ungraceful failover that accepts the
        data loss). The decision and the lag are recorded in RV(promotion) and RV(replica_lag).
    type: bool
    default: false
    version_added: 0.1.0
  backup_retention_period:
    description:
      - Days of automated backups of the promoted instance (C(PromoteReadReplica BackupRetentionPeriod)); AWS
        defaults to 1. Backups must stay on for the promoted instance to be the source of a failback replica.
    type: int
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description:
      - Reads everything (including the lag gate, which still refuses) and returns the predicted replica or the
        predicted promoted instance; makes no change.
  diff_mode:
    support: full
    description: Shows the replica's source, status, class, Multi-AZ setting and tags before and after.
notes:
  - Creating a cross-region replica takes 10 to 15 minutes on AWS and a promotion several minutes; raise
    O(wait_timeout) accordingly or use O(wait=false) and call the module again with O(wait=true).
  - The source needs automated backups (C(BackupRetentionPeriod) above 0); the module checks it before creating.
  - C(ReplicaLag) is read with C(cloudwatch:GetMetricStatistics) in the module's region.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Keep an encrypted read replica of the Seoul database in Tokyo
  pilotlight.dr.rds_replica:
    region: ap-northeast-1
    db_instance_identifier: portforge-dr-rds-replica
    source_db_instance_identifier: portforge-test-rds
    source_region: ap-northeast-2
    kms_key_id: alias/portforge-dr-rds
    db_instance_class: db.t3.micro
    multi_az: false
    publicly_accessible: false
    tags:
      Environment: dr
  register: dr_replica

- name: Show the replica lag (readiness)
  ansible.builtin.debug:
    msg: "{{ dr_replica.db_instance.db_instance_status }}, lag {{ dr_replica.replica_lag.seconds }}s"

- name: Fail over - promote the Tokyo replica if it is less than 15 minutes behind (calls Tokyo only)
  pilotlight.dr.rds_replica:
    region: ap-northeast-1
    db_instance_identifier: portforge-dr-rds-replica
    state: promoted
    max_lag_seconds: 900
    backup_retention_period: 7
  register: promotion

- name: Record the RPO evidence
  ansible.builtin.debug:
    msg: "promoted={{ promotion.promotion.promoted }} lag at promotion={{ promotion.replica_lag.seconds }}s"

- name: Failback, step 1 - a replica in Seoul of the promoted Tokyo instance
  pilotlight.dr.rds_replica:
    region: ap-northeast-2
    db_instance_identifier: portforge-test-rds-failback
    source_db_instance_identifier: portforge-dr-rds-replica
    source_region: ap-northeast-1
    kms_key_id: alias/portforge-rds
"""

RETURN = r"""
db_instance:
  description:
    - The DB instance in the module's region as C(DescribeDBInstances) shows it (snake_case, tags as a dict).
    - In check mode, the predicted replica or promoted instance (only the fields the module sets).
  returned: always
  type: dict
  contains:
    db_instance_identifier:
      description: Identifier of the instance.
      type: str
      sample: portforge-dr-rds-replica
    db_instance_arn:
      description: ARN of the instance (absent for a replica predicted in check mode).
      type: str
      sample: arn:aws:rds:ap-northeast-1:123456789012:db:portforge-dr-rds-replica
    db_instance_status:
      description: Status, for example C(creating), C(available), C(modifying).
      type: str
      sample: available
    read_replica_source_db_instance_identifier:
      description: The source of a replica (an ARN for a cross-region replica); absent once promoted.
      type: str
      sample: arn:aws:rds:ap-northeast-2:123456789012:db:portforge-test-rds
    kms_key_id:
      description: KMS key that encrypts the instance.
      type: str
      sample: arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    status_infos:
      description: Read replication status of a replica (C(replicating), C(error)...).
      type: list
      elements: dict
      sample: [{"status_type": "read replication", "normal": true, "status": "replicating"}]
    endpoint:
      description: Address and port of the instance.
      type: dict
      sample: {"address": "portforge-dr-rds-replica.abc.ap-northeast-1.rds.amazonaws.com", "port": 3306}
    tags:
      description: Tags of the instance.
      type: dict
      sample: {"Environment": "dr"}
replica_lag:
  description:
    - C(ReplicaLag) evidence read from CloudWatch in the module's region; null when the instance is not a
      replica (already promoted) or not available yet.
    - With O(state=promoted), the lag at the moment of the promotion decision (RPO evidence).
  returned: always
  type: dict
  contains:
    seconds:
      description:
        - The lag the gate uses (null when unknown).
        - The newest datapoint's maximum while it is fresh. When it is stale (RV(replica_lag.stale)), its maximum
          plus RV(replica_lag.datapoint_age_seconds); when replication is not active, the last active lag plus the
          time since its minute began.
      type: float
      sample: 4.0
    reported_seconds:
      description: The newest datapoint's maximum (C(-1) means replication not active).
      type: float
      sample: 4.0
    timestamp:
      description: Start of the newest datapoint's minute.
      type: str
      sample: "2026-11-22T02:11:00+00:00"
    replication_active:
      description: Whether the newest datapoint shows replication running.
      type: bool
      sample: true
    last_active_seconds:
      description: Lag of the newest datapoint with replication running.
      type: float
      sample: 4.0
    last_active_timestamp:
      description: Its minute.
      type: str
      sample: "2026-11-22T02:11:00+00:00"
    datapoints:
      description: Datapoints read in the lookback window.
      type: int
      sample: 10
    datapoint_age_seconds:
      description:
        - Seconds between the end of the newest datapoint's minute and RV(replica_lag.measured_at) (null without a
          datapoint). CloudWatch delivers datapoints one to two minutes late, so up to about 120 is normal.
      type: float
      sample: 45.2
    stale:
      description:
        - Whether the newest datapoint is older than two periods plus 60 seconds (180 seconds), so that the recent
          lag is unknown and its age is added to RV(replica_lag.seconds) (null without a datapoint).
      type: bool
      sample: false
    basis:
      description: How RV(replica_lag.seconds) was worked out.
      type: str
      sample: latest ReplicaLag datapoint
    measured_at:
      description: When the metric was read.
      type: str
      sample: "2026-11-22T02:11:42.120000+00:00"
promotion:
  description: What O(state=promoted) decided and did.
  returned: when O(state=promoted)
  type: dict
  contains:
    promoted:
      description: Whether this run asked AWS to promote the replica.
      type: bool
      sample: true
    already_standalone:
      description: Whether the instance was already standalone (promoted earlier), so nothing was done.
      type: bool
      sample: false
    forced:
      description: Whether the lag gate was overridden by O(force=true).
      type: bool
      sample: false
    gate:
      description: The lag gate's reasoning.
      type: str
      sample: replica lag 4s is within max_lag_seconds=900
    requested_at:
      description: When the promotion was requested (UTC, ISO 8601).
      type: str
      sample: "2026-11-22T02:11:42.300000+00:00"
    completed_at:
      description: When the instance was seen standalone and available (null without O(wait)).
      type: str
      sample: "2026-11-22T02:16:12.900000+00:00"
timings:
  description: Seconds spent in each step.
  returned: always
  type: dict
  sample: {"read": 0.2, "lag_check": 0.1, "change": 0.3, "wait": 281.4, "total": 282.0}
"""

import datetime
import time

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    AWS_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.pilotlight.dr.plugins.module_utils import rds_replica as rr
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


# -- validation -----------------------------------------------------------------------------------------
def validate_params(params, region):
    if params["state"] == "present" and not params["source_db_instance_identifier"]:
        raise DRError("state=present needs source_db_instance_identifier (the primary instance, id or ARN)")
    if params["max_lag_seconds"] < 0:
        raise DRError(f"max_lag_seconds must be 0 or more, got {params['max_lag_seconds']}")
    if params["lag_lookback_seconds"] < rr.METRIC_PERIOD:
        raise DRError(f"lag_lookback_seconds must be at least {rr.METRIC_PERIOD} (ReplicaLag has one datapoint a "
                      f"minute), got {params['lag_lookback_seconds']}")
    if params["backup_retention_period"] is not None and not 0 <= params["backup_retention_period"] <= 35:
        raise DRError(f"backup_retention_period must be between 0 and 35 days, got {params['backup_retention_period']}")
    if params["wait_timeout"] < 0:
        raise DRError(f"wait_timeout must be 0 or more, got {params['wait_timeout']}")
    source = params["source_db_instance_identifier"]
    parsed = rr.parse_arn(source)
    if parsed and parsed["region"] == region:
        raise DRError(f"source_db_instance_identifier {source} is in {region}, the region of the replica: "
                      "a DR replica must be in another region")


def tags_of(instance):
    return boto3_tag_list_to_ansible_dict((instance or {}).get("TagList") or [])


def snapshot(instance):
    """The fields the diff shows."""
    if not instance:
        return {}
    return {
        "db_instance_identifier": instance.get("DBInstanceIdentifier"),
        "status": instance.get("DBInstanceStatus"),
        "replica_of": instance.get("ReadReplicaSourceDBInstanceIdentifier"),
        "db_instance_class": instance.get("DBInstanceClass"),
        "multi_az": instance.get("MultiAZ"),
        "kms_key_id": instance.get("KmsKeyId"),
        "tags": tags_of(instance),
    }


def as_result(instance):
    if not instance:
        return {}
    shaped = dict(instance)
    shaped["Tags"] = shaped.pop("TagList", [])
    return to_result(shaped)


def aws_call(what, fn, **kwargs):
    try:
        return fn(aws_retry=True, **kwargs)
    except AWS_ERRORS as exc:
        raise DRError(what, exception=exc)


def read_instance(client, identifier, region):
    try:
        return rr.get_instance(client, identifier)
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read DB instance {identifier} in {region}", exception=exc)


def wait_for(client, identifier, region, deadline, done, what, still=None):
    """Poll until ``done(instance)``; fail at once on a status that needs a person.

    ``still(instance)``, when given, says what the last instance seen is still missing; a timeout names it.
    """
    state = {"checked": False}

    def check():
        state["checked"] = False
        instance = read_instance(client, identifier, region)
        if instance is None:
            raise DRError(f"DB instance {identifier} disappeared from {region} while waiting for {what}")
        state["instance"] = instance
        status = instance.get("DBInstanceStatus")
        if status != rr.STABLE and status not in rr.TRANSITIONAL:
            raise DRError(f"DB instance {identifier} in {region} is {status} while waiting for {what}: "
                          "look at its events in the RDS console")
        state["checked"] = True
        return done(instance)

    # On the failover's critical path: poll at most every 3 s so the RTO is not padded by the back-off.
    try:
        wait_until(check, deadline, f"{identifier} in {region} to be {what}", delay=1.0, max_delay=3.0)
    except DRError:
        if still is None or not state["checked"] or not deadline.expired:
            raise
        raise DRError(f"timed out after {int(deadline.timeout)}s waiting for DB instance {identifier} in {region} to "
                      f"be {what}; still pending: {still(state['instance'])}. Raise wait_timeout, or re-run later "
                      "(the modification goes on in AWS)") from None
    return state["instance"]


def available(instance):
    return instance.get("DBInstanceStatus") == rr.STABLE


def standalone_and_available(instance):
    return not rr.is_replica(instance) and available(instance)


def check_kms_key(kms, key_id, region):
    try:
        metadata = kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "NotFoundException"):
            raise DRError(f"KMS key {key_id} not found in {region}: a cross-region replica needs a key of its own "
                          "region; create it there or give an existing one") from None
        raise DRError(f"cannot read KMS key {key_id} in {region}", exception=exc)
    if metadata.get("KeyState", "Enabled") != "Enabled":
        raise DRError(f"KMS key {key_id} in {region} is {metadata.get('KeyState')}, not Enabled: enable it first")
    return metadata["Arn"]


# -- state=present ---------------------------------------------------------------------------------------
def check_existing(instance, params, region):
    """An existing instance must be a replica of the requested source."""
    identifier = params["db_instance_identifier"]
    if not rr.is_replica(instance):
        raise DRError(
            f"{identifier} in {region} is a standalone DB instance, not a read replica (promoted during a failover?). "
            "A promoted instance cannot become a replica again: choose another db_instance_identifier for a new "
            "replica, or delete this one (amazon.aws.rds_instance state=absent) once nothing uses it"
        )
    arn, src_region, src_id = rr.resolve_source(params["source_db_instance_identifier"], params["source_region"],
                                                instance.get("DBInstanceArn"))
    current = instance["ReadReplicaSourceDBInstanceIdentifier"]
    if not rr.same_instance(current, arn, src_region, src_id):
        raise DRError(
            f"{identifier} in {region} replicates {current}, not {params['source_db_instance_identifier']}: "
            "use another db_instance_identifier or fix source_db_instance_identifier"
        )


def wanted_changes(instance, params):
    changes = {}
    if params["db_instance_class"] and params["db_instance_class"] != instance.get("DBInstanceClass"):
        changes["DBInstanceClass"] = params["db_instance_class"]
    if params["multi_az"] is not None and params["multi_az"] != instance.get("MultiAZ"):
        changes["MultiAZ"] = params["multi_az"]
    return changes


def pending_changes(instance, changes):
    """What of ``changes`` (ModifyDBInstance arguments) ``instance`` does not show applied yet: {name: why}.

    ModifyDBInstance with ApplyImmediately is asynchronous: right after it the instance can still be
    ``available`` with the change in PendingModifiedValues, or not show it anywhere yet. A change is
    applied once the instance is available, has no PendingModifiedValues entry for it and shows the value.
    Pending values of other settings (queued for the maintenance window by someone else) are not waited for.
    """
    pending = (instance or {}).get("PendingModifiedValues") or {}
    missing = {}
    for name, wanted in changes.items():
        if name in pending:
            missing[name] = f"{name}={pending[name]} in PendingModifiedValues"
        elif instance.get(name) != wanted:
            missing[name] = f"{name} is {instance.get(name)}, not {wanted}"
    return missing


def modifications_applied(changes):
    def done(instance):
        return available(instance) and not pending_changes(instance, changes)
    return done


def describe_pending(changes):
    def still(instance):
        missing = list(pending_changes(instance, changes).values())
        if not available(instance):
            missing.insert(0, f"status {instance.get('DBInstanceStatus')}")
        return ", ".join(missing) or "nothing (applied as the wait ended)"
    return still


def apply_tags(client, instance, params, region):
    if params["tags"] is None:
        return False
    to_add, to_remove = compare_aws_tags(tags_of(instance), params["tags"], params["purge_tags"])
    arn = instance["DBInstanceArn"]
    if to_remove:
        aws_call(f"cannot remove tags from {arn}", client.remove_tags_from_resource, ResourceName=arn,
                 TagKeys=to_remove)
    if to_add:
        aws_call(f"cannot tag {arn}", client.add_tags_to_resource, ResourceName=arn,
                 Tags=ansible_dict_to_boto3_tag_list(to_add))
    return bool(to_add or to_remove)


def predicted_tags(instance, params):
    if params["tags"] is None:
        return tags_of(instance)
    to_add, to_remove = compare_aws_tags(tags_of(instance), params["tags"], params["purge_tags"])
    tags = {k: v for k, v in tags_of(instance).items() if k not in to_remove}
    tags.update(to_add)
    return tags


def update_existing(module, client, instance, params, deadline, timings, warnings):
    region, identifier = module.region, params["db_instance_identifier"]
    check_existing(instance, params, region)
    wanted = params["kms_key_id"]
    if wanted and wanted.startswith("arn:") and ":key/" in wanted:
        if not rr.kms_key_matches(instance.get("KmsKeyId"), wanted):
            warnings.append(f"{identifier} is encrypted with {instance.get('KmsKeyId')}, not {wanted}; the key of a "
                            "replica cannot change: recreate it to use another key")
    changes = wanted_changes(instance, params)
    tags_change = params["tags"] is not None and any(compare_aws_tags(tags_of(instance), params["tags"],
                                                                      params["purge_tags"]))
    changed = bool(changes or tags_change)
    if module.check_mode:
        after = dict(instance)
        after.update(changes)
        after["TagList"] = ansible_dict_to_boto3_tag_list(predicted_tags(instance, params))
        return after, changed
    started = time.monotonic()
    if changes and not available(instance):
        if not params["wait"]:
            warnings.append(f"{identifier} is {instance.get('DBInstanceStatus')}: {', '.join(changes)} not changed; "
                            "re-run with wait=true to apply it once the replica is available")
            changes = {}
        else:
            instance = wait_for(client, identifier, region, deadline, available, "available")
    if changes:
        aws_call(f"cannot modify {identifier} in {region}", client.modify_db_instance,
                 DBInstanceIdentifier=identifier, ApplyImmediately=True, **changes)
    apply_tags(client, instance, params, region)
    timings["change"] = round(time.monotonic() - started, 3)
    if changes and params["wait"]:
        # The instance can still say "available" with the change pending: wait until it shows it applied.
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, modifications_applied(changes),
                            f"available with {', '.join(f'{k}={v}' for k, v in changes.items())} applied",
                            still=describe_pending(changes))
        timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
        return instance, changed
    return read_instance(client, identifier, region), changed


def source_instance(module, params, region):
    """The source instance, read in its region (only when a replica has to be created)."""
    arn, src_region, src_id = rr.resolve_source(params["source_db_instance_identifier"], params["source_region"])
    if src_region == region:
        raise DRError(f"the source {params['source_db_instance_identifier']} is in {region}, the region of the "
                      "replica: a DR replica must be in another region")
    source = read_instance(module.client("rds", region=src_region), src_id, src_region)
    if source is None:
        raise DRError(f"source DB instance {src_id} not found in {src_region}: check source_db_instance_identifier "
                      "and source_region")
    return source, src_region


def check_creatable(module, client, source, src_region, params, region):
    """Everything AWS would refuse, checked before the create call. Returns the KMS key ARN."""
    identifier = source["DBInstanceIdentifier"]
    if not source.get("BackupRetentionPeriod"):
        raise DRError(f"source {identifier} in {src_region} has automated backups off (BackupRetentionPeriod 0), "
                      "which a read replica needs: set backup_retention_period above 0 on it (amazon.aws.rds_instance)")
    encrypted = bool(source.get("StorageEncrypted"))
    if encrypted and not params["kms_key_id"]:
        raise DRError(f"source {identifier} is encrypted: set kms_key_id to a KMS key of {region} (AWS cannot use the "
                      f"key of {src_region} in {region})")
    if params["kms_key_id"] and not encrypted:
        raise DRError(f"source {identifier} is not encrypted, so its replica cannot be: drop kms_key_id, or encrypt "
                      "the source first (snapshot, copy encrypted, restore)")
    kms_arn = check_kms_key(module.client("kms"), params["kms_key_id"], region) if params["kms_key_id"] else None
    if params["db_subnet_group_name"]:
        try:
            client.describe_db_subnet_groups(DBSubnetGroupName=params["db_subnet_group_name"], aws_retry=True)
        except AWS_ERRORS as exc:
            if is_error_code(exc, "DBSubnetGroupNotFoundFault"):
                raise DRError(f"DB subnet group {params['db_subnet_group_name']} not found in {region}: create it "
                              "there first") from None
            raise DRError(f"cannot read DB subnet group {params['db_subnet_group_name']} in {region}", exception=exc)
    return kms_arn


def create_replica(module, client, params, deadline, timings):
    region, identifier = module.region, params["db_instance_identifier"]
    source, src_region = source_instance(module, params, region)
    kms_arn = check_creatable(module, client, source, src_region, params, region)
    request = {
        "DBInstanceIdentifier": identifier,
        "SourceDBInstanceIdentifier": source["DBInstanceArn"],
        "SourceRegion": src_region,
    }
    optional = {
        "KmsKeyId": kms_arn,
        "DBInstanceClass": params["db_instance_class"],
        "DBSubnetGroupName": params["db_subnet_group_name"],
        "VpcSecurityGroupIds": params["vpc_security_group_ids"],
        "MultiAZ": params["multi_az"],
        "PubliclyAccessible": params["publicly_accessible"],
        "Tags": ansible_dict_to_boto3_tag_list(params["tags"]) if params["tags"] else None,
    }
    request.update({k: v for k, v in optional.items() if v is not None})
    if module.check_mode:
        return {
            "DBInstanceIdentifier": identifier.lower(),
            "DBInstanceStatus": "available" if params["wait"] else "creating",
            "ReadReplicaSourceDBInstanceIdentifier": source["DBInstanceArn"],
            "Engine": source.get("Engine"),
            "DBInstanceClass": params["db_instance_class"] or source.get("DBInstanceClass"),
            "MultiAZ": bool(params["multi_az"]),
            "StorageEncrypted": bool(source.get("StorageEncrypted")),
            "KmsKeyId": kms_arn,
            "TagList": ansible_dict_to_boto3_tag_list(params["tags"] or {}),
        }
    started = time.monotonic()
    created = aws_call(f"cannot create read replica {identifier} in {region} of {source['DBInstanceArn']}",
                       client.create_db_instance_read_replica, **request)["DBInstance"]
    timings["change"] = round(time.monotonic() - started, 3)
    return created


def ensure_present(module, params, timings, warnings):
    client, region, identifier = module.client("rds"), module.region, params["db_instance_identifier"]
    deadline = Deadline(params["wait_timeout"])
    started = time.monotonic()
    existing = read_instance(client, identifier, region)
    timings["read"] = round(time.monotonic() - started, 3)
    if existing is None:
        instance, changed = create_replica(module, client, params, deadline, timings), True
    else:
        instance, changed = update_existing(module, client, existing, params, deadline, timings, warnings)
    if params["wait"] and not module.check_mode and not available(instance):
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, available, "available")
        timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
    lag = None
    if not module.check_mode or existing is not None:
        if rr.is_replica(instance) and available(instance):
            lag = read_lag(module, params)
    return existing, instance, changed, lag


# -- state=promoted --------------------------------------------------------------------------------------
def read_lag(module, params):
    try:
        return rr.read_replica_lag(module.client("cloudwatch"), params["db_instance_identifier"].lower(),
                                   params["lag_lookback_seconds"])
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read ReplicaLag of {params['db_instance_identifier']} from CloudWatch in "
                      f"{module.region}", exception=exc)


def check_promoted_source(instance, params, region):
    wanted = params["source_db_instance_identifier"]
    if not wanted or not rr.is_replica(instance):
        return
    arn, src_region, src_id = rr.resolve_source(wanted, params["source_region"], instance.get("DBInstanceArn"))
    current = instance["ReadReplicaSourceDBInstanceIdentifier"]
    if not rr.same_instance(current, arn, src_region, src_id):
        raise DRError(f"{params['db_instance_identifier']} in {region} replicates {current}, not {wanted}: "
                      "check db_instance_identifier before promoting")


def ensure_promoted(module, params, timings, warnings):
    client, region, identifier = module.client("rds"), module.region, params["db_instance_identifier"]
    deadline = Deadline(params["wait_timeout"])
    promotion = {"promoted": False, "already_standalone": False, "forced": False, "gate": None,
                 "requested_at": None, "completed_at": None}
    started = time.monotonic()
    existing = instance = read_instance(client, identifier, region)
    timings["read"] = round(time.monotonic() - started, 3)
    if instance is None:
        raise DRError(f"no DB instance {identifier} in {region}: nothing to promote (check db_instance_identifier and "
                      "region; state=present creates the replica)")
    check_promoted_source(instance, params, region)

    if rr.is_replica(instance) and not available(instance):
        # Busy (being created, or a promotion that an earlier run started): never start a second one.
        if not params["wait"] or module.check_mode:
            warnings.append(f"{identifier} is {instance.get('DBInstanceStatus')}, not available: no promotion started "
                            "(a promotion may already be in progress); re-run with wait=true to finish it")
            return existing, instance, False, None, promotion
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, available, "available")
        timings["wait"] = round(time.monotonic() - started, 3)

    if not rr.is_replica(instance):
        promotion["already_standalone"] = True
        if params["wait"] and not available(instance) and not module.check_mode:
            started = time.monotonic()
            instance = wait_for(client, identifier, region, deadline, available, "available")
            timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
        if available(instance):
            promotion["completed_at"] = utcnow().isoformat()
        return existing, instance, False, None, promotion

    started = time.monotonic()
    lag = read_lag(module, params)
    timings["lag_check"] = round(time.monotonic() - started, 3)
    allowed, reason = rr.lag_gate(lag, params["max_lag_seconds"], params["force"])
    promotion["gate"] = reason
    if not allowed:
        raise DRError(
            f"refusing to promote {identifier} in {region}: {reason}. Wait for the replica to catch up, raise "
            "max_lag_seconds, or set force=true to promote and accept the data loss",
            replica_lag=lag, promotion=promotion,
        )
    promotion["forced"] = lag["seconds"] is None or lag["seconds"] > params["max_lag_seconds"]
    if module.check_mode:
        dropped = ("ReadReplicaSourceDBInstanceIdentifier", "StatusInfos")
        predicted = {k: v for k, v in instance.items() if k not in dropped}
        predicted["DBInstanceStatus"] = "available" if params["wait"] else "modifying"
        if params["backup_retention_period"] is not None:
            predicted["BackupRetentionPeriod"] = params["backup_retention_period"]
        promotion["promoted"] = True
        return existing, predicted, True, lag, promotion

    request = {"DBInstanceIdentifier": identifier}
    if params["backup_retention_period"] is not None:
        request["BackupRetentionPeriod"] = params["backup_retention_period"]
    started = time.monotonic()
    promotion["requested_at"] = utcnow().isoformat()
    try:
        client.promote_read_replica(aws_retry=True, **request)
        promotion["promoted"] = True
    except AWS_ERRORS as exc:
        if not is_error_code(exc, "InvalidDBInstanceState"):
            raise DRError(f"promoting {identifier} in {region} failed", exception=exc)
        # Promoted meanwhile, or a promotion an earlier run started is under way: never a second one.
        current = read_instance(client, identifier, region) or instance
        if rr.is_replica(current) and available(current):
            raise DRError(f"promoting {identifier} in {region} failed", exception=exc)
        promotion.update(already_standalone=not rr.is_replica(current), requested_at=None)
        warnings.append(f"{identifier} was not promoted by this run: {exc}")
    timings["change"] = round(time.monotonic() - started, 3)
    changed = promotion["promoted"]
    if params["wait"]:
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, standalone_and_available, "promoted and available")
        timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
        promotion["completed_at"] = utcnow().isoformat()
    else:
        instance = read_instance(client, identifier, region) or instance
    return existing, instance, changed, lag, promotion


# -- the story ---------------------------------------------------------------------------------------------
def run(module, params):
    validate_params(params, module.region)
    timings, warnings = {}, []
    started = time.monotonic()
    result = {}
    if params["state"] == "present":
        before, after, changed, lag = ensure_present(module, params, timings, warnings)
    else:
        before, after, changed, lag, promotion = ensure_promoted(module, params, timings, warnings)
        result["promotion"] = promotion
    timings["total"] = round(time.monotonic() - started, 3)
    result.update(changed=changed, db_instance=as_result(after), replica_lag=lag, timings=timings)
    if module._diff:
        result["diff"] = make_diff(snapshot(before), snapshot(after))
    for warning in warnings:
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        db_instance_identifier=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "promoted"], default="present"),
        source_db_instance_identifier=dict(type="str"),
        source_region=dict(type="str"),
        kms_key_id=dict(type="str"),
        db_instance_class=dict(type="str"),
        db_subnet_group_name=dict(type="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        multi_az=dict(type="bool"),
        publicly_accessible=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        max_lag_seconds=dict(type="int", default=900),
        lag_lookback_seconds=dict(type="int", default=900),
        force=dict(type="bool", default=False),
        backup_retention_period=dict(type="int"),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
