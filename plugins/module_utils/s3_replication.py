# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 cross-region replication: the rule, the role's policies, and what a backfill must copy.

Pure functions (no AWS calls) so that the logic the s3_replication and s3_replication_info modules
share is unit-tested on its own: building the replication rule from module options, merging it into
a bucket's existing configuration, the least-privilege IAM policy of the replication role, and the
comparison of source and destination listings that decides what a backfill copies.
"""

import copy
import json
import math
import random
import time

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

RTC_MINUTES = 15  # the only value S3 accepts for Replication Time Control
MAX_COPY_OBJECT_SIZE = 5 * 1024 ** 3  # CopyObject limit; larger objects are copied in parts
COPY_PART_SIZE = 512 * 1024 ** 2
MAX_COPY_PARTS = 10000  # UploadPartCopy PartNumber is 1 to 10,000
MAX_COPY_PART_SIZE = 5 * 1024 ** 3  # UploadPartCopy part limit
ARCHIVED_STORAGE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")  # CopyObject needs a restore first
ROLE_INLINE_POLICIES_LIMIT = 10240  # IAM: characters of all inline policies of a role, whitespace excluded
VERSIONING_PROPAGATION_TIMEOUT = 120  # seconds PutBucketReplication is retried while versioning propagates
METRIC_MAX_DATAPOINTS = 1440  # GetMetricStatistics refuses more

STORAGE_CLASSES = [
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
    "DEEP_ARCHIVE", "GLACIER_IR",
]


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def s3_service_name(region):
    """The ``kms:ViaService`` value of S3 in ``region`` (the aws-cn partition has its own DNS suffix)."""
    suffix = "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"
    return f"s3.{region}.{suffix}"


def bucket_arn(bucket, region):
    return f"arn:{partition_of(region)}:s3:::{bucket}"


def bucket_of_arn(arn):
    return arn.split(":::", 1)[-1] if arn and arn.startswith("arn:") else arn


def build_filter(prefix, tags):
    """The rule's Filter from a prefix and a tag dict, in the shape GetBucketReplication returns."""
    tag_list = [{"Key": k, "Value": str(v)} for k, v in sorted((tags or {}).items())]
    prefix = prefix or ""
    if not tag_list:
        return {"Prefix": prefix}
    if len(tag_list) == 1 and not prefix:
        return {"Tag": tag_list[0]}
    and_ = {"Tags": tag_list}
    if prefix:
        and_ = {"Prefix": prefix, "Tags": tag_list}
    return {"And": and_}


def filter_prefix(rule):
    if "Filter" not in rule:
        return rule.get("Prefix", "")
    filter_ = rule.get("Filter") or {}
    return filter_.get("Prefix", (filter_.get("And") or {}).get("Prefix", ""))


def filter_tags(rule):
    filter_ = rule.get("Filter") or {}
    if "Tag" in filter_:
        return {filter_["Tag"]["Key"]: filter_["Tag"]["Value"]}
    return {t["Key"]: t["Value"] for t in (filter_.get("And") or {}).get("Tags", [])}


def build_rule(params, destination_arn, replica_kms_key_arn, priority):
    """The replication rule this module manages, exactly as S3 stores and returns it."""
    destination = {"Bucket": destination_arn}
    if params.get("storage_class"):
        destination["StorageClass"] = params["storage_class"]
    if replica_kms_key_arn:
        destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": replica_kms_key_arn}
    if params.get("replication_time_control"):
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": RTC_MINUTES}}
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": RTC_MINUTES}}
    elif params.get("metrics"):
        destination["Metrics"] = {"Status": "Enabled"}
    rule = {
        "ID": params["rule_id"],
        "Priority": priority,
        "Filter": build_filter(params.get("prefix"), params.get("tags")),
        "Status": "Enabled",
        "Destination": destination,
        "DeleteMarkerReplication": {"Status": "Enabled" if params.get("delete_marker_replication") else "Disabled"},
    }
    if replica_kms_key_arn:
        rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    return rule


def choose_priority(existing_rules, rule_id, wanted=None):
    """The priority for our rule: the one asked for, the one it has, else the lowest unused from 1."""
    if wanted is not None:
        return wanted
    for rule in existing_rules:
        if rule.get("ID") == rule_id and rule.get("Priority") is not None:
            return rule["Priority"]
    used = {rule.get("Priority") for rule in existing_rules if rule.get("ID") != rule_id}
    priority = 1
    while priority in used:
        priority += 1
    return priority


def priority_clash(existing_rules, rule_id, priority):
    """The ID of another rule that already uses ``priority``, or None (S3 refuses duplicates)."""
    for rule in existing_rules:
        if rule.get("ID") != rule_id and rule.get("Priority") == priority:
            return rule.get("ID")
    return None


def legacy_rules(existing_rules):
    """IDs of V1 rules (Prefix, no Filter): S3 refuses to mix them with our V2 rule."""
    return [rule.get("ID") for rule in existing_rules if "Filter" not in rule]


def merge_rule(existing, role_arn, rule):
    """The bucket's configuration with our rule added or replaced (by ID); other rules untouched."""
    rules = [copy.deepcopy(r) for r in (existing or {}).get("Rules", []) if r.get("ID") != rule["ID"]]
    rules.append(rule)
    rules.sort(key=lambda r: (r.get("Priority") is None, r.get("Priority") or 0, r.get("ID") or ""))
    return {"Role": role_arn, "Rules": rules}


def remove_rule(existing, rule_id):
    """The configuration without our rule; None when no rule is left (delete the configuration)."""
    if not existing:
        return None
    rules = [r for r in existing.get("Rules", []) if r.get("ID") != rule_id]
    if not rules:
        return None
    return {"Role": existing["Role"], "Rules": rules}


def find_rule(existing, rule_id):
    for rule in (existing or {}).get("Rules", []):
        if rule.get("ID") == rule_id:
            return rule
    return None


def normalize_configuration(config):
    """Compare configurations the way S3 stores them (ordering of rules and tags does not matter)."""
    if not config:
        return None
    out = copy.deepcopy(config)
    for rule in out.get("Rules", []):
        and_ = (rule.get("Filter") or {}).get("And")
        if and_ and "Tags" in and_:
            and_["Tags"] = sorted(and_["Tags"], key=lambda t: (t["Key"], t["Value"]))
    out["Rules"] = sorted(out.get("Rules", []), key=lambda r: r.get("ID") or "")
    return out


def same_configuration(a, b):
    return normalize_configuration(a) == normalize_configuration(b)


def replication_policy(source_bucket, source_region, destination_bucket, region, source_kms_key_arns=(),
                       replica_kms_key_arn=None):
    """The least-privilege inline policy of the replication role (AWS's documented permissions)."""
    source_arn = bucket_arn(source_bucket, source_region)
    destination_arn = bucket_arn(destination_bucket, region)
    statements = [
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": [source_arn],
        },
        {
            "Sid": "ReadSourceObjectVersions",
            "Effect": "Allow",
            "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            "Resource": [f"{source_arn}/*"],
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            "Resource": [f"{destination_arn}/*"],
        },
    ]
    if replica_kms_key_arn:
        statements.append({
            "Sid": "DecryptSourceObjects",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": sorted(source_kms_key_arns),
            "Condition": {"StringLike": {
                "kms:ViaService": s3_service_name(source_region),
                # objects' context is the object ARN, with S3 Bucket Keys the bucket ARN
                "kms:EncryptionContext:aws:s3:arn": [source_arn, f"{source_arn}/*"],
            }},
        })
        statements.append({
            "Sid": "EncryptReplicas",
            "Effect": "Allow",
            "Action": ["kms:Encrypt"],
            "Resource": [replica_kms_key_arn],
            "Condition": {"StringLike": {
                "kms:ViaService": s3_service_name(region),
                "kms:EncryptionContext:aws:s3:arn": [destination_arn, f"{destination_arn}/*"],
            }},
        })
    return {"Version": "2012-10-17", "Statement": statements}


def policy_size(document):
    """Characters IAM counts for a policy document: its JSON without whitespace."""
    return len(json.dumps(policy_document(document), separators=(",", ":"), ensure_ascii=False))


def inline_policies_size(other_documents, document):
    """Total size of a role's inline policies once ``document`` is added to (or replaces one beside) the others."""
    return sum(policy_size(other) for other in other_documents) + policy_size(document)


def policy_document(value):
    """IAM returns policy documents URL-decoded as dicts (boto3) or as JSON strings: compare dicts."""
    if isinstance(value, str):
        return json.loads(value)
    return value


def trusts_s3(trust_policy):
    for statement in (policy_document(trust_policy) or {}).get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if "s3.amazonaws.com" in services and "sts:AssumeRole" in actions:
            return True
    return False


def versioning_not_propagated(exception):
    """Is this PutBucketReplication error S3 not seeing yet the versioning just enabled on a bucket?

    S3 answers InvalidRequest "Versioning must be 'Enabled' on the bucket to apply a replication
    configuration" or "Destination bucket must have versioning enabled." for a few seconds after
    PutBucketVersioning.
    """
    error = (getattr(exception, "response", None) or {}).get("Error", {})
    return error.get("Code") == "InvalidRequest" and "versioning" in (error.get("Message") or "").lower()


def retry_while_versioning_propagates(call, timeout=VERSIONING_PROPAGATION_TIMEOUT, sleep=time.sleep,
                                      clock=time.monotonic, jitter=random.random, delay=1.0, max_delay=15.0):
    """``call()``, retried with jittered, growing delays while it fails with ``versioning_not_propagated``.

    Any other error, or the same one after ``timeout`` seconds, is raised.
    """
    deadline = clock() + timeout
    while True:
        try:
            return call()
        except Exception as exc:
            remaining = deadline - clock()
            if not versioning_not_propagated(exc) or remaining <= 0:
                raise
        sleep(min(remaining, delay * (0.5 + jitter() / 2)))
        delay = min(max_delay, delay * 2)


def default_role_name(bucket):
    return f"s3-replication-{bucket}"[:64]


def policy_name(bucket, destination_bucket):
    return f"s3-replication-{bucket}-to-{destination_bucket}"[:128]


# -- backfill -------------------------------------------------------------------------------------------
def _multipart(etag):
    return "-" in (etag or "")


def is_present(source, destination):
    """Does the destination already hold this object? Compared as ``aws s3 sync`` does, plus ETags.

    Same ETag: present. Otherwise (ETags of multipart uploads and of SSE-KMS objects are not content
    hashes, so they differ between copies of the same bytes) the same size and a destination at
    least as new as the source count as present.
    """
    if destination is None:
        return False
    if source.get("ETag") and source.get("ETag") == destination.get("ETag"):
        return True
    if source.get("Size") != destination.get("Size"):
        return False
    return destination.get("LastModified") is not None and source.get("LastModified") is not None and (
        destination["LastModified"] >= source["LastModified"])


def is_archived(item):
    """A ListObjectsV2 entry in S3 Glacier Flexible Retrieval or Deep Archive: not copyable until restored."""
    return item.get("StorageClass") in ARCHIVED_STORAGE_CLASSES


def backfill_candidates(source_objects, destination_objects):
    """Objects of the source that the destination lacks or holds in an older version.

    Both arguments are ListObjectsV2 ``Contents`` entries (Key, ETag, Size, LastModified); returns
    (missing, outdated) lists of source entries, in key order.
    """
    existing = {item["Key"]: item for item in destination_objects}
    missing, outdated = [], []
    for item in sorted(source_objects, key=lambda i: i["Key"]):
        other = existing.get(item["Key"])
        if other is None:
            missing.append(item)
        elif not is_present(item, other):
            outdated.append(item)
    return missing, outdated


def tags_match(wanted, actual):
    return all(actual.get(key) == value for key, value in (wanted or {}).items())


def copy_part_size(size):
    """The part size for a multipart copy of ``size`` bytes: 512 MiB, larger when that needs over 10,000 parts."""
    return min(MAX_COPY_PART_SIZE, max(COPY_PART_SIZE, math.ceil(size / MAX_COPY_PARTS)))


def copy_parts(size, part_size=None):
    """Byte ranges ("bytes=a-b") for a multipart copy of ``size`` bytes (``copy_part_size`` by default)."""
    part_size = part_size or copy_part_size(size)
    parts = []
    start = 0
    while start < size:
        end = min(start + part_size, size) - 1
        parts.append(f"bytes={start}-{end}")
        start = end + 1
    return parts


def metric_period(lookback_minutes):
    """GetMetricStatistics Period (seconds) for a window of ``lookback_minutes`` + 1 minutes.

    One minute while that is at most 1,440 datapoints, else the smallest multiple of a minute that
    stays within 1,440; rounded up to 5 minutes and 1 hour for windows starting over 15 and 63 days
    ago, which CloudWatch only answers at those resolutions.
    """
    period = max(60, 60 * math.ceil((lookback_minutes + 1) / METRIC_MAX_DATAPOINTS))
    if lookback_minutes > 63 * 24 * 60:
        return 3600 * math.ceil(period / 3600)
    if lookback_minutes > 15 * 24 * 60:
        return 300 * math.ceil(period / 300)
    return period


def copy_arguments(storage_class, replica_kms_key_arn):
    """CopyObject/CreateMultipartUpload arguments that make a backfill copy look like a replica."""
    args = {}
    if storage_class:
        args["StorageClass"] = storage_class
    if replica_kms_key_arn:
        args["ServerSideEncryption"] = "aws:kms"
        args["SSEKMSKeyId"] = replica_kms_key_arn
    return args
