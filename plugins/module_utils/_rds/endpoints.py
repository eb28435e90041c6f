# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""publish_endpoint: the database address the application reads, in SSM parameters and JSON secrets.

After a promotion the application must reach the instance that now takes the writes: seed 003 keeps
it in an SSM parameter (``/shared/rds/dr/endpoint``), other applications in the ``host`` field of a
JSON secret. Every target lives in the module's region (the DR region on failover, the primary on
failback). Targets are checked before anything is promoted (``check_targets``), then read again right
before the write (``publish``: a secret rotated meanwhile keeps its new password), compared, and only
written when they differ. Secret values and parameter values are never returned, logged or shown in a
diff: only the names, and whether they changed.
"""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._ssm import parameters

ADDRESS_PORT = "address_port"


def wanted(spec):
    """Whether ``spec`` (the publish_endpoint option) names any target."""
    return bool(spec and (spec.get("ssm_parameters") or spec.get("secrets")))


# -- AWS reads ------------------------------------------------------------------------------------------
def _parameters(ssm, spec):
    """{name: value or None (absent)} of the SSM targets, read in one call ({} when there are none)."""
    names = [parameter["name"] for parameter in spec.get("ssm_parameters") or []]
    return parameters.read(ssm, names, decrypt=True) if names else {}


@DRErrorHandler.reader("describe secret {1} in {2}", missing=("ResourceNotFoundException",))
def _describe_secret(secrets, name, region):
    return secrets.describe_secret(SecretId=name, aws_retry=True)


@DRErrorHandler.reader("read the value of secret {1} in {2}")
def _secret_string(secrets, name, region):
    return secrets.get_secret_value(SecretId=name, aws_retry=True).get("SecretString")


def _secret_object(secrets, name, region):
    """(the secret's JSON object or None, the problem or None)."""
    described = _describe_secret(secrets, name, region)
    if described is None:
        return None, f"secret {name} not found in {region}: create it, or remove it from publish_endpoint.secrets"
    primary = described.get("PrimaryRegion")
    if primary and primary != region:
        return None, (
            f"secret {name} in {region} is a replica of the secret in {primary}, and Secrets Manager refuses writes "
            "to a replica: promote it first (dr_secrets failover runs before dr_rds), or remove it from "
            "publish_endpoint.secrets"
        )
    text = _secret_string(secrets, name, region)
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return None, (
            f"secret {name} in {region} does not hold a JSON object, so it has no field to set: remove it from "
            "publish_endpoint.secrets"
        )
    return value, None


# -- pure logic -----------------------------------------------------------------------------------------
def parameter_value(parameter, address, port):
    if parameter.get("format") == ADDRESS_PORT:
        return f"{address}:{port}"
    return address


def secret_update(value, target, address, port):
    """The secret's object with the host (and port) set, or None when it holds them already.

    A port keeps the type it has in the secret (a number, or a string); a new one is a number.
    """
    updated = dict(value)
    updated[target.get("key") or "host"] = address
    port_key = target.get("port_key")
    if port_key and port is not None:
        updated[port_key] = str(port) if isinstance(value.get(port_key), str) else port
    return None if updated == value else updated


# -- the two steps ----------------------------------------------------------------------------------------
def check_targets(module, spec, region):
    """Fail, naming every problem, when a target cannot be written (before anything is promoted)."""
    if not wanted(spec):
        return
    ssm = module.client("ssm") if spec.get("ssm_parameters") else None
    problems = [
        f"SSM parameter {name} not found in {region}: create it, or remove it from publish_endpoint.ssm_parameters"
        for name, value in _parameters(ssm, spec).items()
        if value is None
    ]
    secrets = module.client("secretsmanager") if spec.get("secrets") else None
    for target in spec.get("secrets") or []:
        problem = _secret_object(secrets, target["name"], region)[1]
        if problem:
            problems.append(problem)
    if problems:
        raise DRError("cannot publish the database endpoint: " + "; ".join(problems))


def publish(module, spec, instance, region):
    """Write the instance's address where the application reads it; the record of what changed.

    ``instance`` is the standalone instance (DescribeDBInstances shape). In check mode nothing is written
    and ``changed`` says what would be.
    """
    endpoint = (instance or {}).get("Endpoint") or {}
    address, port = endpoint.get("Address"), endpoint.get("Port")
    record = {"region": region, "address": address, "port": port, "targets": [], "changed": False}
    if not wanted(spec):
        return record
    if not address:
        raise DRError(
            f"{instance.get('DBInstanceIdentifier')} in {region} has no endpoint address yet: re-run once it is "
            "available to publish it"
        )
    if spec.get("ssm_parameters"):
        ssm = module.client("ssm")
        current = _parameters(ssm, spec)
        for parameter in spec["ssm_parameters"]:
            name = parameter["name"]
            if current[name] is None:
                raise DRError(
                    f"SSM parameter {name} not found in {region}: create it, or remove it from publish_endpoint"
                )
            value = parameter_value(parameter, address, port)
            changed = current[name] != value
            if changed and not module.check_mode:
                with aws_errors(f"write SSM parameter {name} in {region}", "check ssm:PutParameter (and its KMS key)"):
                    ssm.put_parameter(Name=name, Value=value, Overwrite=True, aws_retry=True)
            record["targets"].append({"kind": "ssm_parameter", "name": name, "changed": changed})
    if spec.get("secrets"):
        secrets = module.client("secretsmanager")
        for target in spec["secrets"]:
            name = target["name"]
            value, problem = _secret_object(secrets, name, region)
            if problem:
                raise DRError(f"cannot publish the database endpoint: {problem}")
            updated = secret_update(value, target, address, port)
            if updated is not None and not module.check_mode:
                with aws_errors(
                    f"write secret {name} in {region}", "check secretsmanager:PutSecretValue (and its KMS key)"
                ):
                    secrets.put_secret_value(SecretId=name, SecretString=json.dumps(updated), aws_retry=True)
            record["targets"].append(
                {"kind": "secret", "name": name, "key": target.get("key") or "host", "changed": updated is not None}
            )
    record["changed"] = any(entry["changed"] for entry in record["targets"])
    return record


def diff_names(record):
    """The targets this run changed (or would change), by name: what --diff shows (never a value)."""
    return sorted(
        f"{'ssm' if entry['kind'] == 'ssm_parameter' else 'secret'}:{entry['name']}"
        for entry in (record or {}).get("targets", [])
        if entry["changed"]
    )
