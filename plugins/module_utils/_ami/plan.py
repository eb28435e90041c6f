# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reads before any change: which source images, and per image the copy to reuse or make.

Every check that can fail the task runs here, before the first mutating call: missing or
unavailable source images, a copy of the group in a failed state or with other encryption, a
name taken in the DR region.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._ami import copies
from ansible_collections.pilotlight.dr.plugins.module_utils._ami import ec2
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors


def source_images(client, params, source_region):
    """The images named by image_ids and/or filters, all available; DRError naming what is missing."""
    owners = params["owners"]
    images = []
    with aws_errors(f"read the source images in {source_region}"):
        if params["image_ids"]:
            found = ec2.images_by_ids(client, params["image_ids"], owners)
            missing = sorted(set(params["image_ids"]) - {image["ImageId"] for image in found})
            if missing:
                raise DRError(
                    f"source image(s) {', '.join(missing)} not found in {source_region} (owners {', '.join(owners)}); "
                    "check the ids and source_region"
                )
            images += found
        if params["filters"]:
            found = ec2.images_by_filters(client, params["filters"], owners)
            if not found:
                raise DRError(
                    f"no image in {source_region} (owners {', '.join(owners)}) matches filters {params['filters']}; "
                    "check the name pattern and tags"
                )
            images += found
    not_ready = sorted(f"{i['ImageId']} ({i.get('State')})" for i in images if i.get("State") != "available")
    if not_ready:
        raise DRError(f"source image(s) not available in {source_region}: {', '.join(not_ready)}; wait and re-run")
    return images


def check_encryption(dest, entry, params, kms_arn, region):
    """DRError when the group's existing copy does not have the encryption the task asks for."""
    copy, source = entry["copy"], entry["source"]
    encrypted, key = copies.encryption_of(copy)
    snapshot_keys = None
    if params["encrypted"] and kms_arn and encrypted and not key:
        # the EBS mappings do not name the key: one read of the copy's snapshots does
        with aws_errors(f"read the snapshots of copy {copy['ImageId']} in {region}"):
            snapshot_keys = ec2.snapshot_kms_keys(dest, copies.snapshot_ids(copy))
    problem = copies.encryption_mismatch(copy, params["encrypted"], kms_arn, snapshot_keys)
    if problem is None:
        return
    wanted = f"encrypted with {kms_arn}" if kms_arn else "encrypted"
    raise DRError(
        f"copy {copy['ImageId']} ({copy.get('Name')}) of {source['ImageId']} in {region} for copy group "
        f"{entry['group']} {problem}, but the task asks for copies {wanted}; a copy's encryption cannot be "
        f"changed: deregister {copy['ImageId']} (and its snapshots) and re-run to copy again, or make the "
        "encrypted copy in another copy group (copy_group, with a name_suffix so the copies' names differ)"
    )


def failed_copy_message(existing, source, region):
    reason = (existing.get("StateReason") or {}).get("Message", "no reason given")
    return (
        f"copy {existing['ImageId']} of {source['ImageId']} in {region} is {existing['State']} ({reason}); "
        "deregister it and re-run to copy again"
    )


def plan(dest, params, sources, chosen, source_region, region, kms_arn=None):
    """Per chosen image: the existing copy of its group or None; plus the name clashes and the retention plan."""
    with aws_errors(f"list the existing copies in {region}"):
        found = ec2.find_copies(dest, source_region)
    by_source = copies.index_copies(found, source_region)
    entries = []
    for group, source in chosen:
        existing = by_source.get((source["ImageId"], group))
        if existing is not None and existing.get("State") in copies.FAILED_STATES:
            raise DRError(failed_copy_message(existing, source, region))
        entries.append({"group": group, "source": source, "copy": existing})
    for entry in entries:
        if entry["copy"] is not None:
            check_encryption(dest, entry, params, kms_arn, region)

    names = {copies.copy_name(e["source"], params["name_suffix"]): e for e in entries if e["copy"] is None}
    with aws_errors(f"list images in {region}"):
        clashes = ec2.images_named(dest, list(names))
    for image in clashes:
        if image.get("State") == "deregistered" or image.get("Name") not in names:
            continue
        raise DRError(copies.name_clash_message(image, names[image["Name"]], source_region, region))

    protected = [e["copy"]["ImageId"] for e in entries if e["copy"] is not None]
    new_copies = {}
    for entry in entries:
        if entry["copy"] is None:
            new_copies[entry["group"]] = new_copies.get(entry["group"], 0) + 1
    retire = copies.plan_retention(
        found,
        params["keep_copies"],
        [e["group"] for e in entries],
        source_region,
        [image["ImageId"] for image in sources],
        protected,
        new_copies,
    )
    return entries, retire
