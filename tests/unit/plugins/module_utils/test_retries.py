"""The shared retry policy backs off on every service's throttling code, not only EC2's."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._core import retries


def flaky(code, failures):
    calls = []

    def call():
        calls.append(code)
        if len(calls) <= failures:
            raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, "AnyOperation")
        return "done"

    return call, calls


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "SlowDown", "Throttling", "RequestLimitExceeded", "TooManyRequestsException"]
)
def test_throttling_of_any_protocol_is_retried(code):
    call, calls = flaky(code, failures=3)
    assert retries.RETRY_DECORATOR(call)() == "done"
    assert len(calls) == 4


def test_other_errors_are_not_retried():
    call, calls = flaky("AccessDeniedException", failures=1)
    with pytest.raises(ClientError):
        retries.RETRY_DECORATOR(call)()
    assert len(calls) == 1


def test_extra_codes_add_to_throttling():
    decorator = retries.jittered_backoff(["PriorRequestNotComplete"])
    for code in ("PriorRequestNotComplete", "ThrottlingException"):
        call, calls = flaky(code, failures=2)
        assert decorator(call)() == "done"
        assert len(calls) == 3
