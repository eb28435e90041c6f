"""The leak scanner: what counts as the primary region, and where a finding says it is (never the value)."""

import base64
import gzip
import json

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._config import scan

SEOUL = "ap-northeast-2"
MARKERS = scan.Markers(SEOUL, ["db.seoul.portforge.internal", "10.0.1.5"])


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("ap-northeast-2", ["region ap-northeast-2"]),
        ("AWS_REGION=ap-northeast-2", ["region ap-northeast-2"]),
        ("zone ap-northeast-2a", ["availability zone of ap-northeast-2"]),
        ("arn:aws:sqs:ap-northeast-2:123456789012:orders", ["ARN in ap-northeast-2"]),
        ("portforge.abc.ap-northeast-2.rds.amazonaws.com", ["host name in ap-northeast-2"]),
        ("https://x1.execute-api.ap-northeast-2.amazonaws.com/prod", ["host name in ap-northeast-2"]),
        ("https://s3-ap-northeast-2.amazonaws.com/bucket", ["host name in ap-northeast-2"]),
        ("mysql://db.seoul.portforge.internal:3306/app", ["primary marker db.seoul.portforge.internal"]),
        ("10.0.1.5:3306", ["primary marker 10.0.1.5"]),
        ("arn:aws:s3:::b and ap-northeast-2", ["region ap-northeast-2"]),
    ],
)
def test_a_reference_to_the_primary_is_found_with_its_kind(text, kinds):
    assert MARKERS.kinds(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "ap-northeast-21",
        "x.ap-northeast-21.amazonaws.com",
        "ap-northeast-1",
        "portforge.abc.ap-northeast-1.rds.amazonaws.com",
        "arn:aws:sqs:ap-northeast-1:123456789012:orders",
        "ap-northeast-2ab",
        "xap-northeast-2",
        "10.0.1.50",
        "210.0.1.5",
        "mydb.seoul.portforge.internal",
        "db.seoul.portforge.internal.example",
        "",
        None,
    ],
)
def test_other_regions_and_longer_names_are_not_the_primary(text):
    assert MARKERS.kinds(text) == []


def test_a_region_is_required_and_empty_markers_are_ignored():
    with pytest.raises(ValueError):
        scan.Markers("")
    assert scan.Markers(SEOUL, ["", "  "]).extra == []


def test_json_values_are_walked_key_by_key_and_the_value_never_leaves():
    secret = json.dumps(
        {
            "host": "pf.abc.ap-northeast-2.rds.amazonaws.com",
            "password": "hunter2-ap-northeast-1",
            "replicas": ["ok.ap-northeast-1.example", "10.0.1.5"],
            "nested": {"queue": "arn:aws:sqs:ap-northeast-2:1:q"},
        }
    )
    found = scan.scan_value("secret portforge/db", "secret portforge/db", secret, MARKERS)
    assert [f["text"] for f in found] == [
        "secret portforge/db: host",
        "secret portforge/db: nested.queue",
        "secret portforge/db: replicas[1]",
    ]
    described = [scan.describe(f) for f in found]
    assert described[0] == "secret portforge/db: host (host name in ap-northeast-2)"
    assert "pf.abc" not in repr(found) and "10.0.1.5" not in repr(found[2]["text"])


def test_a_plain_string_value_is_a_finding_without_a_key():
    found = scan.scan_value("secret s", "secret s", "pf.abc.ap-northeast-2.rds.amazonaws.com", MARKERS)
    assert [f["text"] for f in found] == ["secret s"] and found[0]["key"] is None
    assert scan.scan_value("secret s", "secret s", "nothing here", MARKERS) == []


def test_a_multi_line_plain_value_is_scanned_line_by_line():
    text = "DB_USER=app\nDB_HOST=pf.abc.ap-northeast-2.rds.amazonaws.com\n"
    assert [f["text"] for f in scan.scan_value("secret s", "secret s", text, MARKERS)] == ["secret s line 2: DB_HOST"]


def test_a_broken_json_value_is_scanned_as_text():
    assert [f["text"] for f in scan.scan_value("p", "p", '{"host": "ap-northeast-2"', MARKERS)] == ["p"]


def user_data(text, compress=False):
    data = text.encode()
    return base64.b64encode(gzip.compress(data) if compress else data).decode()


USER_DATA = """#!/bin/bash
set -u
export AWS_REGION='ap-northeast-1'
export API_URL='https://api.ap-northeast-2.megaticket.example'
DYNAMODB_TABLE=KDT-Msp4-PLDR-reservations
aws s3 cp s3://megaticket-config/env . --region ap-northeast-2
#cloud-config key
  DB_HOST: db.seoul.portforge.internal
"""


@pytest.mark.parametrize("compress", [False, True])
def test_user_data_is_decoded_and_each_finding_names_its_line_and_variable(compress):
    found = scan.scan_user_data("launch template W", "launch template W v3", user_data(USER_DATA, compress), MARKERS)
    assert [f["text"] for f in found] == [
        "launch template W v3 user data line 4: API_URL",
        "launch template W v3 user data line 6",
        "launch template W v3 user data line 8: DB_HOST",
    ]
    assert found[0]["what"] == ["host name in ap-northeast-2"]
    assert found[2]["what"] == ["primary marker db.seoul.portforge.internal"]


def test_empty_or_non_base64_user_data():
    assert scan.user_data_text(None) == ""
    assert scan.scan_user_data("t", "t", "", MARKERS) == []


@pytest.mark.parametrize(
    "line, key",
    [
        ("export API_URL=x", "API_URL"),
        ("API_URL=x", "API_URL"),
        ('  "API_URL": "x"', "API_URL"),
        ("  api_url: x", "api_url"),
        ("https://x.ap-northeast-2.example", None),
        ("aws s3 cp a b", None),
    ],
)
def test_line_key(line, key):
    assert scan.line_key(line) == key


def test_the_app_config_must_carry_aws_region_and_is_scanned_key_by_key():
    config = {
        "COGNITO_REGION": "ap-northeast-1",
        "COGNITO_USER_POOL_ID": "ap-northeast-2_AbCdEf",
        "COGNITO_APP_CLIENT_ID": "abc",
    }
    found = scan.scan_mapping("app config", "app config", config, MARKERS, {"AWS_REGION": "ap-northeast-1"})
    assert [scan.describe(f) for f in found] == [
        "app config: COGNITO_USER_POOL_ID (region ap-northeast-2)",
        "app config: AWS_REGION (missing: the app needs AWS_REGION set to ap-northeast-1)",
    ]


def test_a_wrong_required_value_is_named_once():
    found = scan.scan_mapping("c", "c", {"AWS_REGION": "us-east-1"}, MARKERS, {"AWS_REGION": "ap-northeast-1"})
    assert [scan.describe(f) for f in found] == [
        "c: AWS_REGION (not ap-northeast-1: the app needs AWS_REGION set to ap-northeast-1)"
    ]
    found = scan.scan_mapping("c", "c", {"AWS_REGION": "ap-northeast-2"}, MARKERS, {"AWS_REGION": "ap-northeast-1"})
    assert [scan.describe(f) for f in found] == ["c: AWS_REGION (region ap-northeast-2)"]
    clean = {"AWS_REGION": "ap-northeast-1", "N": 3, "FLAG": True}
    assert scan.scan_mapping("c", "c", clean, MARKERS, {"AWS_REGION": "ap-northeast-1"}) == []
    assert scan.scan_mapping("c", "c", {"AWS_REGION": "x"}, MARKERS, {"AWS_REGION": None}) == []


def test_task_definitions_name_the_container_and_the_field():
    definition = {
        "family": "fileflow",
        "revision": 7,
        "taskRoleArn": "arn:aws:iam::123456789012:role/app",
        "containerDefinitions": [
            {
                "name": "api",
                "image": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fileflow:1.4",
                "environment": [
                    {"name": "DB_HOST", "value": "ff.abc.ap-northeast-2.rds.amazonaws.com"},
                    {"name": "PORT", "value": "8080"},
                ],
                "secrets": [
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ff/db-AbC",
                    }
                ],
                "environmentFiles": [{"value": "arn:aws:s3:::ff-config/app.env", "type": "s3"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-region": "ap-northeast-2", "awslogs-group": "/ecs/fileflow"},
                },
            }
        ],
    }
    found = scan.scan_task_definition("task definition fileflow", "task definition fileflow:7", definition, MARKERS)
    assert [scan.describe(f) for f in found] == [
        "task definition fileflow:7 container api: image (host name in ap-northeast-2)",
        "task definition fileflow:7 container api: environment DB_HOST (host name in ap-northeast-2)",
        "task definition fileflow:7 container api: secrets DB_PASSWORD (ARN in ap-northeast-2)",
        "task definition fileflow:7 container api: logConfiguration awslogs-region (region ap-northeast-2)",
    ]
