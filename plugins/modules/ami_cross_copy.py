#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ami_cross_copy
version_added: 0.1.0
short_description: Copy golden AMIs to the DR region, idempotently, and retire old copies
description:
  - Copies AMIs from O(source_region) to the module's region (the DR region), chosen by id and/or by
    EC2 filters, for example "the newest golden AMI of each role" with O(select=newest) and
    O(group_by_tag=Role).
  - Each copy is tagged with the id and region of its source image and with its group, so a re-run
    copies nothing twice and O(wait=false) followed by O(wait=true) does not copy again. The source
    image's tags are copied; the copy can be encrypted with a KMS key of the DR region.
  - A copy is only reused by a task of the same group (O(copy_group), or the O(group_by_tag) value), so
    one source image can have, for example, an unencrypted copy in group C(Role=web) and an encrypted
    one in group C(encrypted-web); give such copies different names with O(name_suffix).
  - All copies are requested before any is waited on; the waits share one O(wait_timeout).
  - With O(keep_copies), older copies of the same group are deregistered and their snapshots deleted,
    once the new copies are available.
  - Returns a map from source image id to copy id (and the newest copy of each group) that a launch
    template update can use directly.
  - This fills the gaps of M(community.aws.ec2_ami_copy), which copies one image by id, has no check
    mode, does not find existing copies unless asked, does not wait by default and has no retention.
author:
  - pilotlight.dr contributors
options:
  source_region:
    description:
      - The region that holds the images to copy (the primary region).
      - Must differ from O(region), the region the copies are made in.
    type: str
    required: true
    version_added: 0.1.0
  image_ids:
    description:
      - Ids of images in O(source_region) to copy.
      - Every id must exist there, or the module fails before copying anything.
    type: list
    elements: str
    version_added: 0.1.0
  filters:
    description:
      - EC2 C(DescribeImages) filters that choose images in O(source_region), for example a C(name)
        pattern such as C(megaticket-*-golden-*) and a C(tag:Golden) value.
      - See U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html).
      - The module fails when the filters match no image.
    type: dict
    version_added: 0.1.0
  owners:
    description:
      - Owners of the images that O(image_ids) and O(filters) may match.
    type: list
    elements: str
    default: [self]
    version_added: 0.1.0
  select:
    description:
      - V(all) copies every matched image.
      - V(newest) copies only the newest matched image of each group (see O(group_by_tag)).
    type: str
    choices: [all, newest]
    default: all
    version_added: 0.1.0
  group_by_tag:
    description:
      - Tag key whose value groups the images, for example V(Role) for "web" and "app".
      - With O(select=newest) the newest image of each group is copied; O(keep_copies) keeps the
        newest copies of each group.
      - Without it, all images form one group named O(copy_group).
    type: str
    version_added: 0.1.0
  copy_group:
    description:
      - Name of the group when O(group_by_tag) is not set. Recorded on each copy; a task only reuses
        the copies of its own group and retention only retires copies of the same group, so separate
        tasks can use separate groups (for example one for unencrypted and one for encrypted copies).
    type: str
    default: default
    version_added: 0.1.0
  name_suffix:
    description:
      - Appended to the source image's name to name the copy (AMI names are unique in a region).
      - Needed when the same source image is copied in several groups (see O(copy_group)); each group's
        copies need their own suffix. The module fails before any change when a new copy's name is taken.
    type: str
    default: ""
    version_added: 0.1.0
  copy_tags:
    description:
      - Copy the source image's user tags to the copy (C(aws:) tags are never copied).
    type: bool
    default: true
    version_added: 0.1.0
  tags:
    description:
      - Extra tags for the copies and their snapshots. Added to existing copies on re-runs (never purged).
    type: dict
    default: {}
    version_added: 0.1.0
  encrypted:
    description:
      - Encrypt the snapshots of new copies. Copies of encrypted images are always encrypted.
      - An existing copy of the group that is not encrypted (or, with O(kms_key_id), is encrypted with
        another key) is not reused; the module fails before any change, naming the copy. Deregister it, or
        use another O(copy_group) and O(name_suffix).
    type: bool
    default: false
    version_added: 0.1.0
  kms_key_id:
    description:
      - KMS key of the destination region (id, ARN, alias or alias ARN) for O(encrypted=true).
      - Without it, the AWS managed key C(alias/aws/ebs) is used. The key must exist and be enabled.
    type: str
    version_added: 0.1.0
  keep_copies:
    description:
      - Keep only the newest N copies of each group (made by this module from O(source_region)); older
        ones are deregistered and their snapshots deleted (retried with back-off while AWS still reports
        a snapshot in use by the image just deregistered).
      - Only copies of source images that this task's O(image_ids) and O(filters) match are retired, so
        applications that share a group name (for example C(Role=web)) in one account never retire each
        other's copies. A copy whose source image no longer matches (deregistered in O(source_region), or
        retagged) is left alone.
      - The copies of the images selected by this run are always kept. Retention runs only once
        every copy is available, so it is skipped (with a warning) when O(wait=false) leaves copies pending.
      - Omit it to keep every copy.
    type: int
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description:
      - Returns the copies that would be made (without ids) and the copies that would be retired; makes no change.
  diff_mode:
    support: full
    description: Shows the source-to-copy map and the retired copies before and after.
notes:
  - Copies take minutes on AWS; O(wait_timeout) is shared by all copies of the task.
  - Retention never looks at images without the C(pilotlight:source-image-id) tag, so images made by
    other tools are never deregistered. Make sure no launch template still uses a retired copy.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Copy the newest golden AMI of each role from Seoul to Tokyo, keeping two copies per role
  pilotlight.dr.ami_cross_copy:
    source_region: ap-northeast-2
    region: ap-northeast-1
    filters:
      name: "megaticket-*-golden-*"
      "tag:Golden": "true"
    select: newest
    group_by_tag: Role
    tags:
      DR: "true"
    keep_copies: 2
  register: golden_copies

- name: Show which DR AMI each role uses
  ansible.builtin.debug:
    msg: "web={{ golden_copies.newest_by_group['Role=web'] }} app={{ golden_copies.newest_by_group['Role=app'] }}"

- name: Start an encrypted copy of one image and come back later to wait for it
  pilotlight.dr.ami_cross_copy:
    source_region: ap-northeast-2
    region: ap-northeast-1
    filters:
      name: megaticket-web-golden-2
    copy_group: encrypted-web
    name_suffix: "-encrypted"
    encrypted: true
    kms_key_id: alias/megaticket-dr
    wait: false

- name: Wait for it (copies nothing twice)
  pilotlight.dr.ami_cross_copy:
    source_region: ap-northeast-2
    region: ap-northeast-1
    filters:
      name: megaticket-web-golden-2
    copy_group: encrypted-web
    name_suffix: "-encrypted"
    encrypted: true
    kms_key_id: alias/megaticket-dr
    wait_timeout: 1800
  register: encrypted_copy

- name: Point a launch template at the copy through the returned map
  ansible.builtin.debug:
    msg: "{{ encrypted_copy.image_map[encrypted_copy.images[0].source_image_id] }}"
"""

RETURN = r"""
images:
  description: The selected source images and their copies in the module's region.
  returned: always
  type: list
  elements: dict
  contains:
    source_image_id:
      description: Id of the source image.
      type: str
      sample: ami-0a1b2c3d4e5f67890
    source_region:
      description: Region of the source image.
      type: str
      sample: ap-northeast-2
    source_name:
      description: Name of the source image.
      type: str
      sample: megaticket-web-golden-3
    group:
      description: Selection and retention group of the image.
      type: str
      sample: Role=web
    image_id:
      description: Id of the copy; null in check mode for a copy not made yet.
      type: str
      sample: ami-0f9e8d7c6b5a43210
    name:
      description: Name of the copy.
      type: str
      sample: megaticket-web-golden-3
    state:
      description: State of the copy (C(pending), C(available)); C(pending) in check mode for a new copy.
      type: str
      sample: available
    copied:
      description: Whether this run requested the copy (false when it existed already).
      type: bool
      sample: true
    encrypted:
      description: Whether the copy's snapshots are encrypted.
      type: bool
      sample: true
    kms_key_id:
      description: KMS key of the copy's snapshots, when encrypted.
      type: str
      sample: arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    tags:
      description: Tags of the copy.
      type: dict
      sample: {"Role": "web", "pilotlight:source-image-id": "ami-0a1b2c3d4e5f67890"}
image_map:
  description: Source image id to copy id (copies not made yet in check mode are absent).
  returned: always
  type: dict
  sample: {"ami-0a1b2c3d4e5f67890": "ami-0f9e8d7c6b5a43210"}
newest_by_group:
  description: Id of the newest selected copy of each group, for launch templates.
  returned: always
  type: dict
  sample: {"Role=web": "ami-0f9e8d7c6b5a43210", "Role=app": "ami-0123456789abcdef0"}
retired:
  description: Older copies deregistered by O(keep_copies) (to be deregistered, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    image_id:
      description: Id of the retired copy.
      type: str
      sample: ami-0aaaabbbbccccdddd
    name:
      description: Name of the retired copy.
      type: str
      sample: megaticket-web-golden-1
    group:
      description: Its group.
      type: str
      sample: Role=web
    snapshot_ids:
      description: Its snapshots, deleted with it.
      type: list
      elements: str
      sample: ["snap-0123456789abcdef0"]
timings:
  description: Seconds spent requesting copies, waiting for them and retiring old ones.
  returned: always
  type: dict
  sample: {"request": 0.4, "wait": 312.5, "retention": 1.2}
"""

import time
import uuid

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    AWS_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing SDK

from ansible_collections.pilotlight.dr.plugins.module_utils import ami
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import jittered_backoff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until


# DeleteSnapshot right after DeregisterImage: InvalidSnapshot.InUse until the deregistration propagates.
SNAPSHOT_RETRY = jittered_backoff(["InvalidSnapshot.InUse"])


# -- validation and planning (reads only) ---------------------------------------------------------------
def validate_params(params):
    if not params["image_ids"] and not params["filters"]:
        raise DRError("nothing to copy: give image_ids and/or filters that name images in source_region")
    if params["keep_copies"] is not None and params["keep_copies"] < 1:
        raise DRError(f"keep_copies must be 1 or more, got {params['keep_copies']}: omit it to keep every copy")
    if params["kms_key_id"] and not params["encrypted"]:
        raise DRError("kms_key_id is set but encrypted is false: set encrypted: true to encrypt the copies with it")


def source_images(client, params, source_region):
    """The images named by image_ids and/or filters, all available; DRError naming what is missing."""
    owners = params["owners"]
    images = []
    try:
        if params["image_ids"]:
            found = ami.images_by_ids(client, params["image_ids"], owners)
            missing = sorted(set(params["image_ids"]) - {image["ImageId"] for image in found})
            if missing:
                raise DRError(
                    f"source image(s) {', '.join(missing)} not found in {source_region} (owners {', '.join(owners)}); "
                    "check the ids and source_region"
                )
            images += found
        if params["filters"]:
            found = ami.images_by_filters(client, params["filters"], owners)
            if not found:
                raise DRError(
                    f"no image in {source_region} (owners {', '.join(owners)}) matches filters {params['filters']}; "
                    "check the name pattern and tags"
                )
            images += found
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read the source images in {source_region}", exception=exc)
    not_ready = sorted(f"{i['ImageId']} ({i.get('State')})" for i in images if i.get("State") != "available")
    if not_ready:
        raise DRError(f"source image(s) not available in {source_region}: {', '.join(not_ready)}; wait and re-run")
    return images


def check_kms_key(module, key_id, region):
    if not key_id:
        return None
    kms = module.client("kms", region=region)
    try:
        metadata = kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "NotFoundException"):
            raise DRError(f"KMS key {key_id} not found in {region}: create it there or give an existing key") from None
        raise DRError(f"cannot read KMS key {key_id} in {region}", exception=exc)
    if metadata.get("KeyState") != "Enabled":
        raise DRError(f"KMS key {key_id} in {region} is {metadata.get('KeyState')}, not Enabled: enable it first")
    return metadata["Arn"]


def existing_key_of(dest, copy, region):
    """{snapshot id: KMS key} of a copy whose EBS mappings do not name their key (one read)."""
    try:
        return ami.snapshot_kms_keys(dest, ami.snapshot_ids(copy))
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read the snapshots of copy {copy['ImageId']} in {region}", exception=exc)


def check_encryption(dest, entry, params, kms_arn, region):
    """DRError when the group's existing copy does not have the encryption the task asks for."""
    copy, source = entry["copy"], entry["source"]
    encrypted, key = ami.encryption_of(copy)
    snapshot_keys = None
    if params["encrypted"] and kms_arn and encrypted and not key:
        snapshot_keys = existing_key_of(dest, copy, region)
    problem = ami.encryption_mismatch(copy, params["encrypted"], kms_arn, snapshot_keys)
    if problem is None:
        return
    wanted = f"encrypted with {kms_arn}" if kms_arn else "encrypted"
    raise DRError(
        f"copy {copy['ImageId']} ({copy.get('Name')}) of {source['ImageId']} in {region} for copy group "
        f"{entry['group']} {problem}, but the task asks for copies {wanted}; a copy's encryption cannot be "
        f"changed: deregister {copy['ImageId']} (and its snapshots) and re-run to copy again, or make the "
        "encrypted copy in another copy group (copy_group, with a name_suffix so the copies' names differ)"
    )


def plan(dest, params, sources, chosen, source_region, region, kms_arn=None):
    """Per chosen image: the existing copy of its group or None; plus the name clashes and the retention plan."""
    try:
        copies = ami.find_copies(dest, source_region)
    except AWS_ERRORS as exc:
        raise DRError(f"cannot list the existing copies in {region}", exception=exc)
    by_source = ami.index_copies(copies, source_region)
    entries = []
    for group, source in chosen:
        existing = by_source.get((source["ImageId"], group))
        if existing is not None and existing.get("State") in ami.FAILED_STATES:
            reason = (existing.get("StateReason") or {}).get("Message", "no reason given")
            raise DRError(
                f"copy {existing['ImageId']} of {source['ImageId']} in {region} is {existing['State']} ({reason}); "
                "deregister it and re-run to copy again"
            )
        entries.append({"group": group, "source": source, "copy": existing})
    for entry in entries:
        if entry["copy"] is not None:
            check_encryption(dest, entry, params, kms_arn, region)

    names = {ami.copy_name(e["source"], params["name_suffix"]): e for e in entries if e["copy"] is None}
    try:
        clashes = ami.images_named(dest, list(names))
    except AWS_ERRORS as exc:
        raise DRError(f"cannot list images in {region}", exception=exc)
    for image in clashes:
        if image.get("State") == "deregistered" or image.get("Name") not in names:
            continue
        raise DRError(name_clash_message(image, names[image["Name"]], source_region, region))

    protected = [e["copy"]["ImageId"] for e in entries if e["copy"] is not None]
    new_copies = {}
    for entry in entries:
        if entry["copy"] is None:
            new_copies[entry["group"]] = new_copies.get(entry["group"], 0) + 1
    retire = ami.plan_retention(copies, params["keep_copies"], [e["group"] for e in entries], source_region,
                                [image["ImageId"] for image in sources], protected, new_copies)
    return entries, retire


def name_clash_message(image, entry, source_region, region):
    """Why a new copy cannot take its name: another copy group's copy, or an image that is no copy of it."""
    tags = ami.tags_of(image)
    source_id = entry["source"]["ImageId"]
    name = f"an image named {image['Name']} ({image['ImageId']}) already exists in {region}"
    if tags.get(ami.SOURCE_IMAGE_TAG) == source_id and tags.get(ami.SOURCE_REGION_TAG) == source_region:
        return (
            f"{name}: it is the copy of {source_id} for copy group {tags.get(ami.COPY_GROUP_TAG) or '(none)'}, and "
            f"AMI names are unique in a region, so the copy for copy group {entry['group']} needs another name: "
            "set a name_suffix (for example -encrypted) that the other group's task does not use"
        )
    return f"{name} and is not a copy of {source_id}: rename or deregister it, or set name_suffix"


# -- changes ------------------------------------------------------------------------------------------------
def request_copy(dest, entry, params, source_region, kms_arn):
    source = entry["source"]
    kwargs = dict(
        SourceImageId=source["ImageId"],
        SourceRegion=source_region,
        Name=ami.copy_name(source, params["name_suffix"]),
        Description=ami.copy_description(source, source_region),
        CopyImageTags=params["copy_tags"],
        TagSpecifications=ami.tag_specifications(source["ImageId"], source_region, entry["group"], params["tags"]),
        ClientToken=f"pilotlight-{uuid.uuid4().hex}",
    )
    if params["encrypted"]:
        kwargs["Encrypted"] = True
        if kms_arn:
            kwargs["KmsKeyId"] = kms_arn
    try:
        return dest.copy_image(aws_retry=True, **kwargs)["ImageId"]
    except AWS_ERRORS as exc:
        raise DRError(f"copying {source['ImageId']} ({source.get('Name')}) from {source_region} failed", exception=exc)


def update_tags(dest, entry, params):
    wanted = ami.missing_tags(ami.tags_of(entry["copy"]), params["tags"])
    if not wanted:
        return False
    try:
        dest.create_tags(
            Resources=[entry["copy"]["ImageId"]] + ami.snapshot_ids(entry["copy"]),
            Tags=[{"Key": k, "Value": v} for k, v in sorted(wanted.items())],
            aws_retry=True,
        )
    except AWS_ERRORS as exc:
        raise DRError(f"tagging copy {entry['copy']['ImageId']} failed", exception=exc)
    return True


def wait_for_copies(dest, image_ids, deadline, region):
    """Poll every pending copy in one DescribeImages call until all are available."""
    pending = set(image_ids)
    states = {}

    def check():
        images = ami.images_by_ids(dest, sorted(pending), owners=["self"])
        for image in images:
            states[image["ImageId"]] = image
            if image.get("State") == "available":
                pending.discard(image["ImageId"])
            elif image.get("State") in ami.FAILED_STATES:
                reason = (image.get("StateReason") or {}).get("Message", "no reason given")
                raise DRError(f"copy {image['ImageId']} in {region} ended {image['State']}: {reason}")
        return not pending

    try:
        wait_until(check, deadline, f"AMI copies to be available in {region}", delay=1.0)
    except DRError as exc:
        if pending and "timed out" in exc.message:
            raise DRError(f"{exc.message} (still pending: {', '.join(sorted(pending))})") from None
        raise
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read the copies in {region}", exception=exc)
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
            raise DRError(f"deregistering old copy {image['ImageId']} failed", exception=exc)
    for snapshot_id in ami.snapshot_ids(image):
        try:
            snapshots.delete_snapshot(SnapshotId=snapshot_id, aws_retry=True)
        except AWS_ERRORS as exc:
            if not is_error_code(exc, "InvalidSnapshot.NotFound"):
                raise DRError(
                    f"deleting snapshot {snapshot_id} of old copy {image['ImageId']} failed; the image is "
                    f"deregistered, so a re-run will not find it: delete the snapshot by hand "
                    f"(aws ec2 delete-snapshot --snapshot-id {snapshot_id})", exception=exc
                )
    return image["ImageId"]


def raise_failures(outcomes, what):
    failures = [o for o in outcomes if not o.ok]
    if not failures:
        return
    first = failures[0].error
    message = "; ".join(getattr(o.error, "message", str(o.error)) for o in failures)
    done = [o.value for o in outcomes if o.ok]
    raise DRError(f"{what}: {message}", exception=getattr(first, "exception", None), done=done)


# -- results ----------------------------------------------------------------------------------------------
def describe_entry(entry, source_region, params, image=None, copied=False):
    source = entry["source"]
    image = image or entry.get("copy")
    if image is None:  # check mode: predicted copy
        tags = dict(ami.tags_of(source)) if params["copy_tags"] else {}
        tags = {k: v for k, v in tags.items() if not k.startswith("aws:")}
        tags.update({k: str(v) for k, v in params["tags"].items()})
        tags.update({ami.SOURCE_IMAGE_TAG: source["ImageId"], ami.SOURCE_REGION_TAG: source_region,
                     ami.COPY_GROUP_TAG: entry["group"]})
        source_encrypted, _ = ami.encryption_of(source)
        return {
            "source_image_id": source["ImageId"], "source_region": source_region, "source_name": source.get("Name"),
            "group": entry["group"], "image_id": None, "name": ami.copy_name(source, params["name_suffix"]),
            "state": "pending", "copied": True, "encrypted": bool(params["encrypted"] or source_encrypted),
            "kms_key_id": entry.get("kms_arn"), "tags": tags,
        }
    encrypted, key = ami.encryption_of(image)
    return {
        "source_image_id": source["ImageId"], "source_region": source_region, "source_name": source.get("Name"),
        "group": entry["group"], "image_id": image["ImageId"], "name": image.get("Name"),
        "state": image.get("State"), "copied": copied, "encrypted": encrypted, "kms_key_id": key,
        "tags": ami.tags_of(image),
    }


def newest_by_group(images):
    out = {}
    for image in images:  # entries are in group, then age order: the last one of a group is the newest
        if image["image_id"]:
            out[image["group"]] = image["image_id"]
    return out


def describe_retired(image):
    return {
        "image_id": image["ImageId"], "name": image.get("Name"),
        "group": ami.tags_of(image).get(ami.COPY_GROUP_TAG), "snapshot_ids": ami.snapshot_ids(image),
    }


# -- the story ------------------------------------------------------------------------------------------------
def run(module, params):
    source_region, region = params["source_region"], module.region
    validate_params(params)
    source_client = module.client("ec2", region=source_region)
    dest = module.client("ec2")
    sources = source_images(source_client, params, source_region)
    chosen = ami.select_images(sources, params["select"], params["group_by_tag"], params["copy_group"])
    kms_arn = check_kms_key(module, params["kms_key_id"], region) if params["encrypted"] else None
    entries, retire = plan(dest, params, sources, chosen, source_region, region, kms_arn)
    for entry in entries:
        entry["kms_arn"] = kms_arn

    to_copy = [e for e in entries if e["copy"] is None]
    to_tag = [e for e in entries if e["copy"] is not None and ami.missing_tags(ami.tags_of(e["copy"]), params["tags"])]
    before = {
        "copies": {e["source"]["ImageId"]: (e["copy"] or {}).get("ImageId") for e in entries},
        "retired": [],
    }
    timings = {"request": 0.0, "wait": 0.0, "retention": 0.0}
    warnings = []

    if module.check_mode:
        images = [describe_entry(e, source_region, params) for e in entries]
        return finish(module, params, images, [describe_retired(i) for i in retire], before,
                      bool(to_copy or to_tag or retire), timings, warnings)

    started = time.monotonic()
    outcomes = run_concurrently(lambda e: request_copy(dest, e, params, source_region, kms_arn), to_copy,
                                params["max_concurrency"])
    for outcome in outcomes:
        if outcome.ok:
            outcome.item["new_id"] = outcome.value
    raise_failures(outcomes, "some copies could not be requested")
    raise_failures(run_concurrently(lambda e: update_tags(dest, e, params), to_tag, params["max_concurrency"]),
                   "some copies could not be tagged")
    timings["request"] = round(time.monotonic() - started, 3)

    current_ids = [e.get("new_id") or e["copy"]["ImageId"] for e in entries]
    states = {}
    if params["wait"]:
        started = time.monotonic()
        not_ready = [
            i for e, i in zip(entries, current_ids) if e.get("new_id") or e["copy"].get("State") != "available"
        ]
        if not_ready:
            states = wait_for_copies(dest, not_ready, Deadline(params["wait_timeout"]), region)
        timings["wait"] = round(time.monotonic() - started, 3)
    refreshed = {i["ImageId"]: i for i in ami.images_by_ids(dest, current_ids, owners=["self"])}
    refreshed.update({k: v for k, v in states.items() if k not in refreshed})
    images = [
        describe_entry(e, source_region, params, image=refreshed.get(i) or {"ImageId": i, "State": "pending"},
                       copied=bool(e.get("new_id")))
        for e, i in zip(entries, current_ids)
    ]

    retired = []
    if retire:
        if all(image["state"] == "available" for image in images):
            started = time.monotonic()
            snapshots = module.client("ec2", retry_decorator=SNAPSHOT_RETRY)
            raise_failures(run_concurrently(lambda i: retire_copy(dest, i, snapshots), retire,
                                            params["max_concurrency"]),
                           "some old copies could not be retired")
            retired = [describe_retired(i) for i in retire]
            timings["retention"] = round(time.monotonic() - started, 3)
        else:
            pending = ", ".join(i["image_id"] for i in images if i["state"] != "available")
            warnings.append(
                f"retention skipped: copies still pending ({pending}); "
                "re-run with wait: true to retire old copies once the new ones are available"
            )
    return finish(module, params, images, retired, before, bool(to_copy or to_tag or retired), timings, warnings)


def finish(module, params, images, retired, before, changed, timings, warnings):
    result = dict(
        changed=changed,
        images=images,
        image_map={i["source_image_id"]: i["image_id"] for i in images if i["image_id"]},
        newest_by_group=newest_by_group(images),
        retired=retired,
        timings=timings,
    )
    if module._diff:
        after = {
            "copies": {i["source_image_id"]: i["image_id"] or "(new copy)" for i in images},
            "retired": [r["image_id"] for r in retired],
        }
        result["diff"] = make_diff(before, after)
    for warning in warnings:
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        source_region=dict(type="str", required=True),
        image_ids=dict(type="list", elements="str"),
        filters=dict(type="dict"),
        owners=dict(type="list", elements="str", default=["self"]),
        select=dict(type="str", choices=["all", "newest"], default="all"),
        group_by_tag=dict(type="str"),
        copy_group=dict(type="str", default="default"),
        name_suffix=dict(type="str", default=""),
        copy_tags=dict(type="bool", default=True),
        tags=dict(type="dict", default={}),
        encrypted=dict(type="bool", default=False),
        kms_key_id=dict(type="str"),
        keep_copies=dict(type="int"),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("image_ids", "filters")],
    )
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
