# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Applying a sync plan to the DR pool: writes side by side under the rate limit.

A failed write does not stop the others: it is recorded as (action, key, error code, message)
with every user value scrubbed from the message, and the run fails at the end with
``failure_message``, grouped by action (keys only with ``show_users``).

The random passwords of ``confirm_user`` are made here, handed to ``hide`` (the module's no_log values)
before any call, scrubbed from failures, and never returned.
"""

import threading

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.access import random_password
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import creation_attributes
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import dr_username_for_create
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import pool_schema
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito.diff import user_attributes
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import error_code


def scrub(text, sensitive):
    """``text`` with every sensitive value (usernames, attribute values) replaced by ``***``."""
    for value in sorted((v for v in sensitive if v and len(v) > 2), key=len, reverse=True):
        text = text.replace(value, "***")
    return text


def sensitive_values(key, user):
    """The values a failure message about ``user`` must not show: its key, username and attribute values."""
    values = {key, user.get("Username")} if user else {key}
    if user:
        values.update(user_attributes(user).values())
    return values


class Writer:
    """Writes to the DR pool side by side under the rate limit; collects failures without user data."""

    def __init__(self, client, pool_id, limiter, workers, hide=None):
        self.client = client
        self.hide = hide or (lambda value: None)
        self.pool_id = pool_id
        self.limiter = limiter  # shared with the reads of the DR pool
        self.workers = workers
        self.failures = []  # (action, key, error code, message)
        self.lock = threading.Lock()

    def run(self, items):
        """``items`` are (action, key, sensitive values, args); returns {(action, key): call's value} of those done."""

        def task(item):
            self.limiter.acquire()
            return self.call(item[0], *item[3])

        done = {}
        for outcome in run_concurrently(task, items, self.workers):
            action, key, sensitive, _dummy = outcome.item
            if outcome.ok:
                done[(action, key)] = outcome.value
                continue
            message = str(outcome.error)
            response = getattr(outcome.error, "response", None)
            if isinstance(response, dict):
                message = response.get("Error", {}).get("Message", message)
            with self.lock:
                self.failures.append(
                    (action, key, error_code(outcome.error) or type(outcome.error).__name__, scrub(message, sensitive))
                )
        return done

    def call(self, action, *args):
        pool = self.pool_id
        client = self.client
        if action == "create_user":
            username, attributes = args
            response = client.admin_create_user(
                UserPoolId=pool,
                Username=username,
                MessageAction="SUPPRESS",
                UserAttributes=[{"Name": name, "Value": value} for name, value in sorted(attributes.items())],
                aws_retry=True,
            )
            return response["User"]["Username"]
        if action == "update_user":
            username, diff = args
            if diff.set:
                client.admin_update_user_attributes(
                    UserPoolId=pool,
                    Username=username,
                    UserAttributes=[{"Name": name, "Value": value} for name, value in sorted(diff.set.items())],
                    aws_retry=True,
                )
            if diff.delete:
                client.admin_delete_user_attributes(
                    UserPoolId=pool, Username=username, UserAttributeNames=diff.delete, aws_retry=True
                )
        elif action == "confirm_user":
            username, password = args
            client.admin_set_user_password(
                UserPoolId=pool, Username=username, Password=password, Permanent=True, aws_retry=True
            )
        elif action == "enable_user":
            client.admin_enable_user(UserPoolId=pool, Username=args[0], aws_retry=True)
        elif action in ("disable_user", "purge_disable"):
            client.admin_disable_user(UserPoolId=pool, Username=args[0], aws_retry=True)
        elif action == "delete_user":
            client.admin_delete_user(UserPoolId=pool, Username=args[0], aws_retry=True)
        elif action == "add_member":
            client.admin_add_user_to_group(UserPoolId=pool, Username=args[1], GroupName=args[0], aws_retry=True)
        elif action == "remove_member":
            client.admin_remove_user_from_group(UserPoolId=pool, Username=args[1], GroupName=args[0], aws_retry=True)
        elif action in ("create_group", "update_group"):
            group = args[0]
            request = {
                "UserPoolId": pool,
                "GroupName": group["GroupName"],
                "Description": group.get("Description") or "",
            }
            if group.get("Precedence") is not None:
                request["Precedence"] = group["Precedence"]
            if group.get("RoleArn"):
                request["RoleArn"] = group["RoleArn"]
            getattr(client, action)(aws_retry=True, **request)
        elif action == "delete_group":
            client.delete_group(UserPoolId=pool, GroupName=args[0], aws_retry=True)
        return None


def apply_plan(writer, plan, dr_pool, match_by, exclude=()):
    """Write ``plan`` to the DR pool: groups and new users first, then what needs them.

    Returns {(action, key): value} of the writes done; failures are in ``writer.failures``.
    """
    users = plan["users"]
    create_groups, update_groups, delete_groups = plan["groups"]
    done = writer.run(
        [("create_group", g["GroupName"], (), (g,)) for g in create_groups]
        + [("update_group", g["GroupName"], (), (g,)) for g in update_groups]
    )
    created_usernames = {}
    if users is not None and users.create:
        schema, exclude = pool_schema(dr_pool), set(exclude)
        items = [
            (
                "create_user",
                key,
                sensitive_values(key, user),
                (
                    dr_username_for_create(key, user, match_by, dr_pool),
                    creation_attributes(user_attributes(user), schema, exclude),
                ),
            )
            for key, user in users.create
        ]
        created = writer.run(items)
        created_usernames = {key: username for (_dummy, key), username in created.items()}
        done.update(created)
    usernames = dict(users.dr_usernames if users else {}, **created_usernames)
    second = []
    if users is not None:
        policy = (dr_pool.get("Policies") or {}).get("PasswordPolicy")
        confirm = list(users.confirm)
        confirm += [
            (key, created_usernames[key])
            for key, _dummy in users.create
            if key in users.confirm_created and key in created_usernames
        ]
        for key, name in confirm:
            password = random_password(policy)
            writer.hide(password)
            second.append(("confirm_user", key, {key, name, password}, (name, password)))
        second += [
            ("disable_user", key, {key}, (created_usernames[key],))
            for key, user in users.create
            if key in created_usernames and not user.get("Enabled", True)
        ]
        second += [
            ("update_user", key, {key, name} | set(diff.set.values()), (name, diff)) for key, name, diff in users.update
        ]
        second += [("enable_user", key, {key, name}, (name,)) for key, name in users.enable]
        second += [("disable_user", key, {key, name}, (name,)) for key, name in users.disable]
        second += [("purge_disable", key, {key, name}, (name,)) for key, name in users.purge_disable]
        second += [("delete_user", key, {key, name}, (name,)) for key, name in users.delete]
    adds, removes = plan["memberships"]
    second += [("add_member", key, {key}, (group, usernames[key])) for group, key in adds if key in usernames]
    second += [("remove_member", name, {name}, (group, name)) for group, name in removes]
    second += [("delete_group", name, (), (name,)) for name in delete_groups]
    done.update(writer.run(second))
    return done


def failure_message(failures, show_users):
    """One message for the failed writes, grouped by action: the count, the first error, the key when shown."""
    by_action = {}
    for action, key, code, message in failures:
        by_action.setdefault(action, []).append((key, code, message))
    parts = []
    for action, entries in sorted(by_action.items()):
        key, code, message = entries[0]
        who = f" (first: {key})" if show_users else ""
        parts.append(f"{action} failed for {len(entries)} item(s){who}: {code}: {message}")
    return (
        "the DR pool is not fully in sync; "
        + "; ".join(parts)
        + ". Fix the cause (schema, quotas, permissions) and run again: only the differences are retried"
    )
