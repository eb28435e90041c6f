# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one KMS key check: a key given for a DR copy must exist in the copy's region and be enabled.

A KMS key belongs to one region (multi-Region keys have a replica per region), so a copy into the
DR region needs a key of the DR region. Checked before the first mutating call.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code


def key_ids_match(key, wanted):
    """True when two key references (id, ARN or ``alias/``-less ARN tail) name the same key."""
    if not wanted:
        return True
    if not key:
        return False
    return key == wanted or key.split("/")[-1] == wanted.split("/")[-1]


def enabled_key_arn(kms, key_id, region, what="KMS key"):
    """The ARN of ``key_id`` in ``region`` (``kms`` is that region's client), or DRError with the fix.

    None when no key is given. ``what`` names the key's role in the message ("replica KMS key").
    """
    if not key_id:
        return None
    try:
        metadata = kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "NotFoundException"):
            raise DRError(
                f"{what} {key_id} not found in {region}: a KMS key belongs to one region, so the DR copy needs a key "
                f"of {region}; create it there (or a multi-Region replica key) or give an existing one"
            ) from None
        raise DRError(f"cannot read {what} {key_id} in {region}", exception=exc) from exc
    state = metadata.get("KeyState", "Enabled")
    if state != "Enabled":
        raise DRError(f"{what} {key_id} in {region} is {state}, not Enabled: enable it first (kms enable-key)")
    return metadata["Arn"]
