"""route53_failover's steps with a fake client: a wait that runs out of time is a WaitTimeout that says why."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import failover
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.endpoints import endpoint_spec

SEOUL_ALB = "megaticket-alb-1.ap-northeast-2.elb.amazonaws.com"
TOKYO_ALB = "megaticket-dr-alb-1.ap-northeast-1.elb.amazonaws.com"


class AnswersPrimary:
    def test_dns_answer(self, **kwargs):
        return {"RecordData": [SEOUL_ALB + "."], "ResponseCode": "NOERROR"}


def test_waiting_for_the_secondary_times_out_with_what_dns_answers():
    endpoints = {
        "primary": endpoint_spec("primary", {"alias": {"dns_name": SEOUL_ALB}}, "A"),
        "secondary": endpoint_spec("secondary", {"alias": {"dns_name": TOKYO_ALB}}, "A"),
    }
    params = {"record_name": "www.megaticket.click", "record_type": "A"}
    with pytest.raises(WaitTimeout) as timeout:
        failover.wait_for(AnswersPrimary(), params, {"Id": "Z1"}, endpoints, None, "secondary", Deadline(0))
    message = timeout.value.message
    assert "waiting for www.megaticket.click. to answer with the secondary" in message
    assert f"It answers ['{SEOUL_ALB}.'] (primary)" in message
