# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""state=present: create the cross-region read replica, or check an existing one and bring it in line.

Everything AWS would refuse (no backups on the source, a missing or disabled KMS key, a missing subnet
group, an instance that replicates another source) is checked before the first mutating call.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import key_ids_match
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import available
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import get_instance
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import is_replica
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import replicates_other
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import resolve_source
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import subnet_group_exists
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import tags_of
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.lag import read_lag
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.waits import describe_pending
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.waits import modifications_applied
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.waits import wait_for


# -- an existing replica ---------------------------------------------------------------------------------
def check_existing(instance, params, region):
    """An existing instance must be a replica of the requested source."""
    identifier = params["db_instance_identifier"]
    if not is_replica(instance):
        raise DRError(
            f"{identifier} in {region} is a standalone DB instance, not a read replica (promoted during a failover?). "
            "A promoted instance cannot become a replica again: choose another db_instance_identifier for a new "
            "replica, or delete this one (amazon.aws.rds_instance state=absent) once nothing uses it"
        )
    current = replicates_other(instance, params["source_db_instance_identifier"], params["source_region"])
    if current:
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


def apply_tags(client, instance, params):
    if params["tags"] is None:
        return False
    to_add, to_remove = compare_aws_tags(tags_of(instance), params["tags"], params["purge_tags"])
    arn = instance["DBInstanceArn"]
    if to_remove:
        with aws_errors(f"remove tags from {arn}"):
            client.remove_tags_from_resource(ResourceName=arn, TagKeys=to_remove, aws_retry=True)
    if to_add:
        with aws_errors(f"tag {arn}"):
            client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_add), aws_retry=True)
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
        if not key_ids_match(instance.get("KmsKeyId"), wanted):
            warnings.append(
                f"{identifier} is encrypted with {instance.get('KmsKeyId')}, not {wanted}; the key of a "
                "replica cannot change: recreate it to use another key"
            )
    changes = wanted_changes(instance, params)
    tags_change = params["tags"] is not None and any(
        compare_aws_tags(tags_of(instance), params["tags"], params["purge_tags"])
    )
    changed = bool(changes or tags_change)
    if module.check_mode:
        after = dict(instance)
        after.update(changes)
        after["TagList"] = ansible_dict_to_boto3_tag_list(predicted_tags(instance, params))
        return after, changed
    started = time.monotonic()
    if changes and not available(instance):
        if not params["wait"]:
            warnings.append(
                f"{identifier} is {instance.get('DBInstanceStatus')}: {', '.join(changes)} not changed; "
                "re-run with wait=true to apply it once the replica is available"
            )
            changes = {}
        else:
            instance = wait_for(client, identifier, region, deadline, available, "available")
    if changes:
        with aws_errors(f"modify {identifier} in {region}"):
            client.modify_db_instance(DBInstanceIdentifier=identifier, ApplyImmediately=True, aws_retry=True, **changes)
    apply_tags(client, instance, params)
    timings["change"] = round(time.monotonic() - started, 3)
    if changes and params["wait"]:
        # The instance can still say "available" with the change pending: wait until it shows it applied.
        started = time.monotonic()
        instance = wait_for(
            client,
            identifier,
            region,
            deadline,
            modifications_applied(changes),
            f"available with {', '.join(f'{k}={v}' for k, v in changes.items())} applied",
            still=describe_pending(changes),
        )
        timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
        return instance, changed
    return get_instance(client, identifier, region), changed


# -- a new replica ---------------------------------------------------------------------------------------
def source_instance(module, params, region):
    """The source instance, read in its region (only when a replica has to be created)."""
    arn, src_region, src_id = resolve_source(params["source_db_instance_identifier"], params["source_region"])
    if src_region == region:
        raise DRError(
            f"the source {params['source_db_instance_identifier']} is in {region}, the region of the "
            "replica: a DR replica must be in another region"
        )
    source = get_instance(module.client("rds", region=src_region), src_id, src_region)
    if source is None:
        raise DRError(
            f"source DB instance {src_id} not found in {src_region}: check source_db_instance_identifier "
            "and source_region"
        )
    return source, src_region


def check_creatable(module, client, source, src_region, params, region):
    """Everything AWS would refuse, checked before the create call. Returns the KMS key ARN."""
    identifier = source["DBInstanceIdentifier"]
    if not source.get("BackupRetentionPeriod"):
        raise DRError(
            f"source {identifier} in {src_region} has automated backups off (BackupRetentionPeriod 0), "
            "which a read replica needs: set backup_retention_period above 0 on it (amazon.aws.rds_instance)"
        )
    encrypted = bool(source.get("StorageEncrypted"))
    if encrypted and not params["kms_key_id"]:
        raise DRError(
            f"source {identifier} is encrypted: set kms_key_id to a KMS key of {region} (AWS cannot use the "
            f"key of {src_region} in {region})"
        )
    if params["kms_key_id"] and not encrypted:
        raise DRError(
            f"source {identifier} is not encrypted, so its replica cannot be: drop kms_key_id, or encrypt "
            "the source first (snapshot, copy encrypted, restore)"
        )
    kms_arn = (
        enabled_key_arn(module.client("kms"), params["kms_key_id"], region, "kms_key_id: KMS key")
        if params["kms_key_id"]
        else None
    )
    subnet_group = params["db_subnet_group_name"]
    if subnet_group and not subnet_group_exists(client, subnet_group, region):
        raise DRError(f"DB subnet group {subnet_group} not found in {region}: create it there first")
    return kms_arn


def create_replica(module, client, params, timings):
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
    with aws_errors(f"create read replica {identifier} in {region} of {source['DBInstanceArn']}"):
        created = client.create_db_instance_read_replica(aws_retry=True, **request)["DBInstance"]
    timings["change"] = round(time.monotonic() - started, 3)
    return created


# -- the state -------------------------------------------------------------------------------------------
def ensure_present(module, params, timings, warnings):
    """(instance before, instance after, changed, ReplicaLag evidence or None)."""
    client, region, identifier = module.client("rds"), module.region, params["db_instance_identifier"]
    deadline = Deadline(params["wait_timeout"])
    started = time.monotonic()
    existing = get_instance(client, identifier, region)
    timings["read"] = round(time.monotonic() - started, 3)
    if existing is None:
        instance, changed = create_replica(module, client, params, timings), True
    else:
        instance, changed = update_existing(module, client, existing, params, deadline, timings, warnings)
    if params["wait"] and not module.check_mode and not available(instance):
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, available, "available")
        timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
    lag = None
    if not module.check_mode or existing is not None:
        if is_replica(instance) and available(instance):
            lag = read_lag(module.client("cloudwatch"), identifier, region, params["lag_lookback_seconds"])
    return existing, instance, changed, lag
