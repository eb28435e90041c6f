# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every read s3_replication makes before its first change, and the state it would set.

``plan_present`` checks both buckets (location, versioning), the existing rules (V1 rules, priority
clashes, another role), the KMS keys and the role, and returns the configuration to put. A problem
found here fails the task before anything is changed.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import bucket_location
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import default_kms_key
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import replication_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import versioning_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.role import plan_role
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import bucket_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import build_rule
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import choose_priority
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import legacy_rules
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import merge_rule
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import partition_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import priority_clash


def plan_versioning(source, dest, params):
    """{"source", "destination"} versioning; DRError when one is off and enable_versioning is false."""
    bucket, destination = params["bucket"], params["destination_bucket"]
    versioning = {"source": versioning_of(source, bucket), "destination": versioning_of(dest, destination)}
    unversioned = [
        f"{name} ({versioning[side]})"
        for side, name in (("source", bucket), ("destination", destination))
        if versioning[side] != "Enabled"
    ]
    if unversioned and not params["enable_versioning"]:
        raise DRError(
            f"versioning is not enabled on {', '.join(unversioned)}: S3 replicates only between versioned "
            "buckets; enable it or set enable_versioning: true"
        )
    return versioning


def plan_priority(existing, params):
    existing_rules = (existing or {}).get("Rules", [])
    legacy = [rule_id for rule_id in legacy_rules(existing_rules) if rule_id != params["rule_id"]]
    if legacy:
        raise DRError(
            f"bucket {params['bucket']} has V1 replication rules ({', '.join(legacy)}) that S3 will not "
            "combine with a filtered rule: rewrite them with a Filter first"
        )
    priority = choose_priority(existing_rules, params["rule_id"], params["priority"])
    clash = priority_clash(existing_rules, params["rule_id"], priority)
    if clash:
        raise DRError(
            f"rule {clash} of bucket {params['bucket']} already has priority {priority}: choose another priority"
        )
    return priority


def plan_keys(client, source, params, region):
    """(replica key ARN, source key ARNs for the role's kms:Decrypt), both None without replica_kms_key_id."""
    if not params["replica_kms_key_id"]:
        return None, None
    source_region = params["source_region"]
    replica_key = enabled_key_arn(
        client("kms"), params["replica_kms_key_id"], region, "replica_kms_key_id: replica KMS key"
    )
    source_kms = client("kms", region=source_region)
    source_keys = [
        enabled_key_arn(source_kms, key, source_region, "source_kms_key_ids: source KMS key")
        for key in params["source_kms_key_ids"]
    ]
    if not source_keys:
        default = default_kms_key(source, params["bucket"])
        if default:
            source_keys = [enabled_key_arn(source_kms, default, source_region, "source KMS key")]
        else:  # any key of the account in the source region, still limited to S3 and this bucket by the policy
            source_keys = [f"arn:{partition_of(source_region)}:kms:{source_region}:{replica_key.split(':')[4]}:key/*"]
    return replica_key, source_keys


def plan_present(client, params, region):
    """The reads of state=present: {"versioning", "existing", "wanted", "rule", "role"}.

    ``client(service, region=None)`` gives a client of ``region`` (the DR region) or of another one.
    """
    bucket, destination = params["bucket"], params["destination_bucket"]
    source, dest = client("s3", region=params["source_region"]), client("s3")
    bucket_location(source, bucket, params["source_region"], "source bucket")
    bucket_location(dest, destination, region, "destination bucket")
    versioning = plan_versioning(source, dest, params)
    existing = replication_of(source, bucket)
    priority = plan_priority(existing, params)
    replica_key, source_keys = plan_keys(client, source, params, region)
    role = plan_role(client("iam"), client("sts"), params, region, source_keys, replica_key)
    rule = build_rule(params, bucket_arn(destination, region), replica_key, priority)
    wanted = merge_rule(existing, role["arn"], rule)
    others = [r for r in (existing or {}).get("Rules", []) if r.get("ID") != rule["ID"]]
    if existing and existing.get("Role") != role["arn"] and others:
        raise DRError(
            f"bucket {bucket} replicates with role {existing.get('Role')} for other rules; one role serves "
            f"every rule: pass role_arn: {existing.get('Role')} and give it access to {destination}"
        )
    return {"versioning": versioning, "existing": existing, "wanted": wanted, "rule": rule, "role": role}
