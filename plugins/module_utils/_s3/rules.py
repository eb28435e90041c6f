# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The replication rule s3_replication manages, and the bucket configuration it goes into (pure, no calls).

Built from the module's options exactly as S3 stores and returns it, so that read-compare-write
needs no call to tell whether anything changes.
"""

import copy
import random
import time

RTC_MINUTES = 15  # the only value S3 accepts for Replication Time Control
VERSIONING_PROPAGATION_TIMEOUT = 120  # seconds PutBucketReplication is retried while versioning propagates

STORAGE_CLASSES = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
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


def versioning_not_propagated(exception):
    """Is this PutBucketReplication error S3 not seeing yet the versioning just enabled on a bucket?

    S3 answers InvalidRequest "Versioning must be 'Enabled' on the bucket to apply a replication
    configuration" or "Destination bucket must have versioning enabled." for a few seconds after
    PutBucketVersioning.
    """
    error = (getattr(exception, "response", None) or {}).get("Error", {})
    return error.get("Code") == "InvalidRequest" and "versioning" in (error.get("Message") or "").lower()


def retry_while_versioning_propagates(
    call,
    timeout=VERSIONING_PROPAGATION_TIMEOUT,
    sleep=time.sleep,
    clock=time.monotonic,
    jitter=random.random,
    delay=1.0,
    max_delay=15.0,
):
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
