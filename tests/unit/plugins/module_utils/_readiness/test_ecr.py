"""Readiness checks of dr_ecr: replication rule, images in DR, DR repositories."""

import pytest
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

PRIMARY, DR = "ap-northeast-2", "ap-northeast-1"
ACCOUNT = "123456789012"
OPTIONS = {"repository_prefixes": ["auth", "team"], "registry_id": "", "repositories": []}
THROTTLED = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "Call")


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """A throttled paginated read is retried with AWSRetry's back-off first: skip its sleeps."""
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)


def digest(n):
    return "sha256:" + str(n) * 64


def image(n, *tags):
    return {"imageDigest": digest(n), "imageTags": list(tags), "imagePushedAt": n}


def rule(prefixes=("auth", "team"), region=DR):
    out = {"destinations": [{"region": region, "registryId": ACCOUNT}]}
    if prefixes:
        out["repositoryFilters"] = [{"filter": p, "filterType": "PREFIX_MATCH"} for p in sorted(prefixes)]
    return out


def ready_world():
    repositories = {
        "auth-service": [image(1, "latest")],
        "team-service": [image(2, "1.0", "latest")],
        "infra-bot": [image(3, "latest")],
    }
    return {
        "rules": {PRIMARY: [rule()]},
        "repositories": {
            PRIMARY: dict(repositories),
            DR: {"auth-service": [image(1, "latest")], "team-service": [image(2, "1.0", "latest")]},
        },
        "errors": {},
    }


class Pages:
    def __init__(self, result):
        self.result = result

    def build_full_result(self):
        return self.result


class FakeECR:
    def __init__(self, world, region):
        self.world, self.region = world, region

    def _fail(self, operation, repository=None):
        failure = self.world["errors"].get((self.region, operation, repository))
        if failure:
            raise failure

    def describe_registry(self, aws_retry=False):
        self._fail("describe_registry")
        return {"registryId": ACCOUNT, "replicationConfiguration": {"rules": self.world["rules"].get(self.region, [])}}

    def get_paginator(self, operation):
        client = self

        class Paginator:
            def paginate(self, registryId=None, repositoryName=None, **kwargs):
                assert registryId in (None, ACCOUNT)
                client._fail(operation, repositoryName)
                repositories = client.world["repositories"][client.region]
                if operation == "describe_repositories":
                    return Pages({"repositories": [{"repositoryName": name} for name in repositories]})
                if repositoryName not in repositories:
                    raise ClientError({"Error": {"Code": "RepositoryNotFoundException", "Message": "no"}}, operation)
                images = repositories[repositoryName]
                if operation == "describe_images":
                    return Pages({"imageDetails": images})
                assert operation == "list_images" and kwargs["filter"] == {"tagStatus": "TAGGED"}
                return Pages(
                    {
                        "imageIds": [
                            {"imageDigest": i["imageDigest"], "imageTag": t} for i in images for t in i["imageTags"]
                        ]
                    }
                )

        return Paginator()


class Clients:
    def __init__(self, world):
        self.world, self.asked = world, []

    def __call__(self, service, region):
        assert service == "ecr"
        self.asked.append(region)
        return FakeECR(self.world, region)


def run(world, primary_reachable=True, **options):
    clients = Clients(world)
    spec = {
        "name": "ecr",
        "region": DR,
        "primary_region": PRIMARY,
        "primary_reachable": primary_reachable,
        "options": dict(OPTIONS, **options),
    }
    results = COMPONENTS["ecr"](ReadinessContext(clients, spec))
    return results, clients


def by_check(results):
    return {r["check"]: r for r in results}


def test_the_rule_and_the_images_pass_when_dr_has_everything():
    results, _dummy = run(ready_world())
    assert [(r["check"], r["status"], r["side"]) for r in results] == [
        ("replication rule", "pass", "primary"),
        ("images in DR", "pass", "primary"),
    ]
    assert results[0]["reason"] == f"the {PRIMARY} registry replicates to {DR} for prefixes auth, team"
    assert results[1]["reason"] == f"2 tagged image(s) of 2 repositories are all in {DR}"
    assert results[1]["evidence"]["repositories"] == ["auth-service", "team-service"]


def test_every_repository_with_one_not_replicated_fails_both():
    results, _dummy = run(ready_world(), repository_prefixes=[])
    checks = by_check(results)
    assert checks["replication rule"]["status"] == "fail"
    assert checks["replication rule"]["reason"] == f"the {PRIMARY} registry does not replicate to {DR}"
    assert "dr_ecr role" in checks["replication rule"]["fix"]
    assert checks["images in DR"]["status"] == "fail"
    assert f"1 of 3 tagged image(s) missing in {DR}: infra-bot:latest" == checks["images in DR"]["reason"]
    assert "dr_ecr_backfill: true" in checks["images in DR"]["fix"]


@pytest.mark.parametrize("rules", [[], [rule(region="ap-northeast-3")], [rule(prefixes=("auth",))]])
def test_a_rule_to_elsewhere_or_for_other_prefixes_fails(rules):
    world = ready_world()
    world["rules"][PRIMARY] = rules
    assert by_check(run(world)[0])["replication rule"]["status"] == "fail"


def test_a_missing_tag_counts_as_missing():
    world = ready_world()
    world["repositories"][DR]["team-service"] = [image(2, "latest")]
    checks = by_check(run(world)[0])
    assert checks["images in DR"]["status"] == "fail"
    assert checks["images in DR"]["reason"].endswith("team-service:1.0,latest")


def test_named_repositories_that_do_not_exist_fail():
    checks = by_check(run(ready_world(), repositories=["auth-service", "nowhere"])[0])
    assert checks["images in DR"]["status"] == "fail"
    assert checks["images in DR"]["reason"] == f"repositories nowhere not found in {PRIMARY}"


@pytest.mark.parametrize(
    "failure, expected",
    [
        ((PRIMARY, "describe_registry", None), {"replication rule": "not_checked", "images in DR": "not_checked"}),
        ((PRIMARY, "describe_repositories", None), {"replication rule": "pass", "images in DR": "not_checked"}),
        ((DR, "describe_images", "team-service"), {"replication rule": "pass", "images in DR": "not_checked"}),
    ],
)
def test_a_throttled_read_is_not_checked_never_missing(failure, expected):
    world = ready_world()
    world["errors"][failure] = THROTTLED
    checks = by_check(run(world)[0])
    assert {name: r["status"] for name, r in checks.items()} == expected
    unknown = [r for r in checks.values() if r["status"] == "not_checked"]
    assert all("ThrottlingException" in r["reason"] and "missing" not in r["reason"] for r in unknown), unknown


def test_primary_down_reads_the_dr_repositories_only():
    results, clients = run(ready_world(), primary_reachable=False)
    assert set(clients.asked) == {DR}
    assert [(r["check"], r["status"], r["side"]) for r in results] == [
        ("replication rule", "not_checked", "primary"),
        ("images in DR", "not_checked", "primary"),
        ("DR repositories", "pass", "dr"),
    ]
    assert results[0]["reason"].startswith("not checked: the primary region is unreachable")
    assert results[2]["reason"] == f"2 repositories in {DR} hold 2 tagged image(s) (read in {DR} only)"


def test_primary_down_missing_empty_or_no_repositories_fail():
    world = ready_world()
    results, _dummy = run(world, primary_reachable=False, repositories=["auth-service", "infra-bot"])
    assert (results[2]["status"], results[2]["reason"]) == ("fail", f"not in {DR}: infra-bot")

    world["repositories"][DR]["auth-service"] = []
    results, _dummy = run(world, primary_reachable=False)
    assert (results[2]["status"], results[2]["reason"]) == ("fail", f"no tagged image in {DR}: auth-service")

    results, _dummy = run(world, primary_reachable=False, repository_prefixes=["web"])
    assert (results[2]["status"], results[2]["reason"]) == ("fail", f"no repositories starting with web in {DR}")


@pytest.mark.parametrize("failure", [(DR, "describe_repositories", None), (DR, "list_images", "auth-service")])
def test_primary_down_a_throttled_dr_read_is_not_checked(failure):
    world = ready_world()
    world["errors"][failure] = THROTTLED
    results, _dummy = run(world, primary_reachable=False)
    assert results[2]["status"] == "not_checked" and "ThrottlingException" in results[2]["reason"]
