"""Route 53 extension: health-check status follows endpoints, TestDNSAnswer, UpdateHealthCheck fixes.

Each test runs on plain moto (must fail: the gap) and on the emulator (must pass).
"""

import uuid

import boto3
import botocore.exceptions
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SEOUL_ALB = "megaticket-alb-1.ap-northeast-2.elb.amazonaws.com"
TOKYO_ALB = "megaticket-dr-alb-1.ap-northeast-1.elb.amazonaws.com"
NAME = "www.megaticket.click"


@pytest.fixture
def route53(gap_emulator):
    return boto3.client("route53", region_name=TOKYO)


def _zone(route53, name="megaticket.click"):
    return route53.create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"]


def _check(route53, fqdn=None, ip=None, check_type="HTTPS", **extra):
    config = dict(Type=check_type, Port=443 if "HTTPS" in check_type else 80, RequestInterval=30, FailureThreshold=3)
    if check_type.startswith("HTTP"):
        config["ResourcePath"] = "/health"
    if fqdn:
        config["FullyQualifiedDomainName"] = fqdn
    if ip:
        config["IPAddress"] = ip
    config.update(extra)
    return route53.create_health_check(CallerReference=str(uuid.uuid4()), HealthCheckConfig=config)["HealthCheck"]["Id"]


def _calculated(route53, children, threshold=1, **extra):
    config = dict(Type="CALCULATED", ChildHealthChecks=children, HealthThreshold=threshold, **extra)
    return route53.create_health_check(CallerReference=str(uuid.uuid4()), HealthCheckConfig=config)["HealthCheck"]["Id"]


def _failover(
    route53, zone, primary_check, secondary_check, primary=SEOUL_ALB, secondary=TOKYO_ALB, etp=False, name=NAME
):
    def record(identifier, role, dns_name, check_id):
        record_set = {
            "Name": name,
            "Type": "A",
            "SetIdentifier": identifier,
            "Failover": role,
            "AliasTarget": {"HostedZoneId": "ZEXAMPLE", "DNSName": dns_name, "EvaluateTargetHealth": etp},
        }
        if check_id:
            record_set["HealthCheckId"] = check_id
        return {"Action": "UPSERT", "ResourceRecordSet": record_set}

    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                record("seoul", "PRIMARY", primary, primary_check),
                record("tokyo", "SECONDARY", secondary, secondary_check),
            ]
        },
    )


def _upsert(route53, zone, record_set):
    route53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record_set}]}
    )


def _answer(route53, zone, name=NAME, record_type="A"):
    return route53.test_dns_answer(HostedZoneId=zone, RecordName=name, RecordType=record_type)


def _statuses(route53, check_id):
    return [
        o["StatusReport"]["Status"]
        for o in route53.get_health_check_status(HealthCheckId=check_id)["HealthCheckObservations"]
    ]


def _update(route53, check_id, **changes):
    version = route53.get_health_check(HealthCheckId=check_id)["HealthCheck"]["HealthCheckVersion"]
    return route53.update_health_check(HealthCheckId=check_id, HealthCheckVersion=version, **changes)["HealthCheck"]


def test_health_check_fails_while_its_endpoint_region_is_down(gap_emulator, route53):
    check = _check(route53, fqdn=SEOUL_ALB)
    assert all(status.startswith("Success") for status in _statuses(route53, check))
    gap_emulator.region_down(SEOUL)
    statuses = _statuses(route53, check)
    assert statuses and all(status.startswith("Failure") for status in statuses)
    gap_emulator.region_up(SEOUL)
    assert all(status.startswith("Success") for status in _statuses(route53, check))


def test_checkers_in_a_region_that_is_down_report_nothing(gap_emulator, route53):
    check = _check(route53, fqdn=SEOUL_ALB, Regions=["us-east-1", "ap-northeast-1", "eu-west-1"])
    gap_emulator.region_down(TOKYO)
    regions = {o["Region"] for o in route53.get_health_check_status(HealthCheckId=check)["HealthCheckObservations"]}
    assert regions == {"us-east-1", "eu-west-1"}


def test_control_route_maps_an_ip_to_a_region_and_sets_health(gap_emulator, route53):
    by_ip = _check(route53, ip="203.0.113.10", check_type="TCP")
    by_name = _check(route53, fqdn="app.example.org")
    gap_emulator.post("/route53/endpoints", {"target": "203.0.113.10", "region": SEOUL})
    gap_emulator.region_down(SEOUL)
    assert all(s.startswith("Failure") for s in _statuses(route53, by_ip))
    gap_emulator.post("/route53/endpoints", {"target": "app.example.org", "healthy": False})
    assert all(s.startswith("Failure") for s in _statuses(route53, by_name))
    gap_emulator.post("/route53/endpoints", {"target": "app.example.org", "healthy": True})
    assert all(s.startswith("Success") for s in _statuses(route53, by_name))


def test_region_of_a_name_comes_from_the_record_that_aliases_it(gap_emulator, route53):
    zone = _zone(route53)
    _upsert(
        route53,
        zone,
        {
            "Name": "seoul.megaticket.click",
            "Type": "A",
            "AliasTarget": {"HostedZoneId": "ZEXAMPLE", "DNSName": SEOUL_ALB, "EvaluateTargetHealth": False},
        },
    )
    check = _check(route53, fqdn="seoul.megaticket.click")
    gap_emulator.region_down(SEOUL)
    assert all(s.startswith("Failure") for s in _statuses(route53, check))


def test_calculated_health_check_status_is_not_readable(gap_emulator, route53):
    child = _check(route53, fqdn=SEOUL_ALB)
    calculated = _calculated(route53, [child])
    with pytest.raises(botocore.exceptions.ClientError) as error:
        route53.get_health_check_status(HealthCheckId=calculated)
    assert error.value.response["Error"]["Code"] == "InvalidInput"


def test_simple_and_cname_records_answer_their_values(gap_emulator, route53):
    zone = _zone(route53)
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "api.megaticket.click",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "203.0.113.7"}],
                    },
                },
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "web.megaticket.click",
                        "Type": "CNAME",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "api.megaticket.click"}],
                    },
                },
            ]
        },
    )
    answer = _answer(route53, zone, "api.megaticket.click")
    assert (answer["RecordData"], answer["ResponseCode"], answer["Protocol"]) == (["203.0.113.7"], "NOERROR", "UDP")
    assert _answer(route53, zone, "web.megaticket.click")["RecordData"] == ["api.megaticket.click"]
    assert _answer(route53, zone, "nothing.megaticket.click")["ResponseCode"] == "NXDOMAIN"


def test_failover_answer_follows_primary_health(gap_emulator, route53):
    zone = _zone(route53)
    _failover(route53, zone, _check(route53, fqdn=SEOUL_ALB), _check(route53, fqdn=TOKYO_ALB))
    assert _answer(route53, zone)["RecordData"] == [SEOUL_ALB + "."]
    gap_emulator.region_down(SEOUL)
    assert _answer(route53, zone)["RecordData"] == [TOKYO_ALB + "."]
    gap_emulator.region_up(SEOUL)
    assert _answer(route53, zone)["RecordData"] == [SEOUL_ALB + "."]


def test_both_unhealthy_answers_primary_and_secondary_without_check_always_answers(gap_emulator, route53):
    zone = _zone(route53)
    _failover(route53, zone, _check(route53, fqdn=SEOUL_ALB), _check(route53, fqdn=TOKYO_ALB))
    gap_emulator.region_down(SEOUL)
    gap_emulator.region_down(TOKYO)
    assert _answer(route53, zone)["RecordData"] == [SEOUL_ALB + "."]
    gap_emulator.region_up(TOKYO)
    # A secondary without a health check is answered whenever the primary is unhealthy.
    _failover(route53, zone, _check(route53, fqdn=SEOUL_ALB), None, name="api.megaticket.click")
    assert _answer(route53, zone, "api.megaticket.click")["RecordData"] == [TOKYO_ALB + "."]
    gap_emulator.post("/route53/endpoints", {"target": TOKYO_ALB, "healthy": False})
    assert _answer(route53, zone, "api.megaticket.click")["RecordData"] == [TOKYO_ALB + "."]


def test_inverted_primary_moves_traffic_and_disabled_is_always_healthy(gap_emulator, route53):
    zone = _zone(route53)
    primary = _check(route53, fqdn=SEOUL_ALB)
    _failover(route53, zone, primary, _check(route53, fqdn=TOKYO_ALB))
    _update(route53, primary, Inverted=True)
    assert _answer(route53, zone)["RecordData"] == [TOKYO_ALB + "."]
    # Observations stay what the checkers see; only the status DNS uses is inverted.
    assert all(s.startswith("Success") for s in _statuses(route53, primary))
    _update(route53, primary, Inverted=False, Disabled=True)
    gap_emulator.region_down(SEOUL)
    assert _answer(route53, zone)["RecordData"] == [SEOUL_ALB + "."]


def test_calculated_gate_threshold_zero_and_above_children(gap_emulator, route53):
    zone = _zone(route53)
    endpoint = _check(route53, fqdn=SEOUL_ALB)
    gate = _calculated(route53, [endpoint], threshold=1)
    _failover(route53, zone, gate, _check(route53, fqdn=TOKYO_ALB))
    gap_emulator.region_down(SEOUL)
    assert _answer(route53, zone)["RecordData"] == [TOKYO_ALB + "."]
    _update(route53, gate, HealthThreshold=0)  # always healthy
    assert _answer(route53, zone)["RecordData"] == [SEOUL_ALB + "."]
    _update(route53, gate, HealthThreshold=0, Inverted=True)  # always unhealthy, whatever Seoul does
    gap_emulator.region_up(SEOUL)
    assert _answer(route53, zone)["RecordData"] == [TOKYO_ALB + "."]
    _update(route53, gate, HealthThreshold=2, Inverted=False)  # more than the children: always unhealthy
    assert _answer(route53, zone)["RecordData"] == [TOKYO_ALB + "."]


def _alb(region, name, with_target=True):
    ec2 = boto3.client("ec2", region_name=region)
    elbv2 = boto3.client("elbv2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
        for i, az in ((1, "a"), (2, "c"))
    ]
    alb = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]
    group = elbv2.create_target_group(Name=f"{name}-web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    if with_target:
        elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": "10.9.1.10"}])
    return alb["DNSName"]


def test_evaluate_target_health_needs_a_healthy_target_in_every_group(gap_emulator, route53):
    zone = _zone(route53)
    seoul = _alb(SEOUL, "megaticket-alb")
    tokyo = _alb(TOKYO, "megaticket-dr-alb", with_target=False)  # pilot light: target group still empty
    _failover(route53, zone, None, None, primary=seoul, secondary=tokyo, etp=True)
    assert _answer(route53, zone)["RecordData"] == [seoul + "."]
    gap_emulator.region_down(SEOUL)
    # The DR ALB has no target yet: Route 53 keeps answering the (unhealthy) primary.
    assert _answer(route53, zone)["RecordData"] == [seoul + "."]
    elbv2 = boto3.client("elbv2", region_name=TOKYO)
    group = elbv2.describe_target_groups(Names=["megaticket-dr-alb-web"])["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.9.1.20"}])  # the DR side woke up
    assert _answer(route53, zone)["RecordData"] == [tokyo + "."]


def test_alias_to_a_record_of_the_zone_answers_that_record(gap_emulator, route53):
    zone = _zone(route53)
    _failover(route53, zone, _check(route53, fqdn=SEOUL_ALB), _check(route53, fqdn=TOKYO_ALB))
    zone_id = zone.split("/")[-1]
    _upsert(
        route53,
        zone,
        {
            "Name": "megaticket.click",
            "Type": "A",
            "AliasTarget": {"HostedZoneId": zone_id, "DNSName": NAME, "EvaluateTargetHealth": True},
        },
    )
    gap_emulator.region_down(SEOUL)
    assert _answer(route53, zone, "megaticket.click")["RecordData"] == [TOKYO_ALB + "."]


def test_update_health_check_keeps_children_and_bumps_version(gap_emulator, route53):
    child = _check(route53, fqdn=SEOUL_ALB, Regions=["us-east-1", "eu-west-1", "ap-southeast-1"])
    gate = _calculated(route53, [child])
    updated = _update(route53, gate, Inverted=True)
    assert updated["HealthCheckConfig"]["ChildHealthChecks"] == [child]
    assert updated["HealthCheckVersion"] == 2
    updated = _update(route53, child, ResourcePath="/ready")
    assert updated["HealthCheckConfig"]["Regions"] == ["us-east-1", "eu-west-1", "ap-southeast-1"]
    updated = _update(route53, child, ResetElements=["Regions"])
    assert not updated["HealthCheckConfig"].get("Regions")
    with pytest.raises(botocore.exceptions.ClientError) as error:
        route53.update_health_check(HealthCheckId=gate, HealthCheckVersion=1, Inverted=False)
    assert error.value.response["Error"]["Code"] == "HealthCheckVersionMismatch"


def test_delete_with_set_identifier_deletes_only_that_record(gap_emulator, route53):
    zone = _zone(route53)
    changes = []
    for name in ("www.megaticket.click", "api.megaticket.click"):
        changes.append(
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": name,
                    "Type": "A",
                    "SetIdentifier": "primary",
                    "Failover": "PRIMARY",
                    "TTL": 60,
                    "ResourceRecords": [{"Value": "203.0.113.1"}],
                },
            }
        )
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [dict(changes[0], Action="DELETE")]})
    names = [
        r["Name"]
        for r in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        if r.get("SetIdentifier")
    ]
    assert names == ["api.megaticket.click."]


# -- CLOUDWATCH_METRIC health checks follow their alarm (the data-plane traffic switch) ------------------
def _switch_alarm(region, name="pilotlight-dr-switch-www", value=None):
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="PilotLightDR",
        MetricName="TrafficOnDR",
        Dimensions=[{"Name": "Record", "Value": "www"}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="ignore",
    )
    if value is not None:
        _publish(cloudwatch, value)
    return cloudwatch


def _publish(cloudwatch, value):
    cloudwatch.put_metric_data(
        Namespace="PilotLightDR",
        MetricData=[{"MetricName": "TrafficOnDR", "Dimensions": [{"Name": "Record", "Value": "www"}], "Value": value}],
    )


def _alarm_check(route53, region, name="pilotlight-dr-switch-www", inverted=False):
    return route53.create_health_check(
        CallerReference=str(uuid.uuid4()),
        HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC",
            "AlarmIdentifier": {"Region": region, "Name": name},
            "InsufficientDataHealthStatus": "LastKnownStatus",
            "Inverted": inverted,
        },
    )["HealthCheck"]["Id"]


def test_alarm_health_check_keeps_its_alarm_identifier(gap_emulator, route53):
    check_id = _alarm_check(route53, "us-west-2")
    config = route53.get_health_check(HealthCheckId=check_id)["HealthCheck"]["HealthCheckConfig"]
    assert config["AlarmIdentifier"] == {"Region": "us-west-2", "Name": "pilotlight-dr-switch-www"}
    assert config["InsufficientDataHealthStatus"] == "LastKnownStatus"


def test_dns_follows_an_alarm_in_another_region_without_route53_calls(gap_emulator, route53):
    zone = _zone(route53)
    cloudwatch = _switch_alarm("us-west-2", value=0)
    gate, gate_dr = _alarm_check(route53, "us-west-2"), _alarm_check(route53, "us-west-2", inverted=True)
    _failover(
        route53,
        zone,
        gate,
        gate_dr,
        primary="app-1.us-east-1.elb.amazonaws.com",
        secondary="app-dr-1.us-west-2.elb.amazonaws.com",
    )

    def answer():
        return gap_emulator.get(f"/route53/answer?name={NAME}&type=A")["record_data"]

    assert answer() == ["app-1.us-east-1.elb.amazonaws.com."]
    gap_emulator.region_down("us-east-1")
    _publish(cloudwatch, 1)  # the failover: a data-plane write in the DR region
    assert answer() == ["app-dr-1.us-west-2.elb.amazonaws.com."]
    gap_emulator.region_up("us-east-1")
    observations = route53.get_health_check_status(HealthCheckId=gate)["HealthCheckObservations"]
    assert observations and all(o["StatusReport"]["Status"].startswith("Failure") for o in observations)
    assert route53.test_dns_answer(HostedZoneId=zone, RecordName=NAME, RecordType="A")["RecordData"] == [
        "app-dr-1.us-west-2.elb.amazonaws.com."
    ]
