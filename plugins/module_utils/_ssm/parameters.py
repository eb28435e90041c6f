# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SSM parameters read in one call and written only where they differ.

``read`` uses GetParameters (up to 10 names per call): a name AWS lists as invalid does not exist,
any other error raises, so "could not read" is never taken for "absent".
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler

GET_PARAMETERS_LIMIT = 10


@DRErrorHandler.call("read the SSM parameters {1}")
def read(ssm, names, decrypt=False):
    """{name: value} for every name; None for a parameter that does not exist.

    ``decrypt`` reads SecureString values in clear (kms:Decrypt), for a caller that compares them.
    """
    values = dict.fromkeys(names)
    for start in range(0, len(names), GET_PARAMETERS_LIMIT):
        found = ssm.get_parameters(
            Names=list(names[start : start + GET_PARAMETERS_LIMIT]), WithDecryption=decrypt, aws_retry=True
        )
        values.update({parameter["Name"]: parameter["Value"] for parameter in found.get("Parameters", [])})
    return values


@DRErrorHandler.call("write the SSM parameter {1}")
def put(ssm, name, value, description=None):
    extra = {"Description": description} if description else {}
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True, aws_retry=True, **extra)


@DRErrorHandler.reader("delete the SSM parameter {1}", missing=("ParameterNotFound",))
def delete(ssm, name):
    ssm.delete_parameter(Name=name, aws_retry=True)


def plan(current, wanted, keep_existing=()):
    """The writes that turn ``current`` into ``wanted`` ({name: value, None = absent}).

    Names in ``keep_existing`` are only written when absent (a first value that a re-run must keep).
    Returns [(action, name, value)] with action "put" or "delete".
    """
    changes = []
    for name, value in wanted.items():
        now = current.get(name)
        if value is None:
            if now is not None:
                changes.append(("delete", name, None))
        elif now is None or (now != value and name not in keep_existing):
            changes.append(("put", name, value))
    return changes
