"""ecs_task_definition_copy against the emulator: the DR revision, rewritten; idempotent; check mode; errors."""

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
IMAGE = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fileflow:1.4.2"
SECRET = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:fileflow/db-AbCdEf"


@pytest.fixture
def primary(emulator):
    return boto3.client("ecs", region_name=SEOUL).register_task_definition(
        family="fileflow-prod",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="512",
        memory="1024",
        containerDefinitions=[
            {
                "name": "app",
                "image": IMAGE,
                "portMappings": [{"containerPort": 8080}],
                "environment": [{"name": "AWS_REGION", "value": SEOUL}, {"name": "DB_HOST", "value": "db.seoul"}],
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-region": SEOUL, "awslogs-group": "/ecs/fileflow"},
                },
            }
        ],
        tags=[{"key": "app", "value": "fileflow"}],
    )["taskDefinition"]


def args(**extra):
    out = dict(
        region=TOKYO,
        source_region=SEOUL,
        task_definitions=[{"source": "fileflow-prod", "family": "fileflow-dr", "environment": {"DB_HOST": "db.tokyo"}}],
    )
    out.update(extra)
    return out


def dr_revisions():
    return boto3.client("ecs", region_name=TOKYO).list_task_definitions(familyPrefix="fileflow-dr")[
        "taskDefinitionArns"
    ]


def test_check_mode_predicts_and_registers_nothing(emulator, primary, run_module):
    since = emulator.last_seq()
    result = run_module("ecs_task_definition_copy", args(), check=True, diff=True)
    assert result.changed and not result.failed, result.get("msg")
    assert result["task_definitions"][0]["arn"] is None
    assert result["diff"]["before"] == {"fileflow-dr": None}
    assert result["diff"]["after"]["fileflow-dr"]["containerDefinitions"][0]["image"] == IMAGE.replace(SEOUL, TOKYO)
    assert emulator.mutating_calls(since=since) == [] and dr_revisions() == []


def test_copy_rewrites_for_dr_and_a_rerun_registers_nothing(emulator, primary, run_module):
    result = run_module("ecs_task_definition_copy", args())
    assert result.changed and not result.failed, result.get("msg")
    copied = result["task_definitions"][0]
    assert copied["source_arn"] == primary["taskDefinitionArn"] and copied["revision"] == 1
    described = boto3.client("ecs", region_name=TOKYO).describe_task_definition(
        taskDefinition=copied["arn"], include=["TAGS"]
    )
    app = described["taskDefinition"]["containerDefinitions"][0]
    assert app["image"] == IMAGE.replace(SEOUL, TOKYO)
    assert app["secrets"][0]["valueFrom"] == SECRET.replace(SEOUL, TOKYO)
    assert app["logConfiguration"]["options"]["awslogs-region"] == TOKYO
    assert {v["name"]: v["value"] for v in app["environment"]} == {"AWS_REGION": TOKYO, "DB_HOST": "db.tokyo"}
    tags = {t["key"]: t["value"] for t in described["tags"]}
    assert tags == {"app": "fileflow", "pilotlight:source-task-definition": primary["taskDefinitionArn"]}

    since = emulator.last_seq()
    rerun = run_module("ecs_task_definition_copy", args(), diff=True)
    assert not rerun.changed and rerun["task_definitions"][0]["arn"] == copied["arn"]
    assert rerun["diff"]["before"] == rerun["diff"]["after"]
    assert emulator.mutating_calls(since=since) == [] and len(dr_revisions()) == 1

    # A changed DR value is a new revision.
    changed = run_module(
        "ecs_task_definition_copy",
        args(
            task_definitions=[
                {"source": "fileflow-prod", "family": "fileflow-dr", "environment": {"DB_HOST": "db2.tokyo"}}
            ]
        ),
    )
    assert changed.changed and changed["task_definitions"][0]["revision"] == 2


def test_seoul_down_fails_naming_the_region_and_when_to_copy(emulator, primary, run_module):
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("ecs_task_definition_copy", args())
    assert result.failed
    assert "ap-northeast-2" in result["msg"] and "while the primary region answers" in result["msg"]
    assert emulator.mutating_calls(since=since, region=TOKYO) == []


@pytest.mark.parametrize(
    "extra, message",
    [
        (dict(task_definitions=[{"source": "nope"}]), "cannot read task definition nope in ap-northeast-2"),
        (dict(source_region=TOKYO), "are both ap-northeast-1"),
        (dict(task_definitions=[]), "task_definitions is empty"),
    ],
)
def test_bad_input_fails_naming_the_fix(emulator, primary, run_module, extra, message):
    since = emulator.last_seq()
    result = run_module("ecs_task_definition_copy", args(**extra))
    assert result.failed and message in result["msg"], result.get("msg")
    assert emulator.mutating_calls(since=since) == []
