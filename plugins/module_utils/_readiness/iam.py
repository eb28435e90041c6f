# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR instances' IAM role (role dr_iam): the instances can start with it and use the app's data.

Checks, in this order:

* ``role``: the role exists, EC2 may assume it, the managed policies are attached;
* ``instance_profile``: the instance profile exists and holds the role;
* ``dynamodb_policy``: the inline policies allow the application's DynamoDB actions on its tables
  (and Query/Scan on their indexes) in the DR region;
* ``recovery_mode_parameters``: they allow reading the recovery-mode SSM parameters in the DR region.

IAM is global, with its control plane in us-east-1: the checks never call the primary region, but an
IAM that cannot be reached (us-east-1 impaired, throttled) makes them not checked, never "not found".
The account and partition of the ARNs come from ``account_id``, else from the role's own ARN.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._iam import policies
from ansible_collections.pilotlight.dr.plugins.module_utils._iam import roles
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "iam"
CHECKS = ("role", "instance_profile", "dynamodb_policy", "recovery_mode_parameters")
POLICY_CHECKS = ["dynamodb_policy", "recovery_mode_parameters"]
IAM_WHERE = "IAM (control plane in us-east-1)"
FIX_RUN_ROLE = "run the dr_iam role (main entry point), which creates and repairs it"

DEFAULT_DYNAMODB_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]
INDEX_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")


def managed_policy_arns(names, partition):
    """AWS managed policy names become ``arn:<partition>:iam::aws:policy/<name>``; full ARNs stay."""
    return [name if name.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{name}" for name in names]


def arn_scope(role_arn, account_id):
    """(partition, account) of the policy ARNs: the given account, else the role's."""
    parts = role_arn.split(":")
    return parts[1], account_id or parts[4]


def table_arns(options, partition, region, account):
    base = f"arn:{partition}:dynamodb:{region}:{account}:table/"
    tables = options.get("readiness_tables") or []
    if tables:
        return [base + table for table in tables]
    return [f"{base}{options['dynamodb_table_prefix']}-*"]


def parameter_arn(options, partition, region, account):
    return f"arn:{partition}:ssm:{region}:{account}:parameter{options['ssm_parameter_path']}"


def dynamodb_requests(arns, actions):
    """The (action, ARN) pairs the application makes: every action on each table, Query/Scan on its indexes."""
    requests = []
    for arn in arns:
        for action in actions:
            requests.append((action, arn))
            if action in INDEX_ACTIONS:
                requests.append((action, f"{arn}/index/*"))
    return requests


def parameter_requests(arn):
    return [("ssm:GetParameter", f"{arn}/*"), ("ssm:GetParametersByPath", arn)]


def denied(statements, requests):
    return [(action, arn) for action, arn in requests if not policies.allows(statements, action, arn)]


def unique(values):
    return list(dict.fromkeys(values))


def _role_check(checks, options, role, attached, partition):
    name = options["role_name"]
    trusted = policies.trusted_services(role["AssumeRolePolicyDocument"])
    wanted = managed_policy_arns(options.get("managed_policies") or [], partition)
    missing = [arn for arn in wanted if arn not in attached]
    evidence = {"arn": role["Arn"], "trusted_services": trusted, "managed_policies": attached}
    if "ec2.amazonaws.com" not in trusted:
        return checks.failed(
            "role",
            f"role {name} cannot be assumed by ec2.amazonaws.com (its trust policy allows {trusted or 'no service'})",
            f"let ec2.amazonaws.com assume {name} (sts:AssumeRole in its trust policy): {FIX_RUN_ROLE}",
            evidence,
        )
    if missing:
        return checks.failed(
            "role",
            f"managed policies not attached to {name}: {', '.join(missing)}",
            f"attach them: {FIX_RUN_ROLE}",
            evidence,
        )
    policy_names = ", ".join(arn.rsplit("/", 1)[-1] for arn in wanted) or "no managed policy"
    return checks.passed("role", f"role {name} trusts EC2 and has {policy_names}", evidence)


def _profile_check(checks, options, profile):
    name, role_name = options["instance_profile_name"], options["role_name"]
    if profile is None:
        return checks.failed("instance_profile", f"instance profile {name} not found", FIX_RUN_ROLE)
    held = [role["RoleName"] for role in profile.get("Roles", [])]
    evidence = {"arn": profile["Arn"], "roles": held}
    if role_name not in held:
        return checks.failed(
            "instance_profile",
            f"instance profile {name} holds {', '.join(held) or 'no role'}, not {role_name}",
            f"put {role_name} into {name}: {FIX_RUN_ROLE}",
            evidence,
        )
    return checks.passed("instance_profile", f"instance profile {name} holds {role_name}", evidence)


def _policy_checks(checks, options, region, statements, partition, account):
    actions = options.get("dynamodb_actions") or DEFAULT_DYNAMODB_ACTIONS
    tables = table_arns(options, partition, region, account)
    missing = denied(statements, dynamodb_requests(tables, actions))
    evidence = {"table_arns": tables, "denied": [{"action": a, "arn": r} for a, r in missing]}
    if missing:
        denied_actions = ", ".join(unique(action for action, _arn in missing))
        denied_arns = ", ".join(unique(arn for _action, arn in missing))
        checks.failed(
            "dynamodb_policy",
            f"not allowed: {denied_actions} on {denied_arns}",
            "run the dr_iam role with dr_iam_dynamodb_table_prefix and dr_iam_dynamodb_actions matching the "
            "application's tables and calls (its DynamoDB inline policy grants them)",
            evidence,
        )
    else:
        checks.passed("dynamodb_policy", f"allows {len(actions)} actions on {', '.join(tables)} and indexes", evidence)

    path = options["ssm_parameter_path"]
    arn = parameter_arn(options, partition, region, account)
    missing = denied(statements, parameter_requests(arn))
    evidence = {"parameter_arn": arn, "denied": [{"action": a, "arn": r} for a, r in missing]}
    if missing:
        checks.failed(
            "recovery_mode_parameters",
            f"cannot read the SSM parameters under {path} in {region} "
            f"(not allowed: {', '.join(f'{a} on {r}' for a, r in missing)})",
            "run the dr_iam role with dr_iam_ssm_parameter_path set to the application's recovery-mode path",
            evidence,
        )
    else:
        checks.passed("recovery_mode_parameters", f"may read the SSM parameters under {path} in {region}", evidence)


def check(ctx):
    options = ctx.options
    checks = Checks(COMPONENT)
    if ctx.primary_region == "us-east-1" and not ctx.primary_reachable:
        checks.skipped_primary(
            CHECKS,
            "IAM's control plane is in us-east-1, the primary region, which is not "
            "reachable (the role keeps working: IAM's data plane is in every region)",
        )
        return checks.results
    iam = ctx.client("iam")
    role_name, profile_name = options["role_name"], options["instance_profile_name"]

    ok, role = checks.read(
        ["role"] + POLICY_CHECKS, f"IAM role {role_name} from {IAM_WHERE}", roles.find_role, iam, role_name
    )
    if ok and role is None:
        checks.failed("role", f"role {role_name} not found", FIX_RUN_ROLE)
        for name in POLICY_CHECKS:
            checks.failed(name, f"role {role_name} not found: no policy to allow it", FIX_RUN_ROLE)
    elif ok:
        partition, account = arn_scope(role["Arn"], options.get("account_id"))
        ok, attached = checks.read(
            "role", f"the managed policies of {role_name} from {IAM_WHERE}", roles.attached_policy_arns, iam, role_name
        )
        if ok:
            _role_check(checks, options, role, attached, partition)
        ok, documents = checks.read(
            POLICY_CHECKS, f"the inline policies of {role_name} from {IAM_WHERE}", roles.inline_policies, iam, role_name
        )
        if ok:
            statements = [s for document in documents.values() for s in policies.statements(document)]
            _policy_checks(checks, options, ctx.region, statements, partition, account)

    ok, profile = checks.read(
        "instance_profile",
        f"IAM instance profile {profile_name} from {IAM_WHERE}",
        roles.find_instance_profile,
        iam,
        profile_name,
    )
    if ok:
        _profile_check(checks, options, profile)

    checks.results.sort(key=lambda r: CHECKS.index(r["check"]))
    return checks.results
