# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The last sync, recorded as tags on the DR pool: when it ended in step with the source, and how many users.

A sync that wrote everything it planned tags the DR pool; a failover (primary down) and the readiness
checks read the tags back, so the report can say how old the DR pool's users are. The tag write is
bookkeeping: it does not make the task "changed".
"""

import datetime

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors

LAST_SYNC_TAG = "pilotlight:last-user-sync"
LAST_SYNC_USERS_TAG = "pilotlight:last-user-sync-users"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def timestamp(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def last_sync(pool):
    """(time string, users) of the last sync recorded on a DescribeUserPool ``UserPool``; (None, None) when none."""
    tags = (pool or {}).get("UserPoolTags") or {}
    users = tags.get(LAST_SYNC_USERS_TAG)
    return tags.get(LAST_SYNC_TAG) or None, int(users) if str(users or "").isdigit() else None


def age_seconds(recorded, now):
    """Seconds between a recorded time string and ``now`` (aware datetime); None when it cannot be parsed."""
    try:
        moment = datetime.datetime.strptime(recorded, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None
    return max(0, int((now - moment).total_seconds()))


def record_sync(client, pool, moment, users):
    """Tag the DR pool with the time of a complete sync and its user count; the time string."""
    recorded = timestamp(moment)
    with aws_errors(
        f"tag DR user pool {pool['Id']} with the time of the last sync", "allow cognito-idp:TagResource on the DR pool"
    ):
        client.tag_resource(
            ResourceArn=pool["Arn"], Tags={LAST_SYNC_TAG: recorded, LAST_SYNC_USERS_TAG: str(users)}, aws_retry=True
        )
    return recorded
