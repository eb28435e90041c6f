"""Readiness checks of dr_dns: failover records, secondary healthy, dns answers primary."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import dns
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import planning
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.endpoints import validate
from ansible_collections.pilotlight.dr.plugins.module_utils._route53.names import record_key

DR, PRIMARY = "ap-northeast-1", "ap-northeast-2"
ZONE_ID, ZONE = "Z0ZONE", "megaticket.click."
NAME = "www.megaticket.click"
SEOUL_ALB = "megaticket-alb-1.ap-northeast-2.elb.amazonaws.com"
TOKYO_ALB = "megaticket-dr-alb-1.ap-northeast-1.elb.amazonaws.com"
HEALTH_CHECK = {"type": "HTTPS", "resource_path": "/health", "request_interval": 30, "failure_threshold": 3}
OK = [{"Region": "us-east-1", "StatusReport": {"Status": "Success: HTTP Status Code 200, OK"}}]
DOWN = [{"Region": "us-east-1", "StatusReport": {"Status": "Failure: Connection timed out"}}]


def endpoint(role, dns_name, region):
    return {
        "set_identifier": role,
        "region": region,
        "health_check": dict(HEALTH_CHECK),
        "alias": {"dns_name": dns_name, "hosted_zone_id": None, "evaluate_target_health": True},
    }


def options(**extra):
    base = {
        "zone": "megaticket.click",
        "zone_id": "",
        "record_name": NAME,
        "record_type": "A",
        "ttl": 60,
        "primary": endpoint("primary", SEOUL_ALB, PRIMARY),
        "secondary": endpoint("secondary", TOKYO_ALB, DR),
        "primary_load_balancer_name": "",
        "secondary_load_balancer_name": "",
        "overwrite": False,
        "tags": {"Application": "megaticket"},
        "require_secondary_healthy": True,
    }
    base.update(extra)
    return base


def failed_read(operation):
    """A read that failed for good (a throttled read that ran out of retries looks the same to the checks)."""
    return ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, operation)


class Paginator:
    def __init__(self, result):
        self.result = result

    def paginate(self):
        return self

    def build_full_result(self):
        return self.result


class FakeRoute53:
    """Route 53 as route53_failover left it: health checks tagged for the record, failover records, an answer."""

    def __init__(self, mode="auto", answer=(SEOUL_ALB + ".",)):
        params = dns._params(options())
        endpoints = validate(params)
        key = record_key(ZONE_ID, NAME, "A")
        self.zones = [{"Id": f"/hostedzone/{ZONE_ID}", "Name": ZONE, "Config": {"PrivateZone": False}}]
        self.checks, self.tags = [], {}
        for role, check_id in (("primary", "hc-primary"), ("secondary", "hc-secondary")):
            self.add_check(check_id, endpoints[role]["health_check"], planning.check_tags(key, role, params["tags"]))
        self.add_check(
            "hc-switch", planning.switch_config(mode, "hc-primary"), planning.check_tags(key, "switch", params["tags"])
        )
        self.records = [
            planning.desired_record(endpoints["primary"], NAME, "A", 60, "hc-switch"),
            planning.desired_record(endpoints["secondary"], NAME, "A", 60, "hc-secondary"),
        ]
        self.observations = {"hc-primary": OK, "hc-secondary": OK}
        self.answer = list(answer)
        self.fail = set()
        self.calls = []

    def add_check(self, check_id, config, tags):
        self.checks.append({"Id": check_id, "HealthCheckVersion": 1, "HealthCheckConfig": dict(config)})
        self.tags[check_id] = tags

    def _call(self, operation):
        self.calls.append(operation)
        if operation in self.fail:
            raise failed_read(operation)

    def list_hosted_zones_by_name(self, DNSName, MaxItems, aws_retry=False):
        self._call("list_hosted_zones_by_name")
        return {"HostedZones": [z for z in self.zones if z["Name"] == DNSName]}

    def get_paginator(self, name):
        self._call(name)
        return Paginator({"HealthChecks": [dict(c) for c in self.checks]})

    def list_tags_for_resources(self, ResourceType, ResourceIds, aws_retry=False):
        self._call("list_tags_for_resources")
        return {
            "ResourceTagSets": [
                {"ResourceId": i, "Tags": [{"Key": k, "Value": v} for k, v in self.tags[i].items()]}
                for i in ResourceIds
            ]
        }

    def list_resource_record_sets(self, HostedZoneId, StartRecordName, StartRecordType, MaxItems, aws_retry=False):
        self._call("list_resource_record_sets")
        return {"ResourceRecordSets": list(self.records), "IsTruncated": False}

    def get_health_check_status(self, HealthCheckId, aws_retry=False):
        self._call("get_health_check_status")
        return {"HealthCheckObservations": self.observations.get(HealthCheckId, [])}

    def test_dns_answer(self, HostedZoneId, RecordName, RecordType, aws_retry=False):
        self._call("test_dns_answer")
        return {"RecordData": self.answer, "ResponseCode": "NOERROR", "Nameserver": "ns-1.awsdns", "Protocol": "UDP"}


class FakeElbv2:
    def __init__(self, balancers):
        self.balancers = balancers
        self.fail = False

    def describe_load_balancers(self, Names, aws_retry=False):
        if self.fail:
            raise failed_read("DescribeLoadBalancers")
        if Names[0] not in self.balancers:
            raise ClientError(
                {"Error": {"Code": "LoadBalancerNotFound", "Message": "not found"}}, "DescribeLoadBalancers"
            )
        return {"LoadBalancers": [{"DNSName": self.balancers[Names[0]]}]}


def run(route53, primary_reachable=True, elbv2=None, **extra):
    called = []
    elbv2 = elbv2 or {}

    def factory(service, region):
        called.append((service, region))
        return route53 if service == "route53" else elbv2[region]

    spec = {
        "name": "dns",
        "region": DR,
        "primary_region": PRIMARY,
        "primary_reachable": primary_reachable,
        "options": options(**extra),
    }
    results = COMPONENTS["dns"](ReadinessContext(factory, spec))
    return {r["check"]: r for r in results}, called


def statuses(results):
    return {name: r["status"] for name, r in results.items()}


def test_ready_failover_passes_every_check_with_the_evidence_the_role_publishes():
    results, called = run(FakeRoute53())
    assert list(results) == list(dns.CHECKS)
    assert statuses(results) == dict.fromkeys(dns.CHECKS, "pass")
    assert "(switch hc-switch)" in results["failover records"]["reason"]
    answer = results["dns answers primary"]["evidence"]["answer"]
    assert answer["endpoint"] == "primary" and answer["region"] == PRIMARY and answer["mode"] == "auto"
    assert answer["matched_by"] == "alias name"
    health_checks = results["failover records"]["evidence"]["health_checks"]
    assert health_checks["secondary"]["healthy"] is True and health_checks["switch"]["mode"] == "auto"
    assert all(r["side"] == "dr" and r["fix"] is None for r in results.values())
    assert {service for service, _dummy in called} == {"route53"}


def test_after_a_failover_dns_answers_secondary_and_says_how_to_fail_back():
    results, _dummy = run(FakeRoute53(mode="secondary", answer=(TOKYO_ALB + ".",)))
    assert statuses(results) == {"failover records": "pass", "secondary healthy": "pass", "dns answers primary": "fail"}
    answer = results["dns answers primary"]
    assert "switch secondary" in answer["reason"] and "fail back" in answer["fix"]
    assert answer["evidence"]["answer"]["endpoint"] == "secondary"


def test_unhealthy_primary_with_switch_on_auto_names_the_primary_health_check():
    route53 = FakeRoute53(answer=(TOKYO_ALB + ".",))
    route53.observations["hc-primary"] = DOWN
    results, _dummy = run(route53)
    assert results["dns answers primary"]["status"] == "fail"
    assert "primary unhealthy" in results["dns answers primary"]["fix"]


def test_missing_records_fail_with_what_differs_and_the_fix():
    route53 = FakeRoute53(answer=())
    route53.records = []
    results, _dummy = run(route53)
    records = results["failover records"]
    assert records["status"] == "fail" and "PRIMARY record primary to upsert" in records["reason"]
    assert "provision" in records["fix"]
    assert results["dns answers primary"]["status"] == "fail"
    assert "answers nothing" in results["dns answers primary"]["reason"]


def test_a_health_check_that_differs_from_the_inventory_fails_failover_records():
    route53 = FakeRoute53()
    route53.checks[0]["HealthCheckConfig"]["ResourcePath"] = "/old"
    results, _dummy = run(route53)
    assert results["failover records"]["status"] == "fail"
    assert "primary health check to update" in results["failover records"]["reason"]


def test_records_that_are_not_failover_records_conflict():
    route53 = FakeRoute53()
    route53.records.append({"Name": NAME + ".", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.1"}]})
    results, _dummy = run(route53)
    assert results["failover records"]["status"] == "fail"
    assert "not failover records" in results["failover records"]["reason"]
    assert "dr_dns_overwrite" in results["failover records"]["fix"]


def test_unhealthy_secondary_fails_unless_not_required():
    route53 = FakeRoute53()
    route53.observations["hc-secondary"] = DOWN
    results, _dummy = run(route53)
    secondary = results["secondary healthy"]
    assert secondary["status"] == "fail" and "is unhealthy" in secondary["reason"]
    assert "Auto Scaling" in secondary["fix"]
    results, _dummy = run(route53, require_secondary_healthy=False)
    assert results["secondary healthy"]["status"] == "pass"
    assert "not required" in results["secondary healthy"]["reason"]


def test_no_health_checker_result_yet_is_not_checked():
    route53 = FakeRoute53()
    route53.observations["hc-secondary"] = []
    results, _dummy = run(route53)
    assert results["secondary healthy"]["status"] == "not_checked"
    assert "no health checker result yet" in results["secondary healthy"]["reason"]


def test_missing_secondary_health_check_fails():
    route53 = FakeRoute53()
    route53.checks = [c for c in route53.checks if c["Id"] != "hc-secondary"]
    results, _dummy = run(route53)
    assert results["secondary healthy"]["status"] == "fail"
    assert "has no Route 53 health check" in results["secondary healthy"]["reason"]
    assert results["failover records"]["status"] == "fail"


@pytest.mark.parametrize(
    "operation",
    ["list_hosted_zones_by_name", "list_health_checks", "list_tags_for_resources", "list_resource_record_sets"],
)
def test_a_failed_route53_read_makes_every_check_not_checked_never_absent(operation):
    route53 = FakeRoute53()
    route53.fail.add(operation)
    results, _dummy = run(route53)
    assert statuses(results) == dict.fromkeys(dns.CHECKS, "not_checked")
    assert all("AccessDenied" in r["reason"] for r in results.values())


def test_a_failed_health_status_read_is_not_checked_for_secondary_healthy_only():
    route53 = FakeRoute53()
    route53.fail.add("get_health_check_status")
    results, _dummy = run(route53)
    assert list(results) == list(dns.CHECKS)
    assert statuses(results) == {
        "failover records": "pass",
        "secondary healthy": "not_checked",
        "dns answers primary": "pass",
    }


def test_a_failed_dns_answer_is_not_checked():
    route53 = FakeRoute53()
    route53.fail.add("test_dns_answer")
    results, _dummy = run(route53)
    assert results["dns answers primary"]["status"] == "not_checked"
    assert "AccessDenied" in results["dns answers primary"]["reason"]
    assert results["failover records"]["status"] == "pass"


def test_no_hosted_zone_fails_failover_records():
    route53 = FakeRoute53()
    route53.zones = []
    results, _dummy = run(route53)
    assert results["failover records"]["status"] == "fail"
    assert "no public hosted zone named megaticket.click." in results["failover records"]["reason"]
    assert results["failover records"]["fix"]
    assert results["dns answers primary"]["status"] == "not_checked"


def test_bad_input_fails_with_the_fix():
    results, _dummy = run(FakeRoute53(), record_name="")
    assert (
        results["failover records"]["status"] == "fail" and "dr_dns_record_name" in results["failover records"]["fix"]
    )
    results, _dummy = run(FakeRoute53(), record_name="www.other.click")
    assert "is not in zone" in results["failover records"]["reason"]


def by_name(role):
    return dict(endpoint(role, "", DR if role == "secondary" else PRIMARY))


def test_load_balancer_names_are_resolved_in_their_regions():
    elbv2 = {DR: FakeElbv2({"dr-alb": TOKYO_ALB}), PRIMARY: FakeElbv2({"alb": SEOUL_ALB})}
    results, called = run(
        FakeRoute53(),
        elbv2=elbv2,
        primary=by_name("primary"),
        secondary=by_name("secondary"),
        primary_load_balancer_name="alb",
        secondary_load_balancer_name="dr-alb",
    )
    assert statuses(results) == dict.fromkeys(dns.CHECKS, "pass")
    assert ("elbv2", PRIMARY) in called and ("elbv2", DR) in called


def test_primary_unreachable_reads_the_primary_load_balancer_from_the_primary_record():
    elbv2 = {DR: FakeElbv2({"dr-alb": TOKYO_ALB})}
    results, called = run(
        FakeRoute53(),
        primary_reachable=False,
        elbv2=elbv2,
        primary=by_name("primary"),
        secondary=by_name("secondary"),
        primary_load_balancer_name="alb",
        secondary_load_balancer_name="dr-alb",
    )
    assert statuses(results) == dict.fromkeys(dns.CHECKS, "pass")
    assert all(region != PRIMARY for _dummy, region in called)


def test_unknown_load_balancer_fails_and_a_failed_read_is_not_checked():
    elbv2 = {DR: FakeElbv2({})}
    results, _dummy = run(
        FakeRoute53(), elbv2=elbv2, secondary=by_name("secondary"), secondary_load_balancer_name="dr-alb"
    )
    assert results["failover records"]["status"] == "fail"
    assert "no secondary load balancer dr-alb found in ap-northeast-1" in results["failover records"]["reason"]
    elbv2[DR].fail = True
    results, _dummy = run(
        FakeRoute53(), elbv2=elbv2, secondary=by_name("secondary"), secondary_load_balancer_name="dr-alb"
    )
    assert statuses(results) == dict.fromkeys(dns.CHECKS, "not_checked")


# -- a us-east-1 primary that is down takes Route 53's control plane with it ---------------------------------
class FakeCloudWatch:
    def __init__(self, alarms=(), error=None):
        self.alarms, self.error = list(alarms), error

    def describe_alarms(self, AlarmNames, **kwargs):
        if self.error:
            raise self.error
        return {"MetricAlarms": [a for a in self.alarms if a["AlarmName"] in AlarmNames]}


def run_us_east_1_down(cloudwatch, traffic_switch="cloudwatch_alarm"):
    called = []

    def factory(service, region):
        called.append((service, region))
        assert service == "cloudwatch", f"{service} called while us-east-1 (Route 53's control plane) is down"
        return cloudwatch

    spec = {
        "name": "dns",
        "region": "us-west-2",
        "primary_region": "us-east-1",
        "primary_reachable": False,
        "options": options(traffic_switch=traffic_switch, switch_region="us-west-2"),
    }
    results = COMPONENTS["dns"](ReadinessContext(factory, spec))
    return {r["check"]: r for r in results}, called


ALARM = "pilotlight-dr-switch-www.megaticket.click-A"


def test_us_east_1_down_checks_the_switch_alarm_in_dr_only():
    results, called = run_us_east_1_down(FakeCloudWatch([{"AlarmName": ALARM, "StateValue": "OK"}]))
    assert called == [("cloudwatch", "us-west-2")]
    assert {name: (r["status"], r["side"]) for name, r in results.items()} == {
        "failover records": ("not_checked", "primary"),
        "secondary healthy": ("not_checked", "primary"),
        "dns answers primary": ("not_checked", "primary"),
        "traffic switch": ("pass", "dr"),
    }
    assert "control plane" in results["failover records"]["reason"]


def test_us_east_1_down_fails_without_the_alarm_and_not_checked_on_a_failed_read():
    results, _dummy = run_us_east_1_down(FakeCloudWatch())
    assert results["traffic switch"]["status"] == "fail" and ALARM in results["traffic switch"]["reason"]
    assert results["traffic switch"]["fix"]
    results, _dummy = run_us_east_1_down(FakeCloudWatch(error=failed_read("DescribeAlarms")))
    assert results["traffic switch"]["status"] == "not_checked"
    assert "AccessDenied" in results["traffic switch"]["reason"]


def test_us_east_1_down_with_the_health_check_switch_fails_with_the_fix():
    results, called = run_us_east_1_down(FakeCloudWatch(), traffic_switch="health_check")
    assert called == [] and results["traffic switch"]["status"] == "fail"
    assert "dr_dns_traffic_switch: cloudwatch_alarm" in results["traffic switch"]["fix"]
