"""IAM has AWS's managed policies (``arn:aws:iam::aws:policy/...``), as every real account does.

moto only loads its copy of the AWS managed policies when ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``
(or its config file) says so; otherwise ``AttachRolePolicy`` with
``arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`` fails with NoSuchEntity, and
``ListPolicies(Scope=AWS)`` is empty. Instance roles of a pilot light attach exactly such policies.

moto would build all 1,300 of them every time an IAM backend is built, and every request builds one
after a reset (to look up the caller's account): about half a second per test. The emulator
offers the AWS managed policies DR roles and their tests use (``AVAILABLE``); any other AWS
managed policy is missing (NoSuchEntity), which the README's table says.

With IAM enforcement on (``POST /_emulator/iam/enforcement``), moto authorizes each request as
``<SigV4 signing name>:<action>``. For CloudWatch that is ``monitoring:GetMetricData``, which no real
policy names: AWS authorizes it as ``cloudwatch:GetMetricData``. The emulator uses the IAM prefix.
moto also recomputes the SigV4 signature of Route 53, CloudFront and EKS requests from another path than
the one signed, so every such request fails with SignatureDoesNotMatch; the emulator checks their
access key (it must belong to an IAM user) and their policies, not their signature.
"""

import json

from moto.iam import access_control
from moto.iam import models as iam_models

from ..core import patch
from ..core import require

DESCRIPTION = (
    "IAM: AWS managed policies exist (AmazonSSMManagedInstanceCore, ... attachable and listed); "
    "enforced policies name CloudWatch actions cloudwatch:*"
)

# AWS managed policies that exist in the emulator (names as in moto's copy of AWS's list).
AVAILABLE = (
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "AmazonSSMManagedInstanceCore",
    "AmazonSSMReadOnlyAccess",
    "CloudWatchAgentServerPolicy",
    "CloudWatchLogsFullAccess",
    "AWSXRayDaemonWriteAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonRDSReadOnlyAccess",
    "AmazonRDSFullAccess",
    "SecretsManagerReadWrite",
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AmazonEKSClusterPolicy",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEBSCSIDriverPolicy",
    "AmazonBedrockFullAccess",
    "AmazonBedrockReadOnly",
)

_PARSED = {}

# SigV4 signing names whose IAM action prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch"}
# REST services whose signatures moto recomputes wrongly.
UNVERIFIED_SIGNATURES = {"route53", "cloudfront", "eks"}


def _always():
    return True


def _init_aws_policies(self):
    if "data" not in _PARSED:
        everything = json.loads(iam_models.aws_managed_policies_data)
        _PARSED["data"] = {name: everything[name] for name in AVAILABLE if name in everything}
    return [
        iam_models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
        for name, data in _PARSED["data"].items()
    ]


def _iam_request_init(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        service, _sep, action = self._action.partition(":")
        if service in IAM_PREFIX:
            self._action = f"{IAM_PREFIX[service]}:{action}"

    return init


def _check_signature(original):
    def check(self):
        if self._service not in UNVERIFIED_SIGNATURES:
            original(self)

    return check


def install():
    require(iam_models, "aws_managed_policies_data", "AWSManagedPolicy")
    original = access_control.IAMRequestBase.__init__
    patch(access_control.IAMRequestBase, "__init__", _iam_request_init(original))
    original = access_control.IAMRequestBase.check_signature
    patch(access_control.IAMRequestBase, "check_signature", _check_signature(original))
    # models.py imported the settings function by name; replacing it there is what the backend sees.
    patch(iam_models, "load_iam_aws_managed_policies", _always)
    patch(iam_models.IAMBackend, "_init_aws_policies", _init_aws_policies)
