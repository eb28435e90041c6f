# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The EC2 calls of AMI copying: each takes a boto3 EC2 client and raises DRError naming what failed."""

import uuid

from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.pilotlight.dr.plugins.module_utils._ami import copies
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import jittered_backoff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

# DeleteSnapshot right after DeregisterImage: InvalidSnapshot.InUse until the deregistration propagates.
SNAPSHOT_RETRY = jittered_backoff(["InvalidSnapshot.InUse"])


# -- reads ---------------------------------------------------------------------------------------------
@RETRY_DECORATOR
def describe_images(client, **params):
    return client.get_paginator("describe_images").paginate(**params).build_full_result().get("Images", [])


def images_by_ids(client, image_ids, owners=None):
    """Images among ``image_ids`` that exist (a filter, so unknown ids are simply absent)."""
    if not image_ids:
        return []
    params = {"Filters": [{"Name": "image-id", "Values": list(image_ids)}]}
    if owners:
        params["Owners"] = list(owners)
    return describe_images(client, **params)


def images_by_filters(client, filters, owners=None):
    params = {"Filters": ansible_dict_to_boto3_filter_list(filters)}
    if owners:
        params["Owners"] = list(owners)
    return describe_images(client, **params)


def find_copies(client, source_region):
    """Our copies in the client's region of images from ``source_region``."""
    return describe_images(
        client,
        Owners=["self"],
        Filters=[{"Name": f"tag:{copies.SOURCE_REGION_TAG}", "Values": [source_region]}],
    )


@RETRY_DECORATOR
def snapshot_kms_keys(client, snapshot_ids):
    """{snapshot id: KMS key id or None} of our snapshots among ``snapshot_ids``."""
    if not snapshot_ids:
        return {}
    snapshots = (
        client.get_paginator("describe_snapshots")
        .paginate(OwnerIds=["self"], Filters=[{"Name": "snapshot-id", "Values": sorted(set(snapshot_ids))}])
        .build_full_result()
        .get("Snapshots", [])
    )
    return {snapshot["SnapshotId"]: snapshot.get("KmsKeyId") for snapshot in snapshots}


def images_named(client, names):
    if not names:
        return []
    return describe_images(client, Owners=["self"], Filters=[{"Name": "name", "Values": sorted(set(names))}])


# -- changes -------------------------------------------------------------------------------------------
def request_copy(dest, entry, params, source_region, kms_arn):
    """CopyImage of the entry's source image into ``dest``'s region; the new image id."""
    source = entry["source"]
    kwargs = dict(
        SourceImageId=source["ImageId"],
        SourceRegion=source_region,
        Name=copies.copy_name(source, params["name_suffix"]),
        Description=copies.copy_description(source, source_region),
        CopyImageTags=params["copy_tags"],
        TagSpecifications=copies.tag_specifications(source["ImageId"], source_region, entry["group"], params["tags"]),
        ClientToken=f"pilotlight-{uuid.uuid4().hex}",
    )
    if params["encrypted"]:
        kwargs["Encrypted"] = True
        if kms_arn:
            kwargs["KmsKeyId"] = kms_arn
    with aws_errors(f"copy {source['ImageId']} ({source.get('Name')}) from {source_region}"):
        return dest.copy_image(aws_retry=True, **kwargs)["ImageId"]


def update_tags(dest, entry, params):
    """Add the task's missing tags to an existing copy and its snapshots; whether anything changed."""
    wanted = copies.missing_tags(copies.tags_of(entry["copy"]), params["tags"])
    if not wanted:
        return False
    with aws_errors(f"tag copy {entry['copy']['ImageId']}"):
        dest.create_tags(
            Resources=[entry["copy"]["ImageId"]] + copies.snapshot_ids(entry["copy"]),
            Tags=[{"Key": k, "Value": v} for k, v in sorted(wanted.items())],
            aws_retry=True,
        )
    return True


def wait_for_copies(dest, image_ids, deadline, region):
    """Poll every pending copy in one DescribeImages call until all are available; {image id: image}."""
    pending = set(image_ids)
    states = {}

    def check():
        with aws_errors(f"read the copies in {region}"):
            images = images_by_ids(dest, sorted(pending), owners=["self"])
        for image in images:
            states[image["ImageId"]] = image
            if image.get("State") == "available":
                pending.discard(image["ImageId"])
            elif image.get("State") in copies.FAILED_STATES:
                reason = (image.get("StateReason") or {}).get("Message", "no reason given")
                raise DRError(f"copy {image['ImageId']} in {region} ended {image['State']}: {reason}")
        return not pending

    try:
        wait_until(check, deadline, f"AMI copies to be available in {region}", delay=1.0)
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc.message} (still pending: {', '.join(sorted(pending))})") from None
    return states


def retire_copy(dest, image, snapshots=None):
    """Deregister an old copy, then delete its snapshots.

    ``snapshots`` is an EC2 client whose ``aws_retry=True`` calls back off on ``InvalidSnapshot.InUse``
    (``SNAPSHOT_RETRY``): AWS answers that for a while after DeregisterImage, until the deregistration
    has propagated, and giving up then would orphan the snapshots (the next run no longer finds the image).
    """
    snapshots = snapshots or dest
    try:
        dest.deregister_image(ImageId=image["ImageId"], aws_retry=True)
    except AWS_ERRORS as exc:
        if not is_error_code(exc, "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"):
            raise DRError(f"cannot deregister old copy {image['ImageId']}", exception=exc) from exc
    for snapshot_id in copies.snapshot_ids(image):
        try:
            snapshots.delete_snapshot(SnapshotId=snapshot_id, aws_retry=True)
        except AWS_ERRORS as exc:
            if not is_error_code(exc, "InvalidSnapshot.NotFound"):
                raise DRError(
                    f"deleting snapshot {snapshot_id} of old copy {image['ImageId']} failed; the image is "
                    f"deregistered, so a re-run will not find it: delete the snapshot by hand "
                    f"(aws ec2 delete-snapshot --snapshot-id {snapshot_id})",
                    exception=exc,
                ) from exc
    return image["ImageId"]
