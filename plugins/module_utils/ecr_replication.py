# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECR registry replication: merging our destination into the rules, and planning the backfill.

Pure functions (no AWS calls), unit-tested on their own.

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

Every call names its registry (``registryId``): the source registry is the caller's own (the one
whose replication configuration PutReplicationConfiguration sets), the destination is the rule's
destination registry. An ECR call without ``registryId`` goes to the caller's registry, which is the
wrong one as soon as the destination belongs to another account.
"""

import json
import re

PREFIX_MATCH = "PREFIX_MATCH"
DEFAULT_TEMP_TAG_PREFIX = "pilotlight-backfill-"
INDEX_MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
MAX_RULES = 25
REGISTRY_ID_PATTERN = re.compile(r"^[0-9]{12}$")


def destination_of(region, registry_id):
    return {"region": region, "registryId": registry_id}


def registry_id_problem(registry_id):
    """Why ``registry_id`` cannot name an ECR registry (an account id), None when it can."""
    if registry_id is None or REGISTRY_ID_PATTERN.match(registry_id):
        return None
    return f"registry_id {registry_id!r} is not an AWS account id (12 digits)"


def backfill_problem(own_id, registry_id, source_region, region):
    """Why the backfill cannot run with the credentials of registry ``own_id``, None when it can.

    The backfill reads and writes the destination registry (DescribeImages, PutImage,
    BatchDeleteImage): with the source account's credentials that works for the source account's own
    registry only. A registry of another account needs that account's credentials (the replication
    rule itself lives in the source registry and needs none).
    """
    if registry_id == own_id:
        return None
    return (f"backfill cannot write into registry {registry_id} in {region}: it belongs to another account than "
            f"these credentials (registry {own_id}, the source in {source_region}), and copying images there needs "
            f"account {registry_id}'s credentials. Set backfill: false to manage the replication rule only (images "
            f"pushed from now on replicate to {registry_id}), or leave registry_id unset to backfill a DR region "
            f"of account {own_id}")


def normalize_filters(prefixes):
    return [{"filter": prefix, "filterType": PREFIX_MATCH} for prefix in sorted(set(prefixes or []))]


def filters_key(rule):
    return tuple(sorted((f.get("filter"), f.get("filterType", PREFIX_MATCH)) for f in rule.get("repositoryFilters")
                        or []))


def _same_destination(a, b):
    return a.get("region") == b.get("region") and a.get("registryId") == b.get("registryId")


def remove_destination(rules, destination):
    """Rules without ``destination``; rules left with no destination are dropped."""
    out = []
    for rule in rules or []:
        destinations = [d for d in rule.get("destinations", []) if not _same_destination(d, destination)]
        if destinations:
            out.append(dict(rule, destinations=destinations))
    return out


def merge_destination(rules, destination, prefixes):
    """Rules in which ``destination`` receives exactly the repositories matching ``prefixes``.

    Other destinations stay where they are. Our destination leaves rules with other filters and
    joins the rule whose filters equal ours (a new rule when there is none).
    """
    wanted = tuple(sorted((prefix, PREFIX_MATCH) for prefix in set(prefixes or [])))
    kept = []
    placed = False
    for rule in rules or []:
        destinations = list(rule.get("destinations", []))
        if filters_key(rule) == wanted:
            if not placed:
                if not any(_same_destination(d, destination) for d in destinations):
                    destinations.append(dict(destination))
                placed = True
            else:
                destinations = [d for d in destinations if not _same_destination(d, destination)]
        else:
            destinations = [d for d in destinations if not _same_destination(d, destination)]
        if destinations:
            kept.append(dict(rule, destinations=destinations))
    if not placed:
        rule = {"destinations": [dict(destination)]}
        if prefixes:
            rule["repositoryFilters"] = normalize_filters(prefixes)
        kept.append(rule)
    return kept


def normalize_rules(rules):
    out = []
    for rule in rules or []:
        normalized = {"destinations": sorted(({"region": d.get("region"), "registryId": d.get("registryId")}
                                              for d in rule.get("destinations", [])),
                                             key=lambda d: (d["region"], d["registryId"]))}
        if rule.get("repositoryFilters"):
            normalized["repositoryFilters"] = [{"filter": f, "filterType": t} for f, t in filters_key(rule)]
        out.append(normalized)
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True))


def same_rules(a, b):
    return normalize_rules(a) == normalize_rules(b)


def rule_for(rules, destination):
    """The first rule that sends images to ``destination``, or None."""
    for rule in rules or []:
        if any(_same_destination(d, destination) for d in rule.get("destinations", [])):
            return rule
    return None


def matches(prefixes, repository):
    return not prefixes or any(repository.startswith(prefix) for prefix in prefixes)


def unique_destinations(rules):
    return {(d.get("region"), d.get("registryId")) for rule in rules or [] for d in rule.get("destinations", [])}


# -- backfill planning -------------------------------------------------------------------------------------
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
        plans.append({
            "digest": digest,
            "tags": tags,
            "missing_tags": missing,
            "temp_tags": sorted(t for t in image.get("imageTags", []) if t.startswith(temp_prefix)),
            "in_destination": in_destination,
            "dest_temp_tags": sorted(t for t in (by_digest[digest].get("imageTags", []) if in_destination else [])
                                     if t.startswith(temp_prefix)),
            "media_type": image.get("imageManifestMediaType"),
        })
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
