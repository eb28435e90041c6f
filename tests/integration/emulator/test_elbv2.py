"""ELBv2 behaviour of AWS that plain moto lacks."""

import boto3
import pytest


def _subnets(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"ap-northeast-1{az}")
        for i, az in ((1, "a"), (2, "c"))
    ]
    return [subnet["Subnet"]["SubnetId"] for subnet in subnets]


@pytest.mark.parametrize("lb_type, zone", [("application", "Z14GRHDCWA56QT"), ("network", "Z31USIVHYNEOWT")])
def test_load_balancers_report_their_regions_hosted_zone(gap_emulator, lb_type, zone):
    ec2 = boto3.client("ec2", region_name="ap-northeast-1")
    elbv2 = boto3.client("elbv2", region_name="ap-northeast-1")
    created = elbv2.create_load_balancer(Name=f"dr-{lb_type[:3]}", Subnets=_subnets(ec2), Type=lb_type)
    assert created["LoadBalancers"][0]["CanonicalHostedZoneId"] == zone
    described = elbv2.describe_load_balancers(Names=[f"dr-{lb_type[:3]}"])["LoadBalancers"][0]
    assert described["CanonicalHostedZoneId"] == zone


def test_each_region_has_its_own_zone(gap_emulator):
    zones = {}
    for region, cidr in (("ap-northeast-1", "10.1"), ("ap-northeast-2", "10.0")):
        ec2 = boto3.client("ec2", region_name=region)
        vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in ((1, "a"), (2, "c"))
        ]
        lb = boto3.client("elbv2", region_name=region).create_load_balancer(Name="app-alb", Subnets=subnets)
        zones[region] = lb["LoadBalancers"][0]["CanonicalHostedZoneId"]
    assert zones == {"ap-northeast-1": "Z14GRHDCWA56QT", "ap-northeast-2": "ZWKZPGTI48KDX"}


def test_create_listener_is_idempotent_and_refuses_a_taken_port(gap_emulator):
    ec2 = boto3.client("ec2", region_name="ap-northeast-1")
    elbv2 = boto3.client("elbv2", region_name="ap-northeast-1")
    subnets = _subnets(ec2)
    vpc = ec2.describe_subnets(SubnetIds=subnets)["Subnets"][0]["VpcId"]
    balancer = elbv2.create_load_balancer(Name="dr-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [
        elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
        for name in ("web", "app")
    ]

    def listen(group):
        return elbv2.create_listener(
            LoadBalancerArn=balancer,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
        )["Listeners"][0]["ListenerArn"]

    first = listen(groups[0])
    assert listen(groups[0]) == first  # the same settings again (a retried call): the same listener
    with pytest.raises(elbv2.exceptions.DuplicateListenerException):
        listen(groups[1])  # another default action on the taken port
    assert [item["ListenerArn"] for item in elbv2.describe_listeners(LoadBalancerArn=balancer)["Listeners"]] == [first]
