"""Readiness of the app's configuration (component config): one check per source, read in the DR region only."""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

from tests.unit.plugins.module_utils._config.fakes import FakeEC2
from tests.unit.plugins.module_utils._config.fakes import FakeSecrets
from tests.unit.plugins.module_utils._config.fakes import FakeSSM
from tests.unit.plugins.module_utils._config.fakes import error
from tests.unit.plugins.module_utils._config.fakes import factory

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
DB_HOST = "pf.abc.ap-northeast-2.rds.amazonaws.com"


def run(clients, **options):
    regions = []
    spec = dict(name="config", region=TOKYO, primary_region=SEOUL, primary_reachable=False, options=options)
    results = COMPONENTS["config"](ReadinessContext(factory(regions=regions, **clients), spec))
    assert set(regions) <= {TOKYO}
    return {r["check"]: r for r in results}


def test_a_clean_source_passes():
    results = run(
        dict(secrets=FakeSecrets({"portforge/db": json.dumps({"host": "pf.ap-northeast-1.example"})})),
        secrets=["portforge/db"],
    )
    check = results["config secret portforge/db"]
    assert check["status"] == "pass" and check["component"] == "dr_config" and check["side"] == "dr"
    assert check["evidence"]["scanned"] == 1 and check["evidence"]["findings"] == []


def test_a_leak_fails_with_the_keys_and_the_fix_never_the_value():
    secrets = FakeSecrets({"portforge/db": json.dumps({"host": DB_HOST, "password": "pw-ap-northeast-1"})})
    check = run(dict(secrets=secrets), secrets=["portforge/db"])["config secret portforge/db"]
    assert check["status"] == "fail"
    assert check["evidence"]["findings"] == ["secret portforge/db: host (host name in ap-northeast-2)"]
    assert "secret portforge/db: host" in check["fix"] and "ap-northeast-1 counterparts" in check["fix"]
    assert DB_HOST not in repr(check) and "pw-" not in repr(check)


def test_a_throttled_or_failed_read_is_not_checked():
    results = run(
        dict(
            secrets=FakeSecrets({"s": error("ThrottlingException")}),
            ssm=FakeSSM({}, failure=error("AccessDeniedException")),
        ),
        secrets=["s"],
        ssm_paths=["/megaticket"],
    )
    for name in ("config secret s", "config SSM path /megaticket"):
        assert results[name]["status"] == "not_checked", results[name]
    assert "ThrottlingException" in results["config secret s"]["reason"]
    assert "AccessDeniedException" in results["config SSM path /megaticket"]["reason"]


def test_switched_places_pass_with_a_warning_before_the_failover_and_fail_after_it():
    ssm = FakeSSM({"/shared/rds/dr/endpoint": DB_HOST})
    options = dict(ssm_paths=["/shared/rds/dr/endpoint"], switched_at_failover=["/shared/rds/dr/endpoint"])
    before = run(dict(ssm=ssm), **options)["config SSM path /shared/rds/dr/endpoint"]
    assert before["status"] == "pass" and before["evidence"]["warning"] is True
    assert before["reason"].startswith("warning: ")
    after = run(dict(ssm=ssm), after_failover=True, **options)["config SSM path /shared/rds/dr/endpoint"]
    assert after["status"] == "fail" and "should have switched" in after["fix"]


def test_a_missing_source_fails():
    check = run({}, launch_templates=["MegaTicket-DR-Web-LT"])["config launch template MegaTicket-DR-Web-LT"]
    assert check["status"] == "fail" and "not found in ap-northeast-1" in check["reason"]


def test_the_app_config_must_carry_aws_region():
    results = run({}, app_config={"COGNITO_REGION": TOKYO, "COGNITO_USER_POOL_ID": "ap-northeast-1_X"})
    check = results["config app config"]
    assert check["status"] == "fail" and "AWS_REGION (missing" in check["reason"]
    good = run({}, app_config={"AWS_REGION": TOKYO})["config app config"]
    assert good["status"] == "pass"


def test_launch_templates_by_tag_filter():
    ec2 = FakeEC2({"Web": {"tags": {"App": "mt"}, "versions": {1: "export API=https://x.ap-northeast-2.example"}}})
    results = run(dict(ec2=ec2), launch_template_filters={"tag:App": "mt"})
    assert results["config launch template Web"]["status"] == "fail"
    listing = run(
        dict(ec2=FakeEC2({}, listing_error=error("UnauthorizedOperation"))), launch_template_filters={"tag:App": "mt"}
    )
    assert listing["config launch templates matching tag:App=mt"]["status"] == "not_checked"
    none = run(dict(ec2=FakeEC2({})), launch_template_filters={"tag:App": "mt"})
    assert none["config launch templates matching tag:App=mt"]["status"] == "fail"


def test_bad_inputs_fail_before_any_read():
    results = run({}, ssm_paths=["megaticket"])
    assert list(results) == ["config inputs"] and results["config inputs"]["status"] == "fail"


def test_nothing_to_scan_is_no_check():
    assert run({}) == {}
