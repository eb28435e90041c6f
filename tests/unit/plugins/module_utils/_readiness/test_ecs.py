"""Readiness of dr_ecs (plugins/module_utils/_readiness/ecs.py): every check's pass, fail and not checked."""

import copy

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import counts
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import definitions
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import ecs
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.{SEOUL}.amazonaws.com/fileflow:1.4.2"
SERVICES = [
    {
        "name": "fileflow-dr-service",
        "primary_name": "fileflow-prod-service",
        "task_definition": "fileflow-dr",
        "primary_task_definition": "fileflow-prod",
        "environment": {"DB_HOST": "db.tokyo"},
    }
]


def error(code, operation):
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


def primary_definition():
    return {
        "taskDefinitionArn": f"arn:aws:ecs:{SEOUL}:{ACCOUNT}:task-definition/fileflow-prod:15",
        "family": "fileflow-prod",
        "revision": 15,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": [
            {
                "name": "app",
                "image": IMAGE,
                "environment": [{"name": "AWS_REGION", "value": SEOUL}, {"name": "DB_HOST", "value": "db.seoul"}],
            }
        ],
    }


def dr_definition(revision=3):
    wanted, _dummy = definitions.rewrite(
        primary_definition(), SEOUL, TOKYO, family="fileflow-dr", environment={"DB_HOST": "db.tokyo"}
    )
    return dict(
        wanted,
        taskDefinitionArn=f"arn:aws:ecs:{TOKYO}:{ACCOUNT}:task-definition/fileflow-dr:{revision}",
        revision=revision,
        status="ACTIVE",
    )


def service(name="fileflow-dr-service", desired=0, running=0, tag="4", family="fileflow-dr"):
    return {
        "serviceName": name,
        "serviceArn": f"arn:aws:ecs:{TOKYO}:{ACCOUNT}:service/c/{name}",
        "status": "ACTIVE",
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": 0,
        "taskDefinition": f"arn:aws:ecs:{TOKYO}:{ACCOUNT}:task-definition/{family}:3",
        "tags": [{"key": counts.COUNT_TAG, "value": tag}] if tag is not None else [],
    }


class FakeECS:
    def __init__(self, cluster="ACTIVE", definitions_by_name=None, services=(), fail=None):
        self.cluster = cluster
        self.definitions = definitions_by_name or {}
        self.services = {s["serviceName"]: s for s in services}
        self.fail = fail or {}
        self.calls = []

    def _maybe_fail(self, operation):
        self.calls.append(operation)
        if operation in self.fail:
            raise self.fail[operation]

    def describe_clusters(self, clusters, aws_retry=False):
        self._maybe_fail("DescribeClusters")
        return {"clusters": [{"clusterName": clusters[0], "status": self.cluster}] if self.cluster else []}

    def describe_services(self, cluster, services, include, aws_retry=False):
        self._maybe_fail("DescribeServices")
        return {"services": [self.services[name] for name in services if name in self.services]}

    def get_paginator(self, operation):
        fake = self

        class Pages:
            def paginate(self, familyPrefix, **kwargs):  # noqa: N803 (boto3's names)
                fake._maybe_fail("ListTaskDefinitions")
                yield {
                    "taskDefinitionArns": [
                        d["taskDefinitionArn"] for d in fake.definitions.values() if d["family"] == familyPrefix
                    ]
                }

        return Pages()

    def describe_task_definition(self, taskDefinition, include, aws_retry=False):  # noqa: N803
        self._maybe_fail("DescribeTaskDefinition")
        for definition in self.definitions.values():
            if taskDefinition in (definition["taskDefinitionArn"], definition["family"]):
                return {"taskDefinition": copy.deepcopy(definition), "tags": []}
        raise error("ClientException", "DescribeTaskDefinition")


class FakeECR:
    def __init__(self, images=(), fail=None):
        self.images = set(images)
        self.fail = fail

    def describe_images(self, registryId, repositoryName, imageIds, aws_retry=False):  # noqa: N803
        if self.fail:
            raise self.fail
        if (repositoryName, imageIds[0].get("imageTag")) not in self.images:
            raise error("ImageNotFoundException", "DescribeImages")
        return {"imageDetails": [{"imageDigest": "sha256:abc"}]}


def context(dr_ecs=None, primary_ecs=None, ecr=None, reachable=True, services=None):
    dr_ecs = dr_ecs or FakeECS(definitions_by_name={"dr": dr_definition()}, services=[service()])
    primary_ecs = primary_ecs or FakeECS(
        definitions_by_name={"prod": primary_definition()},
        services=[service("fileflow-prod-service", desired=4, running=4, tag=None)],
    )
    ecr = ecr or FakeECR([("fileflow", "1.4.2")])
    clients = {("ecs", TOKYO): dr_ecs, ("ecs", SEOUL): primary_ecs, ("ecr", TOKYO): ecr}

    def factory(service_name, region):
        return clients[(service_name, region)]

    spec = {
        "name": "ecs",
        "region": TOKYO,
        "primary_region": SEOUL,
        "primary_reachable": reachable,
        "options": {
            "cluster": "fileflow-dr-cluster",
            "primary_cluster": "fileflow-prod-cluster",
            "services": services or SERVICES,
            "image_map": {},
            "rewrite_environment": True,
        },
    }
    return ReadinessContext(factory, spec)


def by_check(results):
    return {r["check"]: r for r in results}


def test_everything_ready_passes():
    results = by_check(ecs.check(context()))
    assert {name: r["status"] for name, r in results.items()} == {
        "cluster": "pass",
        "task_definitions": "pass",
        "task_definitions_current": "pass",
        "images_in_dr": "pass",
        "services_standby": "pass",
        "primary_services": "pass",
    }
    assert results["services_standby"]["evidence"]["fileflow-dr-service"]["recorded"] == 4
    assert results["primary_services"]["side"] == "primary"


def test_primary_down_calls_only_dr_and_reports_primary_checks_not_checked():
    primary = FakeECS(fail={"DescribeServices": AssertionError("called")})
    results = by_check(ecs.check(context(primary_ecs=primary, reachable=False)))
    assert primary.calls == []
    for name in ("task_definitions_current", "primary_services"):
        assert results[name]["status"] == "not_checked" and results[name]["side"] == "primary"
    assert results["services_standby"]["status"] == "pass"


def test_missing_or_inactive_things_fail_with_the_fix():
    dr = FakeECS(cluster="INACTIVE", definitions_by_name={}, services=[service(desired=2, running=2)])
    results = by_check(ecs.check(context(dr_ecs=dr)))
    assert results["cluster"]["status"] == "fail" and "dr_ecs main" in results["cluster"]["fix"]
    assert (
        results["task_definitions"]["status"] == "fail"
        and "no ACTIVE revision of fileflow-dr" in results["task_definitions"]["reason"]
    )
    assert results["task_definitions_current"]["status"] == "fail"
    assert results["services_standby"]["status"] == "fail" and "failback" in results["services_standby"]["fix"]


def test_a_stale_dr_revision_fails_current():
    stale = dr_definition()
    stale["containerDefinitions"][0]["environment"][1]["value"] = "db.old"
    dr = FakeECS(definitions_by_name={"dr": stale}, services=[service()])
    result = by_check(ecs.check(context(dr_ecs=dr)))["task_definitions_current"]
    assert result["status"] == "fail" and "fileflow-dr differs from fileflow-prod:15" in result["reason"]


def test_an_image_missing_in_dr_fails():
    result = by_check(ecs.check(context(ecr=FakeECR([]))))["images_in_dr"]
    assert result["status"] == "fail" and "is not in ap-northeast-1's ECR" in result["reason"]


@pytest.mark.parametrize("tag, message", [(None, "no active count recorded"), ("x", "not a count")])
def test_standby_without_a_usable_record_fails(tag, message):
    dr = FakeECS(definitions_by_name={"dr": dr_definition()}, services=[service(tag=tag)])
    result = by_check(ecs.check(context(dr_ecs=dr)))["services_standby"]
    assert result["status"] == "fail" and message in result["reason"]


def test_a_service_on_another_family_or_missing_fails():
    dr = FakeECS(definitions_by_name={"dr": dr_definition()}, services=[service(family="other")])
    assert "runs other, not fileflow-dr" in by_check(ecs.check(context(dr_ecs=dr)))["services_standby"]["reason"]
    dr = FakeECS(definitions_by_name={"dr": dr_definition()}, services=[])
    assert "not found in cluster" in by_check(ecs.check(context(dr_ecs=dr)))["services_standby"]["reason"]
    primary = FakeECS(definitions_by_name={"prod": primary_definition()}, services=[])
    assert by_check(ecs.check(context(primary_ecs=primary)))["primary_services"]["status"] == "fail"


@pytest.mark.parametrize(
    "operation, checks",
    [
        ("DescribeClusters", ["cluster"]),
        ("ListTaskDefinitions", ["task_definitions", "images_in_dr", "task_definitions_current"]),
        ("DescribeServices", ["services_standby"]),
    ],
)
def test_a_throttled_dr_read_is_not_checked_never_absent(operation, checks):
    dr = FakeECS(
        definitions_by_name={"dr": dr_definition()},
        services=[service()],
        fail={operation: error("ThrottlingException", operation)},
    )
    results = by_check(ecs.check(context(dr_ecs=dr)))
    for name in checks:
        assert results[name]["status"] == "not_checked", name
        assert "ThrottlingException" in results[name]["reason"] or "could not be read" in results[name]["reason"]


def test_throttled_primary_and_ecr_reads_are_not_checked():
    primary = FakeECS(
        fail={
            "DescribeTaskDefinition": error("ThrottlingException", "DescribeTaskDefinition"),
            "DescribeServices": error("ThrottlingException", "DescribeServices"),
        }
    )
    ecr = FakeECR(fail=error("ThrottlingException", "DescribeImages"))
    results = by_check(ecs.check(context(primary_ecs=primary, ecr=ecr)))
    for name in ("task_definitions_current", "primary_services", "images_in_dr"):
        assert results[name]["status"] == "not_checked", name


def test_ecr_reference_parses_tags_digests_and_other_registries():
    assert ecs.ecr_reference(IMAGE) == (ACCOUNT, SEOUL, "fileflow", "1.4.2")
    assert ecs.ecr_reference(f"{ACCOUNT}.dkr.ecr.{TOKYO}.amazonaws.com/team/api@sha256:ab") == (
        ACCOUNT,
        TOKYO,
        "team/api",
        "sha256:ab",
    )
    assert ecs.ecr_reference(f"{ACCOUNT}.dkr.ecr.{TOKYO}.amazonaws.com/api")[3] == "latest"
    assert ecs.ecr_reference("public.ecr.aws/x/y:1") is None
