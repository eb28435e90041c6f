# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Copying golden AMIs to the DR region: choosing images, recognising copies, choosing what to retire.

Pure functions (no AWS call), unit-tested on their own; the EC2 calls are in ``ec2``.

A copy made by ``ami_cross_copy`` carries three tags that make the module idempotent and let it
retire old copies without touching anything else:

* ``pilotlight:source-image-id``: the id of the image it was copied from;
* ``pilotlight:source-region``: the region of that image;
* ``pilotlight:copy-group``: the selection group (``Role=web`` when grouped by tag), whose newest
  copies retention keeps.
"""

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
            image
            for image in copies
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


def name_clash_message(image, entry, source_region, region):
    """Why a new copy cannot take its name: another copy group's copy, or an image that is no copy of it."""
    tags = tags_of(image)
    source_id = entry["source"]["ImageId"]
    name = f"an image named {image['Name']} ({image['ImageId']}) already exists in {region}"
    if tags.get(SOURCE_IMAGE_TAG) == source_id and tags.get(SOURCE_REGION_TAG) == source_region:
        return (
            f"{name}: it is the copy of {source_id} for copy group {tags.get(COPY_GROUP_TAG) or '(none)'}, and "
            f"AMI names are unique in a region, so the copy for copy group {entry['group']} needs another name: "
            "set a name_suffix (for example -encrypted) that the other group's task does not use"
        )
    return f"{name} and is not a copy of {source_id}: rename or deregister it, or set name_suffix"


# -- what the module returns ------------------------------------------------------------------------
def describe_entry(entry, source_region, params, image=None, copied=False):
    """One item of ``images``: the copy as read, or (check mode, no copy yet) the copy predicted."""
    source = entry["source"]
    image = image or entry.get("copy")
    if image is None:  # check mode: predicted copy
        tags = dict(tags_of(source)) if params["copy_tags"] else {}
        tags = {k: v for k, v in tags.items() if not k.startswith("aws:")}
        tags.update({k: str(v) for k, v in params["tags"].items()})
        tags.update(
            {SOURCE_IMAGE_TAG: source["ImageId"], SOURCE_REGION_TAG: source_region, COPY_GROUP_TAG: entry["group"]}
        )
        source_encrypted, _dummy = encryption_of(source)
        return {
            "source_image_id": source["ImageId"],
            "source_region": source_region,
            "source_name": source.get("Name"),
            "group": entry["group"],
            "image_id": None,
            "name": copy_name(source, params["name_suffix"]),
            "state": "pending",
            "copied": True,
            "encrypted": bool(params["encrypted"] or source_encrypted),
            "kms_key_id": entry.get("kms_arn"),
            "tags": tags,
        }
    encrypted, key = encryption_of(image)
    return {
        "source_image_id": source["ImageId"],
        "source_region": source_region,
        "source_name": source.get("Name"),
        "group": entry["group"],
        "image_id": image["ImageId"],
        "name": image.get("Name"),
        "state": image.get("State"),
        "copied": copied,
        "encrypted": encrypted,
        "kms_key_id": key,
        "tags": tags_of(image),
    }


def newest_by_group(images):
    out = {}
    for image in images:  # entries are in group, then age order: the last one of a group is the newest
        if image["image_id"]:
            out[image["group"]] = image["image_id"]
    return out


def describe_retired(image):
    return {
        "image_id": image["ImageId"],
        "name": image.get("Name"),
        "group": tags_of(image).get(COPY_GROUP_TAG),
        "snapshot_ids": snapshot_ids(image),
    }
