# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Results and diffs in one shape everywhere: snake_case keys, tags as a dict, secrets masked."""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict

HIDDEN = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def to_result(resource, force_tags=True):
    """A boto3 resource as Ansible returns it (snake_case, ISO dates, ``tags`` as a dict)."""
    if resource is None:
        return None
    return boto3_resource_to_ansible_dict(resource, force_tags=force_tags)


def mask(data, hidden_fields=()):
    """A copy of ``data`` with every key in ``hidden_fields`` (at any depth) replaced by a marker."""
    if not hidden_fields:
        return data
    hidden = set(hidden_fields)

    def walk(value):
        if isinstance(value, dict):
            return {k: (HIDDEN if k in hidden else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(copy.deepcopy(data))


def make_diff(before, after, hidden_fields=()):
    """The ``diff`` an Ansible result carries for ``--diff``, with secret fields masked."""
    return {"before": mask(before, hidden_fields), "after": mask(after, hidden_fields)}
