"""Readiness checks of dr_secrets: ``secret <name> replicated`` (primary side) and ``secret <name> in DR``."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
NAME = "portforge/ai-service/rds"
ARN = f"arn:aws:secretsmanager:{SEOUL}:123456789012:secret:{NAME}-AbCdEf"
DR_ARN = ARN.replace(SEOUL, TOKYO)


def primary(status="InSync", message=None, **extra):
    described = {"ARN": ARN, "Name": NAME}
    if status:
        described["ReplicationStatus"] = [
            {"Region": TOKYO, "Status": status, "KmsKeyId": "alias/dr", "StatusMessage": message}
        ]
    described.update(extra)
    return described


REPLICA = {"ARN": DR_ARN, "Name": NAME, "PrimaryRegion": SEOUL, "KmsKeyId": "alias/dr"}
STANDALONE = {"ARN": DR_ARN, "Name": NAME}


def throttled():
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeSecret")


class FakeSecrets:
    """DescribeSecret from a dict (an exception is raised); GetSecretValue must never be called."""

    def __init__(self, described):
        self.described = described

    def describe_secret(self, SecretId, aws_retry=False):
        answer = self.described.get(SecretId)
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}, "DescribeSecret"
            )
        return answer

    def get_secret_value(self, **kwargs):
        raise AssertionError("readiness never reads a secret value")


def run(seoul, tokyo, names=(NAME,), primary_reachable=True):
    clients = {SEOUL: FakeSecrets(seoul), TOKYO: FakeSecrets(tokyo)}
    regions = []

    def factory(service, region):
        assert service == "secretsmanager"
        regions.append(region)
        return clients[region]

    spec = {
        "name": "secrets",
        "region": TOKYO,
        "primary_region": SEOUL,
        "primary_reachable": primary_reachable,
        "options": {"names": list(names), "max_concurrency": 4},
    }
    results = COMPONENTS["secrets"](ReadinessContext(factory, spec))
    if not primary_reachable:
        assert SEOUL not in regions, "the primary region is not called while it is down"
    return results


def test_a_replica_in_sync_passes():
    [result] = run({NAME: primary()}, {NAME: REPLICA})
    assert result["check"] == f"secret {NAME} replicated" and result["status"] == "pass"
    assert result["component"] == "dr_secrets" and result["side"] == "primary"
    assert f"{NAME} replication to {TOKYO} is InSync" in result["reason"]
    assert result["evidence"]["kms_key_id"] == "alias/dr"


@pytest.mark.parametrize(
    "seoul, tokyo, reason, fix",
    [
        (primary("InProgress"), REPLICA, "is InProgress", "wait until it is InSync"),
        (primary(None), None, f"{NAME} has no replica in {TOKYO}", "main entry point"),
        (primary("Failed", "KMS key disabled"), None, "failed: KMS key disabled", "to retry it"),
        (primary(None), STANDALONE, "is a standalone secret in ap-northeast-1", "failback entry point"),
        (None, None, f"secret {NAME} not found in {SEOUL}", "correct dr_secrets_names"),
        (primary(DeletedDate="2026-11-01"), REPLICA, "scheduled for deletion", "restore it"),
        (
            primary(None, PrimaryRegion="us-east-1"),
            None,
            "is a replica of a secret in us-east-1",
            "set dr_secrets_primary_region to us-east-1",
        ),
    ],
)
def test_what_is_not_ready_fails_with_the_fix(seoul, tokyo, reason, fix):
    [result] = run({NAME: seoul} if seoul else {}, {NAME: tokyo} if tokyo else {})
    assert result["status"] == "fail" and not result["passed"], result
    assert reason in result["reason"] and fix in result["fix"]


def test_a_throttled_read_is_not_checked_never_not_found():
    [result] = run({NAME: throttled()}, {NAME: REPLICA})
    assert result["status"] == "not_checked" and "ThrottlingException" in result["reason"]
    assert "not found" not in result["reason"]
    [result] = run({NAME: primary()}, {NAME: throttled()})
    assert result["status"] == "not_checked" and f"could not read secret {NAME} in {TOKYO}" in result["reason"]


def test_with_the_primary_down_in_sync_is_not_checked_and_the_dr_copy_is_read():
    results = run(
        {}, {NAME: REPLICA, "standalone": STANDALONE}, names=[NAME, "standalone", "missing"], primary_reachable=False
    )
    by_check = {r["check"]: r for r in results}
    assert [r["check"] for r in results] == [
        f"secret {NAME} replicated",
        f"secret {NAME} in DR",
        "secret standalone replicated",
        "secret standalone in DR",
        "secret missing replicated",
        "secret missing in DR",
    ]
    for name in (NAME, "standalone", "missing"):
        skipped = by_check[f"secret {name} replicated"]
        assert skipped["status"] == "not_checked" and skipped["side"] == "primary"
        assert "only the primary" in skipped["reason"]
    assert by_check[f"secret {NAME} in DR"]["status"] == "pass"
    assert f"replica in {TOKYO} of its primary in {SEOUL}" in by_check[f"secret {NAME} in DR"]["reason"]
    assert by_check["secret standalone in DR"]["status"] == "pass"
    assert "already a standalone secret" in by_check["secret standalone in DR"]["reason"]
    missing = by_check["secret missing in DR"]
    assert missing["status"] == "fail" and f"not found in {TOKYO}" in missing["reason"] and missing["side"] == "dr"


def test_with_the_primary_down_a_replica_of_another_region_fails_and_a_failed_read_is_not_checked():
    other = dict(REPLICA, PrimaryRegion="us-east-1")
    results = run({}, {NAME: other, "flaky": throttled()}, names=[NAME, "flaky"], primary_reachable=False)
    by_check = {r["check"]: r for r in results}
    assert by_check[f"secret {NAME} in DR"]["status"] == "fail"
    assert "a replica of a secret in us-east-1" in by_check[f"secret {NAME} in DR"]["reason"]
    assert by_check["secret flaky in DR"]["status"] == "not_checked"


def test_no_secrets_no_checks_and_no_call():
    assert run({}, {}, names=[]) == []
