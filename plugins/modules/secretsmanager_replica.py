#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_replica
version_added: 0.1.0
short_description: Replicate secrets to the DR region, promote the replicas on failover, re-replicate on failback
description:
  - With O(state=present), makes every secret of O(secrets) (primary secrets in O(source_region)) a replica in the
    module's region (the DR region), encrypted with O(kms_key_id), and waits until each replica is C(InSync). A
    C(Failed) replication is retried.
  - With O(state=promoted), promotes each replica in the module's region to a standalone secret
    (C(StopReplicationToReplica)) on failover. Only the module's region is called, so it works while the
    primary region is down. A secret that is already standalone is success with C(changed=false).
  - Failback is O(state=present) again with O(overwrite=true) - the standalone DR secrets are replaced by
    replicas of the primaries - and, with O(copy_back_value=true), the value each DR secret has now is first
    written to its primary, so what changed during the failover is kept.
  - Secret values are never returned, logged or shown in a diff; they are only read for O(copy_back_value).
  - This fills the gap of M(amazon.aws.secretsmanager_secret), which can declare replica regions but cannot
    promote a replica, retry a failed replication, replace a same-name secret in the DR region or wait for
    C(InSync).
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  secrets:
    description:
      - Names or ARNs of the secrets. With O(state=present) they name the primary secrets in O(source_region);
        with O(state=promoted) the replicas in the module's region (a primary ARN is translated to the DR region).
    type: list
    elements: str
    required: true
    version_added: 0.1.0
  state:
    description:
      - V(present) replicates the secrets to the module's region.
      - V(promoted) promotes their replicas in the module's region to standalone secrets (failover).
    type: str
    choices: [present, promoted]
    default: present
    version_added: 0.1.0
  source_region:
    description:
      - Region of the primary secrets. Required with O(state=present); must differ from O(region).
      - With O(state=promoted) it is optional and only compared with each replica's primary region (never called).
    type: str
    version_added: 0.1.0
  kms_key_id:
    description:
      - KMS key of the module's region (id, ARN, alias or alias ARN) that encrypts the replicas. Omit for the AWS
        managed key C(aws/secretsmanager). The key is checked before anything is replicated.
    type: str
    version_added: 0.1.0
  overwrite:
    description:
      - Replace a secret of the same name that is already in the module's region and is not a replica of the
        primary, for example the standalone secret a failover promoted (C(ForceOverwriteReplicaSecret)).
    type: bool
    default: false
    version_added: 0.1.0
  copy_back_value:
    description:
      - Before replacing a standalone DR secret (O(overwrite=true)), write its current value to the primary secret
        when they differ, so the failback keeps what was changed in DR. Needs O(overwrite=true).
    type: bool
    default: false
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Reads every secret in both regions and returns what would be replicated or promoted; changes nothing.
  diff_mode:
    support: full
    description: Shows each secret's replica status and kind (replica or standalone) before and after; never values.
notes:
  - Replication is asynchronous; O(wait_timeout) is shared by all secrets of the task.
  - After a promotion, applications in the DR region must read the standalone secrets (same name and ARN suffix).
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Replicate the PortForge secrets from Seoul to Tokyo with the DR key
  pilotlight.dr.secretsmanager_replica:
    region: ap-northeast-1
    source_region: ap-northeast-2
    secrets:
      - portforge/ai-service/rds
      - portforge/slack-bot/tokens
      - portforge/aws/bedrock-credentials
    kms_key_id: alias/portforge-dr-secrets
  register: replicated

- name: Every replica is in sync (readiness)
  ansible.builtin.assert:
    that: replicated.secrets | map(attribute='status') | unique == ['InSync']

- name: Fail over - promote the Tokyo replicas to standalone secrets (calls Tokyo only)
  pilotlight.dr.secretsmanager_replica:
    region: ap-northeast-1
    state: promoted
    secrets:
      - portforge/ai-service/rds
      - portforge/slack-bot/tokens
      - portforge/aws/bedrock-credentials

- name: Fail back - keep the values changed in Tokyo, then make Tokyo replicas of Seoul again
  pilotlight.dr.secretsmanager_replica:
    region: ap-northeast-1
    source_region: ap-northeast-2
    secrets:
      - portforge/ai-service/rds
      - portforge/slack-bot/tokens
      - portforge/aws/bedrock-credentials
    kms_key_id: alias/portforge-dr-secrets
    overwrite: true
    copy_back_value: true
"""

RETURN = r"""
secrets:
  description: One entry per secret of O(secrets), in order. Never contains a secret value.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the secret.
      type: str
      sample: portforge/ai-service/rds
    primary_region:
      description: Region of its primary secret (the module's region once promoted).
      type: str
      sample: ap-northeast-2
    replica_region:
      description: The module's region.
      type: str
      sample: ap-northeast-1
    arn:
      description: ARN of the secret in the module's region (null when it does not exist yet, in check mode).
      type: str
      sample: arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:portforge/ai-service/rds-AbCdEf
    status:
      description:
        - C(InSync), C(InProgress) or C(Failed) for a replica (as the primary reports it); C(Standalone) once
          promoted; null when unknown.
      type: str
      sample: InSync
    status_message:
      description: The replication status message.
      type: str
      sample: Replication succeeded
    kms_key_id:
      description: KMS key of the secret in the module's region.
      type: str
      sample: alias/portforge-dr-secrets
    action:
      description:
        - What this run did - V(none), V(replicate), V(retry) (a failed replication), V(overwrite) (replaced a
          same-name secret), V(promote) or V(already_standalone).
      type: str
      sample: replicate
    value_copied_back:
      description: Whether O(copy_back_value) wrote the DR value to the primary (the value itself is never returned).
      type: bool
      sample: false
timings:
  description: Seconds spent reading, changing and waiting.
  returned: always
  type: dict
  sample: {"read": 0.3, "change": 0.2, "wait": 1.1, "total": 1.7}
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.inputs import HIDDEN
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.inputs import diff_view
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.inputs import entry_view
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.inputs import validate_params
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.present import ensure_present
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.promoted import ensure_promoted
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.replicas import CHANGING


def run(module, params):
    validate_params(params, module.region)
    timings, warnings = {}, []
    started = time.monotonic()
    if params["state"] == "present":
        entries = ensure_present(module, params, timings, warnings)
    else:
        entries = ensure_promoted(module, params, timings, warnings)
    timings["total"] = round(time.monotonic() - started, 3)
    changed = any(e["action"] in CHANGING for e in entries) or any(e["value_copied_back"] for e in entries)
    result = dict(changed=changed, secrets=[entry_view(e) for e in entries], timings=timings)
    if module._diff:
        result["diff"] = make_diff(diff_view(entries, "before"), diff_view(entries, "after"), hidden_fields=HIDDEN)
    for warning in warnings:
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        secrets=dict(type="list", elements="str", required=True, no_log=False),  # secret names
        state=dict(type="str", choices=["present", "promoted"], default="present"),
        source_region=dict(type="str"),
        kms_key_id=dict(type="str"),
        overwrite=dict(type="bool", default=False),
        copy_back_value=dict(type="bool", default=False),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
