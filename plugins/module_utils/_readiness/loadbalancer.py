# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR load balancer (role dr_loadbalancer): traffic sent to the DR ALB reaches web and app.

Checks, in this order:

* ``alb``: the ALB exists, is active and internet-facing;
* ``target_groups``: the web and app target groups exist with their ports, protocol and health check path;
* ``listeners``: HTTP:80 (and HTTPS:443 with the certificate) forward to web by default, or HTTP
  redirects to HTTPS, and a rule sends the API paths to app;
* ``internal_nlb`` (with ``internal_nlb``): the internal NLB is active with a TCP listener on the app
  port and its target group exists.

Only the DR region is called. A read that failed (throttled, 5xx) makes the checks that depend on it
not checked: never "target group not found" or "no rule" for what could not be read.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._elbv2 import load_balancers as elb
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "loadbalancer"
CHECKS = ("alb", "target_groups", "listeners", "internal_nlb")
FIX_RUN_ROLE = "run the dr_loadbalancer role (main entry point), which creates and repairs it"


class Reads:
    """``Checks.read`` that records a check as not checked once, however many of its reads failed."""

    def __init__(self, checks):
        self.checks = checks
        self.unknown = set()

    def __call__(self, names, what, fn, *args):
        names = [name for name in names if name not in self.unknown]
        if not names:  # every check that needs it is already not checked
            return False, None
        ok, value = self.checks.read(names, what, fn, *args)
        if not ok:
            self.unknown.update(names)
        return ok, value

    def known(self, name):
        return name not in self.unknown


def expected_target_groups(options):
    return [
        {
            "name": options["web_target_group_name"],
            "port": int(options["web_port"]),
            "protocol": "HTTP",
            "path": options["web_health_check_path"],
        },
        {
            "name": options["app_target_group_name"],
            "port": int(options["app_port"]),
            "protocol": "HTTP",
            "path": options["app_health_check_path"],
        },
    ]


def expected_listeners(options):
    https = bool(options.get("certificate_arn"))
    redirects = https and bool(options.get("http_redirect_to_https"))
    listeners = [{"protocol": "HTTP", "port": 80, "redirect": redirects}]
    if https:
        listeners.append({"protocol": "HTTPS", "port": 443, "redirect": False})
    return listeners


def target_group_problems(expected, found):
    """What is wrong with the target groups (``found``: name -> DescribeTargetGroups item or None)."""
    problems = []
    for want in expected:
        group = found.get(want["name"])
        if group is None:
            problems.append(f"{want['name']} not found")
        elif (
            group.get("Port") != want["port"]
            or group.get("Protocol") != want["protocol"]
            or group.get("HealthCheckPath", "") != want["path"]
        ):
            found_as = f"{group.get('Protocol')}:{group.get('Port')} health {group.get('HealthCheckPath', '-')}"
            wanted_as = f"{want['protocol']}:{want['port']} health {want['path']}"
            problems.append(f"{want['name']} is {found_as}, expected {wanted_as}")
    return problems


def listener_problems(options, listeners, web_arn, app_arn):
    """What is wrong with the ALB's listeners (DescribeListeners items with their ``Rules``)."""
    problems = []
    paths = options["api_path_patterns"]
    for want in expected_listeners(options):
        name = f"{want['protocol']}:{want['port']}"
        found = next(
            (
                item
                for item in listeners
                if item.get("Port") == want["port"] and item.get("Protocol") == want["protocol"]
            ),
            None,
        )
        if found is None:
            problems.append(f"no {want['protocol']} listener on {want['port']}")
            continue
        defaults = found.get("DefaultActions", [])
        if want["redirect"]:
            if not any(action.get("Type") == "redirect" for action in defaults):
                problems.append(f"{name} does not redirect to HTTPS")
            continue
        certificates = [c.get("CertificateArn") for c in found.get("Certificates", [])]
        if want["protocol"] == "HTTPS" and options["certificate_arn"] not in certificates:
            problems.append(f"{name} does not use the certificate {options['certificate_arn']}")
        if web_arn is None or web_arn not in elb.forward_targets(defaults):
            problems.append(f"{name} does not forward to {options['web_target_group_name']} by default")
        api_rule = any(
            set(paths) <= set(elb.path_patterns(rule))
            and app_arn is not None
            and app_arn in elb.forward_targets(rule.get("Actions", []))
            for rule in found.get("Rules", [])
            if not rule.get("IsDefault")
        )
        if not api_rule:
            problems.append(f"{name} has no rule sending {', '.join(paths)} to {options['app_target_group_name']}")
    return problems


def _state(lb):
    return lb.get("State", {}).get("Code", "?")


def _alb_check(checks, options, region, alb):
    name = options["alb_name"]
    if alb is None:
        return checks.failed("alb", f"ALB {name} not found in {region}", FIX_RUN_ROLE)
    evidence = {
        "arn": alb["LoadBalancerArn"],
        "dns_name": alb.get("DNSName"),
        "state": _state(alb),
        "scheme": alb.get("Scheme"),
    }
    reason = f"ALB {name} is {_state(alb)}, {alb.get('Scheme', '?')} ({alb.get('DNSName', '')})"
    if alb.get("Scheme") != "internet-facing":
        return checks.failed("alb", reason, f"recreate {name} internet-facing: delete it and {FIX_RUN_ROLE}", evidence)
    return checks.expect(
        "alb",
        _state(alb) == "active",
        reason,
        f"wait until {name} is active (provisioning takes a few minutes), else look at its state reason in {region}",
        evidence,
    )


def _nlb_check(checks, options, nlb, listeners, group):
    name, group_name, port = options["nlb_name"], options["nlb_target_group_name"], int(options["app_port"])
    if nlb is None:
        return checks.failed("internal_nlb", f"NLB {name} not found", FIX_RUN_ROLE)
    listener = any(item.get("Port") == port and item.get("Protocol") == "TCP" for item in listeners)
    ok = _state(nlb) == "active" and nlb.get("Scheme") == "internal" and listener and group is not None
    reason = (
        f"NLB {name} is {_state(nlb)}, {nlb.get('Scheme', '?')}, TCP:{port} listener "
        f"{'present' if listener else 'missing'}" + ("" if group is not None else ", target group missing")
    )
    evidence = {
        "arn": nlb["LoadBalancerArn"],
        "dns_name": nlb.get("DNSName"),
        "state": _state(nlb),
        "scheme": nlb.get("Scheme"),
        "tcp_listener": listener,
        "target_group": group_name if group else None,
    }
    return checks.expect(
        "internal_nlb",
        ok,
        reason,
        f"make it internal and active with a TCP:{port} listener to {group_name}: {FIX_RUN_ROLE}",
        evidence,
    )


def check(ctx):
    options = ctx.options
    region = ctx.region
    checks = Checks(COMPONENT)
    read = Reads(checks)
    elbv2 = ctx.client("elbv2")

    ok, alb = read(
        ["alb", "listeners"],
        f"ALB {options['alb_name']} in {region}",
        elb.find_load_balancer,
        elbv2,
        options["alb_name"],
    )
    if ok:
        _alb_check(checks, options, region, alb)

    expected = expected_target_groups(options)
    groups = {}
    for want in expected:
        ok, groups[want["name"]] = read(
            ["target_groups", "listeners"],
            f"target group {want['name']} in {region}",
            elb.find_target_group,
            elbv2,
            want["name"],
        )
    if read.known("target_groups"):
        problems = target_group_problems(expected, groups)
        evidence = {
            name: {
                "arn": g["TargetGroupArn"],
                "protocol": g.get("Protocol"),
                "port": g.get("Port"),
                "health_check_path": g.get("HealthCheckPath"),
            }
            for name, g in groups.items()
            if g
        }
        checks.expect(
            "target_groups",
            not problems,
            "; ".join(problems) or f"{', '.join(groups)} exist with their ports and health checks",
            f"{FIX_RUN_ROLE} (it sets ports, protocol and health checks from its variables)",
            evidence,
        )

    if read.known("listeners"):
        if alb is None:
            checks.failed("listeners", f"ALB {options['alb_name']} not found in {region}: no listeners", FIX_RUN_ROLE)
        else:
            ok, listeners = read(
                ["listeners"],
                f"the listeners of ALB {options['alb_name']} in {region}",
                elb.listeners_with_rules,
                elbv2,
                alb["LoadBalancerArn"],
            )
            if ok:
                web, app = (groups[want["name"]] for want in expected)
                problems = listener_problems(
                    options, listeners, web and web["TargetGroupArn"], app and app["TargetGroupArn"]
                )
                wanted = expected_listeners(options)
                evidence = {"listeners": [f"{item.get('Protocol')}:{item.get('Port')}" for item in listeners]}
                checks.expect(
                    "listeners",
                    not problems,
                    "; ".join(problems)
                    or (
                        f"{' and '.join(w['protocol'] for w in wanted)} listeners forward to web, "
                        f"{', '.join(options['api_path_patterns'])} to app"
                    ),
                    FIX_RUN_ROLE,
                    evidence,
                )

    if options.get("internal_nlb"):
        ok, nlb = read(
            ["internal_nlb"],
            f"NLB {options['nlb_name']} in {region}",
            elb.find_load_balancer,
            elbv2,
            options["nlb_name"],
        )
        listeners = []
        if ok and nlb is not None:
            ok, listeners = read(
                ["internal_nlb"],
                f"the listeners of NLB {options['nlb_name']} in {region}",
                elb.listeners,
                elbv2,
                nlb["LoadBalancerArn"],
            )
        ok, group = read(
            ["internal_nlb"],
            f"target group {options['nlb_target_group_name']} in {region}",
            elb.find_target_group,
            elbv2,
            options["nlb_target_group_name"],
        )
        if read.known("internal_nlb"):
            _nlb_check(checks, options, nlb, listeners, group)

    checks.results.sort(key=lambda r: CHECKS.index(r["check"]))
    return checks.results
