"""Pure logic of route53_failover (module_utils/_route53): endpoints, health, the switch, records, DNS answers."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import api
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import endpoints
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import names
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import planning

SEOUL_ALB = "megaticket-alb-1.ap-northeast-2.elb.amazonaws.com"
TOKYO_ALB = "dualstack.megaticket-dr-alb-1.ap-northeast-1.elb.amazonaws.com"


def alias(dns, **extra):
    return {"alias": dict({"dns_name": dns}, **extra)}


# -- names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, region",
    [
        (SEOUL_ALB, "ap-northeast-2"),
        (TOKYO_ALB, "ap-northeast-1"),
        ("ec2-3-4-5-6.ap-northeast-2.compute.amazonaws.com", "ap-northeast-2"),
        ("bucket.s3-website-ap-northeast-1.amazonaws.com.", "ap-northeast-1"),
        ("www.megaticket.click", None),
    ],
)
def test_region_of(name, region):
    assert names.region_of(name) == region


def test_elb_hosted_zone_ids_come_from_the_name_without_calling_the_region():
    assert names.elb_hosted_zone_id(SEOUL_ALB) == "ZWKZPGTI48KDX"
    assert names.elb_hosted_zone_id(TOKYO_ALB) == "Z14GRHDCWA56QT"
    assert names.elb_hosted_zone_id("nlb-1.elb.ap-northeast-2.amazonaws.com") is None  # NLB ids differ
    assert names.elb_hosted_zone_id("d111111abcdef8.cloudfront.net") is None


def test_names_compare_without_case_dot_and_dualstack():
    assert names.host("DualStack.X.ap-northeast-1.elb.amazonaws.com.") == "x.ap-northeast-1.elb.amazonaws.com"
    assert names.fqdn("WWW.Example.com") == "www.example.com."
    assert names.in_zone("www.megaticket.click", "megaticket.click.")
    assert not names.in_zone("www.megaticket.clicks", "megaticket.click")
    assert names.record_key("/hostedzone/Z1", "WWW.megaticket.click", "A") == "Z1/www.megaticket.click./A"


# -- endpoints ----------------------------------------------------------------------------------------
def test_alias_endpoint_defaults():
    spec = endpoints.endpoint_spec("primary", alias(SEOUL_ALB), "A")
    assert spec["set_identifier"] == "primary" and spec["region"] == "ap-northeast-2"
    assert spec["alias"] == {"dns_name": SEOUL_ALB, "hosted_zone_id": "ZWKZPGTI48KDX", "evaluate_target_health": True}
    assert spec["health_check"] == {
        "Type": "HTTPS",
        "FullyQualifiedDomainName": SEOUL_ALB,
        "Port": 443,
        "ResourcePath": "/",
        "RequestInterval": 30,
        "FailureThreshold": 3,
        "EnableSNI": True,
        "Inverted": False,
        "Disabled": False,
    }


def test_value_endpoint_with_tcp_check_by_ip():
    spec = endpoints.endpoint_spec(
        "secondary",
        {
            "values": ["198.51.100.20"],
            "region": "ap-northeast-1",
            "health_check": {"type": "TCP", "ip_address": "52.68.1.2", "port": 8443, "failure_threshold": 2},
        },
        "A",
    )
    assert spec["values"] == ["198.51.100.20"] and spec["region"] == "ap-northeast-1"
    assert spec["health_check"] == {
        "Type": "TCP",
        "IPAddress": "52.68.1.2",
        "Port": 8443,
        "RequestInterval": 30,
        "FailureThreshold": 2,
        "Inverted": False,
        "Disabled": False,
    }


@pytest.mark.parametrize(
    "raw, record_type, message",
    [
        ({}, "A", "exactly one of them"),
        ({"values": ["192.0.2.1"], **alias(SEOUL_ALB)}, "A", "exactly one of them"),
        ({"values": ["192.0.2.1"]}, "A", "primary has no health check target"),
        ({"values": ["2001:db8::1"], "health_check": {"fqdn": "a.example"}}, "A", "is an IPv6 address"),
        ({"values": ["a.example", "b.example"], "health_check": {"fqdn": "a.example"}}, "CNAME", "exactly one name"),
        (alias("my-api.execute-api.ap-northeast-2.amazonaws.com"), "A", "hosted_zone_id is required"),
        ({**alias(SEOUL_ALB), "health_check": {"type": "TCP"}}, "A", "port is required for a TCP"),
        (
            {**alias(SEOUL_ALB), "health_check": {"type": "TCP", "port": 443, "resource_path": "/x"}},
            "A",
            "does not apply to a TCP",
        ),
        ({**alias(SEOUL_ALB), "health_check": {"resource_path": "health"}}, "A", "must start with /"),
        ({**alias(SEOUL_ALB), "health_check": {"type": "HTTP_STR_MATCH"}}, "A", "search_string is required"),
        ({**alias(SEOUL_ALB), "health_check": {"search_string": "OK"}}, "A", "needs type HTTP_STR_MATCH"),
        ({**alias(SEOUL_ALB), "health_check": {"failure_threshold": 11}}, "A", "between 1 and 10"),
        ({**alias(SEOUL_ALB), "health_check": {"port": 70000}}, "A", "between 1 and 65535"),
        ({**alias(SEOUL_ALB), "health_check": {"ip_address": "192.168.1.1"}}, "A", "not a public address"),
        ({**alias(SEOUL_ALB), "health_check": {"regions": ["us-east-1"]}}, "A", "at least 3 regions"),
    ],
)
def test_bad_endpoints(raw, record_type, message):
    with pytest.raises(DRError) as error:
        endpoints.endpoint_spec("primary", raw, record_type)
    assert message in error.value.message


def test_endpoints_must_differ():
    primary = endpoints.endpoint_spec("primary", alias(SEOUL_ALB), "A")
    with pytest.raises(DRError, match="both point to"):
        endpoints.check_distinct(primary, endpoints.endpoint_spec("secondary", alias("DualStack." + SEOUL_ALB), "A"))
    with pytest.raises(DRError, match="set_identifier"):
        endpoints.check_distinct(
            primary, endpoints.endpoint_spec("secondary", dict(alias(TOKYO_ALB), set_identifier="primary"), "A")
        )
    with pytest.raises(DRError, match="both check"):
        endpoints.check_distinct(
            primary,
            endpoints.endpoint_spec("secondary", {**alias(TOKYO_ALB), "health_check": {"fqdn": SEOUL_ALB}}, "A"),
        )
    with pytest.raises(DRError, match="both in ap-northeast-2"):
        endpoints.check_distinct(
            primary, endpoints.endpoint_spec("secondary", alias("other-1.ap-northeast-2.elb.amazonaws.com"), "A")
        )
    with pytest.raises(DRError, match="share the value"):
        endpoints.check_distinct(
            endpoints.endpoint_spec("primary", {"values": ["192.0.2.1"], "health_check": {"fqdn": "a.example"}}, "A"),
            endpoints.endpoint_spec("secondary", {"values": ["192.0.2.1"], "health_check": {"fqdn": "b.example"}}, "A"),
        )
    endpoints.check_distinct(primary, endpoints.endpoint_spec("secondary", alias(TOKYO_ALB), "A"))


# -- the switch and health -------------------------------------------------------------------------
@pytest.mark.parametrize("mode", names.MODES)
def test_switch_config_round_trips(mode):
    config = planning.switch_config(mode, "child")
    assert config["ChildHealthChecks"] == ["child"] and config["Type"] == "CALCULATED"
    assert planning.mode_of(config) == mode


def test_mode_of_reads_other_ways_of_pinning():
    assert planning.mode_of({"HealthThreshold": 2, "ChildHealthChecks": ["a"]}) == "secondary"
    assert planning.mode_of({"HealthThreshold": 1, "ChildHealthChecks": ["a"], "Disabled": True}) == "primary"
    assert planning.mode_of({"HealthThreshold": 1, "ChildHealthChecks": ["a"], "Inverted": True}) is None
    assert planning.mode_of(None) is None


def test_switch_status_and_prediction():
    assert planning.switch_status(planning.switch_config("secondary", "p"), True) is False
    assert planning.switch_status(planning.switch_config("primary", "p"), False) is True
    assert planning.switch_status(planning.switch_config("auto", "p"), False) is False
    assert planning.switch_status(planning.switch_config("auto", "p"), None) is None
    assert planning.switch_status({"HealthThreshold": 1, "ChildHealthChecks": ["p"], "Inverted": True}, True) is False
    assert planning.switch_status({"HealthThreshold": 2, "ChildHealthChecks": ["p"]}, True) is False
    assert planning.predict_endpoint(True, False) == "primary"
    assert planning.predict_endpoint(False, True) == "secondary"
    assert planning.predict_endpoint(False, False) == "primary"  # both down: Route 53 answers the primary
    assert planning.predict_endpoint(None, True) == "primary"


def _observations(*statuses):
    return [{"Region": "r", "StatusReport": {"Status": s}} for s in statuses]


def test_endpoint_health_follows_more_than_18_percent_of_checkers():
    assert planning.endpoint_health([]) is None
    assert planning.endpoint_health(_observations("Success: x", *["Failure: y"] * 4)) is True  # 20%
    assert planning.endpoint_health(_observations("Success: x", *["Failure: y"] * 5)) is False  # 16.7%
    assert planning.status_from(True, {"Inverted": True}) is False
    assert planning.status_from(False, {"Disabled": True, "Inverted": True}) is True
    assert planning.status_from(None, {}) is None


def test_check_changes():
    desired = endpoints.endpoint_spec("primary", alias(SEOUL_ALB, evaluate_target_health=True), "A")["health_check"]
    existing = dict(desired, ResourcePath="/old", Inverted=True, MeasureLatency=False)
    changes, replace = planning.check_changes(existing, desired)
    assert not replace and changes == {"ResourcePath": "/", "Inverted": False}
    assert planning.check_changes(dict(desired, RequestInterval=10), desired) == ({}, True)
    assert planning.check_changes(dict(desired, Type="HTTP"), desired) == ({}, True)
    assert planning.check_changes(dict(desired, IPAddress="52.1.2.3"), desired) == ({}, True)
    tcp = {"Type": "TCP", "Port": 443, "IPAddress": "52.1.2.3", "RequestInterval": 30, "FailureThreshold": 3}
    changes, _dummy = planning.check_changes(dict(tcp, ResourcePath="/x", FullyQualifiedDomainName="a"), tcp)
    assert changes == {"ResetElements": ["ResourcePath", "FullyQualifiedDomainName"]}
    assert planning.check_changes(desired, desired) == ({}, False)
    switch = planning.switch_config("auto", "a")
    assert planning.check_changes(dict(switch, ChildHealthChecks=["b"]), switch)[0] == {"ChildHealthChecks": ["a"]}


def test_config_view_keeps_managed_fields():
    desired = planning.switch_config("secondary", "a")
    existing = dict(planning.switch_config("auto", "a"), Regions=None, EnableSNI=False)
    assert planning.config_view(existing, desired) == dict(planning.switch_config("auto", "a"))
    assert planning.config_view(None, desired) is None


# -- records -------------------------------------------------------------------------------------------
def _endpoints():
    return (
        endpoints.endpoint_spec("primary", alias(SEOUL_ALB), "A"),
        endpoints.endpoint_spec(
            "secondary", {"values": ["198.51.100.20"], "health_check": {"fqdn": "dr.example"}}, "A"
        ),
    )


def test_desired_records():
    primary, secondary = _endpoints()
    record = planning.desired_record(primary, "www.megaticket.click", "A", 60, "switch-id")
    assert record == {
        "Name": "www.megaticket.click.",
        "Type": "A",
        "SetIdentifier": "primary",
        "Failover": "PRIMARY",
        "HealthCheckId": "switch-id",
        "AliasTarget": {"HostedZoneId": "ZWKZPGTI48KDX", "DNSName": SEOUL_ALB + ".", "EvaluateTargetHealth": True},
    }
    record = planning.desired_record(secondary, "www.megaticket.click", "A", 30, "s")
    assert record["TTL"] == 30 and record["ResourceRecords"] == [{"Value": "198.51.100.20"}]


def test_same_record_ignores_case_dots_and_value_order():
    a = {
        "Name": "WWW.x.",
        "Type": "A",
        "SetIdentifier": "p",
        "Failover": "PRIMARY",
        "TTL": 60,
        "ResourceRecords": [{"Value": "2"}, {"Value": "1"}],
    }
    b = dict(a, Name="www.x", ResourceRecords=[{"Value": "1"}, {"Value": "2"}])
    assert planning.same_record(a, b)
    assert not planning.same_record(a, dict(b, TTL=300))


def test_plan_records_adopts_replaces_and_conflicts():
    primary, secondary = _endpoints()
    desired = [
        planning.desired_record(primary, "www.x", "A", 60, "sw"),
        planning.desired_record(secondary, "www.x", "A", 60, "s"),
    ]
    assert [c["Action"] for c in planning.plan_records([], desired, False)[0]] == ["UPSERT", "UPSERT"]
    assert planning.plan_records(desired, desired, False) == ([], [])
    old_secondary = dict(desired[1], SetIdentifier="dr")
    changes, conflicts = planning.plan_records([desired[0], old_secondary], desired, False)
    assert [(c["Action"], c["ResourceRecordSet"]["SetIdentifier"]) for c in changes] == [
        ("DELETE", "dr"),
        ("UPSERT", "secondary"),
    ]
    simple = {"Name": "www.x.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.1"}]}
    changes, conflicts = planning.plan_records([simple], desired, False)
    assert conflicts == [simple]
    changes, conflicts = planning.plan_records([simple], desired, True)
    assert conflicts == [] and [c["Action"] for c in changes] == ["DELETE", "UPSERT", "UPSERT"]


# -- DNS answers -----------------------------------------------------------------------------------------
def test_match_answer_by_value_name_and_address():
    primary, secondary = _endpoints()
    pair = [primary, secondary]
    assert planning.match_answer(["198.51.100.20"], pair, resolver=None) == ("secondary", "value")
    assert planning.match_answer([SEOUL_ALB.upper() + "."], pair, resolver=None) == ("primary", "alias name")
    resolver = {SEOUL_ALB: {"13.124.1.1", "13.124.2.2"}}.copy
    found = planning.match_answer(["13.124.2.2"], pair, resolver=lambda names: resolver())
    assert found == ("primary", "alias address")
    assert planning.match_answer(["3.3.3.3"], pair, resolver=lambda names: resolver()) == (None, None)
    assert planning.match_answer([], pair) == (None, None)


def test_system_resolver_never_raises():
    found = api.system_resolver(["name.invalid"], timeout=2)
    assert found == {"name.invalid": set()}
