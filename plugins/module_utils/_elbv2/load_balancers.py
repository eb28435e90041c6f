# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reads of load balancers, their listeners with rules, and target groups, one name at a time.

AWS fails a whole Describe* call when one of its names is missing, so each name is its own call:
"not found" returns None, any other error (throttled past the retries, 5xx, unreachable) raises a
DRError, so a caller can tell "absent" from "could not read".
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler


@DRErrorHandler.reader("describe load balancer {1}", missing=("LoadBalancerNotFound",))
def find_load_balancer(elbv2, name):
    """The load balancer named ``name`` (DescribeLoadBalancers shape), or None."""
    found = elbv2.describe_load_balancers(Names=[name], aws_retry=True).get("LoadBalancers", [])
    return found[0] if found else None


@DRErrorHandler.reader("describe target group {1}", missing=("TargetGroupNotFound",))
def find_target_group(elbv2, name):
    """The target group named ``name`` (DescribeTargetGroups shape), or None."""
    found = elbv2.describe_target_groups(Names=[name], aws_retry=True).get("TargetGroups", [])
    return found[0] if found else None


@DRErrorHandler.call("describe the listeners of load balancer {1}")
def listeners(elbv2, load_balancer_arn):
    """The load balancer's listeners (DescribeListeners shape)."""
    pages = elbv2.get_paginator("describe_listeners").paginate(LoadBalancerArn=load_balancer_arn)
    return pages.build_full_result().get("Listeners", [])


@DRErrorHandler.call("describe the listeners and rules of load balancer {1}")
def listeners_with_rules(elbv2, load_balancer_arn):
    """The load balancer's listeners, each with its ``Rules`` (DescribeRules shape) added."""
    found = listeners(elbv2, load_balancer_arn)
    for listener in found:
        rules = elbv2.get_paginator("describe_rules").paginate(ListenerArn=listener["ListenerArn"])
        listener["Rules"] = rules.build_full_result().get("Rules", [])
    return found


def path_patterns(rule):
    """The path patterns a rule matches (both the old ``Values`` and ``PathPatternConfig`` forms)."""
    patterns = []
    for condition in rule.get("Conditions", []):
        if condition.get("Field") == "path-pattern":
            patterns += condition.get("Values", []) + condition.get("PathPatternConfig", {}).get("Values", [])
    return patterns


def forward_targets(actions):
    """The target group ARNs a list of actions forwards to (``TargetGroupArn`` or ``ForwardConfig``)."""
    targets = []
    for action in actions:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            targets.append(action["TargetGroupArn"])
        targets += [group["TargetGroupArn"] for group in action.get("ForwardConfig", {}).get("TargetGroups", [])]
    return targets
