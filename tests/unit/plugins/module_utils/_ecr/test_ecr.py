"""The _ecr package (ecr_replication): rule merging and backfill planning."""

import json

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import backfill
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import images
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import rules as ecr

TOKYO = ecr.destination_of("ap-northeast-1", "123456789012")
OSAKA = ecr.destination_of("ap-northeast-3", "123456789012")
PREFIX = backfill.DEFAULT_TEMP_TAG_PREFIX


def rule(*destinations, filters=None):
    out = {"destinations": [dict(d) for d in destinations]}
    if filters:
        out["repositoryFilters"] = ecr.normalize_filters(filters)
    return out


def test_merge_into_empty_rules_adds_one_rule():
    assert ecr.merge_destination([], TOKYO, []) == [rule(TOKYO)]
    assert ecr.merge_destination([], TOKYO, ["team", "auth"]) == [rule(TOKYO, filters=["auth", "team"])]


def test_merge_joins_the_rule_with_the_same_filters():
    rules = [rule(OSAKA, filters=["auth"])]
    assert ecr.merge_destination(rules, TOKYO, ["auth"]) == [rule(OSAKA, TOKYO, filters=["auth"])]
    assert rules == [rule(OSAKA, filters=["auth"])]  # input untouched


def test_merge_moves_our_destination_out_of_rules_with_other_filters():
    rules = [rule(OSAKA, TOKYO), rule(TOKYO, filters=["old"])]
    assert ecr.merge_destination(rules, TOKYO, ["new"]) == [rule(OSAKA), rule(TOKYO, filters=["new"])]


def test_merge_is_idempotent_and_deduplicates():
    rules = [rule(TOKYO, filters=["auth"]), rule(TOKYO, OSAKA, filters=["auth"])]
    merged = ecr.merge_destination(rules, TOKYO, ["auth"])
    assert merged == [rule(TOKYO, filters=["auth"]), rule(OSAKA, filters=["auth"])]
    assert ecr.same_rules(ecr.merge_destination(merged, TOKYO, ["auth"]), merged)


def test_remove_destination_drops_empty_rules():
    rules = [rule(OSAKA, TOKYO), rule(TOKYO, filters=["x1"])]
    assert ecr.remove_destination(rules, TOKYO) == [rule(OSAKA)]
    assert ecr.remove_destination([], TOKYO) == []


def test_same_rules_ignores_order():
    a = [rule(TOKYO, OSAKA, filters=["b1", "a1"]), rule(OSAKA)]
    b = [
        rule(OSAKA),
        {
            "destinations": [OSAKA, TOKYO],
            "repositoryFilters": [
                {"filter": "a1", "filterType": "PREFIX_MATCH"},
                {"filter": "b1", "filterType": "PREFIX_MATCH"},
            ],
        },
    ]
    assert ecr.same_rules(a, b)
    assert not ecr.same_rules(a, [rule(OSAKA)])


def test_rule_for_matches_and_destinations():
    rules = [rule(OSAKA), rule(TOKYO, filters=["auth"])]
    assert ecr.rule_for(rules, TOKYO) == rules[1]
    assert ecr.rule_for([rule(OSAKA)], TOKYO) is None
    assert ecr.matches([], "anything") and ecr.matches(["auth"], "auth-service")
    assert not ecr.matches(["auth"], "team-service")
    assert ecr.unique_destinations(rules) == {("ap-northeast-3", "123456789012"), ("ap-northeast-1", "123456789012")}


def test_blob_digests_of_images_indexes_and_schema1():
    image = json.dumps(
        {
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:c"},
            "layers": [{"digest": "sha256:a"}, {"digest": "sha256:a"}],
        }
    )
    assert backfill.blob_digests(image) == ("image", ["sha256:c", "sha256:a"])
    index = json.dumps(
        {
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"digest": "sha256:m1"}, {"digest": "sha256:m2"}],
        }
    )
    assert backfill.blob_digests(index) == ("index", ["sha256:m1", "sha256:m2"])
    assert backfill.blob_digests(json.dumps({"fsLayers": [{"blobSum": "sha256:b"}]})) == ("image", ["sha256:b"])
    assert backfill.blob_digests("not json") == ("unknown", [])


def detail(digest, *tags, pushed=0):
    return {
        "imageDigest": digest,
        "imageTags": list(tags),
        "imagePushedAt": pushed,
        "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json",
    }


def test_plan_images_finds_missing_moved_and_temporary_tags():
    source = [
        detail("sha256:" + "1" * 64, "v1", "v1.0", pushed=1),
        detail("sha256:" + "2" * 64, "v2", PREFIX + "2" * 16, pushed=2),
        detail("sha256:" + "3" * 64, pushed=3),
        detail("sha256:" + "4" * 64, "latest", pushed=4),
    ]
    destination = [
        detail("sha256:" + "1" * 64, "v1"),
        detail("sha256:" + "2" * 64, PREFIX + "2" * 16),
        detail("sha256:" + "9" * 64, "latest"),
    ]
    plans, untagged = backfill.plan_images(source, destination, PREFIX)
    by_digest = {p["digest"][7:8]: p for p in plans}
    assert untagged == ["sha256:" + "3" * 64]
    assert by_digest["1"]["missing_tags"] == ["v1.0"] and by_digest["1"]["in_destination"]
    assert by_digest["2"]["tags"] == ["v2"] and by_digest["2"]["temp_tags"] == [PREFIX + "2" * 16]
    assert by_digest["2"]["dest_temp_tags"] == [PREFIX + "2" * 16]
    assert by_digest["4"]["missing_tags"] == ["latest"] and not by_digest["4"]["in_destination"]  # tag moved away


@pytest.mark.parametrize(
    "in_destination, missing, layers, expected",
    [
        (True, [], None, "present"),
        (True, ["v1.0"], None, "retag"),
        (False, ["v1"], True, "direct"),
        (False, ["v1"], False, "trigger"),
        (False, ["v1"], None, "trigger"),
    ],
)
def test_action_for(in_destination, missing, layers, expected):
    plan = {"in_destination": in_destination, "missing_tags": missing}
    assert backfill.action_for(plan, layers) == expected


def test_temp_tags():
    digest = "sha256:" + "ab" * 32
    assert backfill.temp_tag(PREFIX, digest) == PREFIX + "ab" * 8
    assert backfill.real_tags(["latest", PREFIX + "x", "v1"], PREFIX) == ["latest", "v1"]
    assert backfill.needs_cleanup({"temp_tags": [], "dest_temp_tags": ["t"]})
    assert not backfill.needs_cleanup({"temp_tags": [], "dest_temp_tags": []})


@pytest.mark.parametrize(
    "registry_id, ok",
    [
        (None, True),
        ("123456789012", True),
        ("12345678901", False),
        ("1234567890123", False),
        ("12345678901a", False),
        ("", False),
        (" 123456789012", False),
    ],
)
def test_registry_id_problem(registry_id, ok):
    problem = ecr.registry_id_problem(registry_id)
    assert (problem is None) == ok
    if not ok:
        assert repr(registry_id) in problem and "12 digits" in problem


def test_backfill_problem_only_for_another_accounts_registry():
    assert ecr.backfill_problem("123456789012", "123456789012", "ap-northeast-2", "ap-northeast-1") is None
    problem = ecr.backfill_problem("123456789012", "210987654321", "ap-northeast-2", "ap-northeast-1")
    assert "registry 210987654321 in ap-northeast-1" in problem
    assert "registry 123456789012, the source in ap-northeast-2" in problem
    assert "backfill: false" in problem and "leave registry_id unset" in problem


class RecordingClient:
    """An ECR client stand-in that records every call with its arguments."""

    def __init__(self, images):
        self.images, self.calls = images, []

    def get_paginator(self, operation):
        client = self

        class Paginator:
            def paginate(self, **kwargs):
                client.calls.append((operation, kwargs))
                key = "imageDetails" if operation == "describe_images" else "repositories"
                value = client.images if key == "imageDetails" else [{"repositoryName": "auth-service"}]
                return type("Pages", (), {"build_full_result": lambda _self: {key: value}})()

        return Paginator()

    def __getattr__(self, operation):
        def call(**kwargs):
            self.calls.append((operation, kwargs))
            if operation == "batch_get_image":
                return {
                    "images": [
                        {
                            "imageId": {"imageDigest": i["imageDigest"]},
                            "imageManifest": json.dumps({"config": {"digest": "sha256:c"}}),
                        }
                        for i in self.images
                    ]
                }
            if operation == "batch_check_layer_availability":
                return {"layers": [{"layerDigest": "sha256:c", "layerAvailability": "UNAVAILABLE"}]}
            if operation == "batch_delete_image":
                return {"imageIds": kwargs["imageIds"]}
            return {}

        return call


def test_every_backfill_call_names_its_own_sides_registry():
    digest = "sha256:" + "1" * 64
    source = images.Registry(RecordingClient([detail(digest, "v1")]), "ap-northeast-2", "111111111111")
    dest = images.Registry(RecordingClient([]), "ap-northeast-1", "222222222222")
    params = {"temp_tag_prefix": PREFIX, "repositories": [], "repository_prefixes": [], "max_concurrency": 1}
    names, work = backfill.plan_backfill(params, source, dest)
    plan = work[0]["plans"][0]
    assert names == ["auth-service"] and plan["action"] == "trigger"
    backfill.start_repository(source, dest, work[0], params)
    backfill.finish_image(source, dest, dict(plan, dest_temp_tags=[PREFIX + "1" * 16]), params, True)
    backfill.arrived(dest, [plan])
    for side in (source, dest):
        assert side.client.calls, side.region
        assert all(kwargs.get("registryId") == side.registry_id for _dummy, kwargs in side.client.calls), (
            side.client.calls
        )
    assert {op for op, _dummy in source.client.calls} == {
        "describe_repositories",
        "describe_images",
        "batch_get_image",
        "put_image",
        "batch_delete_image",
    }
    assert {op for op, _dummy in dest.client.calls} == {
        "describe_images",
        "batch_check_layer_availability",
        "put_image",
        "batch_delete_image",
    }
