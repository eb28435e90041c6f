# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: the shared core of every pilotlight.dr module (internal use only; may change at any time).

modules     PilotLightModule: AnsibleAWSModule with clients for any region and one way to end
errors      DRError (amazon.aws's AnsibleAWSError), WaitTimeout, DRErrorHandler, aws_errors
retries     the one retry policy (botocore standard mode + jittered back-off on every throttling code)
waiting     Deadline (one per task) and wait_until
results     snake_case results, diffs with secrets masked
concurrency run_concurrently, raise_failures, RateLimiter
collection  the collection's name and version for the user agent
"""
