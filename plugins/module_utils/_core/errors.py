# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One error type for module logic, and one way to turn an AWS error into it.

Helpers that take a client (not the module) raise ``DRError`` with a message that names the
resource and says what to fix; the AWS exception, when there is one, rides along so that the
failure still carries the AWS error code and SDK versions (``fail_json_aws``). ``main()`` reports
it once (``PilotLightModule.run_and_exit``).

``DRError`` is amazon.aws's ``AnsibleAWSError``, so amazon.aws helpers that raise their own type and
ours are reported the same way. ``DRErrorHandler`` is amazon.aws's ``AWSErrorHandler`` with a fix
hint: ``@DRErrorHandler.reader("read bucket X", missing=("NoSuchBucket",))`` turns "not found" into
a default value and every other AWS error into a DRError. A read that failed for any other reason
(throttled past the retries, 5xx, unreachable) is raised, never returned as "absent".
"""

import contextlib
import functools

try:
    import botocore.exceptions
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

try:
    AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)
except NameError:
    AWS_ERRORS = ()


class DRError(AnsibleAWSError):
    """A failure a module reports: ``message`` names the resource and the fix; ``extra`` goes into the result."""

    def __init__(self, message, exception=None, **extra):
        super().__init__(message=message, exception=exception, **extra)

    @property
    def extra(self):
        return self.kwargs

    def __str__(self):
        return self.message


class WaitTimeout(DRError):
    """A wait that ran out of time (``wait_timeout``); callers tell it from other failures by type."""


def is_error_code(exception, *codes):
    """True when ``exception`` is a botocore ClientError with one of ``codes``."""
    return error_code(exception) in codes


def error_code(exception):
    if AWS_ERRORS and isinstance(exception, botocore.exceptions.ClientError):
        return exception.response.get("Error", {}).get("Code")
    return None


def cause(error):
    """The AWS exception behind ``error`` (itself when it is one), or None."""
    if isinstance(error, AnsibleAWSError):
        error = error.exception
    return error if AWS_ERRORS and isinstance(error, AWS_ERRORS) else None


def failed_to(description, fix=None):
    """The message of a failed call: "cannot <description>", then the fix when there is one."""
    return f"cannot {description}" + (f": {fix}" if fix else "")


@contextlib.contextmanager
def aws_errors(description, fix=None, **extra):
    """``with aws_errors("describe table X in R"):`` raises DRError("cannot describe ...") on any AWS error."""
    try:
        yield
    except DRError:
        raise
    except AWS_ERRORS as exc:
        raise DRError(failed_to(description, fix), exception=exc, **extra) from exc


class DRErrorHandler(AWSErrorHandler):
    """amazon.aws's error handler raising DRError, with the not-found codes given per call."""

    _CUSTOM_EXCEPTION = DRError

    @classmethod
    def call(cls, description, fix=None):
        """Decorator: any AWS error becomes DRError("cannot <description>: <fix>")."""

        def wrapper(func):
            @functools.wraps(func)
            def handler(*args, **kwargs):
                with aws_errors(description.format(*args, **kwargs), fix):
                    return func(*args, **kwargs)

            return handler

        return wrapper

    @classmethod
    def reader(cls, description, missing=(), default=None, fix=None):
        """Decorator for reads: an error code in ``missing`` returns ``default``; any other AWS error raises.

        ``description`` may use the call's arguments: ``"read bucket {1}"`` with ``fn(client, bucket)``.
        """

        def wrapper(func):
            @functools.wraps(func)
            def handler(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except AWS_ERRORS as exc:
                    if missing and is_error_code(exc, *missing):
                        return default
                    raise DRError(failed_to(description.format(*args, **kwargs), fix), exception=exc) from exc

            return handler

        return wrapper
