"""Route 53 calls of route53_failover: AWS errors become DRErrors that name the resource; not found is not failed."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import cause
from ansible_collections.pilotlight.dr.plugins.module_utils._route53 import api


def error(code):
    return ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


class Client:
    """Answers each call with the value or raises the error given for it."""

    def __init__(self, **answers):
        self.answers = answers

    def __getattr__(self, name):
        def call(**kwargs):
            answer = self.answers[name]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


def test_find_zone_tells_a_missing_zone_from_a_failed_read():
    with pytest.raises(DRError, match="hosted zone Z1 does not exist") as missing:
        api.find_zone(Client(get_hosted_zone=error("NoSuchHostedZone")), zone_id="Z1")
    assert cause(missing.value) is None
    with pytest.raises(DRError, match="cannot read hosted zone /hostedzone/Z1") as failed:
        api.find_zone(Client(get_hosted_zone=error("AccessDenied")), zone_id="/hostedzone/Z1")
    assert cause(failed.value) is not None
    with pytest.raises(DRError, match="cannot list hosted zones named x.click.") as failed:
        api.find_zone(Client(list_hosted_zones_by_name=error("AccessDenied")), zone_name="x.click")
    assert cause(failed.value) is not None


def test_find_zone_refuses_private_and_ambiguous_zones():
    private = {"Id": "/hostedzone/Z1", "Name": "x.click.", "Config": {"PrivateZone": True}}
    with pytest.raises(DRError, match="is private"):
        api.find_zone(Client(get_hosted_zone={"HostedZone": private}), zone_id="Z1")
    public = [{"Id": f"/hostedzone/Z{i}", "Name": "x.click.", "Config": {}} for i in (1, 2)]
    with pytest.raises(DRError, match="2 public hosted zones are named x.click. \\(Z1, Z2\\)"):
        api.find_zone(Client(list_hosted_zones_by_name={"HostedZones": public}), zone_name="x.click")
    assert api.find_zone(Client(list_hosted_zones_by_name={"HostedZones": public[:1]}), zone_name="X.click.") == {
        "Id": "Z1",
        "Name": "x.click.",
    }


def test_health_check_reads_and_deletes_treat_not_found_as_absent_and_other_errors_as_failures():
    assert api.health_check_observations(Client(get_health_check_status=error("NoSuchHealthCheck")), "hc") == ()
    with pytest.raises(DRError, match="cannot read the status of health check hc"):
        api.health_check_observations(Client(get_health_check_status=error("AccessDenied")), "hc")
    assert api.delete_health_check(Client(delete_health_check=error("NoSuchHealthCheck")), "hc") is None
    with pytest.raises(DRError, match="cannot delete health check hc \\(a record or a calculated health check"):
        api.delete_health_check(Client(delete_health_check=error("HealthCheckInUse")), "hc")


def test_a_concurrent_health_check_change_says_to_run_again():
    check = {"Id": "hc", "HealthCheckVersion": 1}
    with pytest.raises(DRError, match="changed by someone else while this task ran; run it again"):
        api.update_health_check(Client(update_health_check=error("HealthCheckVersionMismatch")), check, {})


def test_load_balancer_dns_name_is_none_when_there_is_no_such_load_balancer():
    assert api.load_balancer_dns_name(Client(describe_load_balancers=error("LoadBalancerNotFound")), "alb") is None
    named = Client(describe_load_balancers={"LoadBalancers": [{"DNSName": "alb-1.elb.amazonaws.com"}]})
    assert api.load_balancer_dns_name(named, "alb") == "alb-1.elb.amazonaws.com"
    with pytest.raises(DRError, match="cannot read load balancer alb"):
        api.load_balancer_dns_name(Client(describe_load_balancers=error("AccessDenied")), "alb")
