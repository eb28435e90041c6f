# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Copying golden AMIs to the DR region: choosing images, recognising copies, choosing what to retire.

The pure functions (``select_images``, ``plan_retention``, ...) know nothing about AWS calls and are
unit-tested on their own; the ``*_images``/``find_*`` helpers take a boto3 EC2 client.

A copy made by ``ami_cross_copy`` carries three tags that make the module idempotent and let it
retire old copies without touching anything else:

* ``pilotlight:source-image-id``: the id of the image it was copied from;
* ``pilotlight:source-region``: the region of that image;
* ``pilotlight:copy-group``: the selection group (``Role=web`` when grouped by tag), whose newest
  copies retention keeps.
"""

from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

SOURCE_IMAGE_TAG = "pilotlight:source-image-id"
SOURCE_REGION_TAG = "pilotlight:source-region"
COPY_GROUP_TAG = "pilotlight:copy-group"
OUR_TAGS = (SOURCE_IMAGE_TAG, SOURCE_REGION_TAG, COPY_GROUP_TAG)

DEFAULT_GROUP = "default"
FAILED_STATES = ("failed", "error", "invalid", "deregistered", "disabled")


# -- pure logic -----------------------------------------------------------------------------------
def tags_of(resource):
    return {tag["Key"]: tag.get("Value", "") for tag in resource.get("Tags") or []}


def age_key(image):
    """Sort key: older first. Same creation second (possible, dates have 1 s resolution) -> by name, then id."""
    return (image.get("CreationDate") or "", image.get("Name") or "", image.get("ImageId") or "")


def group_of(image, group_by_tag=None, copy_group=None):
    """The retention/selection group of a source image: ``<tag>=<value>`` or the fixed ``copy_group``."""
    if group_by_tag:
        return f"{group_by_tag}={tags_of(image).get(group_by_tag, '')}"
    return copy_group or DEFAULT_GROUP


def select_images(images, select="all", group_by_tag=None, copy_group=None):
    """The source images to copy, as ``[(group, image)]`` sorted by group then age (oldest first).

    ``select="newest"`` keeps only the newest image of each group: with ``group_by_tag="Role"``
    that is "the newest golden AMI of each role"; without it, the newest image of all.
    Duplicates (an image matched by id and by filter) count once.
    """
    unique = {image["ImageId"]: image for image in images}
    groups = {}
    for image in unique.values():
        groups.setdefault(group_of(image, group_by_tag, copy_group), []).append(image)
    chosen = []
    for group in sorted(groups):
        members = sorted(groups[group], key=age_key)
        if select == "newest":
            members = members[-1:]
        chosen.extend((group, image) for image in members)
    return chosen


def copy_name(source, suffix=""):
    """The copy keeps the source's name (AMI names are unique per region), plus an optional suffix."""
    return f"{source.get('Name') or source['ImageId']}{suffix or ''}"[:128]


def copy_description(source, source_region):
    text = source.get("Description") or f"DR copy of {source['ImageId']} from {source_region}"
    return text[:255]


def index_copies(copies, source_region):
    """{(source image id, copy group): copy} for copies of images of ``source_region`` (the newest copy wins).

    Keyed by group too: the same source image may be copied once per copy group (for example an
    unencrypted copy for ``Role=web`` and an encrypted one for ``encrypted-web``), and a task must
    only ever reuse the copy of its own group.
    """
    out = {}
    for image in sorted(copies, key=age_key):
        tags = tags_of(image)
        if tags.get(SOURCE_REGION_TAG) != source_region or not tags.get(SOURCE_IMAGE_TAG):
            continue
        if image.get("State") in ("deregistered",):
            continue
        out[(tags[SOURCE_IMAGE_TAG], tags.get(COPY_GROUP_TAG))] = image
    return out


def plan_retention(copies, keep, groups, source_region, source_ids, protected_ids=(), new_copies=None):
    """The copies to retire: per group in ``groups``, all but the newest ``keep`` ones.

    Only our copies of images from ``source_region`` whose source image is in ``source_ids`` (the
    images this run's image_ids/filters match) are considered: several applications share a group
    name such as ``Role=web`` in one account, and one application's run must never retire another's
    copies. ``protected_ids`` (existing copies of the images selected by this run) are never retired
    and count as kept, and so do ``new_copies`` ({group: number of copies this run makes}), which are
    the newest of all. Returns the copies to retire, oldest first.
    """
    if keep is None:
        return []
    protected = set(protected_ids)
    in_scope = set(source_ids)
    new_copies = new_copies or {}
    retire = []
    for group in sorted(set(groups)):
        members = [
            image for image in copies
            if tags_of(image).get(COPY_GROUP_TAG) == group
            and tags_of(image).get(SOURCE_REGION_TAG) == source_region
            and tags_of(image).get(SOURCE_IMAGE_TAG) in in_scope
            and image.get("State") not in ("deregistered",)
        ]
        kept = new_copies.get(group, 0) + sum(1 for image in members if image["ImageId"] in protected)
        for image in sorted(members, key=age_key, reverse=True):
            if image["ImageId"] in protected:
                continue
            if kept < keep:
                kept += 1
                continue
            retire.append(image)
    return sorted(retire, key=age_key)


def snapshot_ids(image):
    return [
        mapping["Ebs"]["SnapshotId"]
        for mapping in image.get("BlockDeviceMappings") or []
        if mapping.get("Ebs", {}).get("SnapshotId")
    ]


def encryption_of(image):
    """(encrypted, kms key id) of an image from its EBS mappings."""
    keys = [m["Ebs"].get("KmsKeyId") for m in image.get("BlockDeviceMappings") or [] if m.get("Ebs")]
    encrypted = [m["Ebs"].get("Encrypted", False) for m in image.get("BlockDeviceMappings") or [] if m.get("Ebs")]
    return (bool(encrypted) and all(encrypted)), next((key for key in keys if key), None)


def key_id_of(key):
    """The key id of a KMS key ARN (``arn:aws:kms:...:key/<id>``) or id; None stays None."""
    if not key:
        return None
    return key.split(":key/", 1)[1] if ":key/" in key else key


def encryption_mismatch(image, encrypted, kms_arn, snapshot_keys=None):
    """Why an existing copy does not have the requested encryption, or None when it has it.

    ``encrypted`` is the task's ``encrypted``; ``kms_arn`` the ARN of its ``kms_key_id`` (None when
    not given, any key then does). The copy's key comes from its EBS mappings or, when they do not
    carry it (DescribeImages often leaves it out), from ``snapshot_keys`` ({snapshot id: key}).
    A copy that is encrypted although the task does not ask for it is fine (copies of encrypted
    images always are), and so is a copy that lists no EBS mapping.
    """
    if not encrypted:
        return None
    if not any(mapping.get("Ebs") for mapping in image.get("BlockDeviceMappings") or []):
        return None  # no EBS mapping listed (yet): nothing to tell the encryption by
    copy_encrypted, key = encryption_of(image)
    if not copy_encrypted:
        return "is not encrypted"
    if not kms_arn:
        return None
    keys = {key_id_of(key)} if key else {key_id_of(k) for k in (snapshot_keys or {}).values() if k}
    if not keys:
        return None  # the key cannot be read: nothing to hold against the copy
    if keys != {key_id_of(kms_arn)}:
        return f"is encrypted with {', '.join(sorted(k for k in keys if k))}, not {kms_arn}"
    return None


def tag_specifications(source_id, source_region, group, extra_tags):
    """TagSpecifications for CopyImage: our tags + the user's tags on the image and its snapshots."""
    tags = dict(extra_tags or {})
    tags.update({SOURCE_IMAGE_TAG: source_id, SOURCE_REGION_TAG: source_region, COPY_GROUP_TAG: group})
    tag_list = [{"Key": key, "Value": str(value)} for key, value in sorted(tags.items())]
    return [{"ResourceType": "image", "Tags": tag_list}, {"ResourceType": "snapshot", "Tags": tag_list}]


def missing_tags(current, wanted):
    """Tags of ``wanted`` that ``current`` lacks or has with another value (no purge)."""
    return {key: str(value) for key, value in (wanted or {}).items() if current.get(key) != str(value)}


# -- AWS helpers ---------------------------------------------------------------------------------------
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
        Filters=[{"Name": f"tag:{SOURCE_REGION_TAG}", "Values": [source_region]}],
    )


@RETRY_DECORATOR
def snapshot_kms_keys(client, snapshot_ids):
    """{snapshot id: KMS key id or None} of our snapshots among ``snapshot_ids``."""
    if not snapshot_ids:
        return {}
    snapshots = client.get_paginator("describe_snapshots").paginate(
        OwnerIds=["self"], Filters=[{"Name": "snapshot-id", "Values": sorted(set(snapshot_ids))}]
    ).build_full_result().get("Snapshots", [])
    return {snapshot["SnapshotId"]: snapshot.get("KmsKeyId") for snapshot in snapshots}


def images_named(client, names):
    if not names:
        return []
    return describe_images(client, Owners=["self"], Filters=[{"Name": "name", "Values": sorted(set(names))}])
