"""Every module's documentation is complete and agrees with its argument spec (validate-modules, light).

For each ``plugins/modules/*.py``: DOCUMENTATION, EXAMPLES and RETURN parse; ``ansible-doc``
renders the module with its doc fragments; every option of the argument spec is documented with
the same type, default, choices, aliases and elements (and the other way round); check mode is
declared; examples use the module's fully qualified name.
"""

import importlib
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
COMMON_AWS_OPTIONS = set(aws_argument_spec())
SECRET_WORDS = ("password", "secret_string", "secret_binary", "token", "private_key")


class _Captured(Exception):
    pass


def argument_spec_of(name):
    """The keyword arguments a module passes to its AnsibleAWSModule (without running it)."""
    module = importlib.import_module(f"ansible_collections.pilotlight.dr.plugins.modules.{name}")
    captured = {}

    def fake_init(self, **kwargs):
        captured.update(kwargs)
        raise _Captured

    with mock.patch.object(AnsibleAWSModule, "__init__", fake_init):
        with pytest.raises(_Captured):
            module.main()
    return module, captured


@pytest.fixture(scope="module")
def rendered_docs():
    if not MODULES:
        return {}
    cmd = [str(Path(sys.executable).parent / "ansible-doc"), "-t", "module", "--json"]
    cmd += [f"pilotlight.dr.{name}" for name in MODULES]
    result = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _compare_options(spec, docs, where):
    problems = []
    for option, settings in spec.items():
        if option in COMMON_AWS_OPTIONS:
            continue
        doc = docs.get(option)
        if doc is None:
            problems.append(f"{where}{option}: in the argument spec but not documented")
            continue
        if "version_added" not in doc:
            problems.append(f"{where}{option}: no version_added")
        for key, default in (("type", "str"), ("default", None), ("choices", None), ("elements", None)):
            expected, documented = settings.get(key, default), doc.get(key, default)
            if key == "type" and callable(expected):
                continue
            if key == "default" and isinstance(expected, list) and documented is None:
                documented = []
            if expected != documented:
                problems.append(f"{where}{option}: {key} is {expected!r} in the spec but {documented!r} in the docs")
        if bool(settings.get("required")) != bool(doc.get("required")):
            problems.append(f"{where}{option}: required differs between spec and docs")
        if sorted(settings.get("aliases", [])) != sorted(doc.get("aliases", [])):
            problems.append(f"{where}{option}: aliases differ between spec and docs")
        if any(word in option for word in SECRET_WORDS) and not settings.get("no_log"):
            problems.append(f"{where}{option}: looks secret but has no no_log=True")
        if settings.get("options") or doc.get("suboptions"):
            problems += _compare_options(
                settings.get("options") or {}, doc.get("suboptions") or {}, f"{where}{option}."
            )
    for option in docs:
        if option not in spec and option not in COMMON_AWS_OPTIONS:
            problems.append(f"{where}{option}: documented but not in the argument spec")
    return problems


@pytest.mark.parametrize("name", MODULES)
def test_docs_parse_and_are_complete(name):
    module = importlib.import_module(f"ansible_collections.pilotlight.dr.plugins.modules.{name}")
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["module"] == name
    assert doc.get("short_description") and doc.get("description") and doc.get("author")
    assert doc.get("version_added")
    fragments = doc.get("extends_documentation_fragment", [])
    for fragment in ("amazon.aws.common.modules", "amazon.aws.region.modules", "amazon.aws.boto3"):
        assert fragment in fragments, f"{name}: extends_documentation_fragment lacks {fragment}"
    attributes = doc.get("attributes", {})
    assert attributes.get("check_mode", {}).get("support") in ("full", "partial"), f"{name}: attributes.check_mode"
    assert "diff_mode" in attributes, f"{name}: attributes.diff_mode"

    examples = yaml.safe_load(module.EXAMPLES)
    assert examples, f"{name}: EXAMPLES is empty"
    assert any(f"pilotlight.dr.{name}" in task for task in examples if isinstance(task, dict)), (
        f"{name}: EXAMPLES never use pilotlight.dr.{name}"
    )

    returns = yaml.safe_load(module.RETURN)
    assert returns, f"{name}: RETURN is empty"
    for key, value in returns.items():
        for field in ("description", "returned", "type"):
            assert field in value, f"{name}: RETURN.{key} has no {field}"


@pytest.mark.parametrize("name", MODULES)
def test_argument_spec_matches_rendered_docs(name, rendered_docs):
    _dummy, captured = argument_spec_of(name)
    assert captured.get("supports_check_mode") is True, f"{name} must declare supports_check_mode=True"
    docs = rendered_docs[f"pilotlight.dr.{name}"]["doc"]["options"]
    problems = _compare_options(captured.get("argument_spec", {}), docs, "")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)
