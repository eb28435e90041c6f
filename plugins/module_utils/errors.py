# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One error type for module logic; ``main()`` reports it once with ``module.fail_dr``.

Helpers that take a client (not the module) raise ``DRError`` with a message that names the
resource and says what to fix; the AWS exception, when there is one, rides along so that the
failure still carries the AWS error code and SDK versions (``fail_json_aws``).
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK


class DRError(Exception):
    def __init__(self, message, exception=None, **extra):
        super().__init__(message)
        self.message = message
        self.exception = exception
        self.extra = extra


def is_error_code(exception, *codes):
    """True when ``exception`` is a botocore ClientError with one of ``codes``."""
    if not isinstance(exception, botocore.exceptions.ClientError):
        return False
    return exception.response.get("Error", {}).get("Code") in codes


def error_code(exception):
    if isinstance(exception, botocore.exceptions.ClientError):
        return exception.response.get("Error", {}).get("Code")
    return None
