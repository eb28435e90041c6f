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
  - pilotlight.dr contributors (@pilotlight)
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

from ansible_collections.pilotlight.dr.plugins.module_utils._ami import copies
from ansible_collections.pilotlight.dr.plugins.module_utils._ami import ec2
from ansible_collections.pilotlight.dr.plugins.module_utils._ami.plan import plan
from ansible_collections.pilotlight.dr.plugins.module_utils._ami.plan import source_images
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn


def validate_params(params):
    if not params["image_ids"] and not params["filters"]:
        raise DRError("nothing to copy: give image_ids and/or filters that name images in source_region")
    if params["keep_copies"] is not None and params["keep_copies"] < 1:
        raise DRError(f"keep_copies must be 1 or more, got {params['keep_copies']}: omit it to keep every copy")
    if params["kms_key_id"] and not params["encrypted"]:
        raise DRError("kms_key_id is set but encrypted is false: set encrypted: true to encrypt the copies with it")


def done_of(outcomes):
    """What the failed step did manage to do, reported with its failure."""
    return [outcome.value for outcome in outcomes if outcome.ok]


# -- the story ------------------------------------------------------------------------------------------------
def run(module, params):
    source_region, region = params["source_region"], module.region
    validate_params(params)
    source_client = module.client("ec2", region=source_region)
    dest = module.client("ec2")
    sources = source_images(source_client, params, source_region)
    chosen = copies.select_images(sources, params["select"], params["group_by_tag"], params["copy_group"])
    kms_arn = None
    if params["encrypted"]:
        kms_arn = enabled_key_arn(
            module.client("kms", region=region), params["kms_key_id"], region, "kms_key_id: KMS key"
        )
    entries, retire = plan(dest, params, sources, chosen, source_region, region, kms_arn)
    for entry in entries:
        entry["kms_arn"] = kms_arn

    to_copy = [e for e in entries if e["copy"] is None]
    to_tag = [
        e for e in entries if e["copy"] is not None and copies.missing_tags(copies.tags_of(e["copy"]), params["tags"])
    ]
    before = {
        "copies": {e["source"]["ImageId"]: (e["copy"] or {}).get("ImageId") for e in entries},
        "retired": [],
    }
    timings = {"request": 0.0, "wait": 0.0, "retention": 0.0}
    warnings = []

    if module.check_mode:
        images = [copies.describe_entry(e, source_region, params) for e in entries]
        return finish(
            module,
            params,
            images,
            [copies.describe_retired(i) for i in retire],
            before,
            bool(to_copy or to_tag or retire),
            timings,
            warnings,
        )

    started = time.monotonic()
    outcomes = run_concurrently(
        lambda e: ec2.request_copy(dest, e, params, source_region, kms_arn), to_copy, params["max_concurrency"]
    )
    for outcome in outcomes:
        if outcome.ok:
            outcome.item["new_id"] = outcome.value
    raise_failures(outcomes, "some copies could not be requested", done=done_of(outcomes))
    outcomes = run_concurrently(lambda e: ec2.update_tags(dest, e, params), to_tag, params["max_concurrency"])
    raise_failures(outcomes, "some copies could not be tagged", done=done_of(outcomes))
    timings["request"] = round(time.monotonic() - started, 3)

    current_ids = [e.get("new_id") or e["copy"]["ImageId"] for e in entries]
    states = {}
    if params["wait"]:
        started = time.monotonic()
        not_ready = [
            i
            for e, i in zip(entries, current_ids, strict=True)
            if e.get("new_id") or e["copy"].get("State") != "available"
        ]
        if not_ready:
            states = ec2.wait_for_copies(dest, not_ready, Deadline(params["wait_timeout"]), region)
        timings["wait"] = round(time.monotonic() - started, 3)
    with aws_errors(f"read the copies in {region}"):
        refreshed = {i["ImageId"]: i for i in ec2.images_by_ids(dest, current_ids, owners=["self"])}
    refreshed.update({k: v for k, v in states.items() if k not in refreshed})
    images = [
        copies.describe_entry(
            e,
            source_region,
            params,
            image=refreshed.get(i) or {"ImageId": i, "State": "pending"},
            copied=bool(e.get("new_id")),
        )
        for e, i in zip(entries, current_ids, strict=True)
    ]

    retired = []
    if retire:
        if all(image["state"] == "available" for image in images):
            started = time.monotonic()
            snapshots = module.client("ec2", retry_decorator=ec2.SNAPSHOT_RETRY)
            outcomes = run_concurrently(
                lambda i: ec2.retire_copy(dest, i, snapshots), retire, params["max_concurrency"]
            )
            raise_failures(outcomes, "some old copies could not be retired", done=done_of(outcomes))
            retired = [copies.describe_retired(i) for i in retire]
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
        newest_by_group=copies.newest_by_group(images),
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
