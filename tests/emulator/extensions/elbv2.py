"""ELBv2: the region's Route 53 hosted zone id, and CreateListener as AWS answers a repeated call.

A Route 53 alias record that points at a load balancer needs the load balancer's
``CanonicalHostedZoneId``: one fixed zone per region and load balancer type (Application Load
Balancers in ap-northeast-1 are in Z14GRHDCWA56QT, Network Load Balancers in Z31USIVHYNEOWT; see
"Elastic Load Balancing endpoints and quotas" in the AWS General Reference). moto reports
``Z2P70J7EXAMPLE`` for every load balancer in every region, so an alias built from it would point
nowhere on AWS and failover records of two regions could not be told apart.

``CreateListener`` on a port the load balancer already listens on returns that listener when the
settings are the same (AWS: "idempotent ... if you attempt to create multiple listeners with the same
settings, each call succeeds") and fails with ``DuplicateListener`` otherwise. moto's own check compares
the port with the listeners' ARNs and never fires, so a repeated call (a retry after a 5xx, for one) made
a second listener on the same port, which the next run's ``purge_listeners`` would then delete.
"""

import threading

from moto.elbv2 import models as elbv2_models
from moto.elbv2.exceptions import DuplicateListenerError

from ..core import patch

DESCRIPTION = (
    "ELBv2: CanonicalHostedZoneId is the region's ALB or NLB hosted zone (Route 53 alias target); CreateListener is "
    "idempotent for the same settings and refuses another listener on a taken port (DuplicateListener)"
)
_LISTENERS = threading.Lock()  # check and create as one step: two identical calls at once make one listener

# Region -> hosted zone id, per load balancer type (AWS General Reference, ELB endpoints).
APPLICATION_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-north-1": "Z23TAZ6LKFMNIO",
}
NETWORK_ZONES = {
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ap-northeast-2": "ZIBE1TIR4HY56",
    "ap-northeast-3": "Z1GWIQ4HH19I5X",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "ap-east-1": "Z12Y7K3UBGUAD1",
    "ca-central-1": "Z2EPGBW3API2WT",
    "sa-east-1": "ZTK26PT1VY4CU",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "eu-north-1": "Z1UDT6IFJ4EJM",
}
ZONES = {"application": APPLICATION_ZONES, "network": NETWORK_ZONES}


def zone_for(load_balancer_type, region):
    """The hosted zone id AWS gives a load balancer of this type in this region, or None."""
    return ZONES.get(load_balancer_type or "application", {}).get(region)


def _make_init(original_init):
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        region = self.arn.split(":")[3]
        self.canonical_hosted_zone_id = zone_for(self.type, region) or self.canonical_hosted_zone_id

    return __init__


def _same_settings(listener, protocol, ssl_policy, certificate, actions):
    wanted = [elbv2_models.FakeAction(dict(action)).data for action in actions or []]
    return (
        listener.protocol == (protocol or "").upper()
        and (listener.ssl_policy == ssl_policy or listener.protocol not in ("HTTPS", "TLS"))
        and listener.certificate == certificate
        and [action.data for action in listener.default_actions] == wanted
    )


def _make_create_listener(original):
    def create_listener(self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs):
        with _LISTENERS:
            balancer = self.load_balancers.get(load_balancer_arn)
            for listener in list(getattr(balancer, "listeners", {}).values()):
                if str(listener.port) == str(port):
                    if _same_settings(listener, protocol, ssl_policy, certificate, actions):
                        return listener
                    raise DuplicateListenerError()
            return original(self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs)

    return create_listener


def install():
    patch(elbv2_models.FakeLoadBalancer, "__init__", _make_init(elbv2_models.FakeLoadBalancer.__init__))
    patch(
        elbv2_models.ELBv2Backend,
        "create_listener",
        _make_create_listener(elbv2_models.ELBv2Backend.create_listener),
    )
