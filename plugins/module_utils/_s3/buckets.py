# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The S3 calls on a bucket that replication needs: location, versioning, replication configuration.

Each takes the client of the bucket's region. A read that fails for any reason but the documented
"not there" codes raises DRError (never returns "absent").
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import retry_while_versioning_propagates

NO_BUCKET = ("NoSuchBucket", "404")


def region_of_location(location):
    """The region of a GetBucketLocation LocationConstraint (us-east-1 answers none, old EU buckets "EU")."""
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)


@DRErrorHandler.reader("read the location of bucket {1}", missing=NO_BUCKET)
def location_of(client, bucket):
    """The region of ``bucket``, or None when it does not exist."""
    return region_of_location(client.get_bucket_location(Bucket=bucket, aws_retry=True).get("LocationConstraint"))


def bucket_location(client, bucket, expected_region, what):
    """The region of ``bucket`` when it is ``expected_region``; DRError with the fix otherwise."""
    try:
        location = client.get_bucket_location(Bucket=bucket, aws_retry=True).get("LocationConstraint")
    except AWS_ERRORS as exc:
        if is_error_code(exc, *NO_BUCKET):
            raise DRError(f"{what} {bucket} not found: create it in {expected_region} first or fix the name") from None
        raise DRError(f"cannot read the location of {what} {bucket}", exception=exc) from exc
    region = region_of_location(location)
    if region != expected_region:
        raise DRError(f"{what} {bucket} is in {region}, not {expected_region}: fix the bucket name or the region")
    return region


@DRErrorHandler.reader("read the versioning of bucket {1}")
def versioning_of(client, bucket):
    """Enabled, Suspended or Disabled (never enabled)."""
    return client.get_bucket_versioning(Bucket=bucket, aws_retry=True).get("Status") or "Disabled"


@DRErrorHandler.reader(
    "read the replication configuration of bucket {1}", missing=("ReplicationConfigurationNotFoundError",)
)
def replication_of(client, bucket):
    """The bucket's replication configuration, None when it has none."""
    return client.get_bucket_replication(Bucket=bucket, aws_retry=True)["ReplicationConfiguration"]


@DRErrorHandler.reader(
    "read the default encryption of bucket {1}", missing=("ServerSideEncryptionConfigurationNotFoundError",)
)
def _encryption_rules(client, bucket):
    return client.get_bucket_encryption(Bucket=bucket, aws_retry=True)["ServerSideEncryptionConfiguration"]


def default_kms_key(client, bucket):
    """The KMS key of the bucket's default SSE-KMS encryption, None without one."""
    for rule in (_encryption_rules(client, bucket) or {}).get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm", "").startswith("aws:kms") and default.get("KMSMasterKeyID"):
            return default["KMSMasterKeyID"]
    return None


@DRErrorHandler.call("enable versioning on bucket {1}")
def enable_versioning(client, bucket):
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}, aws_retry=True)


def put_configuration(client, bucket, configuration, versioning_timeout=0):
    """PutBucketReplication; with ``versioning_timeout``, retried that long while S3 does not see yet the
    versioning just enabled on either bucket (InvalidRequest about versioning)."""

    def put():
        return client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=configuration, aws_retry=True)

    with aws_errors(f"set the replication configuration of bucket {bucket}"):
        retry_while_versioning_propagates(put, timeout=versioning_timeout)


@DRErrorHandler.call("delete the replication configuration of bucket {1}")
def delete_configuration(client, bucket):
    client.delete_bucket_replication(Bucket=bucket, aws_retry=True)


@DRErrorHandler.call("list the objects of bucket {1}")
def list_objects(client, bucket, prefix=""):
    """ListObjectsV2 ``Contents`` of every page (current versions) under ``prefix``."""
    paginator = client.get_paginator("list_objects_v2")
    return paginator.paginate(Bucket=bucket, Prefix=prefix).build_full_result().get("Contents", [])


@DRErrorHandler.call("read the tags of s3://{1}/{2}")
def object_tags(client, bucket, key):
    tag_set = client.get_object_tagging(Bucket=bucket, Key=key, aws_retry=True)["TagSet"]
    return {tag["Key"]: tag["Value"] for tag in tag_set}
