"""ECR registry replication in the emulator: each test fails on plain moto and passes with our extension."""

import hashlib
import json
import time

import boto3
import botocore.exceptions
import pytest

SEOUL, TOKYO, OSAKA = "ap-northeast-2", "ap-northeast-1", "ap-northeast-3"
ACCOUNT = "123456789012"


def manifest(name):
    """A Docker v2 manifest whose config and layer digests derive from ``name``."""

    def digest(part):
        return "sha256:" + hashlib.sha256(f"{name}/{part}".encode()).hexdigest()

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1469,
                "digest": digest("config"),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 2811478,
                    "digest": digest("layer"),
                }
            ],
        }
    )


def _ecr(region):
    return boto3.client("ecr", region_name=region)


def _rules(*rules):
    return {"rules": list(rules)}


def _to(*regions, filters=None):
    rule = {"destinations": [{"region": region, "registryId": ACCOUNT} for region in regions]}
    if filters:
        rule["repositoryFilters"] = [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]
    return rule


def _images(region, repository):
    try:
        details = _ecr(region).describe_images(repositoryName=repository)["imageDetails"]
    except botocore.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] == "RepositoryNotFoundException":
            return None
        raise
    return {detail["imageDigest"]: sorted(detail.get("imageTags", [])) for detail in details}


def _eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture
def seoul(gap_emulator):
    client = _ecr(SEOUL)
    client.create_repository(repositoryName="auth-service", imageTagMutability="MUTABLE")
    return client


def test_images_pushed_after_the_rule_reach_dr_and_older_ones_do_not(seoul, gap_emulator):
    seoul.put_image(repositoryName="auth-service", imageManifest=manifest("v1"), imageTag="v1")
    seoul.put_replication_configuration(replicationConfiguration=_rules(_to(TOKYO)))
    pushed = seoul.put_image(repositoryName="auth-service", imageManifest=manifest("v2"), imageTag="v2")
    gap_emulator.settle()
    digest = pushed["image"]["imageId"]["imageDigest"]
    assert _images(TOKYO, "auth-service") == {digest: ["v2"]}
    repository = _ecr(TOKYO).describe_repositories(repositoryNames=["auth-service"])["repositories"][0]
    assert repository["imageTagMutability"] == "MUTABLE"
    replica = _ecr(TOKYO).batch_get_image(repositoryName="auth-service", imageIds=[{"imageTag": "v2"}])["images"][0]
    assert replica["imageManifest"] == manifest("v2")


def test_a_new_tag_on_an_old_manifest_counts_as_a_push(seoul, gap_emulator):
    old = seoul.put_image(repositoryName="auth-service", imageManifest=manifest("v1"), imageTag="v1")
    seoul.put_replication_configuration(replicationConfiguration=_rules(_to(TOKYO)))
    seoul.put_image(repositoryName="auth-service", imageManifest=manifest("v1"), imageTag="v1-dr")
    gap_emulator.settle()
    assert _images(TOKYO, "auth-service") == {old["image"]["imageId"]["imageDigest"]: ["v1-dr"]}


def test_replicated_layers_are_available_in_the_destination(seoul, gap_emulator):
    seoul.put_replication_configuration(replicationConfiguration=_rules(_to(TOKYO)))
    seoul.put_image(repositoryName="auth-service", imageManifest=manifest("v3"), imageTag="v3")
    gap_emulator.settle()
    parsed = json.loads(manifest("v3"))
    digests = [parsed["config"]["digest"]] + [layer["digest"] for layer in parsed["layers"]]
    answer = _ecr(TOKYO).batch_check_layer_availability(repositoryName="auth-service", layerDigests=digests)
    assert answer["failures"] == []
    assert {layer["layerDigest"] for layer in answer["layers"]} == set(digests)


def test_repository_filters_and_several_rules(gap_emulator):
    seoul = _ecr(SEOUL)
    for name in ("auth-service", "team-service", "infra-bot"):
        seoul.create_repository(repositoryName=name)
    seoul.put_replication_configuration(
        replicationConfiguration=_rules(_to(TOKYO, filters=["auth", "team"]), _to(OSAKA, filters=["infra"]))
    )
    for name in ("auth-service", "team-service", "infra-bot"):
        seoul.put_image(repositoryName=name, imageManifest=manifest(name), imageTag="latest")
    gap_emulator.settle()
    assert _images(TOKYO, "auth-service") and _images(TOKYO, "team-service")
    assert _images(TOKYO, "infra-bot") is None
    assert _images(OSAKA, "infra-bot") and _images(OSAKA, "auth-service") is None


def test_a_destination_equal_to_the_source_is_refused_in_any_rule(gap_emulator):
    seoul = _ecr(SEOUL)
    with pytest.raises(botocore.exceptions.ClientError, match="cannot be the same as the source registry"):
        seoul.put_replication_configuration(replicationConfiguration=_rules(_to(TOKYO), _to(SEOUL)))
    assert seoul.describe_registry()["replicationConfiguration"] == {"rules": []}


def test_images_wait_for_a_destination_region_that_is_down(seoul, gap_emulator):
    seoul.put_replication_configuration(replicationConfiguration=_rules(_to(TOKYO)))
    gap_emulator.region_down(TOKYO)
    pushed = seoul.put_image(repositoryName="auth-service", imageManifest=manifest("hotfix"), imageTag="hotfix")
    gap_emulator.settle()
    status = seoul.describe_image_replication_status(repositoryName="auth-service", imageId={"imageTag": "hotfix"})
    assert [s["status"] for s in status["replicationStatuses"]] == ["IN_PROGRESS"]
    gap_emulator.region_up(TOKYO)
    assert _eventually(lambda: _images(TOKYO, "auth-service")) == {
        pushed["image"]["imageId"]["imageDigest"]: ["hotfix"]
    }
    status = seoul.describe_image_replication_status(repositoryName="auth-service", imageId={"imageTag": "hotfix"})
    assert status["replicationStatuses"] == [{"region": TOKYO, "registryId": ACCOUNT, "status": "COMPLETE"}]
