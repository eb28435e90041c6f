"""secretsmanager_replica refuses bad input before it reads anything."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import inputs as module


def params(**extra):
    values = dict(
        secrets=["a", "b"],
        state="present",
        source_region="ap-northeast-2",
        kms_key_id=None,
        overwrite=False,
        copy_back_value=False,
        max_concurrency=8,
        wait=True,
        wait_timeout=900,
    )
    values.update(extra)
    return values


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"secrets": []}, "at least one secret"),
        ({"secrets": ["a", ""]}, "without empty entries"),
        ({"secrets": ["a", "b", "a"]}, "lists a more than once"),
        ({"source_region": None}, "needs source_region"),
        ({"copy_back_value": True}, "needs overwrite=true"),
        ({"max_concurrency": 0}, "max_concurrency must be 1 or more"),
        ({"wait_timeout": -1}, "wait_timeout must be 0 or more"),
        (
            {"secrets": ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:a-AbCdEf"]},
            "is an ARN in ap-northeast-1",
        ),
    ],
)
def test_validate_params_refuses(extra, message):
    with pytest.raises(DRError, match=message):
        module.validate_params(params(**extra), "ap-northeast-1")


def test_promotion_needs_no_source_region():
    module.validate_params(params(state="promoted", source_region=None), "ap-northeast-1")


def test_entry_view_never_carries_values():
    entry = {"name": "a", "primary": {"SecretString": "x"}, "dr": {}, "status": "InSync", "action": "none"}
    assert "primary" not in module.entry_view(entry) and "x" not in str(module.entry_view(entry))
