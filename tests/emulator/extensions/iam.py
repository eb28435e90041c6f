"""IAM has AWS's managed policies (``arn:aws:iam::aws:policy/...``), as every real account does.

moto only loads its copy of the AWS managed policies when ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``
(or its config file) says so; otherwise ``AttachRolePolicy`` with
``arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`` fails with NoSuchEntity, and
``ListPolicies(Scope=AWS)`` is empty. Instance roles of a pilot light attach exactly such policies.

moto would build all 1,300 of them every time an IAM backend is built, and every request builds one
after a reset (to look up the caller's account): about half a second per test. The emulator
offers the AWS managed policies DR roles and their tests use (``AVAILABLE``); any other AWS
managed policy is missing (NoSuchEntity), which the README's table says.
"""

import json

from moto.iam import models as iam_models

from ..core import patch, require

DESCRIPTION = "IAM: AWS managed policies exist (AmazonSSMManagedInstanceCore, ... attachable and listed)"

# AWS managed policies that exist in the emulator (names as in moto's copy of AWS's list).
AVAILABLE = (
    "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess",
    "AmazonSSMManagedInstanceCore", "AmazonSSMReadOnlyAccess", "CloudWatchAgentServerPolicy",
    "CloudWatchLogsFullAccess", "AWSXRayDaemonWriteAccess",
    "AmazonEC2ReadOnlyAccess", "AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPowerUser",
    "AmazonS3ReadOnlyAccess", "AmazonS3FullAccess", "AmazonDynamoDBReadOnlyAccess", "AmazonDynamoDBFullAccess",
    "AmazonRDSReadOnlyAccess", "AmazonRDSFullAccess", "SecretsManagerReadWrite",
    "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole",
    "AmazonEKSClusterPolicy", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEBSCSIDriverPolicy",
    "AmazonBedrockFullAccess", "AmazonBedrockReadOnly",
)

_PARSED = {}


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


def install():
    require(iam_models, "aws_managed_policies_data", "AWSManagedPolicy")
    # models.py imported the settings function by name; replacing it there is what the backend sees.
    patch(iam_models, "load_iam_aws_managed_policies", _always)
    patch(iam_models.IAMBackend, "_init_aws_policies", _init_aws_policies)
