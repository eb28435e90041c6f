"""A primary in us-east-1: an ungraceful failover while us-east-1 is down, then failback when it is back.

us-east-1 also serves the control planes of Route 53, CloudFront and IAM (the emulator drops their calls
with the region), so the failover may only use data-plane actions and DR-region APIs: DNS moves with the
switch alarm in us-west-2, which Route 53's health checkers follow (issue 16).
"""

import boto3
import pytest

from tests.demo.production import MegaTicketProduction
from tests.integration.playbooks.stack import EmulatedStack

pytestmark = pytest.mark.xdist_group("us-east-1-primary")

PRIMARY, DR = "us-east-1", "us-west-2"
INVENTORY = ["-i", "tests/inventories/us_east_1"]
NAME = "pilotlight-test.click"


class UsEast1Stack(EmulatedStack):
    tail = 8000

    def __init__(self, tmp_path):
        super().__init__(tmp_path, INVENTORY)
        self.megaticket = MegaTicketProduction(region=PRIMARY)
        self.ids = self.megaticket.build(items_per_table=10)

    def answer(self):
        """What Route 53's name servers answer (its data plane), asked without the Route 53 API."""
        return self.client.get(f"/route53/answer?name={NAME}&type=A")["record_data"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = UsEast1Stack(tmp_path_factory.mktemp("us-east-1"))
    yield stack
    stack.close()


def _dr_alb():
    balancers = boto3.client("elbv2", region_name=DR).describe_load_balancers(Names=["MegaTicket-DR-ALB"])
    return balancers["LoadBalancers"][0]["DNSName"].lower().rstrip(".") + "."


def test_provision_arms_the_alarm_switch_in_the_dr_region(stack):
    stack.must("provision")
    alarms = boto3.client("cloudwatch", region_name=DR).describe_alarms(AlarmNamePrefix="pilotlight-dr-switch-")[
        "MetricAlarms"
    ]
    assert [(a["AlarmName"], a["StateValue"]) for a in alarms] == [(f"pilotlight-dr-switch-{NAME}-A", "OK")]
    assert stack.answer() == [stack.ids["alb_dns_name"].lower().rstrip(".") + "."]


def test_ungraceful_failover_with_us_east_1_down_moves_dns_without_calling_it(stack):
    stack.client.region_down(PRIMARY)
    since = stack.client.last_seq()
    stack.must("failover", "-e", "dr_mode=ungraceful")
    log = stack.client.requests(since)
    assert [(e["service"], e["action"]) for e in log if e["region"] == PRIMARY] == []
    assert stack.answer() == [_dr_alb()]
    assert "route53" not in {e["service"] for e in log}
    switches = [e for e in log if e["action"] == "PutMetricData" and e["region"] == DR and e["status"] == 200]
    assert switches, "the switch alarm was not published in the DR region"


def test_failback_when_us_east_1_is_back_returns_dns_to_the_primary(stack):
    stack.client.region_up(PRIMARY)
    assert stack.answer() == [_dr_alb()]  # the switch pins DR while us-east-1 comes back
    stack.megaticket.live_traffic()  # replicated writes: the readiness that ends the failback measures their delay
    stack.must("failback")
    assert stack.answer() == [stack.ids["alb_dns_name"].lower().rstrip(".") + "."]
    state = boto3.client("cloudwatch", region_name=DR).describe_alarms(AlarmNames=[f"pilotlight-dr-switch-{NAME}-A"])[
        "MetricAlarms"
    ][0]["StateValue"]
    assert state == "OK"
