# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR compute tier (dr_compute): golden AMIs copied, launch templates on them, groups in standby.

Checks, in this order:

* ``amis_copied`` (primary side): the newest golden AMI of each tier in the primary region has an
  available DR copy of its group (with the encryption the role asks for);
* ``dr_amis`` (only when the primary is not called): each tier has an available DR copy of a golden AMI;
* ``launch_templates``: the default version of each tier's launch template uses that tier's DR copy
  (the newest golden AMI's copy, or with the primary down any available copy of the tier);
* ``groups_standby``: every DR group is in standby (min 0, desired 0) with its active capacity recorded.

Options (the role's inputs less the ``dr_compute_`` prefix): ``ami_filters``, ``ami_encrypted``,
``ami_kms_key_id``, ``ami_role_tag`` and ``tiers`` (``[{name, ami_group, launch_template_name, asg_name}]``).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._ami import copies
from ansible_collections.pilotlight.dr.plugins.module_utils._ami import ec2 as ami_ec2
from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import capacity
from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import groups as asg
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import describe_error

COMPONENT = "compute"
PROVISION = (
    "run the dr_compute main entry point: it copies the newest golden AMIs and points the launch "
    "templates at the copies"
)


# -- reads -------------------------------------------------------------------------------------------
@RETRY_DECORATOR
def _templates_named(client, names):
    paginator = client.get_paginator("describe_launch_templates")
    result = paginator.paginate(Filters=[{"Name": "launch-template-name", "Values": list(names)}]).build_full_result()
    return result.get("LaunchTemplates", [])


@DRErrorHandler.reader("read the launch templates {1} in {2}")
def template_images(client, names, region):
    """{launch template name: image id of its default version (None when it names none)} of those that exist."""
    out = {}
    for template in _templates_named(client, names):
        versions = client.describe_launch_template_versions(
            LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Default"], aws_retry=True
        ).get("LaunchTemplateVersions", [])
        data = versions[0].get("LaunchTemplateData", {}) if versions else {}
        out[template["LaunchTemplateName"]] = data.get("ImageId")
    return out


@DRErrorHandler.reader("read the golden AMIs in {2}")
def golden_images(client, filters, region):
    return ami_ec2.images_by_filters(client, filters, owners=["self"])


@DRErrorHandler.reader("read the DR copies of the golden AMIs in {1}")
def dr_copies(client, region, source_region):
    return ami_ec2.find_copies(client, source_region)


@DRErrorHandler.reader("read the DR copies of the golden AMIs in {2}")
def dr_copies_matching(client, filters, region):
    return ami_ec2.images_by_filters(client, filters, owners=["self"])


@DRErrorHandler.reader("read the snapshots of copy {1[ImageId]} in {2}")
def snapshot_keys(client, image, region):
    return ami_ec2.snapshot_kms_keys(client, copies.snapshot_ids(image))


@DRErrorHandler.reader("read the Auto Scaling groups in {2}")
def read_groups(client, names, region):
    return asg.describe_groups(client, names)


# -- pure logic ----------------------------------------------------------------------------------------
def tiers_of(ctx):
    return list(ctx.options.get("tiers") or [])


def copy_filters(ami_filters, primary_region):
    """DescribeImages filters for the DR copies: the golden AMIs' tag filters (the copies carry those tags,
    which keeps another application's copies out) and the source region of our copies."""
    filters = {key: value for key, value in (ami_filters or {}).items() if str(key).startswith("tag:")}
    filters[f"tag:{copies.SOURCE_REGION_TAG}"] = primary_region
    return filters


def copies_by_group(images, groups):
    """{group: [copy, ...] oldest first} of our copies in each group of ``groups``."""
    out = {group: [] for group in groups}
    for image in sorted(images, key=copies.age_key):
        group = copies.tags_of(image).get(copies.COPY_GROUP_TAG)
        if group in out and image.get("State") != "deregistered":
            out[group].append(image)
    return out


def pairs(mapping):
    return ", ".join(f"{key} -> {value}" for key, value in mapping.items())


# -- the checks ----------------------------------------------------------------------------------------
def check_amis_copied(ctx, checks, tiers, copies_found):
    """amis_copied; returns {launch template name: the DR copy id its tier must use, or None}, or None unread."""
    primary, opts = ctx.primary_region, ctx.options
    ok, sources = checks.read(
        "amis_copied",
        f"the golden AMIs in {primary}",
        golden_images,
        ctx.primary_client("ec2"),
        opts.get("ami_filters") or {},
        primary,
        side="primary",
    )
    if not ok:
        checks.not_checked(
            "launch_templates", f"nothing to compare with: the golden AMIs of {primary} could not be read"
        )
        return None
    chosen = dict(copies.select_images(sources, "newest", opts.get("ami_role_tag")))
    by_source = copies.index_copies(copies_found, primary)
    wanted, evidence = {}, {}
    missing, pending, problems = [], [], []
    for tier in tiers:
        group = tier["ami_group"]
        source = chosen.get(group)
        copy = by_source.get((source["ImageId"], group)) if source else None
        wanted[tier["launch_template_name"]] = copy["ImageId"] if copy else None
        if source is None:
            missing.append(group)
            continue
        evidence[group] = {
            "source_image_id": source["ImageId"],
            "image_id": copy["ImageId"] if copy else None,
            "state": copy.get("State") if copy else None,
        }
        if source.get("State") != "available":
            problems.append(f"the newest {group} golden AMI {source['ImageId']} is {source.get('State')} in {primary}")
        elif copy is not None and copy.get("State") in copies.FAILED_STATES:
            problems.append(
                f"copy {copy['ImageId']} of {source['ImageId']} ({group}) is {copy['State']}: "
                "deregister it so that the next run copies again"
            )
        elif copy is None or copy.get("State") != "available":
            pending.append((source["ImageId"], group))
    if opts.get("ami_encrypted") and not missing:
        ok, mismatches = encryption_problems(ctx, checks, by_source, chosen)
        if not ok:
            return wanted
        problems += mismatches
    if missing:
        checks.failed(
            "amis_copied",
            f"no golden AMI in {primary} for {', '.join(missing)}",
            f"tag the golden AMIs of {primary} so that the filters {opts.get('ami_filters')} match them, "
            f"with the tier in the {opts.get('ami_role_tag')} tag",
            evidence,
            side="primary",
        )
    elif problems:
        checks.failed("amis_copied", "; ".join(problems), PROVISION, evidence, side="primary")
    elif pending:
        checks.failed(
            "amis_copied",
            "newest golden AMI not copied yet: "
            + ", ".join(i for i, _dummy in pending)
            + f" ({', '.join(g for _dummy, g in pending)})",
            PROVISION + "; a copy takes minutes on AWS, wait for it",
            evidence,
            side="primary",
        )
    else:
        checks.passed(
            "amis_copied",
            "DR copies of the newest golden AMIs: "
            + pairs({group: entry["image_id"] for group, entry in evidence.items()}),
            evidence,
            side="primary",
        )
    return wanted


def encryption_problems(ctx, checks, by_source, chosen):
    """(read, problems): why existing copies lack the encryption the role asks for (a copy cannot be
    re-encrypted). ``read`` is False when the KMS key or a snapshot could not be read (then not checked)."""
    region = ctx.region
    try:
        kms_arn = enabled_key_arn(
            ctx.client("kms"), ctx.options.get("ami_kms_key_id") or None, region, what="KMS key of the AMI copies"
        )
    except DRError as error:
        if error.exception is not None:  # a failed read, not a missing or disabled key
            checks.not_checked(
                "amis_copied", f"could not read the KMS key in {region}: {describe_error(error)}", side="primary"
            )
            return False, []
        return True, [error.message]
    problems = []
    for group, source in chosen.items():
        copy = by_source.get((source["ImageId"], group))
        if copy is None:
            continue
        encrypted, key = copies.encryption_of(copy)
        keys = None
        if kms_arn and encrypted and not key:
            ok, keys = checks.read(
                "amis_copied",
                f"the snapshots of copy {copy['ImageId']}",
                snapshot_keys,
                ctx.client("ec2"),
                copy,
                region,
                side="primary",
            )
            if not ok:
                return False, []
        problem = copies.encryption_mismatch(copy, True, kms_arn, keys)
        if problem:
            problems.append(
                f"copy {copy['ImageId']} of {source['ImageId']} ({group}) {problem}, but the copies are "
                "to be encrypted with it: deregister it so that the next run copies again"
            )
    return True, problems


def check_dr_amis(ctx, checks, tiers):
    """dr_amis (primary not called); returns {group: [available copy ids, oldest first]} or None."""
    region, primary = ctx.region, ctx.primary_region
    filters = copy_filters(ctx.options.get("ami_filters"), primary)
    ok, images = checks.read(
        ["dr_amis", "launch_templates"], f"the AMIs in {region}", dr_copies_matching, ctx.client("ec2"), filters, region
    )
    if not ok:
        return None
    by_group = copies_by_group(images, [tier["ami_group"] for tier in tiers])
    available = {
        group: [i["ImageId"] for i in found if i.get("State") == "available"] for group, found in by_group.items()
    }
    problems = []
    for group, found in by_group.items():
        if not found:
            problems.append(f"no DR copy of a {group} golden AMI of {primary} in {region}")
        elif not available[group]:
            problems.append(
                f"no available DR copy of a {group} golden AMI ("
                + ", ".join(f"{i['ImageId']} is {i.get('State')}" for i in found)
                + ")"
            )
    evidence = {"available": available}
    if problems:
        checks.failed(
            "dr_amis",
            "; ".join(problems),
            f"copy the golden AMIs while {primary} is reachable (dr_compute main), or copy an image "
            f"to {region} by hand with the pilotlight:copy-group tag of its tier",
            evidence,
        )
    else:
        checks.passed(
            "dr_amis",
            "available DR copies of the golden AMIs: " + pairs({group: ids[-1] for group, ids in available.items()}),
            evidence,
        )
    return available


def check_launch_templates(ctx, checks, tiers, wanted=None, available=None):
    """launch_templates: against the newest copies (``wanted``) or, primary down, any available copy."""
    region = ctx.region
    names = [tier["launch_template_name"] for tier in tiers]
    ok, images = checks.read(
        "launch_templates", f"the launch templates in {region}", template_images, ctx.client("ec2"), names, region
    )
    if not ok:
        return
    bad = []
    for tier in tiers:
        name = tier["launch_template_name"]
        if name not in images:
            bad.append(f"{name} not found")
        elif wanted is not None:
            ami = wanted.get(name)
            if ami is None or images[name] != ami:
                bad.append(f"{name} uses {images[name] or 'no image'}, not the DR copy {ami or '(not copied yet)'}")
        elif images[name] not in available.get(tier["ami_group"], []):
            bad.append(
                f"{name} uses {images[name] or 'no image'}, which is no available DR copy of a "
                f"{tier['ami_group']} golden AMI"
            )
    evidence = {"templates": images}
    if bad:
        checks.failed("launch_templates", "; ".join(bad), PROVISION, evidence)
    elif wanted is not None:
        checks.passed("launch_templates", f"default versions of {', '.join(names)} use the DR AMIs", evidence)
    else:
        lines = []
        for tier in tiers:
            ami, newest = images[tier["launch_template_name"]], available[tier["ami_group"]][-1]
            lines.append(
                f"{tier['launch_template_name']} -> {ami}"
                + ("" if ami == newest else f" (the newest DR copy is {newest})")
            )
        checks.passed("launch_templates", "default versions use available DR copies: " + ", ".join(lines), evidence)


def check_groups_standby(ctx, checks, tiers):
    region = ctx.region
    names = [tier["asg_name"] for tier in tiers]
    ok, groups = checks.read(
        "groups_standby", f"the Auto Scaling groups in {region}", read_groups, ctx.client("autoscaling"), names, region
    )
    if not ok:
        return
    missing = [name for name in names if name not in groups]
    if missing:
        checks.failed(
            "groups_standby",
            f"Auto Scaling group(s) {', '.join(missing)} not found in {region}",
            "run the dr_compute main entry point to create them",
        )
        return
    not_standby, unrecorded, unreadable, evidence = [], [], [], {}
    for name in names:
        current = capacity.current_capacity(groups[name])
        try:
            recorded = capacity.recorded_capacity(groups[name])
        except capacity.CapacityError as error:
            unreadable.append(str(error))
            recorded = None
        evidence[name] = dict(current, recorded=capacity.format_capacity(recorded) if recorded else None)
        if current["min"] or current["desired"]:
            not_standby.append(name)
        elif recorded is None:
            unrecorded.append(name)
    if not_standby:
        checks.failed(
            "groups_standby",
            f"not in standby (min 0, desired 0): {', '.join(not_standby)}",
            "put them back in standby: dr_compute failback (after a failover) or main",
            evidence,
        )
    elif unreadable:
        checks.failed(
            "groups_standby", "; ".join(unreadable), "run dr_compute main to record the active capacity again", evidence
        )
    elif unrecorded:
        checks.failed(
            "groups_standby",
            f"no active capacity recorded on {', '.join(unrecorded)}",
            "run dr_compute main: it records dr_compute_active_capacity on the groups",
            evidence,
        )
    else:
        checks.passed(
            "groups_standby",
            "in standby with capacity recorded: "
            + ", ".join(f"{name} desired {capacity.recorded_capacity(groups[name])['desired']}" for name in names),
            evidence,
        )


def check(ctx):
    checks = Checks(COMPONENT)
    tiers = tiers_of(ctx)
    if ctx.primary_reachable:
        ok, found = checks.read(
            "amis_copied",
            f"the DR copies in {ctx.region}",
            dr_copies,
            ctx.client("ec2"),
            ctx.region,
            ctx.primary_region,
            side="primary",
        )
        if not ok:
            checks.not_checked(
                "launch_templates", f"nothing to compare with: the DR copies in {ctx.region} could not be read"
            )
        wanted = check_amis_copied(ctx, checks, tiers, found) if ok else None
        if wanted is not None:
            check_launch_templates(ctx, checks, tiers, wanted=wanted)
    else:
        checks.skipped_primary(
            "amis_copied",
            f"the primary region {ctx.primary_region} is not called (primary_reachable=false): whether its newest "
            f"golden AMIs are copied to {ctx.region} needs {ctx.primary_region}",
        )
        available = check_dr_amis(ctx, checks, tiers)
        if available is not None:
            check_launch_templates(ctx, checks, tiers, available=available)
    check_groups_standby(ctx, checks, tiers)
    return checks.results
