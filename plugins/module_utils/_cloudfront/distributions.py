# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront calls on a client: find a distribution, read its config, write it with If-Match, wait.

CloudFront's control plane is global, served from us-east-1 whatever region a task uses, so these
calls work while the primary region is down. Reads raise DRError on any AWS error; "not found"
is told apart where a caller needs it (``read_config`` returns None).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront.origin_groups import items
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

# CloudFront's API is served from us-east-1 whatever region the task uses.
CLOUDFRONT_REGION = "us-east-1"


@DRErrorHandler.call("list the CloudFront distributions")
def list_distributions(client):
    result = client.get_paginator("list_distributions").paginate().build_full_result()
    return items(result.get("DistributionList"))


def matching_distributions(summaries, alias=None, comment=None):
    """The summaries with the alias (any case), or else with exactly the comment; and what was looked for."""
    if alias:
        found = [d for d in summaries if alias.lower() in [a.lower() for a in items(d.get("Aliases"))]]
        return found, f"alias {alias}"
    return [d for d in summaries if d.get("Comment") == comment], f"comment {comment!r}"


def one_distribution_id(found, what):
    """The id of the one distribution found, or DRError saying how to choose."""
    if not found:
        raise DRError(f"no CloudFront distribution has the {what}: check it, or give distribution_id")
    if len(found) > 1:
        raise DRError(
            f"{len(found)} CloudFront distributions have the {what} ({', '.join(d['Id'] for d in found)}): "
            "give distribution_id"
        )
    return found[0]["Id"]


def find_distribution_id(client, distribution_id=None, alias=None, comment=None):
    if distribution_id:
        return distribution_id
    return one_distribution_id(*matching_distributions(list_distributions(client), alias, comment))


@DRErrorHandler.reader("read CloudFront distribution {1}", missing=("NoSuchDistribution",))
def read_config(client, distribution_id):
    """(DistributionConfig, ETag), or None when there is no such distribution."""
    result = client.get_distribution_config(Id=distribution_id, aws_retry=True)
    return result["DistributionConfig"], result["ETag"]


def get_config(client, distribution_id):
    found = read_config(client, distribution_id)
    if found is None:
        raise DRError(f"CloudFront distribution {distribution_id} not found: check distribution_id")
    return found


@DRErrorHandler.reader("read CloudFront distribution {1}", missing=("NoSuchDistribution",))
def read_distribution(client, distribution_id):
    """The distribution (with its ARN and DistributionConfig), or None when there is no such distribution."""
    return client.get_distribution(Id=distribution_id, aws_retry=True)["Distribution"]


@DRErrorHandler.call("read CloudFront distribution {1}")
def get_distribution(client, distribution_id):
    result = client.get_distribution(Id=distribution_id, aws_retry=True)
    return result["Distribution"], result["ETag"]


@DRErrorHandler.reader("update CloudFront distribution {1}", missing=("PreconditionFailed",))
def update_config(client, distribution_id, etag, config):
    """The new ETag; None when the distribution changed since ``etag`` was read (PreconditionFailed)."""
    return client.update_distribution(Id=distribution_id, IfMatch=etag, DistributionConfig=config, aws_retry=True)[
        "ETag"
    ]


def converge(client, distribution_id, plan, check_mode, attempts=3):
    """Read-compare-write with If-Match; re-read and re-plan when someone else changed it in between.

    Returns (config before, config after, changes, ETag after).
    """
    for _dummy in range(attempts):
        config, etag = get_config(client, distribution_id)
        new, changes = plan(config)
        if not changes or check_mode:
            return config, new, changes, etag
        new_etag = update_config(client, distribution_id, etag, new)
        if new_etag is not None:
            return config, new, changes, new_etag
        # changed since we read it: read again and re-plan on the current config
    raise DRError(
        f"CloudFront distribution {distribution_id} kept changing while it was being updated "
        f"({attempts} attempts): re-run when nobody else is changing it"
    )


def wait_deployed(client, distribution_id, deadline):
    def check():
        distribution, _dummy = get_distribution(client, distribution_id)
        return distribution if distribution.get("Status") == "Deployed" else None

    return wait_until(
        check, deadline, f"CloudFront distribution {distribution_id} to be Deployed", delay=0.5, max_delay=30
    )
