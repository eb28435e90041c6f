"""IAM has AWS's managed policies (``arn:aws:iam::aws:policy/...``), as every real account does.

moto only loads its copy of the AWS managed policies when ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``
(or its config file) says so; otherwise ``AttachRolePolicy`` with
``arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`` fails with NoSuchEntity, and
``ListPolicies(Scope=AWS)`` is empty. Instance roles of a pilot light attach exactly such policies.
The cost is about 0.15 s the first time an account's IAM backend is used after a reset.
"""

from moto.iam import models as iam_models

from ..core import patch, require

DESCRIPTION = "IAM: AWS managed policies exist (AmazonSSMManagedInstanceCore, ... attachable and listed)"


def _always():
    return True


def install():
    require(iam_models.IAMBackend, "_init_aws_policies")
    # models.py imported the settings function by name; replacing it there is what the backend sees.
    patch(iam_models, "load_iam_aws_managed_policies", _always)
