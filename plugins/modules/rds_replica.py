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
  - pilotlight.dr contributors (@pilotlight)
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
      - V(failed_back) (failback; the module's region is the primary region, O(source_db_instance_identifier) the
        promoted DR instance in O(source_region)) makes O(db_instance_identifier) the standalone primary again with
        every write the DR instance took, in steps that a re-run resumes - a failback replica of the DR instance
        (O(failback_identifier)); once it reads C(ReplicaLag) 0 (O(drain_timeout), the DR writers stopped) it is
        promoted; the DR instance is renamed C(<id>-retired-<stamp>) (its data is all in the primary); the old
        primary C(<id>-stale-<stamp>) (kept, as after an ungraceful failover it may hold writes that never reached DR);
        the failback replica takes O(db_instance_identifier), hence its endpoint, and O(multi_az). A DR instance
        that is still a replica (never promoted) has nothing to fail back; nothing is changed then. Re-arming is
        O(state=present) of a new DR replica under the DR identifier.
    type: str
    choices: [present, promoted, failed_back]
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
      - With O(state=promoted), the Multi-AZ setting of the promoted instance (seed 003's promote script turns it
        on once the instance is available); with O(state=failed_back), that of the primary after the cut-over.
        It is set once the instance is standalone and available (with O(wait=true)); see O(multi_az_wait).
    type: bool
    version_added: 0.1.0
  multi_az_wait:
    description:
      - With O(state=promoted) or O(state=failed_back), whether O(wait=true) also waits until AWS shows the Multi-AZ
        (and backup) modification of the promoted instance applied.
      - V(false) asks for it and returns at once - the instance takes reads and writes while AWS builds its standby (the
        modification takes minutes), so a failover is not slowed by it; the instance shows C(modifying) meanwhile
        and a re-run does not ask again (the pending value counts).
    type: bool
    default: true
    version_added: 0.2.0
  publish_endpoint:
    description:
      - With O(state=promoted) or O(state=failed_back), where the application reads the database address, in the
        module's region (the DR region on failover, the primary region on failback). Once the instance is
        standalone, each target is set to its address (and port), read and compared first, written only when it
        differs. Every target is checked before anything is promoted (it must exist; a secret must hold a JSON
        object and not be a replica, which Secrets Manager refuses to write).
      - Secret values and parameter values are never returned, logged or shown in a diff; only names are.
    type: dict
    version_added: 0.2.0
    suboptions:
      ssm_parameters:
        description: SSM parameters that hold the address (seed 003 - C(/shared/rds/dr/endpoint)).
        type: list
        version_added: 0.2.0
        elements: dict
        default: []
        suboptions:
          name:
            description: Name of the parameter.
            type: str
            version_added: 0.2.0
            required: true
          format:
            description:
              - V(address) writes the address, V(address_port) writes C(address:port) (what Terraform's
                C(aws_db_instance.endpoint) holds).
            type: str
            version_added: 0.2.0
            choices: [address, address_port]
            default: address
      secrets:
        description: JSON secrets (Secrets Manager) that hold the address in a field; the other fields are kept.
        type: list
        version_added: 0.2.0
        elements: dict
        default: []
        suboptions:
          name:
            description: Name or ARN of the secret.
            type: str
            version_added: 0.2.0
            required: true
          key:
            description: The field that holds the address.
            type: str
            version_added: 0.2.0
            default: host
          port_key:
            description: The field that holds the port, if any (it keeps its type, number or string).
            type: str
            version_added: 0.2.0
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
  failback_identifier:
    description:
      - With O(state=failed_back), the identifier of the failback replica in the module's region while it catches up
        (default C(<db_instance_identifier>-failback)).
    type: str
    version_added: 0.2.0
  drain_timeout:
    description:
      - With O(state=promoted) or O(state=failed_back), seconds to wait for C(ReplicaLag) to read 0 before the
        lag gate, when the writers of the source are stopped (graceful failover, failback), so the promotion keeps
        every write the source acknowledged, and RV(replica_lag) is that evidence. A replica still behind after it
        fails the task (nothing promoted). V(0) does not wait (ungraceful failover).
    type: int
    default: 0
    version_added: 0.2.0
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
    description:
      - Shows the replica's source, status, class, Multi-AZ setting and tags before and after.
      - With O(publish_endpoint), the names of the targets that change (C(endpoint_published_to)), never a value.
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
    multi_az: true
    multi_az_wait: false  # it serves while AWS builds the standby: not on the failover's critical path
    publish_endpoint:  # where the Tokyo application reads its database address
      ssm_parameters:
        - name: /shared/rds/dr/endpoint
          format: address_port
      secrets:
        - name: portforge/ai-service/rds
          port_key: port
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

- name: Failback cut-over - Tokyo writers stopped, Seoul catches up, is promoted, is portforge-test-rds again
  pilotlight.dr.rds_replica:
    region: ap-northeast-2
    db_instance_identifier: portforge-test-rds
    state: failed_back
    source_db_instance_identifier: portforge-dr-rds-replica
    source_region: ap-northeast-1
    kms_key_id: alias/portforge-rds
    drain_timeout: 600
    backup_retention_period: 7
    multi_az: true
    publish_endpoint:
      secrets:
        - name: portforge/ai-service/rds
  register: cut_over
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
    drained:
      description: Whether ReplicaLag read 0 before the promotion (null without O(drain_timeout)).
      type: bool
      sample: true
    lag_before_drain_seconds:
      description: The lag first read, before the wait for the drain (null without O(drain_timeout)).
      type: float
      sample: 12.0
failback:
  description: What O(state=failed_back) found and did.
  returned: when O(state=failed_back)
  type: dict
  contains:
    steps:
      description: The steps this run had left to do, in order (empty when there was nothing to do).
      type: list
      elements: str
      sample: ["create failback replica", "promote failback replica", "retire DR instance",
               "set the stale primary aside", "take the primary identifier"]
    nothing_to_fail_back:
      description: Whether the DR instance was never promoted (or does not exist), so nothing was touched.
      type: bool
      sample: false
    failback_identifier:
      description: The failback replica's identifier while it caught up.
      type: str
      sample: portforge-test-rds-failback
    retired_dr_identifier:
      description: The new name of the promoted DR instance (null when this run did not rename it).
      type: str
      sample: portforge-dr-rds-replica-retired-20261206014207
    stale_primary_identifier:
      description: The new name of the old primary (null when this run did not rename it).
      type: str
      sample: portforge-test-rds-stale-20261206014207
    promotion:
      description: The failback replica's promotion record (as RV(promotion)), null when not promoted by this run.
      type: dict
endpoint_publication:
  description:
    - What O(publish_endpoint) did (would do, in check mode); null without it, or while the instance is still a
      replica. Names only, never a value.
  returned: always
  type: dict
  contains:
    region:
      description: Region of the targets (the module's region).
      type: str
      sample: ap-northeast-1
    address:
      description: The address published.
      type: str
      sample: portforge-dr-rds-replica.abc.ap-northeast-1.rds.amazonaws.com
    port:
      description: The port published (to the secrets' O(publish_endpoint.secrets[].port_key)).
      type: int
      sample: 5432
    changed:
      description: Whether any target changed.
      type: bool
      sample: true
    targets:
      description: Each target, C(kind) (C(ssm_parameter) or C(secret)), C(name), C(key) (secrets) and C(changed).
      type: list
      elements: dict
      sample: [{"kind": "secret", "name": "portforge/ai-service/rds", "key": "host", "changed": true}]
timings:
  description: Seconds spent in each step.
  returned: always
  type: dict
  sample: {"read": 0.2, "lag_check": 0.1, "change": 0.3, "wait": 281.4, "total": 282.0}
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._rds import endpoints
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.failback import ensure_failed_back
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.inputs import validate_params
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import as_result
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import is_replica
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import snapshot
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.present import ensure_present
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.promoted import ensure_promoted


def run(module, params):
    validate_params(params, module.region)
    timings, warnings = {}, []
    started = time.monotonic()
    result = {}
    spec = params["publish_endpoint"] if params["state"] != "present" else None
    endpoints.check_targets(module, spec, module.region)  # before anything is promoted
    if params["state"] == "present":
        before, after, changed, lag = ensure_present(module, params, timings, warnings)
    elif params["state"] == "promoted":
        before, after, changed, lag, promotion = ensure_promoted(module, params, timings, warnings)
        result["promotion"] = promotion
    else:
        before, after, changed, lag, failback = ensure_failed_back(module, params, timings, warnings)
        result["failback"] = failback
    publication = None
    if endpoints.wanted(spec) and after and not is_replica(after):
        step = time.monotonic()
        publication = endpoints.publish(module, spec, after, module.region)
        timings["publish"] = round(time.monotonic() - step, 3)
        changed = changed or publication["changed"]
    timings["total"] = round(time.monotonic() - started, 3)
    result.update(
        changed=changed,
        db_instance=as_result(after),
        replica_lag=lag,
        endpoint_publication=publication,
        timings=timings,
    )
    if module._diff:
        result["diff"] = make_diff(
            dict(snapshot(before), **({"endpoint_published_to": []} if publication else {})),
            dict(
                snapshot(after), **({"endpoint_published_to": endpoints.diff_names(publication)} if publication else {})
            ),
        )
    for warning in warnings:
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        db_instance_identifier=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "promoted", "failed_back"], default="present"),
        failback_identifier=dict(type="str"),
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
        drain_timeout=dict(type="int", default=0),
        backup_retention_period=dict(type="int"),
        multi_az_wait=dict(type="bool", default=True),
        publish_endpoint=dict(
            type="dict",
            options=dict(
                ssm_parameters=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(
                        name=dict(type="str", required=True),
                        format=dict(type="str", choices=["address", "address_port"], default="address"),
                    ),
                ),
                secrets=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    no_log=False,  # secret names and field names, never values
                    options=dict(
                        name=dict(type="str", required=True),
                        key=dict(type="str", default="host", no_log=False),
                        port_key=dict(type="str", no_log=False),
                    ),
                ),
            ),
        ),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
