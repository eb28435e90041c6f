"""secretsmanager_replica's flows with fake clients: failed reads name the secret, a timeout is a WaitTimeout."""

import botocore.exceptions
import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core import waiting
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import present
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import promoted

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:app/db-AbCdEf"


def client_error(code, message="", operation="DescribeSecret"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeSecrets:
    """DescribeSecret answers from a dict (an exception is raised); StopReplicationToReplica is counted."""

    def __init__(self, described):
        self.described = described
        self.stopped = []

    def describe_secret(self, SecretId, aws_retry):
        answer = self.described.get(SecretId)
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            raise client_error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
        return answer

    def stop_replication_to_replica(self, SecretId, aws_retry):
        self.stopped.append(SecretId)


class FakeModule:
    region = TOKYO
    check_mode = False

    def __init__(self, clients):
        self.clients = clients

    def client(self, service, region=None):
        return self.clients[region or self.region]


def _wait(check, deadline, what, delay):
    return waiting.wait_until(check, deadline, what, delay=delay, sleep=lambda seconds: None)


def params(**extra):
    values = dict(
        secrets=["app/db"],
        state="present",
        source_region=SEOUL,
        kms_key_id=None,
        overwrite=False,
        copy_back_value=False,
        max_concurrency=2,
        wait=True,
        wait_timeout=0,
    )
    values.update(extra)
    return values


def test_a_throttled_read_fails_naming_the_secret_never_absent():
    source = FakeSecrets({"app/db": client_error("ThrottlingException", "Rate exceeded")})
    with pytest.raises(DRError, match="cannot read the secrets: cannot read secret app/db in ap-northeast-2"):
        present.ensure_present(FakeModule({SEOUL: source, TOKYO: FakeSecrets({})}), params(), {}, [])


def test_a_replica_not_in_sync_at_the_deadline_is_a_wait_timeout_naming_it(monkeypatch):
    in_progress = {"ARN": ARN, "Name": "app/db", "ReplicationStatus": [{"Region": TOKYO, "Status": "InProgress"}]}
    source = FakeSecrets({ARN: in_progress})
    entry = {"name": "app/db", "primary": in_progress}
    monkeypatch.setattr(present, "wait_until", _wait)
    with pytest.raises(WaitTimeout, match=r"not in sync yet: app/db"):
        present.wait_in_sync(source, [entry], SEOUL, TOKYO, Deadline(0), 2)


def test_promotion_calls_the_dr_region_only_and_skips_a_standalone_secret():
    dr_arn = ARN.replace(SEOUL, TOKYO)
    dest = FakeSecrets(
        {
            "app/db": {"ARN": dr_arn, "Name": "app/db", "PrimaryRegion": SEOUL},
            "app/other": {"ARN": dr_arn + "x", "Name": "app/other"},
        }
    )
    module = FakeModule({TOKYO: dest})  # no Seoul client: a call to the primary would fail the test
    entries = promoted.ensure_promoted(
        module, params(state="promoted", secrets=["app/db", "app/other"], wait=False), {}, []
    )
    assert dest.stopped == [dr_arn]
    assert [e["action"] for e in entries] == ["promote", "already_standalone"]
