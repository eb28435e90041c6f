# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Detaching a certificate from ALB/NLB listeners before it is deleted (state=absent, force=true)."""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors


def is_elbv2_arn(arn):
    return ":elasticloadbalancing:" in arn and (":loadbalancer/app/" in arn or ":loadbalancer/net/" in arn)


def listener_certificates(elbv2, load_balancer_arn):
    """[(listener ARN, [certificates])] of a load balancer (DescribeListenerCertificates shape)."""
    with aws_errors(f"read the listeners of {load_balancer_arn}"):
        listeners = (
            elbv2.get_paginator("describe_listeners")
            .paginate(LoadBalancerArn=load_balancer_arn)
            .build_full_result()
            .get("Listeners", [])
        )
        return [
            (
                listener["ListenerArn"],
                elbv2.get_paginator("describe_listener_certificates")
                .paginate(ListenerArn=listener["ListenerArn"])
                .build_full_result()
                .get("Certificates", []),
            )
            for listener in listeners
        ]


def plan_detach(elbv2, arn, users):
    """The listeners to remove the certificate from; DRError when a use cannot be undone safely."""
    blockers, detach_from = [], []
    for user in users:
        if not is_elbv2_arn(user):
            blockers.append(f"{user} (not an ALB/NLB listener: remove the certificate there first)")
            continue
        for listener_arn, certificates in listener_certificates(elbv2, user):
            for certificate in certificates:
                if certificate["CertificateArn"] != arn:
                    continue
                if certificate.get("IsDefault"):
                    blockers.append(
                        f"{listener_arn} (the listener's default certificate: give the listener "
                        "another default certificate first)"
                    )
                else:
                    detach_from.append(listener_arn)
    if blockers:
        raise DRError(f"ACM certificate {arn} is in use and force cannot detach it from: {'; '.join(blockers)}")
    return sorted(set(detach_from))


def detach(elbv2, arn, listener_arns):
    for listener_arn in listener_arns:
        with aws_errors(f"remove certificate {arn} from listener {listener_arn}"):
            elbv2.remove_listener_certificates(
                ListenerArn=listener_arn, Certificates=[{"CertificateArn": arn}], aws_retry=True
            )
