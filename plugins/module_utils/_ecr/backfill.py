# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ECR backfill: the images pushed before the rule existed, brought to the DR registry.

ECR replicates only images pushed after a rule exists. The backfill copies older images the
AWS-correct way, without pulling layers through the controller:

* ``present``: the digest is in the destination repository with every tag: nothing to do;
* ``retag``: the digest is there (so are its layers) but some tags are missing or point elsewhere:
  PutImage of the same manifest with each missing tag, directly in the destination;
* ``direct``: the digest is missing but every blob it references is already in the destination
  repository (BatchCheckLayerAvailability): PutImage directly in the destination;
* ``trigger``: anything else (layers missing, image indexes): PutImage of the same manifest in the
  *source* under a temporary tag. That is a push, so replication copies the image and its layers;
  once it has arrived the real tags are put in the destination and the temporary tag is removed in
  both regions. A PutImage of a manifest under a tag it already has fails with
  ImageAlreadyExistsException on AWS, hence the new, temporary tag.

The planning (``plan_images``, ``action_for``) is pure; the rest reads and writes through ``images``.
"""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import images_of
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import layers_available
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import manifests
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import put_image
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import remove_tags
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import repository_names
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.rules import matches

DEFAULT_TEMP_TAG_PREFIX = "pilotlight-backfill-"
INDEX_MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
DETAILS_REPORTED = 100


def temp_tag(prefix, digest):
    return f"{prefix}{digest.split(':', 1)[-1][:16]}"


def real_tags(tags, prefix):
    return sorted(tag for tag in tags or [] if not tag.startswith(prefix))


def blob_digests(manifest, media_type=None):
    """("image", [config and layer digests]) or ("index", [child manifest digests]) of a manifest."""
    try:
        parsed = json.loads(manifest) if isinstance(manifest, str) else manifest
    except ValueError:
        return "unknown", []
    media_type = media_type or parsed.get("mediaType")
    if media_type in INDEX_MEDIA_TYPES or "manifests" in parsed:
        return "index", [m["digest"] for m in parsed.get("manifests", []) if m.get("digest")]
    digests = []
    if (parsed.get("config") or {}).get("digest"):
        digests.append(parsed["config"]["digest"])
    digests += [layer["digest"] for layer in parsed.get("layers", []) if layer.get("digest")]
    digests += [layer["blobSum"] for layer in parsed.get("fsLayers", []) if layer.get("blobSum")]  # schema 1
    return "image", list(dict.fromkeys(digests))


def plan_images(source_images, destination_images, temp_prefix):
    """One entry per tagged source image: what the destination lacks and how far along a backfill is.

    ``source_images``/``destination_images`` are DescribeImages ``imageDetails``. Returns dicts with
    repository-independent fields: digest, tags (real tags), missing_tags, temp_tags (in the source),
    in_destination (digest present), dest_temp_tags, media_type; and the untagged source digests.
    """
    by_digest = {image["imageDigest"]: image for image in destination_images}
    tag_owner = {tag: image["imageDigest"] for image in destination_images for tag in image.get("imageTags", [])}
    plans, untagged = [], []
    for image in sorted(source_images, key=lambda i: i.get("imagePushedAt") or 0):
        tags = real_tags(image.get("imageTags"), temp_prefix)
        if not tags:
            if not image.get("imageTags"):
                untagged.append(image["imageDigest"])
            continue
        digest = image["imageDigest"]
        in_destination = digest in by_digest
        missing = [tag for tag in tags if tag_owner.get(tag) != digest]
        plans.append(
            {
                "digest": digest,
                "tags": tags,
                "missing_tags": missing,
                "temp_tags": sorted(t for t in image.get("imageTags", []) if t.startswith(temp_prefix)),
                "in_destination": in_destination,
                "dest_temp_tags": sorted(
                    t
                    for t in (by_digest[digest].get("imageTags", []) if in_destination else [])
                    if t.startswith(temp_prefix)
                ),
                "media_type": image.get("imageManifestMediaType"),
            }
        )
    return plans, untagged


def action_for(plan, layers_available):
    """present | retag | direct | trigger for one planned image (``layers_available``: None = unknown)."""
    if plan["in_destination"]:
        return "retag" if plan["missing_tags"] else "present"
    if layers_available:
        return "direct"
    return "trigger"


def needs_cleanup(plan):
    """Temporary tags left by an earlier backfill that can go once the destination is complete."""
    return bool(plan["temp_tags"] or plan["dest_temp_tags"])


def missing_images(plans):
    """The planned images the destination lacks (the digest, or one of its tags)."""
    return [plan for plan in plans if plan["missing_tags"]]


# -- planning (reads only) -----------------------------------------------------------------------------------
def plan_repository(source, dest, repository, params):
    source_images = images_of(source, repository) or []
    destination_images = images_of(dest, repository)
    plans, untagged = plan_images(source_images, destination_images or [], params["temp_tag_prefix"])
    todo = [p for p in plans if p["missing_tags"] or needs_cleanup(p)]
    found = manifests(source, repository, todo) if todo else {}
    for plan in plans:
        plan["repository"] = repository
        plan["manifest"], plan["manifest_media_type"] = found.get(plan["digest"], (None, None))
        available = None
        if not plan["in_destination"] and plan["missing_tags"] and destination_images is not None:
            kind, digests = blob_digests(plan["manifest"] or "{}", plan["manifest_media_type"])
            available = kind == "image" and layers_available(dest, repository, digests)
        plan["action"] = action_for(plan, available)
        if plan["action"] != "present" and plan["manifest"] is None:
            raise DRError(f"cannot read the manifest of {repository}@{plan['digest']} in {source.region}")
    return {"repository": repository, "plans": plans, "untagged": untagged}


def backfill_scope(source, params):
    """The repositories to backfill: the named ones (which must exist), else those matching the prefixes."""
    names = repository_names(source)
    if params["repositories"]:
        unknown = sorted(set(params["repositories"]) - set(names))
        if unknown:
            raise DRError(f"repositories {', '.join(unknown)} not found in {source.region}: check the names")
        return sorted(params["repositories"])
    return [name for name in names if matches(params["repository_prefixes"], name)]


def plan_backfill(params, source, dest):
    """Every read the backfill needs, before any change: (names, [{repository, plans, untagged}])."""
    names = backfill_scope(source, params)
    outcomes = run_concurrently(
        lambda name: plan_repository(source, dest, name, params), names, params["max_concurrency"]
    )
    raise_failures(outcomes, "planning the ECR backfill failed")
    return names, [o.value for o in outcomes]


def backfill_report(names, work):
    plans = [plan for item in work for plan in item["plans"]]
    return {
        "repositories": names,
        "images": len(plans),
        "present": sum(1 for p in plans if p["action"] == "present"),
        "missing": sum(1 for p in plans if p["action"] != "present"),
        "retagged": sum(1 for p in plans if p["action"] == "retag"),
        "copied_direct": sum(1 for p in plans if p["action"] == "direct"),
        "triggered": sum(1 for p in plans if p["action"] == "trigger"),
        "pending": [],
        "temp_tags_removed": 0,
        "skipped_untagged": sum(len(item["untagged"]) for item in work),
        "details": [
            {"repository": p["repository"], "digest": p["digest"], "tags": p["tags"], "action": p["action"]}
            for p in plans
            if p["action"] != "present"
        ][:DETAILS_REPORTED],
    }


# -- execution -----------------------------------------------------------------------------------------------
def start_repository(source, dest, work, params):
    """Retag, put directly or trigger replication for every image of one repository (no waiting)."""
    counts = {"retagged": 0, "copied_direct": 0, "triggered": 0}
    for plan in work["plans"]:
        action = plan["action"]
        if action in ("retag", "direct"):
            for tag in plan["missing_tags"]:
                put_image(dest, plan, tag)
            counts["copied_direct" if action == "direct" else "retagged"] += 1
        elif action == "trigger":
            if not plan["temp_tags"]:
                put_image(source, plan, temp_tag(params["temp_tag_prefix"], plan["digest"]))
            counts["triggered"] += 1
    return counts


def arrived(dest, pending):
    """The pending images (plans) whose digest is now in the destination repository."""
    out = []
    by_repository = {}
    for plan in pending:
        by_repository.setdefault(plan["repository"], []).append(plan)
    for repository, plans in by_repository.items():
        present = {image["imageDigest"] for image in images_of(dest, repository) or []}
        out += [plan for plan in plans if plan["digest"] in present]
    return out


def wait_for_replication(dest, pending, deadline):
    remaining = list(pending)

    def check():
        for plan in arrived(dest, remaining):
            remaining.remove(plan)
        return not remaining

    try:
        wait_until(check, deadline, f"ECR replication of {len(pending)} image(s) to {dest.region}", delay=1.0)
    except WaitTimeout as exc:
        still = ", ".join(f"{p['repository']}@{p['digest'][:19]}" for p in remaining[:10])
        raise WaitTimeout(f"{exc.message} (still missing: {still})") from None


def finish_image(source, dest, plan, params, put_tags):
    """Real tags in DR (when ``put_tags``), then the temporary tags go in both regions.

    The DR image keeps at least one real tag, so removing its temporary tag never deletes it.
    """
    if put_tags:
        for tag in plan["missing_tags"]:
            put_image(dest, plan, tag)
    temp = {temp_tag(params["temp_tag_prefix"], plan["digest"])} if plan["action"] == "trigger" else set()
    removed = remove_tags(dest, plan["repository"], sorted(set(plan["dest_temp_tags"]) | temp))
    removed += remove_tags(source, plan["repository"], sorted(set(plan["temp_tags"]) | temp))
    return removed


def execute_backfill(params, source, dest, work, report):
    """Start every image's copy, wait for the triggered ones (``params["wait"]``), then finish; fills ``report``."""
    plans = [plan for item in work for plan in item["plans"]]
    # Start every slow operation (the triggers) before waiting on any.
    outcomes = run_concurrently(
        lambda item: start_repository(source, dest, item, params), work, params["max_concurrency"]
    )
    raise_failures(outcomes, "the ECR backfill failed")
    triggered = [p for p in plans if p["action"] == "trigger"]
    if triggered and params["wait"]:
        wait_for_replication(dest, triggered, Deadline(params["wait_timeout"]))
    elif triggered:
        landed = arrived(dest, triggered)
        report["pending"] = [
            {"repository": p["repository"], "digest": p["digest"], "tags": p["tags"]}
            for p in triggered
            if p not in landed
        ]
        triggered = landed
    # (plan, put its tags now): arrived triggers get their tags; others only lose leftover temporary tags.
    finishing = [(p, True) for p in triggered] + [
        (p, False) for p in plans if p["action"] in ("present", "retag", "direct") and needs_cleanup(p)
    ]
    outcomes = run_concurrently(
        lambda item: finish_image(source, dest, item[0], params, item[1]), finishing, params["max_concurrency"]
    )
    raise_failures(outcomes, "finishing the ECR backfill failed")
    report["temp_tags_removed"] = sum(o.value for o in outcomes)
