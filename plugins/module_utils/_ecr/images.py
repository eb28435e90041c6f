# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The repository and image calls of ECR, on one side (registry) of the replication.

Every call names its registry: ECR calls without ``registryId`` go to the caller's own registry.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

BATCH = 100


class Registry:
    """One side of the replication: a client of its region and the registry every call names."""

    __slots__ = ("client", "region", "registry_id")

    def __init__(self, client, region, registry_id):
        self.client, self.region, self.registry_id = client, region, registry_id


def registry(registry_id):
    """``registryId`` for a call when one is given (else the caller's own registry)."""
    return {"registryId": registry_id} if registry_id else {}


@RETRY_DECORATOR
def _paginate(client, operation, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result()


# -- reads ---------------------------------------------------------------------------------------------------
@DRErrorHandler.call("list the ECR repositories of {1}")
def list_repositories(client, region, registry_id=None):
    """DescribeRepositories of every page (dicts with repositoryName, repositoryUri, ...)."""
    return _paginate(client, "describe_repositories", **registry(registry_id)).get("repositories", [])


def repository_names(side):
    return sorted(repo["repositoryName"] for repo in list_repositories(side.client, side.region, side.registry_id))


@DRErrorHandler.call("list the images of repository {1} in {2}")
def tagged_images(client, repository, region, registry_id=None):
    """{"tagged_images": distinct tagged digests, "tags": sorted tags} of one repository."""
    ids = _paginate(
        client, "list_images", repositoryName=repository, filter={"tagStatus": "TAGGED"}, **registry(registry_id)
    ).get("imageIds", [])
    return {
        "tagged_images": len({image["imageDigest"] for image in ids if image.get("imageDigest")}),
        "tags": sorted({image["imageTag"] for image in ids if image.get("imageTag")}),
    }


def select(repositories, names, prefixes):
    """(repositories to report, missing names): the named ones that exist, else those matching the prefixes."""
    by_name = {repo["repositoryName"]: repo for repo in repositories}
    wanted = set(names) if names else {name for name in by_name if not prefixes or name.startswith(tuple(prefixes))}
    return [by_name[name] for name in sorted(wanted) if name in by_name], sorted(set(names) - set(by_name))


@DRErrorHandler.reader("list the images of repository {1} in {0.region}", missing=("RepositoryNotFoundException",))
def images_of(side, repository):
    """DescribeImages details of a repository, None when the repository does not exist."""
    result = (
        side.client.get_paginator("describe_images")
        .paginate(registryId=side.registry_id, repositoryName=repository)
        .build_full_result()
    )
    return result.get("imageDetails", [])


def manifests(side, repository, plans):
    """{digest: (manifest, media type)} for the planned images, read from ``side``."""
    out = {}
    for start in range(0, len(plans), BATCH):
        chunk = plans[start : start + BATCH]
        media_types = sorted({p["media_type"] for p in chunk if p["media_type"]})
        kwargs = {"acceptedMediaTypes": media_types} if media_types else {}
        with aws_errors(f"read the manifests of repository {repository} in {side.region}"):
            answer = side.client.batch_get_image(
                registryId=side.registry_id,
                repositoryName=repository,
                imageIds=[{"imageDigest": p["digest"]} for p in chunk],
                aws_retry=True,
                **kwargs,
            )
        for image in answer.get("images", []):
            out[image["imageId"]["imageDigest"]] = (image["imageManifest"], image.get("imageManifestMediaType"))
    return out


def layers_available(side, repository, digests):
    """True when every blob digest is AVAILABLE in the repository."""
    if not digests:
        return False
    for start in range(0, len(digests), BATCH):
        try:
            answer = side.client.batch_check_layer_availability(
                registryId=side.registry_id,
                repositoryName=repository,
                layerDigests=digests[start : start + BATCH],
                aws_retry=True,
            )
        except AWS_ERRORS as exc:
            if is_error_code(exc, "RepositoryNotFoundException"):
                return False
            raise DRError(
                f"cannot check the layers of repository {repository} in {side.region}", exception=exc
            ) from exc
        if answer.get("failures") or any(
            layer.get("layerAvailability") != "AVAILABLE" for layer in answer.get("layers", [])
        ):
            return False
    return True


# -- changes -------------------------------------------------------------------------------------------------
def put_image(side, plan, tag, tolerate_existing=True):
    """PutImage of the plan's manifest under ``tag``; False when that image already has the tag."""
    try:
        kwargs = {"imageManifestMediaType": plan["manifest_media_type"]} if plan["manifest_media_type"] else {}
        side.client.put_image(
            registryId=side.registry_id,
            repositoryName=plan["repository"],
            imageManifest=plan["manifest"],
            imageTag=tag,
            aws_retry=True,
            **kwargs,
        )
        return True
    except AWS_ERRORS as exc:
        if tolerate_existing and is_error_code(exc, "ImageAlreadyExistsException"):
            return False
        if is_error_code(exc, "ImageTagAlreadyExistsException"):
            raise DRError(
                f"tag {tag} of repository {plan['repository']} in {side.region} is immutable and points to "
                f"another image: cannot give it to {plan['digest']}"
            ) from None
        raise DRError(
            f"cannot put {plan['repository']}:{tag} ({plan['digest']}) in {side.region}", exception=exc
        ) from exc


def remove_tags(side, repository, tags):
    """BatchDeleteImage of ``tags``; how many were removed."""
    if not tags:
        return 0
    with aws_errors(f"remove temporary tags {', '.join(tags)} of repository {repository} in {side.region}"):
        answer = side.client.batch_delete_image(
            registryId=side.registry_id,
            repositoryName=repository,
            imageIds=[{"imageTag": t} for t in tags],
            aws_retry=True,
        )
    return len(answer.get("imageIds", []))
