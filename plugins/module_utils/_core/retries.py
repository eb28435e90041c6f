# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one retry policy of every pilotlight.dr module: clients, paginator helpers and waits.

botocore retries transient network and 5xx errors itself (standard mode, ``RETRY_CONFIG``);
``RETRY_DECORATOR`` adds AWSRetry's jittered back-off for throttling. AWSRetry's own list knows
EC2's and the query services' throttling codes only: JSON services (ECR, Secrets Manager, KMS, ACM,
DynamoDB, CloudWatch) answer ``ThrottlingException`` and S3 ``SlowDown``, so those are added here.
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

RETRY_CONFIG = {"retries": {"mode": "standard", "max_attempts": 5}}
THROTTLING_CODES = ("ThrottlingException", "SlowDown")


def jittered_backoff(extra_error_codes=()):
    """AWSRetry.jittered_backoff with our attempts and delays, on throttling plus ``extra_error_codes``."""
    return AWSRetry.jittered_backoff(
        retries=8, delay=1, max_delay=30, catch_extra_error_codes=[*THROTTLING_CODES, *extra_error_codes]
    )


RETRY_DECORATOR = jittered_backoff()
