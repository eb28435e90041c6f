"""_ecr.images (behind ecr_image_info): which repositories are reported, and what counts as a tagged image."""

from unittest import mock

from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import images as module

REPOS = [{"repositoryName": name} for name in ("team-service", "auth-service", "infra-bot")]


def names(chosen):
    return [repo["repositoryName"] for repo in chosen]


def test_every_repository_sorted_without_filters():
    chosen, missing = module.select(REPOS, [], [])
    assert names(chosen) == ["auth-service", "infra-bot", "team-service"] and missing == []


def test_prefixes_filter_the_names():
    chosen, missing = module.select(REPOS, [], ["auth", "team"])
    assert names(chosen) == ["auth-service", "team-service"] and missing == []


def test_named_repositories_ignore_the_prefixes_and_report_the_missing_ones():
    chosen, missing = module.select(REPOS, ["infra-bot", "nope", "auth-service", "nope"], ["team"])
    assert names(chosen) == ["auth-service", "infra-bot"] and missing == ["nope"]


def test_tagged_images_counts_digests_once_and_lists_tags():
    ids = [
        {"imageDigest": "sha256:a", "imageTag": "v1"},
        {"imageDigest": "sha256:a", "imageTag": "latest"},
        {"imageDigest": "sha256:b", "imageTag": "v2"},
    ]
    with mock.patch.object(module, "_paginate", return_value={"imageIds": ids}) as paginate:
        found = module.tagged_images("client", "auth-service", "ap-northeast-1", "111122223333")
    assert found == {"tagged_images": 2, "tags": ["latest", "v1", "v2"]}
    assert paginate.call_args.kwargs == {
        "repositoryName": "auth-service",
        "filter": {"tagStatus": "TAGGED"},
        "registryId": "111122223333",
    }
