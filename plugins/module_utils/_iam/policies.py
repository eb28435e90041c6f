# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic over IAM policy documents: does a set of statements allow an action on a resource?

A simplified evaluation of identity policies for the checks of this collection: an explicit Deny
wins, then any Allow; IAM wildcards ``*`` and ``?`` are honoured, actions case-insensitively.
Conditions, ``NotAction`` and ``NotResource`` are not evaluated (the roles here write none).
"""

import re


def as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, (str, dict)) else list(value)


def statements(document):
    """The statements of a policy document (a single statement or a list)."""
    return as_list((document or {}).get("Statement"))


def wildcard(pattern, text, ignore_case=False):
    """IAM wildcard match: ``*`` any run of characters, ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE if ignore_case else 0) is not None


def _matches(statement, action, resource):
    return any(wildcard(a, action, ignore_case=True) for a in as_list(statement.get("Action"))) and any(
        wildcard(r, resource) for r in as_list(statement.get("Resource"))
    )


def allows(policy_statements, action, resource):
    """True when some Allow statement matches ``action`` on ``resource`` and no Deny statement does."""
    matching = [s for s in policy_statements if _matches(s, action, resource)]
    return any(s.get("Effect") == "Allow" for s in matching) and not any(s.get("Effect") == "Deny" for s in matching)


def trusted_services(trust_policy):
    """The AWS services an assume-role (trust) policy allows (``Principal.Service`` of Allow statements)."""
    services = []
    for statement in statements(trust_policy):
        principal = statement.get("Principal")
        if statement.get("Effect") == "Allow" and isinstance(principal, dict):
            services += as_list(principal.get("Service"))
    return services
