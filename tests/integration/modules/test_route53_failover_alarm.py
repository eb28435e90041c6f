"""route53_failover with traffic_switch=cloudwatch_alarm: a failover out of us-east-1 calls no Route 53 API.

Route 53's control plane is served from us-east-1 (the emulator logs and drops its calls with that region),
so with the primary in us-east-1 down the switch must move with a CloudWatch alarm in the DR region.
"""

import uuid

import boto3
import pytest

PRIMARY, DR = "us-east-1", "us-west-2"
ZONE = "megaticket.click"
NAME = "www.megaticket.click"
PRIMARY_ALB = "megaticket-alb-1.us-east-1.elb.amazonaws.com"
DR_ALB = "megaticket-dr-alb-1.us-west-2.elb.amazonaws.com"
ALARM = "pilotlight-dr-switch-www.megaticket.click-A"


@pytest.fixture
def zone(emulator):
    route53 = boto3.client("route53", region_name=DR)
    return route53.create_hosted_zone(Name=ZONE, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"].split("/")[-1]


def _args(**extra):
    args = {
        "region": DR,
        "zone": ZONE,
        "record_name": NAME,
        "traffic_switch": "cloudwatch_alarm",
        "switch_region": DR,
        "primary": {
            "region": PRIMARY,
            "alias": {"dns_name": PRIMARY_ALB},
            "health_check": {"resource_path": "/health"},
        },
        "secondary": {"region": DR, "alias": {"dns_name": DR_ALB}, "health_check": {"resource_path": "/health"}},
    }
    args.update(extra)
    return args


def _answer(emulator):
    return emulator.get(f"/route53/answer?name={NAME}&type=A")["record_data"]


def test_alarm_switch_fails_over_without_route53_and_pins_dr(emulator, run_module, zone):
    created = run_module("route53_failover", _args())
    assert not created.failed, created
    assert created["mode"] == "auto" and created["active"] == "primary"
    route53 = boto3.client("route53", region_name=DR)
    records = {
        r["Failover"]: r
        for r in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        if r.get("Failover")
    }
    gate = route53.get_health_check(HealthCheckId=records["PRIMARY"]["HealthCheckId"])["HealthCheck"]
    gate_dr = route53.get_health_check(HealthCheckId=records["SECONDARY"]["HealthCheckId"])["HealthCheck"]
    assert gate["HealthCheckConfig"]["AlarmIdentifier"] == {"Region": DR, "Name": ALARM}
    assert gate_dr["HealthCheckConfig"]["Inverted"] is True
    assert records["SECONDARY"]["AliasTarget"]["EvaluateTargetHealth"] is False  # a true pin
    alarm = boto3.client("cloudwatch", region_name=DR).describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
    assert alarm["StateValue"] == "OK"
    again = run_module("route53_failover", _args())
    assert not again.failed and not again.changed, again

    emulator.region_down(PRIMARY)  # with it Route 53's control plane
    since = emulator.last_seq()
    switched = run_module("route53_failover", _args(active="secondary", route53_reachable=False))
    assert not switched.failed, switched
    assert switched.changed and switched["active"] == "secondary" and switched["route53_called"] is False
    assert emulator.calls(since=since, region=PRIMARY) == []
    assert _answer(emulator) == [DR_ALB + "."]
    # Route 53's health checkers find the primary healthy again: DNS stays on DR (the pin holds)
    emulator.region_up(PRIMARY)
    assert _answer(emulator) == [DR_ALB + "."]
    same = run_module("route53_failover", _args(active="secondary"))
    assert not same.failed and not same.changed and same["active"] == "secondary", same

    back = run_module("route53_failover", _args(active="primary", wait_timeout=120))
    assert not back.failed, back
    assert back["active"] == "primary" and back["mode"] == "auto"
    assert _answer(emulator) == [PRIMARY_ALB + "."]


def test_after_failback_route53_never_sends_traffic_to_dr_on_its_own(emulator, run_module, zone):
    assert not run_module("route53_failover", _args()).failed
    emulator.region_down(PRIMARY)
    assert _answer(emulator) == [PRIMARY_ALB + "."]  # both records unhealthy: the PRIMARY, never the un-promoted DR


def test_without_route53_refuses_what_needs_its_control_plane(emulator, run_module, zone):
    refused = run_module("route53_failover", _args(route53_reachable=False))
    assert refused.failed and "control plane" in refused["msg"], refused
    no_alarm = run_module("route53_failover", _args(active="secondary", route53_reachable=False))
    assert no_alarm.failed and "does not exist" in no_alarm["msg"] and ALARM in no_alarm["msg"], no_alarm


def test_health_check_switch_with_primary_in_us_east_1_warns(emulator, run_module, zone):
    result = run_module("route53_failover", _args(traffic_switch="health_check"))
    assert not result.failed, result
    warnings = str(result.get("warnings"))
    assert "us-east-1" in warnings and "traffic_switch=cloudwatch_alarm" in warnings, warnings
