"""ecr_image_info against the emulator: the DR registry read on its own, even with the primary region down."""

import hashlib
import json

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ACCOUNT = "123456789012"


def manifest(name):
    def digest(data):
        return "sha256:" + hashlib.sha256(data.encode()).hexdigest()

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7,
                "digest": digest(f"{name}/config"),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 6,
                    "digest": digest(f"{name}/layer"),
                }
            ],
        }
    )


@pytest.fixture
def tokyo(emulator):
    """Tokyo: auth-service (one image tagged v1 and latest, one tagged v2), team-service (empty), infra-bot."""
    ecr = boto3.client("ecr", region_name=TOKYO)
    for name in ("auth-service", "team-service", "infra-bot"):
        ecr.create_repository(repositoryName=name)
    for repository, image, tag in (
        ("auth-service", "a1", "v1"),
        ("auth-service", "a1", "latest"),
        ("auth-service", "a2", "v2"),
        ("infra-bot", "b1", "latest"),
    ):
        ecr.put_image(repositoryName=repository, imageManifest=manifest(image), imageTag=tag)
    boto3.client("ecr", region_name=SEOUL).create_repository(repositoryName="seoul-only")
    return ecr


def by_name(result):
    return {repo["name"]: (repo["tagged_images"], repo["tags"]) for repo in result["repositories"]}


def test_reads_only_its_region_while_the_primary_is_down(emulator, tokyo, run_module):
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("ecr_image_info", dict(region=TOKYO, repository_prefixes=["auth", "team"]))
    assert not result.failed and not result.changed, result
    assert by_name(result) == {"auth-service": (2, ["latest", "v1", "v2"]), "team-service": (0, [])}
    assert result["repositories"][0]["uri"].endswith("/auth-service") and result["missing"] == []
    calls = emulator.requests(since)
    assert calls and {call["region"] for call in calls} == {TOKYO}
    assert emulator.mutating_calls(since=since) == []


def test_named_repositories_report_the_missing_ones_in_check_mode(emulator, tokyo, run_module):
    since = emulator.last_seq()
    result = run_module(
        "ecr_image_info", dict(region=TOKYO, repositories=["infra-bot", "seoul-only"], registry_id=ACCOUNT), check=True
    )
    assert not result.failed and not result.changed, result
    assert by_name(result) == {"infra-bot": (1, ["latest"])} and result["missing"] == ["seoul-only"]
    assert emulator.mutating_calls(since=since) == []


def test_bad_input_is_refused_before_any_call(emulator, run_module):
    since = emulator.last_seq()
    result = run_module("ecr_image_info", dict(region=TOKYO, max_concurrency=0))
    assert result.failed and "max_concurrency must be 1 or more, got 0" in result["msg"], result
    assert emulator.requests(since) == []


def test_an_unreachable_region_is_an_error_naming_it(emulator, run_module):
    emulator.region_down(TOKYO)
    result = run_module("ecr_image_info", dict(region=TOKYO))
    assert result.failed and "cannot list the ECR repositories of ap-northeast-1" in result["msg"], result


def test_throttling_is_survived(emulator, tokyo, run_module):
    emulator.add_fault("ecr", count=3)
    result = run_module("ecr_image_info", dict(region=TOKYO))
    assert not result.failed, result
    assert emulator.faults()[0]["injected"] == 3
    assert set(by_name(result)) == {"auth-service", "team-service", "infra-bot"}


def test_examples_run(emulator, tokyo, run_examples):
    result = run_examples("ecr_image_info", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "auth-service: 2 tagged image(s), tags latest, v1, v2" in result.stdout
    assert "missing in Tokyo: slack-monitoring-bot" in result.stdout
