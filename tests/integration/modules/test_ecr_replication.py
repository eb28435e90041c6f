"""ecr_replication against the emulator (which really replicates pushed images)."""

import hashlib
import json

import boto3
import botocore.client
import pytest

SEOUL, TOKYO, OSAKA = "ap-northeast-2", "ap-northeast-1", "ap-northeast-3"
ACCOUNT = "123456789012"
OTHER = "210987654321"  # another account's registry
NO_REGISTRY_ID = {"DescribeRegistry", "PutReplicationConfiguration"}  # calls on the caller's registry only
TEMP = "pilotlight-backfill-"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest(name):
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7,
                "digest": digest_of(f"{name}/config".encode()),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 6,
                    "digest": digest_of(f"{name}/layer".encode()),
                }
            ],
        }
    )


def ecr(region):
    return boto3.client("ecr", region_name=region)


def push(repository, name, *tags, region=SEOUL):
    client = ecr(region)
    digest = None
    for tag in tags:
        digest = client.put_image(repositoryName=repository, imageManifest=manifest(name), imageTag=tag)["image"][
            "imageId"
        ]["imageDigest"]
    return digest


def images(region, repository):
    try:
        details = ecr(region).describe_images(repositoryName=repository)["imageDetails"]
    except ecr(region).exceptions.RepositoryNotFoundException:
        return None
    return {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in details}


@pytest.fixture
def registry(emulator):
    """Seoul: auth-service (v1, v1.0 on one image; v2) and infra-bot (latest), all pushed before any rule."""
    seoul = ecr(SEOUL)
    for name in ("auth-service", "infra-bot"):
        seoul.create_repository(repositoryName=name)
    return {
        "auth-v1": push("auth-service", "auth-1", "v1", "v1.0"),
        "auth-v2": push("auth-service", "auth-2", "v2"),
        "bot": push("infra-bot", "bot-1", "latest"),
    }


@pytest.fixture
def ecr_calls(monkeypatch):
    """[(region, operation, params)] of every ECR call made in this process (modules run in-process)."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        if self.meta.service_model.service_name == "ecr":
            calls.append((self.meta.region_name, operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def test_check_mode_predicts_rules_and_backfill_without_changes(emulator, registry, run_module):
    since = emulator.last_seq()
    result = run_module(
        "ecr_replication", dict(source_region=SEOUL, region=TOKYO, backfill=True), check=True, diff=True
    )
    assert result.changed and not result.failed, result
    assert emulator.mutating_calls(since=since) == []
    assert result["rule"] == {"destinations": [{"region": TOKYO, "registry_id": ACCOUNT}]}
    assert result["diff"] == {
        "before": {"rules": []},
        "after": {"rules": [{"destinations": [{"region": TOKYO, "registryId": ACCOUNT}]}]},
    }
    backfill = result["backfill"]
    assert backfill["repositories"] == ["auth-service", "infra-bot"]
    assert (backfill["images"], backfill["missing"], backfill["triggered"]) == (3, 3, 3)
    assert ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"] == []


def test_apply_brings_old_images_with_all_tags_and_reruns_clean(emulator, registry, run_module):
    result = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, backfill=True))
    assert result.changed and not result.failed, result
    assert result["backfill"]["triggered"] == 3 and result["backfill"]["pending"] == []
    assert result["backfill"]["temp_tags_removed"] == 6  # one in each region per image
    assert images(TOKYO, "auth-service") == {registry["auth-v1"]: ["v1", "v1.0"], registry["auth-v2"]: ["v2"]}
    assert images(TOKYO, "infra-bot") == {registry["bot"]: ["latest"]}
    assert images(SEOUL, "auth-service") == {registry["auth-v1"]: ["v1", "v1.0"], registry["auth-v2"]: ["v2"]}
    rules = ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"]
    assert rules == [{"destinations": [{"region": TOKYO, "registryId": ACCOUNT}]}]

    since = emulator.last_seq()
    again = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, backfill=True))
    assert not again.changed, again
    assert (again["backfill"]["present"], again["backfill"]["missing"]) == (3, 0)
    assert emulator.mutating_calls(since=since) == []

    new = push("auth-service", "auth-3", "v3")
    emulator.settle()
    assert images(TOKYO, "auth-service")[new] == ["v3"]


def test_wait_false_starts_and_wait_true_finishes_without_pushing_twice(emulator, registry, run_module):
    emulator.configure(latency={"replication": 1.5})
    started = run_module(
        "ecr_replication",
        dict(source_region=SEOUL, region=TOKYO, backfill=True, repositories=["infra-bot"], wait=False),
    )
    assert started.changed and not started.failed, started
    assert [p["digest"] for p in started["backfill"]["pending"]] == [registry["bot"]]
    assert images(SEOUL, "infra-bot") == {registry["bot"]: sorted(["latest", TEMP + registry["bot"][7:23]])}

    since = emulator.last_seq()
    finished = run_module(
        "ecr_replication",
        dict(source_region=SEOUL, region=TOKYO, backfill=True, repositories=["infra-bot"], wait_timeout=30),
    )
    assert finished.changed and not finished.failed, finished
    assert emulator.calls(since=since, region=SEOUL, action="PutImage") == []
    assert images(TOKYO, "infra-bot") == {registry["bot"]: ["latest"]}
    assert images(SEOUL, "infra-bot") == {registry["bot"]: ["latest"]}
    assert images(TOKYO, "auth-service") is None  # not in this task's repositories


def test_missing_tags_are_added_and_present_layers_are_put_directly(emulator, registry, run_module):
    tokyo = ecr(TOKYO)
    tokyo.create_repository(repositoryName="auth-service")
    push("auth-service", "auth-1", "v1", region=TOKYO)  # v1.0 missing in DR
    # auth-2's blobs are already in the DR repository (as after an earlier push of another tag)
    config = b"auth-2/config"
    layer = b"auth-2/layer"
    for blob in (config, layer):
        upload = tokyo.initiate_layer_upload(repositoryName="auth-service")["uploadId"]
        tokyo.upload_layer_part(
            repositoryName="auth-service",
            uploadId=upload,
            partFirstByte=0,
            partLastByte=len(blob) - 1,
            layerPartBlob=blob,
        )
        tokyo.complete_layer_upload(repositoryName="auth-service", uploadId=upload, layerDigests=[digest_of(blob)])
    result = run_module(
        "ecr_replication", dict(source_region=SEOUL, region=TOKYO, backfill=True, repositories=["auth-service"])
    )
    assert not result.failed, result
    backfill = result["backfill"]
    assert (backfill["retagged"], backfill["copied_direct"], backfill["triggered"]) == (1, 1, 0)
    assert {d["digest"]: d["action"] for d in backfill["details"]} == {
        registry["auth-v1"]: "retag",
        registry["auth-v2"]: "direct",
    }
    assert images(TOKYO, "auth-service") == {registry["auth-v1"]: ["v1", "v1.0"], registry["auth-v2"]: ["v2"]}


def test_rules_are_merged_moved_and_removed(emulator, registry, run_module):
    ecr(SEOUL).put_replication_configuration(
        replicationConfiguration={
            "rules": [
                {"destinations": [{"region": OSAKA, "registryId": ACCOUNT}, {"region": TOKYO, "registryId": ACCOUNT}]}
            ]
        }
    )
    moved = run_module(
        "ecr_replication", dict(source_region=SEOUL, region=TOKYO, repository_prefixes=["infra", "auth"]), diff=True
    )
    assert moved.changed and not moved.failed, moved
    rules = ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"]
    assert rules == [
        {"destinations": [{"region": OSAKA, "registryId": ACCOUNT}]},
        {
            "destinations": [{"region": TOKYO, "registryId": ACCOUNT}],
            "repositoryFilters": [
                {"filter": "auth", "filterType": "PREFIX_MATCH"},
                {"filter": "infra", "filterType": "PREFIX_MATCH"},
            ],
        },
    ]
    since = emulator.last_seq()
    assert not run_module(
        "ecr_replication", dict(source_region=SEOUL, region=TOKYO, repository_prefixes=["auth", "infra"])
    ).changed
    assert emulator.mutating_calls(since=since) == []

    removed = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, state="absent"))
    assert removed.changed and removed["rule"] is None
    assert ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"] == [
        {"destinations": [{"region": OSAKA, "registryId": ACCOUNT}]}
    ]


def test_every_registry_call_names_its_registry(emulator, registry, run_module, ecr_calls):
    result = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, backfill=True))
    assert result.changed and not result.failed, result
    assert result["backfill"]["triggered"] == 3 and result["registry_id"] == ACCOUNT
    without = [
        (region, op)
        for region, op, params in ecr_calls
        if op not in NO_REGISTRY_ID and params.get("registryId") != ACCOUNT
    ]
    assert without == []
    used = {(region, op) for region, op, _dummy in ecr_calls}
    assert {
        (SEOUL, "DescribeImages"),
        (SEOUL, "PutImage"),
        (SEOUL, "BatchDeleteImage"),
        (SEOUL, "BatchGetImage"),
        (TOKYO, "DescribeImages"),
        (TOKYO, "PutImage"),
        (TOKYO, "BatchDeleteImage"),
    } <= used
    assert images(TOKYO, "infra-bot") == {registry["bot"]: ["latest"]}


def test_another_accounts_registry_gets_the_rule_but_no_backfill(emulator, registry, run_module, ecr_calls):
    since = emulator.last_seq()
    refused = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, registry_id=OTHER, backfill=True))
    assert refused.failed, refused
    assert f"backfill cannot write into registry {OTHER} in {TOKYO}" in refused["msg"]
    assert "backfill: false" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []
    # nothing read from or written to either side
    assert [call[1] for call in ecr_calls] == ["DescribeRegistry"]
    assert ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"] == []

    del ecr_calls[:]
    applied = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, registry_id=OTHER))
    assert applied.changed and not applied.failed, applied
    assert applied["registry_id"] == OTHER
    assert [op for _dummy, op, _dummy in ecr_calls] == ["DescribeRegistry", "PutReplicationConfiguration"]
    assert ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"] == [
        {"destinations": [{"region": TOKYO, "registryId": OTHER}]}
    ]
    push("auth-service", "auth-3", "v3")
    emulator.settle()
    assert images(TOKYO, "auth-service") is None  # went to the other account's registry, not the caller's


def test_check_mode_compares_with_the_other_accounts_registry(emulator, registry, run_module, ecr_calls):
    ecr(TOKYO).create_repository(repositoryName="infra-bot")
    push("infra-bot", "bot-1", "latest", region=TOKYO)  # in the caller's own Tokyo registry, not in OTHER's
    args = dict(source_region=SEOUL, region=TOKYO, backfill=True, repositories=["infra-bot"])
    own = run_module("ecr_replication", args, check=True)
    assert not own.failed and (own["backfill"]["present"], own["backfill"]["missing"]) == (1, 0), own

    del ecr_calls[:]
    since = emulator.last_seq()
    other = run_module("ecr_replication", dict(args, registry_id=OTHER), check=True)
    assert other.changed and not other.failed, other
    assert (other["backfill"]["present"], other["backfill"]["missing"]) == (0, 1)
    assert other["rule"] == {"destinations": [{"region": TOKYO, "registry_id": OTHER}]}
    assert emulator.mutating_calls(since=since) == []
    named = {(region, params.get("registryId")) for region, op, params in ecr_calls if op not in NO_REGISTRY_ID}
    assert named == {(SEOUL, ACCOUNT), (TOKYO, OTHER)}


def test_same_region_is_refused_even_for_another_account(emulator, registry, run_module, ecr_calls):
    since = emulator.last_seq()
    result = run_module("ecr_replication", dict(source_region=SEOUL, region=SEOUL, registry_id=OTHER))
    assert result.failed and "source_region and region are both ap-northeast-2" in result["msg"], result
    assert ecr_calls == [] and emulator.calls(since=since) == []
    assert ecr(SEOUL).describe_registry()["replicationConfiguration"]["rules"] == []


BAD_INPUT = [
    (dict(region=SEOUL), "source_region and region are both ap-northeast-2"),
    (dict(region=SEOUL, registry_id=OTHER), "source_region and region are both ap-northeast-2"),
    (dict(registry_id="12345"), "registry_id '12345' is not an AWS account id (12 digits)"),
    (dict(registry_id=OTHER, backfill=True), f"backfill cannot write into registry {OTHER}"),
    (dict(repository_prefixes=["Auth"]), "repository prefix 'Auth' is not valid"),
    (
        dict(repository_prefixes=["auth"], backfill=True, repositories=["infra-bot"]),
        "repositories infra-bot do not match repository_prefixes auth",
    ),
    (dict(backfill=True, repositories=["nowhere"]), "repositories nowhere not found in ap-northeast-2"),
    (dict(repositories=["auth-service"]), "repositories limits the backfill: set backfill: true"),
    (dict(state="absent", backfill=True), "backfill and repositories apply to state: present only"),
    (dict(temp_tag_prefix="-bad"), "temp_tag_prefix '-bad' cannot start a Docker tag"),
    (dict(wait_timeout=0), "wait_timeout must be 1 or more"),
]


def test_bad_input_fails_before_any_change(emulator, registry, run_module):
    since = emulator.last_seq()
    for extra, message in BAD_INPUT:
        result = run_module("ecr_replication", dict(dict(source_region=SEOUL, region=TOKYO), **extra))
        assert result.failed and message in result["msg"], (extra, result)
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, registry, run_module):
    emulator.add_fault("ecr", count=3)
    result = run_module("ecr_replication", dict(source_region=SEOUL, region=TOKYO, backfill=True))
    assert result.changed and not result.failed, result
    assert emulator.faults()[0]["injected"] == 3
    assert images(TOKYO, "infra-bot") == {registry["bot"]: ["latest"]}


def test_examples_run(emulator, run_examples):
    seoul = ecr(SEOUL)
    for name in ("auth-service", "infra-bot", "slack-monitoring-bot"):
        seoul.create_repository(repositoryName=name)
        push(name, name, "latest")
    result = run_examples("ecr_replication", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 images already in Tokyo, 3 brought over" in result.stdout
    assert images(TOKYO, "slack-monitoring-bot") == images(SEOUL, "slack-monitoring-bot")
