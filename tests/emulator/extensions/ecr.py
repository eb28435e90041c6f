"""ECR private registry replication: pushed images really reach the destination regions.

moto 5.2 stores a registry's replication configuration (and refuses more than one rule) but never
copies an image. This extension:

* accepts up to 25 rules, as the ECR API does, and refuses a destination equal to the source registry in
  any rule, or a repository filter that is not ``PREFIX_MATCH``;
* on every successful PutImage (a first push, a new tag on an existing manifest: the re-put used to
  backfill old images) copies the image, after the ``replication`` latency, into each destination
  region of every rule whose repository filters match (no filter: every repository): the
  repository is created there when missing, the image keeps its digest, manifest, media type and
  the pushed tag, and its layers become available in the destination repository
  (BatchCheckLayerAvailability) as they do on AWS;
* images pushed before a rule existed are not copied (as on AWS); replicated images are not
  replicated again from the destination;
* keeps the copy pending while the source or destination region is down and finishes it once the
  region is back;
* answers DescribeImageReplicationStatus (IN_PROGRESS, COMPLETE, FAILED per destination).
"""

import json
import threading

from ..core import backend
from ..core import on_reset
from ..core import patch
from ..core import require
from ._replication import replicate_later

DESCRIPTION = "ECR registry replication (pushed images copied to destination regions, replication status)"

MAX_RULES = 25  # the rules list limit of the current ECR API model (older documentation said 10)

_ORIGINAL = {}
_lock = threading.Lock()
_status = {}  # (account, source region, repository, digest) -> {(region, registry): status}


def filter_matches(rule, repository_name):
    filters = rule.get("repositoryFilters") or []
    if not filters:
        return True
    return any(
        repository_name.startswith(item.get("filter", ""))
        for item in filters
        if item.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH"
    )


def destinations_for(config, repository_name, source_region, account_id):
    """[(region, registry id)] that a push to ``repository_name`` is replicated to, without duplicates."""
    seen = []
    for rule in (config or {}).get("rules", []):
        if not filter_matches(rule, repository_name):
            continue
        for destination in rule.get("destinations", []):
            target = (destination["region"], destination.get("registryId") or account_id)
            if target == (source_region, account_id) or target in seen:
                continue
            seen.append(target)
    return seen


def _layer_digests(manifest):
    try:
        parsed = json.loads(manifest)
    except ValueError:
        return {}
    digests = {}
    for item in [parsed.get("config") or {}] + list(parsed.get("layers") or []):
        if isinstance(item, dict) and item.get("digest"):
            digests[item["digest"]] = int(item.get("size") or 0)
    return digests


# -- moto patches ------------------------------------------------------------------------------------
def _put_replication_configuration(self, replication_config):
    from moto.ecr.exceptions import InvalidParameterException
    from moto.ecr.exceptions import ValidationException

    rules = replication_config.get("rules", [])
    if len(rules) > MAX_RULES:
        raise ValidationException(
            f"1 validation error detected: Value at 'replicationConfiguration.rules' failed to "
            f"satisfy constraint: Member must have length less than or equal to {MAX_RULES}"
        )
    for rule in rules:
        for destination in rule.get("destinations", []):
            if destination.get("region") == self.region_name and destination.get("registryId") == self.account_id:
                raise InvalidParameterException(
                    "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: "
                    "'Replication destination cannot be the same as the source registry'"
                )
        for item in rule.get("repositoryFilters") or []:
            if item.get("filterType") != "PREFIX_MATCH":
                raise InvalidParameterException(
                    "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: "
                    "'filterType must be PREFIX_MATCH'"
                )
    # moto refuses more than one rule ("This feature is disabled"); ECR allows up to ten.
    self.replication_config = replication_config
    return {"replicationConfiguration": replication_config}


def _put_image(self, repository_name, image_manifest, image_tag, image_manifest_mediatype=None, digest=None):
    image = _ORIGINAL["put_image"](self, repository_name, image_manifest, image_tag, image_manifest_mediatype, digest)
    targets = destinations_for(self.replication_config, repository_name, self.region_name, self.account_id)
    if not targets:
        return image
    source_repo = self.repositories[repository_name]
    layers = _layer_digests(image.image_manifest)
    layers.update({d: s for d, s in source_repo.layers.items() if d in layers})
    push = {
        "account": self.account_id,
        "source": self.region_name,
        "repository": repository_name,
        "manifest": image.image_manifest,
        "media_type": image.image_manifest_media_type,
        "digest": image.get_image_digest(),
        "tag": image_tag,
        "layers": layers,
        "encryption": dict(source_repo.encryption_configuration or {}),
        "mutability": str(getattr(source_repo.image_tag_mutability, "value", source_repo.image_tag_mutability)),
    }
    for region, registry in targets:
        _set_status(push, region, registry, "IN_PROGRESS")
        replicate_later(
            [self.region_name, region],
            lambda region=region, registry=registry: _replicate(push, region, registry),
            name=f"ecr replicate {repository_name}@{push['digest'][:19]} -> {region}",
        )
    return image


def _replicate(push, region, registry):
    from moto.ecr.exceptions import ImageAlreadyExistsException

    try:
        target = backend("ecr", region, account_id=registry)
        repository = target.repositories.get(push["repository"])
        if repository is None:
            # ECR creates the repository with the source's encryption and tag mutability settings.
            encryption = push["encryption"] if push["encryption"].get("encryptionType") == "AES256" else None
            repository = target.create_repository(push["repository"], None, encryption, None, push["mutability"], [])
        repository.layers.update(push["layers"])
        try:
            _ORIGINAL["put_image"](
                target, push["repository"], push["manifest"], push["tag"], push["media_type"], push["digest"]
            )
        except ImageAlreadyExistsException:
            pass  # the same image and tag are there already: nothing to copy
        _set_status(push, region, registry, "COMPLETE")
    except Exception:
        _set_status(push, region, registry, "FAILED")
        raise


def _set_status(push, region, registry, status):
    with _lock:
        key = (push["account"], push["source"], push["repository"], push["digest"])
        _status.setdefault(key, {})[(region, registry)] = status


def _describe_image_replication_status(self):
    """DescribeImageReplicationStatus: where an image of this registry has been replicated to."""
    from moto.core.responses import ActionResult

    repository_name = self._get_param("repositoryName")
    image_id = self._get_param("imageId") or {}
    ecr = self.ecr_backend
    repository = ecr._get_repository(repository_name, self._get_param("registryId"))
    image = repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
    with _lock:
        statuses = dict(_status.get((ecr.account_id, ecr.region_name, repository_name, image.get_image_digest()), {}))
    return ActionResult(
        {
            "repositoryName": repository_name,
            "imageId": {
                "imageDigest": image.get_image_digest(),
                **({"imageTag": image_id["imageTag"]} if image_id.get("imageTag") else {}),
            },
            "replicationStatuses": [
                {"region": region, "registryId": registry, "status": status}
                for (region, registry), status in sorted(statuses.items())
            ],
        }
    )


@on_reset
def _forget():
    with _lock:
        _status.clear()


def install():
    from moto.ecr.models import ECRBackend
    from moto.ecr.responses import ECRResponse

    require(ECRBackend, "create_repository", "_get_repository")
    if hasattr(ECRResponse, "describe_image_replication_status"):
        _ORIGINAL["describe_image_replication_status"] = patch(
            ECRResponse, "describe_image_replication_status", _describe_image_replication_status
        )
    else:  # moto has no such action: add it
        ECRResponse.describe_image_replication_status = _describe_image_replication_status
    _ORIGINAL["put_replication_configuration"] = patch(
        ECRBackend, "put_replication_configuration", _put_replication_configuration
    )
    _ORIGINAL["put_image"] = patch(ECRBackend, "put_image", _put_image)
