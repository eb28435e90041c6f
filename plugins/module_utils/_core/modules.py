# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base class of every pilotlight.dr module.

``PilotLightModule`` is amazon.aws's ``AnsibleAWSModule`` (same connection options, environment
fallbacks and ``fail_json_aws``) with three additions that DR modules all need:

* clients for any region from one module (``client(service, region=...)``), because a DR module
  reads the primary region and writes the standby region in the same task;
* botocore's ``standard`` retry mode plus ``AWSRetry.jittered_backoff`` on every call made with
  ``aws_retry=True``, so throttling is survived the same way everywhere;
* ``run_and_exit`` / ``fail_dr``: every module ends the same way; a ``DRError`` (or any amazon.aws
  ``AnsibleAWSError``) raised by helper code fails the task once, with the AWS error when there is one.
"""

import threading

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.pilotlight.dr.plugins.module_utils._core.collection import PILOTLIGHT_DR_COLLECTION_NAME
from ansible_collections.pilotlight.dr.plugins.module_utils._core.collection import PILOTLIGHT_DR_COLLECTION_VERSION
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_CONFIG
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)


class PilotLightModule(AnsibleAWSModule):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_collection_info(
            collection_name=PILOTLIGHT_DR_COLLECTION_NAME,
            collection_version=PILOTLIGHT_DR_COLLECTION_VERSION,
        )
        self._clients = {}
        self._clients_lock = threading.Lock()
        if self.params.get("max_concurrency") is not None and self.params["max_concurrency"] < 1:
            self.fail_json(msg=f"max_concurrency must be 1 or more, got {self.params['max_concurrency']}")

    def client(self, service, retry_decorator=RETRY_DECORATOR, region=None, **extra_params):
        """A boto3 client for ``service`` in ``region`` (the module's ``region`` when None).

        Plain clients are cached per (service, region, retry policy): modules that fan out over
        threads share them, which boto3 clients allow.
        """
        params = dict(config=RETRY_CONFIG, **extra_params)
        if region:
            params["region"] = region
        if extra_params:
            return super().client(service, retry_decorator=retry_decorator, **params)
        key = (service, region, retry_decorator)
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = super().client(service, retry_decorator=retry_decorator, **params)
            return self._clients[key]

    def require_distinct_regions(self, **regions):
        """Fail before any call when two region parameters name the same region."""
        seen = {}
        for name, region in regions.items():
            if region is None:
                continue
            if region in seen:
                self.fail_json(
                    msg=f"{seen[region]} and {name} are both {region}: a DR copy must go to another region. "
                    f"Set {name} to the standby region (for example ap-northeast-1)."
                )
            seen[region] = name

    def run_and_exit(self, run):
        """``main()``'s last step: ``run(module, params)`` returns the result; a DRError fails the task."""
        try:
            result = run(self, self.params)
        except AnsibleAWSError as error:
            self.fail_dr(error)
        self.exit_json(**result)

    def fail_dr(self, error, **kwargs):
        """Report a DRError or AnsibleAWSError (with its AWS exception when it has one) and exit."""
        kwargs.update(error.kwargs)
        message = error.message or str(error)
        if error.exception is not None:
            self.fail_json_aws(error.exception, msg=message, **kwargs)
        self.fail_json(msg=message, **kwargs)
