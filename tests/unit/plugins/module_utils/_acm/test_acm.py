"""ACM calls of acm_certificate_dns: a certificate just requested may be "not found" for a while."""

from unittest import mock

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._acm import acm as api
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import certificates
from ansible_collections.pilotlight.dr.plugins.module_utils._acm import lifecycle
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline

from tests.unit.plugins.module_utils._acm.test_certificates import NAMES
from tests.unit.plugins.module_utils._acm.test_certificates import _detail
from tests.unit.plugins.module_utils.fakes import FakeClock

# -- a certificate just requested may be "not found" for a while ------------------------------------------------
ARN = "arn:aws:acm:ap-northeast-1:123456789012:certificate/new"
NOT_FOUND = ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}, "DescribeCertificate")


def _acm(*answers):
    """An ACM client whose DescribeCertificate gives ``answers`` in turn (an exception is raised), the last forever."""
    acm = mock.Mock()
    queue = list(answers)

    def describe_certificate(CertificateArn, aws_retry=False):
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return {"Certificate": dict(answer, CertificateArn=CertificateArn)}

    acm.describe_certificate.side_effect = describe_certificate
    return acm


def test_describe_new_polls_through_not_found():
    clock = FakeClock()
    acm = _acm(NOT_FOUND, NOT_FOUND, _detail(status="PENDING_VALIDATION"))
    window = api.grace_window(Deadline(900, clock=clock), clock=clock)
    detail = api.describe_new(acm, ARN, window, sleep=clock.sleep)
    assert detail["Status"] == "PENDING_VALIDATION"
    assert acm.describe_certificate.call_count == 3


def test_describe_new_gives_up_after_the_window_bounded_by_wait_timeout():
    clock = FakeClock()
    acm = _acm(NOT_FOUND)
    window = api.grace_window(Deadline(900, clock=clock), clock=clock)
    assert api.describe_new(acm, ARN, window, sleep=clock.sleep) is None
    assert 60 <= clock.now < 61
    clock = FakeClock()
    window = api.grace_window(Deadline(10, clock=clock), clock=clock)
    assert api.describe_new(acm, ARN, window, sleep=clock.sleep) is None
    assert 10 <= clock.now < 11


def test_wait_for_records_treats_not_found_as_not_yet_only_for_a_new_certificate():
    clock = FakeClock()
    pending = _detail(status="PENDING_VALIDATION")
    unpublished = _detail(status="PENDING_VALIDATION", records=False)
    unpublished["DomainValidationOptions"] = []
    acm = _acm(NOT_FOUND, NOT_FOUND, unpublished, NOT_FOUND, pending)
    deadline = Deadline(900, clock=clock)
    window = api.grace_window(deadline, clock=clock)
    detail, records = api.wait_for_records(acm, ARN, deadline, window, sleep=clock.sleep)
    assert detail["Status"] == "PENDING_VALIDATION" and len(records) == 1
    assert acm.describe_certificate.call_count == 5

    with pytest.raises(DRError, match="disappeared while waiting for its validation records"):
        api.wait_for_records(_acm(NOT_FOUND), ARN, deadline, None, sleep=clock.sleep)
    clock = FakeClock()
    deadline = Deadline(900, clock=clock)
    window = api.grace_window(deadline, clock=clock)
    with pytest.raises(DRError, match="disappeared while waiting for its validation records"):
        api.wait_for_records(_acm(NOT_FOUND), ARN, deadline, window, sleep=clock.sleep)
    assert 60 <= clock.now < 90


def test_wait_issued_treats_not_found_as_not_yet_early():
    clock = FakeClock()
    deadline = Deadline(900, clock=clock)
    window = api.grace_window(deadline, clock=clock)
    acm = _acm(NOT_FOUND, _detail(status="PENDING_VALIDATION"), NOT_FOUND, _detail(status="ISSUED"))
    assert api.wait_issued(acm, ARN, deadline, window, sleep=clock.sleep)["Status"] == "ISSUED"
    with pytest.raises(DRError, match="disappeared while waiting for it to be ISSUED"):
        api.wait_issued(_acm(NOT_FOUND), ARN, deadline, None, sleep=clock.sleep)


PARAMS = {"key_algorithm": "RSA_2048", "tags": None}


def _requesting(acm, *arns):
    acm.request_certificate.side_effect = [{"CertificateArn": arn} for arn in arns]
    return acm


def test_request_new_requests_once_when_the_new_certificate_shows_up_late():
    acm = _requesting(_acm(NOT_FOUND, NOT_FOUND, _detail(status="PENDING_VALIDATION")), ARN, "twin")
    arn, window = lifecycle.request_new(acm, NAMES, PARAMS, Deadline(900), sleep=lambda s: None)
    assert arn == ARN and not window.expired
    assert acm.request_certificate.call_count == 1
    token = acm.request_certificate.call_args.kwargs["IdempotencyToken"]
    assert token == certificates.idempotency_token(NAMES, "RSA_2048")


@pytest.mark.parametrize("answer", [NOT_FOUND, _detail(status="FAILED")], ids=["deleted", "failed"])
def test_request_new_requests_again_when_the_token_points_at_a_dead_certificate(answer):
    acm = _requesting(_acm(answer), ARN, "fresh")
    arn, window = lifecycle.request_new(acm, NAMES, PARAMS, Deadline(0.2), sleep=lambda s: None)
    assert arn == "fresh"
    tokens = [c.kwargs["IdempotencyToken"] for c in acm.request_certificate.call_args_list]
    assert len(tokens) == 2 and tokens[0] != tokens[1] and len(tokens[1]) == 32


def _deleting(error=None):
    acm = mock.Mock()
    if error:
        acm.delete_certificate.side_effect = ClientError(
            {"Error": {"Code": error, "Message": error}}, "DeleteCertificate"
        )
    return acm


def test_delete_tells_gone_from_in_use_from_failed():
    assert api.delete(_deleting(), ARN) is True
    assert api.delete(_deleting("ResourceNotFoundException"), ARN) is True
    assert api.delete(_deleting("ResourceInUseException"), ARN) is False
    with pytest.raises(DRError, match=f"cannot delete ACM certificate {ARN}") as raised:
        api.delete(_deleting("AccessDeniedException"), ARN)
    assert raised.value.exception is not None


def test_a_failed_listing_raises_never_returns_empty():
    acm = mock.Mock()
    acm.get_paginator.return_value.paginate.return_value.build_full_result.side_effect = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "ListCertificates"
    )
    with pytest.raises(DRError, match="cannot list the ACM certificates in ap-northeast-1"):
        api.list_certificates(acm, "ap-northeast-1", ["ISSUED"])
