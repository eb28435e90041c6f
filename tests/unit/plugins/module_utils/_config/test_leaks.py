"""The leak check over sources: each source read in the DR region, scanned, judged; a failed read is not checked."""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._config import leaks

from .fakes import FakeEC2
from .fakes import FakeECS
from .fakes import FakeSecrets
from .fakes import FakeSSM
from .fakes import error
from .fakes import factory

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
DB_HOST = "pf.abc.ap-northeast-2.rds.amazonaws.com"
CLEAN_USER_DATA = "#!/bin/bash\nexport AWS_REGION='ap-northeast-1'\n"
LEAKY_USER_DATA = CLEAN_USER_DATA + "export API_URL='https://api.ap-northeast-2.example'\n"


def options(**extra):
    return leaks.options_with_defaults(extra, TOKYO)


def run(clients, **extra):
    make = factory(**clients)
    return leaks.scan_all(lambda service: make(service, TOKYO), options(**extra), TOKYO, SEOUL)


def by_source(results):
    return {r["source"]: r for r in results}


def test_a_leaky_secret_and_user_data_are_found_by_key_and_the_values_never_leave():
    secrets = FakeSecrets({"portforge/db": json.dumps({"host": DB_HOST, "password": "s3cr3t-value"})})
    ec2 = FakeEC2({"MegaTicket-DR-Web-LT": {"versions": {1: CLEAN_USER_DATA, 2: LEAKY_USER_DATA}, "default": 1}})
    results = run(dict(secrets=secrets, ec2=ec2), secrets=["portforge/db"], launch_templates=["MegaTicket-DR-Web-LT"])
    found = by_source(results)
    assert found["secret portforge/db"]["status"] == leaks.LEAK
    assert found["secret portforge/db"]["findings"] == ["secret portforge/db: host (host name in ap-northeast-2)"]
    template = found["launch template MegaTicket-DR-Web-LT"]
    assert template["status"] == leaks.LEAK and template["scanned"] == 2
    assert template["findings"] == [
        "launch template MegaTicket-DR-Web-LT v2 user data line 3: API_URL (host name in ap-northeast-2)"
    ]
    assert "API_URL" in template["fix"] and "switched_at_failover" in template["fix"]
    text = repr(results)
    assert DB_HOST not in text and "s3cr3t-value" not in text and "api.ap-northeast-2.example" not in text
    summary = leaks.summary(results)
    assert summary["leaked"] and not summary["clean"] and len(summary["findings"]) == 2


def test_a_clean_configuration_is_clean():
    ssm = FakeSSM({"/megaticket/api/url": "https://api.ap-northeast-1.example", "/other/x": "ap-northeast-2"})
    results = run(
        dict(ssm=ssm, secrets=FakeSecrets({"s": "ap-northeast-1"})),
        ssm_paths=["/megaticket"],
        secrets=["s"],
        app_config={"AWS_REGION": TOKYO, "COGNITO_REGION": TOKYO},
    )
    assert [r["status"] for r in results] == [leaks.CLEAN] * 3
    assert by_source(results)["SSM path /megaticket"]["scanned"] == 1
    assert ssm.decrypted == [True]
    assert leaks.summary(results)["clean"]


def test_a_failed_read_is_not_checked_never_clean():
    results = run(
        dict(
            secrets=FakeSecrets({"s": error("ThrottlingException")}),
            ssm=FakeSSM({}, failure=error("AccessDeniedException")),
        ),
        secrets=["s"],
        ssm_paths=["/app"],
    )
    assert [r["status"] for r in results] == [leaks.NOT_CHECKED, leaks.NOT_CHECKED]
    assert "ThrottlingException" in results[1]["reason"] and "secret s" in results[1]["reason"]
    summary = leaks.summary(results)
    assert not summary["clean"] and not summary["leaked"] and len(summary["not_checked"]) == 2


def test_missing_sources_are_named():
    results = run({}, secrets=["gone"], launch_templates=["nope"], task_definitions=["fileflow"])
    assert [r["status"] for r in results] == [leaks.MISSING] * 3
    assert results[0]["reason"] == "launch template nope not found in ap-northeast-1"
    assert leaks.summary(results)["missing"] == ["launch template nope", "secret gone", "task definition fileflow"]


def test_switched_places_are_warnings_before_the_failover_and_leaks_after_it():
    ssm = FakeSSM({"/shared/rds/dr/endpoint": DB_HOST, "/shared/rds/dr/port": "3306"})
    secrets = FakeSecrets({"portforge/db": json.dumps({"host": DB_HOST})})
    clients = dict(ssm=ssm, secrets=secrets)
    inputs = dict(
        ssm_paths=["/shared/rds"],
        secrets=["portforge/db"],
        switched_at_failover=["/shared/rds/dr/endpoint", "secret portforge/db: host"],
    )
    before = run(clients, **inputs)
    assert [r["status"] for r in before] == [leaks.SWITCHED, leaks.SWITCHED]
    assert before[0]["switched"] == ["SSM parameter /shared/rds/dr/endpoint (host name in ap-northeast-2)"]
    assert before[0]["reason"].startswith("warning: ")
    assert leaks.summary(before)["clean"] and not leaks.summary(before)["leaked"]
    after = run(clients, after_failover=True, **inputs)
    assert [r["status"] for r in after] == [leaks.LEAK, leaks.LEAK]
    assert "the failover should have switched them" in after[0]["fix"]


def test_a_switched_source_by_name_and_a_mix_with_a_real_leak():
    secrets = FakeSecrets({"a": json.dumps({"host": DB_HOST, "queue": "arn:aws:sqs:ap-northeast-2:1:q"})})
    whole = run(dict(secrets=secrets), secrets=["a"], switched_at_failover=["a"])
    assert whole[0]["status"] == leaks.SWITCHED and len(whole[0]["switched"]) == 2
    mixed = run(dict(secrets=secrets), secrets=["a"], switched_at_failover=["secret a: host"])
    assert mixed[0]["status"] == leaks.LEAK
    assert mixed[0]["findings"] == ["secret a: queue (ARN in ap-northeast-2)"] and len(mixed[0]["switched"]) == 1


def test_launch_templates_found_by_tag_filter_after_the_named_ones():
    ec2 = FakeEC2(
        {
            "Web": {"tags": {"App": "mt"}, "versions": {1: LEAKY_USER_DATA}},
            "App": {"tags": {"App": "mt"}, "versions": {1: CLEAN_USER_DATA}},
            "Other": {"tags": {"App": "x"}, "versions": {1: LEAKY_USER_DATA}},
        }
    )
    results = run(dict(ec2=ec2), launch_templates=["Web"], launch_template_filters={"tag:App": "mt"})
    assert [(r["source"], r["status"]) for r in results] == [
        ("launch template Web", leaks.LEAK),
        ("launch template App", leaks.CLEAN),
    ]


def test_filters_that_match_nothing_or_cannot_be_read():
    nothing = run(dict(ec2=FakeEC2({})), launch_template_filters={"tag:App": "mt"})
    assert [(r["source"], r["status"]) for r in nothing] == [("launch templates matching tag:App=mt", leaks.MISSING)]
    failed = run(
        dict(ec2=FakeEC2({}, listing_error=error("UnauthorizedOperation"))), launch_template_filters={"tag:App": "mt"}
    )
    assert failed[0]["status"] == leaks.NOT_CHECKED and "UnauthorizedOperation" in failed[0]["reason"]


def test_a_template_version_read_that_fails_is_not_checked():
    ec2 = FakeEC2({"Web": {"versions": {1: CLEAN_USER_DATA}, "error": error("UnauthorizedOperation")}})
    assert run(dict(ec2=ec2), launch_templates=["Web"])[0]["status"] == leaks.NOT_CHECKED


def test_the_app_config_without_aws_region_is_a_finding():
    results = run({}, app_config={"COGNITO_REGION": TOKYO}, app_config_name="ConfigMap portforge")
    assert results[0]["source"] == "ConfigMap portforge" and results[0]["status"] == leaks.LEAK
    assert results[0]["findings"] == [
        "ConfigMap portforge: AWS_REGION (missing: the app needs AWS_REGION set to ap-northeast-1)"
    ]
    assert run({}, app_config={"X": "1"}, app_config_required={})[0]["status"] == leaks.CLEAN


def test_task_definitions_are_scanned():
    ecs = FakeECS(
        {
            "fileflow": {
                "family": "fileflow",
                "revision": 3,
                "containerDefinitions": [
                    {
                        "name": "api",
                        "image": "1.dkr.ecr.ap-northeast-1.amazonaws.com/ff:1",
                        "logConfiguration": {"options": {"awslogs-region": "ap-northeast-2"}},
                    }
                ],
            }
        }
    )
    results = run(dict(ecs=ecs), task_definitions=["fileflow"])
    assert results[0]["findings"] == [
        "task definition fileflow:3 container api: logConfiguration awslogs-region (region ap-northeast-2)"
    ]


def test_a_primary_arn_of_a_secret_is_read_as_its_dr_replica():
    arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:portforge/db-AbCdEf"
    secrets = FakeSecrets({arn.replace(SEOUL, TOKYO): "{}"})
    assert run(dict(secrets=secrets), secrets=[arn])[0]["status"] == leaks.CLEAN
    assert secrets.read == [arn.replace(SEOUL, TOKYO)]


def test_inputs_are_checked_before_any_call():
    assert leaks.validate(options(), TOKYO, SEOUL) == []
    problems = leaks.validate(options(ssm_paths=["megaticket"], markers=[TOKYO], max_concurrency=0), TOKYO, TOKYO)
    assert len(problems) == 4 and "both ap-northeast-1" in problems[0]
    assert "primary_region is required" in leaks.validate(options(), TOKYO, None)[0]
