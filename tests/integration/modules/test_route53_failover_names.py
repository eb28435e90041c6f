"""route53_failover with load balancers given by name: resolved in the module's own call, never in a downed primary."""

import uuid

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ZONE = "names.example"
NAME = "www.names.example"


def _alb(region, name):
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{n}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
        for n, az in ((1, "a"), (2, "c"))
    ]
    return boto3.client("elbv2", region_name=region).create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][
        0
    ]["DNSName"]


@pytest.fixture
def albs(emulator):
    boto3.client("route53", region_name=TOKYO).create_hosted_zone(Name=ZONE, CallerReference=str(uuid.uuid4()))
    return {"primary": _alb(SEOUL, "names-alb"), "secondary": _alb(TOKYO, "names-dr-alb")}


def _args(primary_name="names-alb", secondary_name="names-dr-alb", **extra):
    args = {
        "region": TOKYO,
        "zone": ZONE,
        "record_name": NAME,
        "traffic_switch": "cloudwatch_alarm",
        "primary": {"region": SEOUL, "alias": {"load_balancer_name": primary_name}},
        "secondary": {"region": TOKYO, "alias": {"load_balancer_name": secondary_name}},
    }
    args.update(extra)
    return args


def _aliases():
    route53 = boto3.client("route53", region_name=TOKYO)
    zone = route53.list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"][0]["Id"]
    records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {r["Failover"]: r["AliasTarget"]["DNSName"].rstrip(".") for r in records if r.get("Failover")}


def test_names_resolve_and_a_failover_reads_the_primary_from_its_record(emulator, run_module, albs):
    created = run_module("route53_failover", _args())
    assert not created.failed, created
    assert _aliases() == {"PRIMARY": albs["primary"].lower(), "SECONDARY": albs["secondary"].lower()}
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    switched = run_module("route53_failover", _args(active="secondary", primary_reachable=False, force=True))
    assert not switched.failed and switched.changed and switched["active"] == "secondary", switched
    assert emulator.calls(since=since, region=SEOUL) == []
    services = {(c["service"], c["region"]) for c in emulator.requests(since=since)}
    assert ("elbv2", TOKYO) in services, services  # the DR load balancer, read by name in DR
    assert _aliases()["PRIMARY"] == albs["primary"].lower()  # the record kept its target: nothing rewrote it


def test_a_missing_load_balancer_is_named_before_any_change(emulator, run_module, albs):
    since = emulator.last_seq()
    result = run_module("route53_failover", _args(secondary_name="no-such-alb"))
    assert result.failed and "load balancer no-such-alb does not exist in ap-northeast-1" in result["msg"], result
    assert emulator.mutating_calls(since=since) == []


def test_a_primary_that_may_not_be_called_needs_its_record(emulator, run_module, albs):
    since = emulator.last_seq()
    result = run_module("route53_failover", _args(primary_reachable=False))
    assert result.failed and "has no PRIMARY alias record" in result["msg"], result
    assert "primary.alias.dns_name" in result["msg"]
    assert emulator.calls(since=since, region=SEOUL) == [] and emulator.mutating_calls(since=since) == []
