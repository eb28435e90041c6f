"""Task definitions rewritten for DR (plugins/module_utils/_ecs: definitions, and the registry calls)."""

import copy

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import definitions
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import registry

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SECRET = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:fileflow/db-AbCdEf"


def described(**extra):
    out = {
        "taskDefinitionArn": "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/fileflow-prod:15",
        "family": "fileflow-prod",
        "revision": 15,
        "status": "ACTIVE",
        "compatibilities": ["EC2", "FARGATE"],
        "requiresAttributes": [{"name": "ecs.capability.secrets.asm.environment-variables"}],
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "executionRoleArn": "arn:aws:iam::123456789012:role/fileflow-exec",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fileflow:1.4.2",
                "portMappings": [{"containerPort": 8080}],
                "environment": [
                    {"name": "AWS_REGION", "value": "ap-northeast-2"},
                    {"name": "DB_HOST", "value": "fileflow-db.abc.ap-northeast-2.rds.amazonaws.com"},
                    {"name": "FEATURE", "value": "on"},
                ],
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-region": "ap-northeast-2", "awslogs-group": "/ecs/fileflow"},
                },
            },
            {"name": "sidecar", "image": "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"},
        ],
    }
    out.update(extra)
    return out


def test_rewrite_points_everything_regional_at_dr():
    wanted, changes = definitions.rewrite(
        described(),
        SEOUL,
        TOKYO,
        family="fileflow-dr",
        environment={"DB_HOST": "fileflow-dr-db.abc.ap-northeast-1.rds.amazonaws.com"},
    )
    app = wanted["containerDefinitions"][0]
    assert wanted["family"] == "fileflow-dr"
    assert "revision" not in wanted and "taskDefinitionArn" not in wanted and "requiresAttributes" not in wanted
    assert app["image"] == "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/fileflow:1.4.2"
    assert app["secrets"][0]["valueFrom"] == SECRET.replace(SEOUL, TOKYO)
    assert app["logConfiguration"]["options"] == {"awslogs-region": TOKYO, "awslogs-group": "/ecs/fileflow"}
    assert {v["name"]: v["value"] for v in app["environment"]} == {
        "AWS_REGION": TOKYO,
        "DB_HOST": "fileflow-dr-db.abc.ap-northeast-1.rds.amazonaws.com",
        "FEATURE": "on",
    }
    # A public image is not regional; nothing else changed.
    assert wanted["containerDefinitions"][1]["image"].startswith("public.ecr.aws/")
    assert wanted["executionRoleArn"] == described()["executionRoleArn"]
    assert {c["field"] for c in changes} == {
        "image",
        "secrets.DB_PASSWORD",
        "logConfiguration.awslogs-region",
        "environment.AWS_REGION",
        "environment.DB_HOST",
    }


def test_environment_per_container_and_added_variables():
    wanted, _changes = definitions.rewrite(
        described(), SEOUL, TOKYO, environment={"sidecar": {"MODE": "dr"}, "DR": "1"}, rewrite_environment=False
    )
    app, sidecar = wanted["containerDefinitions"]
    assert {v["name"]: v["value"] for v in app["environment"]}["AWS_REGION"] == SEOUL
    assert {v["name"]: v["value"] for v in app["environment"]}["DR"] == "1"
    assert {v["name"]: v["value"] for v in sidecar["environment"]} == {"DR": "1", "MODE": "dr"}


def test_image_map_wins_over_the_ecr_rule():
    image_map = {
        "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/": "999999999999.dkr.ecr.ap-northeast-1.amazonaws.com/dr/"
    }
    assert (
        definitions.rewrite_image(
            "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fileflow:1", SEOUL, TOKYO, image_map
        )
        == "999999999999.dkr.ecr.ap-northeast-1.amazonaws.com/dr/fileflow:1"
    )
    # An ECR image of a third region is left alone, and reported.
    other = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fileflow:1"
    assert definitions.rewrite_image(other, SEOUL, TOKYO) == other
    assert definitions.foreign_images({"containerDefinitions": [{"image": other}]}, TOKYO) == [other]


def test_rewrite_arn_only_touches_the_source_region():
    assert (
        definitions.rewrite_arn("arn:aws:ssm:ap-northeast-2:1:parameter/x", SEOUL, TOKYO)
        == "arn:aws:ssm:ap-northeast-1:1:parameter/x"
    )
    assert definitions.rewrite_arn("arn:aws:iam::1:role/x", SEOUL, TOKYO) == "arn:aws:iam::1:role/x"
    assert definitions.rewrite_arn("plain-name", SEOUL, TOKYO) == "plain-name"


def test_a_registered_revision_with_ecs_defaults_matches():
    wanted, _dummy = definitions.rewrite(described(), SEOUL, TOKYO)
    registered = copy.deepcopy(wanted)
    for container in registered["containerDefinitions"]:
        container.update(cpu=0, essential=True, mountPoints=[], volumesFrom=[])
        container.setdefault("environment", [])
    registered["containerDefinitions"].reverse()
    registered["containerDefinitions"][1]["environment"].reverse()
    registered.update(revision=1, status="ACTIVE", volumes=[], placementConstraints=[])
    assert definitions.matches(wanted, registered)
    registered["containerDefinitions"][1]["image"] = "other:1"
    assert not definitions.matches(wanted, registered)
    assert not definitions.matches(wanted, None)


class FakeECS:
    def __init__(self, arns=(), fail=None):
        self.arns = list(arns)
        self.fail = fail
        self.described = []

    def get_paginator(self, name):
        client = self

        class Pages:
            def paginate(self, **kwargs):
                if client.fail:
                    raise client.fail
                yield {"taskDefinitionArns": client.arns}

        return Pages()

    def describe_task_definition(self, taskDefinition, include, aws_retry):  # noqa: N803 (boto3's names)
        if self.fail:
            raise self.fail
        self.described.append(taskDefinition)
        return {"taskDefinition": {"taskDefinitionArn": taskDefinition}, "tags": []}


def test_latest_active_takes_the_highest_revision_of_exactly_the_family():
    arns = [f"arn:aws:ecs:r:1:task-definition/{f}" for f in ("fileflow-dr-worker:9", "fileflow-dr:2", "fileflow-dr:10")]
    client = FakeECS(arns)
    assert registry.latest_active(client, "fileflow-dr", "r")["taskDefinitionArn"].endswith("fileflow-dr:10")
    assert registry.latest_active(FakeECS([]), "fileflow-dr", "r") is None


def test_a_failed_read_is_an_error_not_absent():
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "ListTaskDefinitions")
    with pytest.raises(DRError, match="cannot read the task definitions of family fileflow-dr in r"):
        registry.latest_active(FakeECS(fail=throttled), "fileflow-dr", "r")
    with pytest.raises(DRError, match="is the region reachable"):
        registry.read_source(FakeECS(fail=throttled), "fileflow-prod", SEOUL)
