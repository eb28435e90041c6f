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
  - pilotlight.dr contributors
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

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    AWS_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing SDK

from ansible_collections.pilotlight.dr.plugins.module_utils import secrets_replica as sr
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

HIDDEN = ("SecretString", "SecretBinary", "secret_string", "secret_binary")


def validate_params(params, region):
    names = params["secrets"]
    if not names or any(not name for name in names):
        raise DRError("secrets must list at least one secret name or ARN, without empty entries")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DRError(f"secrets lists {', '.join(duplicates)} more than once")
    if params["state"] == "present" and not params["source_region"]:
        raise DRError("state=present needs source_region, the region of the primary secrets "
                      "(for example ap-northeast-2)")
    if params["copy_back_value"] and not params["overwrite"]:
        raise DRError("copy_back_value needs overwrite=true: the DR value is copied back only when the DR secret is "
                      "replaced by a replica")
    if params["max_concurrency"] < 1:
        raise DRError(f"max_concurrency must be 1 or more, got {params['max_concurrency']}")
    if params["wait_timeout"] < 0:
        raise DRError(f"wait_timeout must be 0 or more, got {params['wait_timeout']}")
    for name in names:
        parsed = sr.parse_arn(name)
        if parsed and params["state"] == "present" and parsed["region"] != params["source_region"]:
            raise DRError(f"secret {name} is an ARN in {parsed['region']} but source_region is "
                          f"{params['source_region']}: give the primary's ARN or its name")


def raise_problems(problems):
    if problems:
        raise DRError("; ".join(problems))


def collect(outcomes, what):
    """Values of concurrent outcomes; every failure reported at once."""
    failures = [o for o in outcomes if not o.ok]
    if failures:
        first = failures[0].error
        message = "; ".join(getattr(o.error, "message", None) or f"{o.item}: {o.error}" for o in failures)
        raise DRError(f"{what}: {message}", exception=getattr(first, "exception", None) or (
            first if isinstance(first, AWS_ERRORS) else None))
    return [o.value for o in outcomes]


def entry_view(entry):
    """What the result shows of one secret (never a value)."""
    return {k: entry.get(k) for k in ("name", "primary_region", "replica_region", "arn", "status", "status_message",
                                       "kms_key_id", "action", "value_copied_back")}


def diff_view(entries, which):
    return {e["name"]: {"status": e[which]["status"], "primary_region": e[which]["primary_region"],
                        "kms_key_id": e[which]["kms_key_id"]} for e in entries}


# -- state=present ----------------------------------------------------------------------------------------
def read_present(source, dest, name, params, region):
    source_region = params["source_region"]
    try:
        primary = sr.describe(source, name)
        dr_secret = sr.describe(dest, primary["Name"]) if primary else None
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read secret {name} in {source_region} and {region}", exception=exc)
    action, problem = sr.plan_present(name, primary, dr_secret, source_region, region, params["overwrite"])
    entry = {"name": (primary or {}).get("Name", name), "requested": name, "primary": primary, "dr": dr_secret,
             "action": action, "problem": problem, "value_copied_back": False}
    status = sr.status_for(primary, region) or {}
    standalone = dr_secret is not None and not sr.is_replica(dr_secret, region)
    entry["before"] = {
        "status": "Standalone" if standalone and not status else status.get("Status"),
        "primary_region": sr.primary_region_of(dr_secret, region) if dr_secret else None,
        "kms_key_id": status.get("KmsKeyId") or (dr_secret or {}).get("KmsKeyId"),
    }
    wanted_key = params["kms_key_id"]
    if action == sr.NOTHING and wanted_key and not sr.key_matches(status.get("KmsKeyId"), wanted_key):
        entry["warning"] = (f"the replica of {entry['name']} in {region} is encrypted with {status.get('KmsKeyId')}, "
                            f"not {params['kms_key_id']}; change it with UpdateSecret KmsKeyId in {region}")
    return entry


def check_kms_key(module, key_id, region):
    try:
        metadata = module.client("kms").describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "NotFoundException"):
            raise DRError(f"KMS key {key_id} not found in {region}: create it there or give an existing key") from None
        raise DRError(f"cannot read KMS key {key_id} in {region}", exception=exc)
    if metadata.get("KeyState", "Enabled") != "Enabled":
        raise DRError(f"KMS key {key_id} in {region} is {metadata.get('KeyState')}, not Enabled: enable it first")


def copy_back(source, dest, entry):
    """Write the DR secret's current value to the primary when they differ (values stay in this function)."""
    if not (entry["dr"] and not sr.is_replica(entry["dr"], entry["replica_region"])):
        return False
    dr_value = sr.current_value(dest, entry["dr"]["ARN"])
    if sr.current_value(source, entry["primary"]["ARN"]) == dr_value:
        return False
    source.put_secret_value(SecretId=entry["primary"]["ARN"], aws_retry=True, **dr_value)
    return True


def replicate(source, dest, entry, params, region):
    name = entry["name"]
    try:
        if params["copy_back_value"] and entry["action"] in (sr.OVERWRITE, sr.RETRY):
            entry["value_copied_back"] = copy_back(source, dest, entry)
        if entry["action"] == sr.RETRY:
            source.remove_regions_from_replication(SecretId=entry["primary"]["ARN"], RemoveReplicaRegions=[region],
                                                   aws_retry=True)
        replica_region = {"Region": region}
        if params["kms_key_id"]:
            replica_region["KmsKeyId"] = params["kms_key_id"]
        source.replicate_secret_to_regions(
            SecretId=entry["primary"]["ARN"], AddReplicaRegions=[replica_region],
            ForceOverwriteReplicaSecret=bool(params["overwrite"] and entry["dr"] is not None), aws_retry=True,
        )
    except AWS_ERRORS as exc:
        raise DRError(f"replicating {name} from {params['source_region']} to {region} failed", exception=exc)
    except DRError as exc:
        raise DRError(f"{name}: {exc.message}") from None
    return name


def poll_status(source, entry, region):
    try:
        primary = sr.describe(source, entry["primary"]["ARN"])
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read secret {entry['name']}", exception=exc)
    return sr.status_for(primary, region) or {}


def wait_in_sync(source, entries, region, deadline, max_workers):
    pending = {e["name"]: e for e in entries}
    last = {}

    def check():
        outcomes = collect(run_concurrently(lambda e: (e["name"], poll_status(source, e, region)),
                                            list(pending.values()), max_workers), "cannot read the replication status")
        for name, status in outcomes:
            last[name] = status
            if status.get("Status") == "InSync":
                pending.pop(name)
            elif status.get("Status") == "Failed":
                raise DRError(f"replication of {name} to {region} failed: {status.get('StatusMessage')}")
        return not pending

    try:
        wait_until(check, deadline, f"secret replicas to be InSync in {region}", delay=0.5)
    except DRError as exc:
        if pending and "timed out" in exc.message:
            raise DRError(f"{exc.message} (not in sync yet: {', '.join(sorted(pending))})") from None
        raise
    return last


def finish_present(entry, status, region, params, predicted=False):
    primary = entry["primary"]
    if predicted and entry["action"] in sr.CHANGING:
        status = {"Status": "InSync" if params["wait"] else "InProgress", "KmsKeyId": params["kms_key_id"],
                  "StatusMessage": None}
    entry.update(
        primary_region=params["source_region"], replica_region=region,
        arn=sr.in_region(primary["ARN"], region),
        status=status.get("Status"), status_message=status.get("StatusMessage"),
        kms_key_id=status.get("KmsKeyId") or sr.DEFAULT_KEY,
    )
    entry["after"] = {"status": entry["status"], "primary_region": params["source_region"],
                      "kms_key_id": entry["kms_key_id"]}


def ensure_present(module, params, timings, warnings):
    region, source_region = module.region, params["source_region"]
    source, dest = module.client("secretsmanager", region=source_region), module.client("secretsmanager")
    workers = params["max_concurrency"]
    started = time.monotonic()
    entries = collect(run_concurrently(lambda name: read_present(source, dest, name, params, region),
                                       params["secrets"], workers), "cannot read the secrets")
    raise_problems([e["problem"] for e in entries if e["problem"]])
    to_change = [e for e in entries if e["action"] in sr.CHANGING]
    if to_change and params["kms_key_id"]:
        check_kms_key(module, params["kms_key_id"], region)
    timings["read"] = round(time.monotonic() - started, 3)
    warnings += [e["warning"] for e in entries if e.get("warning")]
    for entry in entries:
        entry["replica_region"] = region

    if module.check_mode:
        for entry in entries:
            finish_present(entry, sr.status_for(entry["primary"], region) or {}, region, params, predicted=True)
        return entries

    started = time.monotonic()
    collect(run_concurrently(lambda e: replicate(source, dest, e, params, region), to_change, workers),
            "some secrets could not be replicated")
    timings["change"] = round(time.monotonic() - started, 3)
    statuses = {}
    waiting = [e for e in entries if e["action"] in sr.CHANGING or
               (sr.status_for(e["primary"], region) or {}).get("Status") == "InProgress"]
    if params["wait"] and waiting:
        started = time.monotonic()
        statuses = wait_in_sync(source, waiting, region, Deadline(params["wait_timeout"]), workers)
        timings["wait"] = round(time.monotonic() - started, 3)
    elif to_change:
        statuses = dict(collect(run_concurrently(lambda e: (e["name"], poll_status(source, e, region)), to_change,
                                                 workers), "cannot read the replication status"))
    for entry in entries:
        status = statuses.get(entry["name"]) or sr.status_for(entry["primary"], region) or {}
        finish_present(entry, status, region, params)
    return entries


# -- state=promoted ---------------------------------------------------------------------------------------
def read_promoted(dest, name, params, region):
    secret_id = sr.in_region(name, region)
    try:
        dr_secret = sr.describe(dest, secret_id)
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read secret {name} in {region}", exception=exc)
    action, problem = sr.plan_promoted(name, dr_secret, region, params["source_region"])
    entry = {"name": (dr_secret or {}).get("Name", name), "requested": name, "dr": dr_secret, "action": action,
             "problem": problem, "value_copied_back": False, "replica_region": region}
    if dr_secret:
        entry["before"] = {"status": "Standalone" if action == sr.ALREADY_STANDALONE else "Replica",
                           "primary_region": sr.primary_region_of(dr_secret, region),
                           "kms_key_id": dr_secret.get("KmsKeyId") or sr.DEFAULT_KEY}
    return entry


def promote(dest, entry, region):
    try:
        dest.stop_replication_to_replica(SecretId=entry["dr"]["ARN"], aws_retry=True)
    except AWS_ERRORS as exc:
        if is_error_code(exc, "InvalidRequestException", "InvalidParameterException") and "replica" in str(exc):
            current = sr.describe(dest, entry["dr"]["ARN"])
            if current and not sr.is_replica(current, region):
                entry["action"] = sr.ALREADY_STANDALONE  # promoted meanwhile
                return entry["name"]
        raise DRError(f"promoting {entry['name']} in {region} failed", exception=exc)
    return entry["name"]


def ensure_promoted(module, params, timings, warnings):
    region, dest, workers = module.region, module.client("secretsmanager"), params["max_concurrency"]
    started = time.monotonic()
    entries = collect(run_concurrently(lambda name: read_promoted(dest, name, params, region), params["secrets"],
                                       workers), "cannot read the secrets")
    raise_problems([e["problem"] for e in entries if e["problem"]])
    timings["read"] = round(time.monotonic() - started, 3)
    to_promote = [e for e in entries if e["action"] == sr.PROMOTE]
    if not module.check_mode and to_promote:
        started = time.monotonic()
        collect(run_concurrently(lambda e: promote(dest, e, region), to_promote, workers),
                "some secrets could not be promoted")
        timings["change"] = round(time.monotonic() - started, 3)
        if params["wait"]:
            started = time.monotonic()
            wait_standalone(dest, to_promote, region, Deadline(params["wait_timeout"]))
            timings["wait"] = round(time.monotonic() - started, 3)
    for entry in entries:
        entry.update(primary_region=region, arn=entry["dr"]["ARN"], status="Standalone", status_message=None,
                     kms_key_id=entry["dr"].get("KmsKeyId") or sr.DEFAULT_KEY)
        entry["after"] = {"status": "Standalone", "primary_region": region, "kms_key_id": entry["kms_key_id"]}
    return entries


def wait_standalone(dest, entries, region, deadline):
    pending = {e["name"]: e for e in entries}

    def check():
        for name, entry in list(pending.items()):
            try:
                current = sr.describe(dest, entry["dr"]["ARN"])
            except AWS_ERRORS as exc:
                raise DRError(f"cannot read secret {name} in {region}", exception=exc)
            if current and not sr.is_replica(current, region):
                pending.pop(name)
        return not pending

    wait_until(check, deadline, f"secrets to be standalone in {region}", delay=0.5)


# -- the story ---------------------------------------------------------------------------------------------
def run(module, params):
    validate_params(params, module.region)
    timings, warnings = {}, []
    started = time.monotonic()
    if params["state"] == "present":
        entries = ensure_present(module, params, timings, warnings)
    else:
        entries = ensure_promoted(module, params, timings, warnings)
    timings["total"] = round(time.monotonic() - started, 3)
    changed = any(e["action"] in sr.CHANGING for e in entries) or any(e["value_copied_back"] for e in entries)
    result = dict(changed=changed, secrets=[entry_view(e) for e in entries], timings=timings)
    if module._diff:
        result["diff"] = make_diff(diff_view(entries, "before"), diff_view(entries, "after"), hidden_fields=HIDDEN)
    for warning in warnings:
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        secrets=dict(type="list", elements="str", required=True),
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
