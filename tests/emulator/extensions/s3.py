"""S3 cross-region replication: rules validated and stored as AWS does, objects really replicated.

moto 5.2 stores a replication configuration but never copies an object, has no
``x-amz-replication-status``, checks only the source bucket's versioning, and answers
GetBucketReplication with every rule's filter and delete-marker setting replaced by defaults.
This extension:

* validates PutBucketReplication like S3 (destination must exist and be versioned, V2 rules need
  Priority and DeleteMarkerReplication, no delete-marker replication with tag filters, a KMS
  selection needs ReplicaKmsKeyID, ReplicationTime needs Metrics) and returns the stored rules
  unchanged from GetBucketReplication;
* after a PutObject, CopyObject or CompleteMultipartUpload into a bucket whose enabled rule matches
  the key (prefix, tag or And filter; SSE-KMS objects only with SseKmsEncryptedObjects), marks the
  object ``PENDING`` and copies it after the ``replication`` latency into the destination bucket:
  same key, version id, ETag, metadata, tags and last-modified time, the rule's storage class, the
  replica KMS key; the source becomes ``COMPLETED`` (``FAILED`` when the destination vanished or lost
  versioning), the copy ``REPLICA``. Replicas are never replicated again, so two-way rules do not
  loop. Delete markers follow when the rule's DeleteMarkerReplication is Enabled (or for V1 rules);
  deletes of a specific version never replicate, as in S3;
* keeps work pending while the source or destination region is down and finishes it once the
  region is back;
* publishes ``OperationsPendingReplication``, ``BytesPendingReplication``, ``ReplicationLatency`` and
  ``OperationsFailedReplication`` (namespace ``AWS/S3``) in the source region for rules with Metrics.
"""

import datetime
import random
import string
import threading
import time

from ..core import backend
from ..core import on_reset
from ..core import patch
from ..core import require
from ._replication import replicate_later

DESCRIPTION = "S3 cross-region replication (objects, delete markers, ReplicationStatus, validation, metrics)"

_local = threading.local()
_metrics_lock = threading.Lock()
_pending = {}  # (source bucket, destination bucket, rule id) -> [operations, bytes]

_ORIGINAL = {}


# -- errors ----------------------------------------------------------------------------------------
def _errors():
    from moto.s3.exceptions import MalformedXML
    from moto.s3.exceptions import S3ClientError

    class ReplicationInvalidRequest(S3ClientError):
        code = "InvalidRequest"

        def __init__(self, message):
            super().__init__("InvalidRequest", message)

    return ReplicationInvalidRequest, MalformedXML


# -- configuration: xmltodict dict -> the shape boto3 uses ------------------------------------------
def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _status(value, malformed):
    status = (value or {}).get("Status") if isinstance(value, dict) else None
    if status not in ("Enabled", "Disabled"):
        raise malformed()
    return status


def _tag(raw):
    return {"Key": raw.get("Key") or "", "Value": raw.get("Value") or ""}


def _filter(raw, malformed):
    """The Filter element: {}, {"Prefix"}, {"Tag"} or {"And": {"Prefix", "Tags"}}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise malformed()
    members = [name for name in ("Prefix", "Tag", "And") if name in raw]
    if len(members) > 1:
        raise malformed()
    if "Prefix" in raw:
        return {"Prefix": raw["Prefix"] or ""}
    if "Tag" in raw:
        return {"Tag": _tag(raw["Tag"])}
    if "And" in raw:
        and_ = raw["And"] or {}
        out = {}
        if "Prefix" in and_:
            out["Prefix"] = and_["Prefix"] or ""
        tags = [_tag(tag) for tag in _as_list(and_.get("Tag"))]
        if tags:
            out["Tags"] = tags
        if len(tags) + ("Prefix" in out) < 2:
            raise malformed()
        return {"And": out}
    return {}


def _minutes(raw, name, malformed):
    try:
        return {"Minutes": int(raw[name]["Minutes"])}
    except (KeyError, TypeError, ValueError):
        raise malformed() from None


def _destination(raw, malformed):
    if not isinstance(raw, dict) or not raw.get("Bucket"):
        raise malformed()
    out = {"Bucket": raw["Bucket"]}
    for name in ("Account", "StorageClass"):
        if raw.get(name):
            out[name] = raw[name]
    if raw.get("AccessControlTranslation"):
        out["AccessControlTranslation"] = {"Owner": raw["AccessControlTranslation"].get("Owner")}
    if "EncryptionConfiguration" in raw:
        encryption = raw["EncryptionConfiguration"] or {}
        out["EncryptionConfiguration"] = (
            {"ReplicaKmsKeyID": encryption.get("ReplicaKmsKeyID")} if encryption.get("ReplicaKmsKeyID") else {}
        )
    if "ReplicationTime" in raw:
        rtc = raw["ReplicationTime"]
        out["ReplicationTime"] = {"Status": _status(rtc, malformed), "Time": _minutes(rtc, "Time", malformed)}
    if "Metrics" in raw:
        metrics = raw["Metrics"]
        out["Metrics"] = {"Status": _status(metrics, malformed)}
        if isinstance(metrics, dict) and metrics.get("EventThreshold"):
            out["Metrics"]["EventThreshold"] = _minutes(metrics, "EventThreshold", malformed)
    return out


def normalize_configuration(raw):
    """Turn moto's parsed XML into boto3-shaped rules, refusing what S3 refuses (before storing)."""
    invalid, malformed = _errors()
    if not isinstance(raw, dict) or not raw.get("Role") or not raw.get("Rule"):
        raise malformed()
    rules = []
    raw_rules = _as_list(raw["Rule"])
    legacy = any("Filter" not in rule for rule in raw_rules)
    priorities = set()
    for raw_rule in raw_rules:
        rule = {"Status": raw_rule.get("Status")}
        if rule["Status"] not in ("Enabled", "Disabled"):
            raise malformed()
        if raw_rule.get("ID"):
            rule["ID"] = raw_rule["ID"]
        if "Filter" in raw_rule:
            if "Prefix" in raw_rule:
                raise malformed()
            rule["Filter"] = _filter(raw_rule["Filter"], malformed)
        else:
            rule["Prefix"] = raw_rule.get("Prefix") or ""
        for name in ("Priority", "DeleteMarkerReplication"):
            if legacy and name in raw_rule:
                raise invalid(
                    f"{name} cannot be used for this version of Cross Region Replication configuration "
                    "schema. Please refer to S3 Developer Guide for more information."
                )
            if not legacy and name not in raw_rule:
                raise invalid(
                    f"{name} must be specified for this version of Cross Region Replication configuration "
                    "schema. Please refer to S3 Developer Guide for more information."
                )
        if "Priority" in raw_rule:
            try:
                rule["Priority"] = int(raw_rule["Priority"])
            except (TypeError, ValueError):
                raise malformed() from None
            if rule["Priority"] in priorities:
                raise invalid(f"Found duplicate priority {rule['Priority']}.")
            priorities.add(rule["Priority"])
        if "DeleteMarkerReplication" in raw_rule:
            rule["DeleteMarkerReplication"] = {"Status": _status(raw_rule["DeleteMarkerReplication"], malformed)}
            if rule["DeleteMarkerReplication"]["Status"] == "Enabled" and _filter_tags(rule):
                raise invalid(
                    "Delete marker replication is not supported if any Tag filter is specified. "
                    "Please refer to S3 Developer Guide for more information."
                )
        selection = raw_rule.get("SourceSelectionCriteria")
        if "SourceSelectionCriteria" in raw_rule:
            if not selection:
                raise invalid("SourceSelectionCriteria cannot be empty.")
            rule["SourceSelectionCriteria"] = {
                name: {"Status": _status(selection[name], malformed)}
                for name in ("SseKmsEncryptedObjects", "ReplicaModifications")
                if name in selection
            }
        if raw_rule.get("ExistingObjectReplication"):
            rule["ExistingObjectReplication"] = {"Status": _status(raw_rule["ExistingObjectReplication"], malformed)}
        rule["Destination"] = _destination(raw_rule.get("Destination"), malformed)
        _validate_encryption(rule, invalid)
        _validate_time_control(rule["Destination"], invalid)
        rules.append(rule)
    return {"Role": raw["Role"], "Rules": rules}


def _validate_encryption(rule, invalid):
    kms_selected = "SseKmsEncryptedObjects" in rule.get("SourceSelectionCriteria", {})
    encryption = rule["Destination"].get("EncryptionConfiguration")
    if encryption is not None and not kms_selected:
        raise invalid("SseKmsEncryptedObjects must be specified if EncryptionConfiguration is present.")
    if kms_selected and not (encryption or {}).get("ReplicaKmsKeyID"):
        raise invalid("ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.")


def _validate_time_control(destination, invalid):
    if ("ReplicationTime" in destination) != ("Metrics" in destination):
        raise invalid("Replication destination must contain both ReplicationTime and Metrics or neither.")


def _filter_tags(rule):
    filter_ = rule.get("Filter") or {}
    if "Tag" in filter_:
        return [filter_["Tag"]]
    return list((filter_.get("And") or {}).get("Tags", []))


def _filter_prefix(rule):
    if "Filter" not in rule:
        return rule.get("Prefix", "")
    filter_ = rule["Filter"]
    return filter_.get("Prefix", (filter_.get("And") or {}).get("Prefix", ""))


def bucket_name_of(arn):
    return arn.split(":::", 1)[-1] if arn.startswith("arn:") else arn


def rule_matches(rule, key_name, tags, encryption=None, delete_marker=False):
    """Does ``rule`` replicate this object (or delete marker)?"""
    if rule.get("Status") != "Enabled":
        return False
    if not key_name.startswith(_filter_prefix(rule)):
        return False
    wanted = _filter_tags(rule)
    if delete_marker:
        if wanted:
            return False
        return "Filter" not in rule or rule.get("DeleteMarkerReplication", {}).get("Status") == "Enabled"
    if any((tags or {}).get(tag["Key"]) != tag["Value"] for tag in wanted):
        return False
    if encryption == "aws:kms":
        selection = rule.get("SourceSelectionCriteria", {}).get("SseKmsEncryptedObjects", {})
        return selection.get("Status") == "Enabled"
    return True


def select_rules(rules, key_name, tags, encryption=None, delete_marker=False):
    """{destination bucket: rule}: per destination, the matching rule with the highest priority."""
    chosen = {}
    for rule in rules:
        if not rule_matches(rule, key_name, tags, encryption, delete_marker):
            continue
        destination = bucket_name_of(rule["Destination"]["Bucket"])
        if destination not in chosen or rule.get("Priority", 0) > chosen[destination].get("Priority", 0):
            chosen[destination] = rule
    return chosen


def _active_rules(bucket):
    if not getattr(bucket, "replication", None) or not bucket.is_versioned:
        return []
    return (getattr(bucket, "pilotlight_replication", None) or {}).get("Rules", [])


# -- moto patches ------------------------------------------------------------------------------------
def _put_bucket_replication(self, bucket_name, replication):
    invalid, _malformed = _errors()
    from moto.s3.exceptions import MissingBucket

    config = normalize_configuration(replication)
    for rule in config["Rules"]:
        name = bucket_name_of(rule["Destination"]["Bucket"])
        try:
            destination = self.get_bucket(name)
        except MissingBucket:
            raise invalid("Destination bucket must exist.") from None
        if not destination.is_versioned:
            raise invalid("Destination bucket must have versioning enabled.")
    for raw_rule, rule in zip(_as_list(replication["Rule"]), config["Rules"], strict=False):
        if "ID" not in rule:
            rule["ID"] = raw_rule.get("ID") or "".join(
                random.choice(string.ascii_letters + string.digits) for _char in range(30)
            )
            raw_rule["ID"] = rule["ID"]
    _ORIGINAL["put_bucket_replication"](self, bucket_name, replication)
    self.get_bucket(bucket_name).pilotlight_replication = config


def _get_bucket_replication_response(self):
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError

    bucket = self.backend.get_bucket(self.bucket_name)
    config = getattr(bucket, "pilotlight_replication", None)
    if not getattr(bucket, "replication", None):
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    if config is None:
        return _ORIGINAL["get_bucket_replication"](self)
    self.data["Action"] = "GetBucketReplication"
    return self.serialized(ActionResult({"ReplicationConfiguration": config}))


def _put_object(self, bucket_name, key_name, value, *args, **kwargs):
    key = _ORIGINAL["put_object"](self, bucket_name, key_name, value, *args, **kwargs)
    collector = getattr(_local, "written", None)
    if collector is not None:
        collector.append((self, bucket_name, key))
    else:
        _on_written(self, bucket_name, key)
    return key


def _key_response(self, request, full_url):
    """Evaluate rules once the whole request ran, so tags and metadata set after PutObject count."""
    outer = getattr(_local, "written", None)
    _local.written = []
    try:
        return _ORIGINAL["_key_response"](self, request, full_url)
    finally:
        written, _local.written = _local.written, outer
        for s3_backend, bucket_name, key in written:
            _on_written(s3_backend, bucket_name, key)


def _set_delete_marker(self, bucket_name, key_name):
    marker = _ORIGINAL["_set_delete_marker"](self, bucket_name, key_name)
    bucket = self.get_bucket(bucket_name)
    targets = select_rules(_active_rules(bucket), key_name, None, delete_marker=True)
    for destination in targets:
        replicate_later(
            [bucket.region_name, _region_of(self, destination)],
            lambda destination=destination: _replicate_marker(self, destination, key_name, marker.version_id),
            name=f"s3 delete marker {bucket_name}/{key_name} -> {destination}",
        )
    return marker


def _response_dict(self):
    headers = _ORIGINAL["response_dict"].fget(self)
    status = getattr(self, "replication_status", None)
    if status:
        headers["x-amz-replication-status"] = status
    return headers


# -- replication -------------------------------------------------------------------------------------
def _region_of(s3_backend, bucket_name):
    try:
        return s3_backend.get_bucket(bucket_name).region_name
    except Exception:  # moto raises its own MissingBucket; the copy will fail later, as on AWS
        return None


def _on_written(s3_backend, bucket_name, key):
    try:
        bucket = s3_backend.get_bucket(bucket_name)
    except Exception:
        return
    rules = _active_rules(bucket)
    if not rules or getattr(key, "replication_status", None) == "REPLICA":
        return
    tags = s3_backend.tagger.get_tag_dict_for_resource(key.arn)
    targets = select_rules(rules, key.name, tags, key.encryption)
    if not targets:
        return
    key.replication_status = "PENDING"
    key.pilotlight_pending = set(targets)
    key.pilotlight_failed = False
    written_at = time.time()
    for destination, rule in targets.items():
        _metric_change(s3_backend, bucket, destination, rule, +1, key.size)
        replicate_later(
            [bucket.region_name, _region_of(s3_backend, destination)],
            lambda destination=destination, rule=rule: _replicate_object(
                s3_backend, bucket, key, destination, rule, written_at
            ),
            name=f"s3 replicate {bucket_name}/{key.name} -> {destination}",
        )


def _replicate_object(s3_backend, bucket, key, destination_name, rule, written_at):
    ok = False
    try:
        ok = _write_replica(s3_backend, key, destination_name, rule)
    finally:
        key.pilotlight_pending.discard(destination_name)
        key.pilotlight_failed = key.pilotlight_failed or not ok
        if not key.pilotlight_pending:
            key.replication_status = "FAILED" if key.pilotlight_failed else "COMPLETED"
        _metric_change(
            s3_backend,
            bucket,
            destination_name,
            rule,
            -1,
            key.size,
            latency=time.time() - written_at if ok else None,
            failed=not ok,
        )


def _write_replica(s3_backend, key, destination_name, rule):
    try:
        destination = s3_backend.get_bucket(destination_name)
    except Exception:
        return False
    if not destination.is_versioned or key.disposed:
        return False
    source = s3_backend.get_bucket(key.bucket_name)
    if not any(item is key for item in source.keys.getlist(key.name, [])):
        return False  # that version was deleted before it could be copied
    for existing in destination.keys.getlist(key.name, []):
        if str(existing.version_id) == str(key.version_id):
            return True
    target = rule["Destination"]
    encryption, kms_key_id = key.encryption, key.kms_key_id
    if key.encryption == "aws:kms":
        kms_key_id = target.get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID", kms_key_id)
    replica = _ORIGINAL["put_object"](
        s3_backend,
        destination_name,
        key.name,
        key.value,
        storage=target.get("StorageClass") or key.storage_class,
        etag=key.etag.strip('"'),
        encryption=encryption,
        kms_key_id=kms_key_id,
        bucket_key_enabled=key.bucket_key_enabled,
        checksum_value=key.checksum_value,
        disable_notification=True,
    )
    replica._version_id = key.version_id
    replica.last_modified = key.last_modified
    replica.set_metadata(dict(key.metadata))
    replica.set_acl(key.acl)
    replica.checksum_algorithm = key.checksum_algorithm
    replica.website_redirect_location = key.website_redirect_location
    replica.replication_status = "REPLICA"
    s3_backend.tagger.copy_tags(key.arn, replica.arn)
    return True


def _replicate_marker(s3_backend, destination_name, key_name, version_id):
    try:
        destination = s3_backend.get_bucket(destination_name)
    except Exception:
        return
    if not destination.is_versioned or key_name not in destination.keys:
        return
    if any(str(item.version_id) == str(version_id) for item in destination.keys.getlist(key_name, [])):
        return
    marker = _ORIGINAL["_set_delete_marker"](s3_backend, destination_name, key_name)
    marker._version_id = version_id


# -- metrics -----------------------------------------------------------------------------------------
def _metric_change(s3_backend, bucket, destination, rule, operations, size, latency=None, failed=False):
    if rule["Destination"].get("Metrics", {}).get("Status") != "Enabled":
        return
    key = (bucket.name, destination, rule["ID"])
    with _metrics_lock:
        counts = _pending.setdefault(key, [0, 0])
        counts[0] += operations
        counts[1] += operations * size
        ops, pending_bytes = counts
    dimensions = [
        {"Name": "SourceBucket", "Value": bucket.name},
        {"Name": "DestinationBucket", "Value": destination},
        {"Name": "RuleId", "Value": rule["ID"]},
    ]
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)  # moto compares naive UTC
    data = [
        {"MetricName": "OperationsPendingReplication", "Value": float(ops), "Unit": "Count"},
        {"MetricName": "BytesPendingReplication", "Value": float(pending_bytes), "Unit": "Bytes"},
    ]
    if latency is not None:
        data.append({"MetricName": "ReplicationLatency", "Value": float(latency), "Unit": "Seconds"})
    if failed:
        data.append({"MetricName": "OperationsFailedReplication", "Value": 1.0, "Unit": "Count"})
    for datum in data:
        datum.update(Dimensions=dimensions, Timestamp=now)
    try:
        cloudwatch = backend("cloudwatch", bucket.region_name, account_id=s3_backend.account_id)
        _drop_same_minute(cloudwatch, ("OperationsPendingReplication", "BytesPendingReplication"), dimensions, now)
        cloudwatch.put_metric_data("AWS/S3", data)
    except Exception:  # metrics are best effort, replication itself must not fail on them
        pass


def _drop_same_minute(cloudwatch, names, dimensions, now):
    """S3 publishes one pending-count datapoint a minute: the newest value replaces older ones of that minute."""
    minute = now.replace(second=0, microsecond=0)
    wanted = {(d["Name"], d["Value"]) for d in dimensions}
    cloudwatch.metric_data[:] = [
        datum
        for datum in cloudwatch.metric_data
        if not (
            datum.namespace == "AWS/S3"
            and datum.name in names
            and datum.timestamp.replace(second=0, microsecond=0) == minute
            and {(d.name, d.value) for d in datum.dimensions} == wanted
        )
    ]


@on_reset
def _forget():
    with _metrics_lock:
        _pending.clear()


# With IAM enforcement on, moto authorizes S3 requests with the names of its ACTION_MAP, which has no
# entry for replication, encryption, metrics or ownership controls (a PutBucketReplication is then
# authorized as s3:CreateBucket, a GetBucketReplication as s3:ListBucket) and says s3:HeadBucket,
# which IAM does not have. These are the names AWS authorizes them as.
IAM_ACTIONS = {
    "BUCKET": {
        "HEAD": {"DEFAULT": "ListBucket"},
        "GET": {
            "replication": "GetReplicationConfiguration",
            "encryption": "GetEncryptionConfiguration",
            "metrics": "GetMetricsConfiguration",
            "ownershipControls": "GetBucketOwnershipControls",
            "object-lock": "GetBucketObjectLockConfiguration",
            "publicAccessBlock": "GetBucketPublicAccessBlock",
            "requestPayment": "GetBucketRequestPayment",
            "inventory": "GetInventoryConfiguration",
        },
        "PUT": {
            "replication": "PutReplicationConfiguration",
            "encryption": "PutEncryptionConfiguration",
            "metrics": "PutMetricsConfiguration",
            "ownershipControls": "PutBucketOwnershipControls",
            "object-lock": "PutBucketObjectLockConfiguration",
            "publicAccessBlock": "PutBucketPublicAccessBlock",
        },
        "DELETE": {
            "replication": "PutReplicationConfiguration",
            "encryption": "PutEncryptionConfiguration",
            "metrics": "PutMetricsConfiguration",
            "ownershipControls": "PutBucketOwnershipControls",
            "publicAccessBlock": "PutBucketPublicAccessBlock",
        },
    },
}


def _use_iam_action_names():
    from moto.s3 import responses as s3_responses

    require(s3_responses, "ACTION_MAP")
    for resource, methods in IAM_ACTIONS.items():
        for method, names in methods.items():
            s3_responses.ACTION_MAP[resource][method].update(names)


def install():
    _use_iam_action_names()
    from moto.s3.models import FakeKey
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    require(S3Backend, "get_bucket", "put_bucket_replication")
    require(FakeKey, "version_id", "etag", "set_metadata", "set_acl", "metadata")
    _ORIGINAL["put_bucket_replication"] = patch(S3Backend, "put_bucket_replication", _put_bucket_replication)
    _ORIGINAL["get_bucket_replication"] = patch(S3Response, "get_bucket_replication", _get_bucket_replication_response)
    _ORIGINAL["put_object"] = patch(S3Backend, "put_object", _put_object)
    _ORIGINAL["_key_response"] = patch(S3Response, "_key_response", _key_response)
    _ORIGINAL["_set_delete_marker"] = patch(S3Backend, "_set_delete_marker", _set_delete_marker)
    _ORIGINAL["response_dict"] = patch(FakeKey, "response_dict", property(_response_dict))
