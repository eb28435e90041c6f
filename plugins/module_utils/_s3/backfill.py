# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backfill: S3 replicates only objects written after the rule exists, so older ones are copied.

The plan compares the two listings (pure: ``backfill_candidates``) and reads tags only when the rule
filters by tags; the copy goes through the destination region's endpoint (CopyObject, or a
multipart copy over 5 GiB) with the rule's storage class and replica KMS key, many at a time.
"""

import math
from urllib.parse import urlencode

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import list_objects
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import object_tags
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import filter_prefix
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import filter_tags

KEYS_REPORTED = 100

MAX_COPY_OBJECT_SIZE = 5 * 1024**3  # CopyObject limit; larger objects are copied in parts
COPY_PART_SIZE = 512 * 1024**2
MAX_COPY_PARTS = 10000  # UploadPartCopy PartNumber is 1 to 10,000
MAX_COPY_PART_SIZE = 5 * 1024**3  # UploadPartCopy part limit
ARCHIVED_STORAGE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")  # CopyObject needs a restore first


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
    return (
        destination.get("LastModified") is not None
        and source.get("LastModified") is not None
        and (destination["LastModified"] >= source["LastModified"])
    )


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


def copy_arguments(storage_class, replica_kms_key_arn):
    """CopyObject/CreateMultipartUpload arguments that make a backfill copy look like a replica."""
    args = {}
    if storage_class:
        args["StorageClass"] = storage_class
    if replica_kms_key_arn:
        args["ServerSideEncryption"] = "aws:kms"
        args["SSEKMSKeyId"] = replica_kms_key_arn
    return args


# -- calls ---------------------------------------------------------------------------------------------------
def plan_backfill(source, dest, bucket, destination_bucket, rule, max_workers):
    """What the backfill must copy: counts and the ``candidates`` (ListObjectsV2 entries, key order)."""
    prefix, wanted_tags = filter_prefix(rule), filter_tags(rule)
    source_objects = list_objects(source, bucket, prefix)
    destination_objects = list_objects(dest, destination_bucket, prefix)
    missing, outdated = backfill_candidates(source_objects, destination_objects)
    candidates = [item for item in missing + outdated if not is_archived(item)]
    archived = len(missing) + len(outdated) - len(candidates)
    skipped = 0
    if wanted_tags and candidates:
        outcomes = run_concurrently(lambda item: object_tags(source, bucket, item["Key"]), candidates, max_workers)
        raise_failures(outcomes, "reading object tags for the backfill failed")
        kept = [o.item for o in outcomes if tags_match(wanted_tags, o.value)]
        skipped = len(candidates) - len(kept)
        candidates = kept
    return {
        "source_objects": len(source_objects),
        "destination_objects": len(destination_objects),
        "missing": len(missing),
        "outdated": len(outdated),
        "skipped_by_tags": skipped,
        "skipped_archived": archived,
        "candidates": sorted(candidates, key=lambda i: i["Key"]),
    }


def copy_object(source, dest, bucket, destination, item, extra):
    """Copy one object; its size, or None when it is archived (S3 Glacier, not restored) and was skipped."""
    key = item["Key"]
    try:
        if item["Size"] <= MAX_COPY_OBJECT_SIZE:
            dest.copy_object(
                Bucket=destination,
                Key=key,
                CopySource={"Bucket": bucket, "Key": key},
                MetadataDirective="COPY",
                TaggingDirective="COPY",
                aws_retry=True,
                **extra,
            )
        else:
            copy_in_parts(source, dest, bucket, destination, item, extra)
    except AWS_ERRORS as exc:
        if is_error_code(exc, "ObjectNotInActiveTierError"):
            return None
        raise DRError(f"cannot copy s3://{bucket}/{key} to s3://{destination}", exception=exc) from exc
    return item["Size"]


def copy_in_parts(source, dest, bucket, destination, item, extra):
    """CopyObject stops at 5 GiB: copy larger objects part by part, with their metadata and tags."""
    key = item["Key"]
    head = source.head_object(Bucket=bucket, Key=key, aws_retry=True)
    tags = object_tags(source, bucket, key)
    create = dict(extra, Bucket=destination, Key=key, Metadata=head.get("Metadata", {}))
    for name in ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl"):
        if head.get(name):
            create[name] = head[name]
    if tags:
        create["Tagging"] = urlencode(tags)
    upload_id = dest.create_multipart_upload(aws_retry=True, **create)["UploadId"]
    try:
        parts = []
        for number, byte_range in enumerate(copy_parts(item["Size"]), start=1):
            answer = dest.upload_part_copy(
                Bucket=destination,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": bucket, "Key": key},
                CopySourceRange=byte_range,
                aws_retry=True,
            )
            parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
        dest.complete_multipart_upload(
            Bucket=destination, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}, aws_retry=True
        )
    except Exception:
        dest.abort_multipart_upload(Bucket=destination, Key=key, UploadId=upload_id, aws_retry=True)
        raise


def run_backfill(source, dest, params, rule, replica_key, check_mode):
    """Plan the backfill and, unless ``check_mode``, copy; the report s3_replication returns."""
    bucket, destination, workers = params["bucket"], params["destination_bucket"], params["max_concurrency"]
    plan = plan_backfill(source, dest, bucket, destination, rule, workers)
    candidates = plan.pop("candidates")
    report = dict(
        plan,
        copied=len(candidates),
        bytes_copied=sum(i["Size"] for i in candidates),
        keys=[i["Key"] for i in candidates[:KEYS_REPORTED]],
    )
    if check_mode or not candidates:
        return report
    extra = copy_arguments(params["storage_class"], replica_key)
    outcomes = run_concurrently(
        lambda item: copy_object(source, dest, bucket, destination, item, extra), candidates, workers
    )
    raise_failures(
        outcomes, f"the backfill of {destination} copied {sum(1 for o in outcomes if o.ok)} of {len(outcomes)} objects"
    )
    copied = [o.item for o in outcomes if o.value is not None]
    report.update(
        skipped_archived=report["skipped_archived"] + len(outcomes) - len(copied),
        copied=len(copied),
        bytes_copied=sum(i["Size"] for i in copied),
        keys=[i["Key"] for i in copied[:KEYS_REPORTED]],
    )
    return report
