"""Readiness checks of dr_loadbalancer: alb, target_groups, listeners, internal_nlb."""

import copy

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import loadbalancer
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.components import COMPONENTS
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

REGION = "ap-northeast-1"
CERT = f"arn:aws:acm:{REGION}:123456789012:certificate/1111"
OPTIONS = {
    "alb_name": "App-DR-ALB",
    "web_target_group_name": "App-DR-Web-TG",
    "app_target_group_name": "App-DR-App-TG",
    "web_port": 3000,
    "app_port": "3001",  # Jinja may hand over a string
    "web_health_check_path": "/",
    "app_health_check_path": "/api/health",
    "api_path_patterns": ["/api/*"],
    "certificate_arn": CERT,
    "http_redirect_to_https": False,
    "internal_nlb": True,
    "nlb_name": "App-DR-API-NLB",
    "nlb_target_group_name": "App-DR-API-NLB-TG",
}
WEB, APP, NLB_TG = "arn:tg/web", "arn:tg/app", "arn:tg/nlb"


def load_balancer(name, kind, scheme, state="active"):
    return {
        "LoadBalancerName": name,
        "LoadBalancerArn": f"arn:lb/{name}",
        "Type": kind,
        "Scheme": scheme,
        "State": {"Code": state},
        "DNSName": f"{name.lower()}.elb.example",
    }


def api_rule(patterns=("/api/*",), target=APP, new_form=False):
    condition = (
        {"Field": "path-pattern", "PathPatternConfig": {"Values": list(patterns)}}
        if new_form
        else {"Field": "path-pattern", "Values": list(patterns)}
    )
    return {
        "Priority": "1",
        "IsDefault": False,
        "Conditions": [condition],
        "Actions": [{"Type": "forward", "TargetGroupArn": target}],
    }


def listener(arn, protocol, port, default_actions, rules=(), certificates=()):
    default_rule = {"Priority": "default", "IsDefault": True, "Conditions": [], "Actions": default_actions}
    return {
        "ListenerArn": arn,
        "Protocol": protocol,
        "Port": port,
        "DefaultActions": default_actions,
        "Certificates": [{"CertificateArn": c} for c in certificates],
        "Rules": [default_rule, *rules],
    }


def ready_world():
    forward_web = [{"Type": "forward", "TargetGroupArn": WEB}]
    return {
        "load_balancers": {
            "App-DR-ALB": load_balancer("App-DR-ALB", "application", "internet-facing"),
            "App-DR-API-NLB": load_balancer("App-DR-API-NLB", "network", "internal"),
        },
        "target_groups": {
            "App-DR-Web-TG": {
                "TargetGroupName": "App-DR-Web-TG",
                "TargetGroupArn": WEB,
                "Protocol": "HTTP",
                "Port": 3000,
                "HealthCheckPath": "/",
            },
            "App-DR-App-TG": {
                "TargetGroupName": "App-DR-App-TG",
                "TargetGroupArn": APP,
                "Protocol": "HTTP",
                "Port": 3001,
                "HealthCheckPath": "/api/health",
            },
            "App-DR-API-NLB-TG": {
                "TargetGroupName": "App-DR-API-NLB-TG",
                "TargetGroupArn": NLB_TG,
                "Protocol": "TCP",
                "Port": 3001,
            },
        },
        "listeners": {
            "arn:lb/App-DR-ALB": [
                listener("arn:l/http", "HTTP", 80, forward_web, [api_rule()]),
                listener("arn:l/https", "HTTPS", 443, forward_web, [api_rule(new_form=True)], [CERT]),
            ],
            "arn:lb/App-DR-API-NLB": [
                listener("arn:l/tcp", "TCP", 3001, [{"Type": "forward", "TargetGroupArn": NLB_TG}]),
            ],
        },
    }


def error(code):
    def make(operation):
        return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, operation)

    return make


class FakeELBv2:
    """Answers like ELBv2 from a ``world`` dict; ``fail`` maps an operation (or operation:name) to its error."""

    def __init__(self, world, fail=None):
        self.world = world
        self.fail = fail or {}
        self.calls = []

    def _call(self, operation, name=""):
        self.calls.append((operation, name))
        for key in (operation, f"{operation}:{name}"):
            if key in self.fail:
                raise self.fail[key](operation)

    def describe_load_balancers(self, Names, aws_retry=False):
        self._call("DescribeLoadBalancers", Names[0])
        if Names[0] not in self.world["load_balancers"]:
            raise error("LoadBalancerNotFound")("DescribeLoadBalancers")
        return {"LoadBalancers": [copy.deepcopy(self.world["load_balancers"][Names[0]])]}

    def describe_target_groups(self, Names, aws_retry=False):
        self._call("DescribeTargetGroups", Names[0])
        if Names[0] not in self.world["target_groups"]:
            raise error("TargetGroupNotFound")("DescribeTargetGroups")
        return {"TargetGroups": [copy.deepcopy(self.world["target_groups"][Names[0]])]}

    def get_paginator(self, name):
        fake = self

        class Pages:
            def __init__(self, **kwargs):
                self.kwargs = kwargs

            def build_full_result(self):
                if name == "describe_listeners":
                    arn = self.kwargs["LoadBalancerArn"]
                    fake._call("DescribeListeners", arn)
                    listeners = copy.deepcopy(fake.world["listeners"].get(arn, []))
                    for item in listeners:
                        item.pop("Rules")
                    return {"Listeners": listeners}
                arn = self.kwargs["ListenerArn"]
                fake._call("DescribeRules", arn)
                every = [item for items in fake.world["listeners"].values() for item in items]
                return {"Rules": copy.deepcopy(next(item["Rules"] for item in every if item["ListenerArn"] == arn))}

        return type("Paginator", (), {"paginate": lambda self, **kwargs: Pages(**kwargs)})()


def run(world=None, fail=None, client=None, **options):
    client = client or FakeELBv2(world or ready_world(), fail)
    regions = []

    def factory(service, region):
        assert service == "elbv2"
        regions.append(region)
        return client

    spec = {
        "name": "loadbalancer",
        "region": REGION,
        "primary_region": "ap-northeast-2",
        "primary_reachable": False,
        "options": dict(OPTIONS, **options),
    }
    results = COMPONENTS["loadbalancer"](ReadinessContext(factory, spec))
    assert set(regions) == {REGION}
    checks = [r["check"] for r in results]
    assert checks == sorted(checks, key=loadbalancer.CHECKS.index) and len(set(checks)) == len(checks)
    return {r["check"]: r for r in results}


def statuses(results):
    return {name: r["status"] for name, r in results.items()}


def test_everything_in_place_passes():
    results = run()
    assert statuses(results) == dict.fromkeys(loadbalancer.CHECKS, "pass")
    assert results["alb"]["reason"] == "ALB App-DR-ALB is active, internet-facing (app-dr-alb.elb.example)"
    assert results["target_groups"]["reason"] == "App-DR-Web-TG, App-DR-App-TG exist with their ports and health checks"
    assert results["listeners"]["reason"] == "HTTP and HTTPS listeners forward to web, /api/* to app"
    assert results["internal_nlb"]["reason"] == "NLB App-DR-API-NLB is active, internal, TCP:3001 listener present"
    assert results["alb"]["evidence"]["dns_name"] == "app-dr-alb.elb.example"
    assert all(r["component"] == "dr_loadbalancer" and r["fix"] is None for r in results.values())


def test_without_certificate_and_nlb_only_http_is_expected():
    results = run(certificate_arn="", internal_nlb=False)
    assert statuses(results) == {"alb": "pass", "target_groups": "pass", "listeners": "pass"}
    assert results["listeners"]["reason"] == "HTTP listeners forward to web, /api/* to app"


def test_http_redirect_to_https():
    world = ready_world()
    world["listeners"]["arn:lb/App-DR-ALB"][0] = listener("arn:l/http", "HTTP", 80, [{"Type": "redirect"}])
    assert run(world, http_redirect_to_https=True)["listeners"]["status"] == "pass"
    assert run(world)["listeners"]["reason"] == (
        "HTTP:80 does not forward to App-DR-Web-TG by default; HTTP:80 has no rule sending /api/* to App-DR-App-TG"
    )
    result = run(http_redirect_to_https=True)["listeners"]
    assert (result["status"], result["reason"]) == ("fail", "HTTP:80 does not redirect to HTTPS")


def test_missing_alb_fails_alb_and_listeners():
    world = ready_world()
    del world["load_balancers"]["App-DR-ALB"]
    results = run(world)
    assert statuses(results) == {"alb": "fail", "target_groups": "pass", "listeners": "fail", "internal_nlb": "pass"}
    assert results["alb"]["reason"] == f"ALB App-DR-ALB not found in {REGION}"
    assert "dr_loadbalancer role" in results["alb"]["fix"]


@pytest.mark.parametrize(
    "state, scheme, fix",
    [
        ("provisioning", "internet-facing", "wait until App-DR-ALB is active"),
        ("active", "internal", "recreate App-DR-ALB internet-facing"),
    ],
)
def test_alb_not_active_or_internal_fails(state, scheme, fix):
    world = ready_world()
    world["load_balancers"]["App-DR-ALB"].update(State={"Code": state}, Scheme=scheme)
    result = run(world)["alb"]
    assert result["status"] == "fail" and f"is {state}, {scheme}" in result["reason"]
    assert result["fix"].startswith(fix)


def test_target_group_missing_or_different_fails():
    world = ready_world()
    del world["target_groups"]["App-DR-Web-TG"]
    world["target_groups"]["App-DR-App-TG"].update(Port=8080, HealthCheckPath="/health")
    results = run(world)
    assert results["target_groups"]["status"] == "fail"
    assert results["target_groups"]["reason"] == (
        "App-DR-Web-TG not found; App-DR-App-TG is HTTP:8080 health /health, expected HTTP:3001 health /api/health"
    )
    assert results["listeners"]["status"] == "fail"
    assert "does not forward to App-DR-Web-TG" in results["listeners"]["reason"]


def test_other_paths_and_certificate_fail_the_listeners():
    results = run(certificate_arn=CERT + "x", api_path_patterns=["/api/*", "/auth/*"])
    assert statuses(results)["listeners"] == "fail"
    reason = results["listeners"]["reason"]
    assert f"HTTPS:443 does not use the certificate {CERT}x" in reason
    assert "HTTP:80 has no rule sending /api/*, /auth/* to App-DR-App-TG" in reason
    assert results["listeners"]["fix"]


def test_missing_https_listener_fails():
    world = ready_world()
    world["listeners"]["arn:lb/App-DR-ALB"].pop()
    result = run(world)["listeners"]
    assert (result["status"], result["reason"]) == ("fail", "no HTTPS listener on 443")


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda w: w["load_balancers"].pop("App-DR-API-NLB"), "NLB App-DR-API-NLB not found"),
        (
            lambda w: w["listeners"].update({"arn:lb/App-DR-API-NLB": []}),
            "NLB App-DR-API-NLB is active, internal, TCP:3001 listener missing",
        ),
        (
            lambda w: w["target_groups"].pop("App-DR-API-NLB-TG"),
            "NLB App-DR-API-NLB is active, internal, TCP:3001 listener present, target group missing",
        ),
        (
            lambda w: w["load_balancers"]["App-DR-API-NLB"].update(Scheme="internet-facing"),
            "NLB App-DR-API-NLB is active, internet-facing, TCP:3001 listener present",
        ),
    ],
)
def test_internal_nlb_fails(change, reason):
    world = ready_world()
    change(world)
    result = run(world)["internal_nlb"]
    assert (result["status"], result["reason"]) == ("fail", reason)
    assert "dr_loadbalancer role" in result["fix"]


@pytest.mark.parametrize(
    "fail, unknown",
    [
        ("DescribeLoadBalancers:App-DR-ALB", ["alb", "listeners"]),
        ("DescribeTargetGroups:App-DR-Web-TG", ["target_groups", "listeners"]),
        ("DescribeTargetGroups:App-DR-App-TG", ["target_groups", "listeners"]),
        ("DescribeTargetGroups", ["target_groups", "listeners", "internal_nlb"]),
        ("DescribeListeners:arn:lb/App-DR-ALB", ["listeners"]),
        ("DescribeRules", ["listeners"]),
        ("DescribeLoadBalancers:App-DR-API-NLB", ["internal_nlb"]),
        ("DescribeListeners:arn:lb/App-DR-API-NLB", ["internal_nlb"]),
        ("DescribeTargetGroups:App-DR-API-NLB-TG", ["internal_nlb"]),
        ("DescribeLoadBalancers", ["alb", "listeners", "internal_nlb"]),
    ],
)
def test_a_throttled_read_is_not_checked_never_not_found(fail, unknown):
    results = run(fail={fail: error("Throttling")})
    assert sorted(name for name, r in results.items() if r["status"] == "not_checked") == sorted(unknown)
    assert all(r["status"] == "pass" for name, r in results.items() if name not in unknown)
    for name in unknown:
        assert "Throttling" in results[name]["reason"] and "could not read" in results[name]["reason"]
        assert "not found" not in results[name]["reason"] and "no rule" not in results[name]["reason"]


def test_a_read_no_check_needs_any_more_is_not_made():
    client = FakeELBv2(ready_world(), {"DescribeTargetGroups": error("ServiceUnavailable")})
    results = run(client=client, internal_nlb=False)
    assert statuses(results) == {"alb": "pass", "target_groups": "not_checked", "listeners": "not_checked"}
    assert results["target_groups"]["reason"].startswith(f"could not read target group App-DR-Web-TG in {REGION}")
    assert [name for operation, name in client.calls if operation == "DescribeTargetGroups"] == ["App-DR-Web-TG"]
    assert not [operation for operation, _name in client.calls if operation in ("DescribeListeners", "DescribeRules")]
