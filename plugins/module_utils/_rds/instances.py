# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""RDS instances: identifiers, what an instance is (a replica of which source, in which status), reads.

Pure helpers are unit-tested; the readers take a client, never the module, and only call the region of
the client they are given, so promotion and readiness can run against the DR region alone.
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import to_result
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

STABLE = "available"
# Statuses an instance passes through on its own; anything else (failed, incompatible-*, storage-full,
# stopped...) needs a person, so waiting for "available" fails at once instead of timing out.
TRANSITIONAL = {
    "creating",
    "modifying",
    "rebooting",
    "backing-up",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "converting-to-vpc",
    "maintenance",
    "renaming",
    "resetting-master-credentials",
    "starting",
    "storage-optimization",
    "upgrading",
    "moving-to-vpc",
    "storage-config-upgrade",
}
NOT_FOUND = ("DBInstanceNotFound", "DBInstanceNotFoundFault")


# -- identifiers ------------------------------------------------------------------------------------
def parse_arn(arn):
    """``arn:PARTITION:rds:REGION:ACCOUNT:db:ID`` -> dict, or None when ``arn`` is not an RDS instance ARN."""
    parts = (arn or "").split(":")
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "rds" or parts[5] != "db":
        return None
    return {"partition": parts[1], "region": parts[3], "account": parts[4], "id": parts[6]}


def instance_arn(partition, region, account, identifier):
    return f"arn:{partition}:rds:{region}:{account}:db:{identifier.lower()}"


def resolve_source(source, source_region, own_arn=None):
    """(ARN or None, region, identifier) of the source given as an ARN or as an id in ``source_region``.

    The ARN of a source given by id is built from the account and partition of ``own_arn`` (the
    replica, which lives in the same account) when there is one; otherwise it is None and must be read
    from the source region.
    """
    parsed = parse_arn(source)
    if parsed:
        if source_region and source_region != parsed["region"]:
            raise DRError(
                f"source_db_instance_identifier {source} is in {parsed['region']} but source_region is "
                f"{source_region}: drop source_region or make them agree"
            )
        return source, parsed["region"], parsed["id"]
    if not source_region:
        raise DRError(
            f"source_db_instance_identifier {source} is not an ARN: set source_region to the region it is in "
            "(for example ap-northeast-2)"
        )
    own = parse_arn(own_arn)
    arn = instance_arn(own["partition"], source_region, own["account"], source) if own else None
    return arn, source_region, source.lower()


def same_instance(reference, arn, region, identifier):
    """Whether ReadReplicaSourceDBInstanceIdentifier ``reference`` names the instance (arn / region+id)."""
    if not reference:
        return False
    parsed = parse_arn(reference)
    if parsed:
        return parsed["region"] == region and parsed["id"].lower() == identifier.lower()
    return reference.lower() == identifier.lower() or (arn is not None and reference == arn)


def replicates_other(instance, source, source_region):
    """The source a replica records when it is not ``source`` (an ARN, or an id in ``source_region``), else None.

    Raises DRError when ``source`` and ``source_region`` disagree.
    """
    arn, src_region, src_id = resolve_source(source, source_region, instance.get("DBInstanceArn"))
    current = instance["ReadReplicaSourceDBInstanceIdentifier"]
    return None if same_instance(current, arn, src_region, src_id) else current


def is_replica(instance):
    return bool(instance and instance.get("ReadReplicaSourceDBInstanceIdentifier"))


def replication_state(instance):
    """The read replication StatusInfos entry of a replica ({} when there is none)."""
    for info in (instance or {}).get("StatusInfos") or []:
        if info.get("StatusType") == "read replication":
            return info
    return {}


def available(instance):
    return instance.get("DBInstanceStatus") == STABLE


def standalone_and_available(instance):
    return not is_replica(instance) and available(instance)


# -- results -----------------------------------------------------------------------------------------
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


# -- AWS readers -------------------------------------------------------------------------------------
@RETRY_DECORATOR
def _describe(client, identifier):
    paginator = client.get_paginator("describe_db_instances")
    return paginator.paginate(DBInstanceIdentifier=identifier).build_full_result().get("DBInstances", [])


@DRErrorHandler.reader("read DB instance {1} in {2}", missing=NOT_FOUND)
def get_instance(client, identifier, region):
    """The DB instance ``identifier`` in the client's region (``region``), or None when it does not exist."""
    found = _describe(client, identifier)
    return found[0] if found else None


@DRErrorHandler.reader("read DB subnet group {1} in {2}", missing=("DBSubnetGroupNotFoundFault",), default=False)
def subnet_group_exists(client, name, region):
    client.describe_db_subnet_groups(DBSubnetGroupName=name, aws_retry=True)
    return True
