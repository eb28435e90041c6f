"""Fake DR-region clients for the leak check: launch templates, SSM parameters, secrets, task definitions.

A value that is an exception is raised by the call that reads it (a throttled or failed read).
"""

import base64

from botocore.exceptions import ClientError


def error(code, operation="Call"):
    return ClientError({"Error": {"Code": code, "Message": f"{code} for the test"}}, operation)


def encoded(text):
    return base64.b64encode(text.encode()).decode()


class Paginator:
    """``get_paginator(op).paginate(**params).build_full_result()`` -> ``fn(**params)``."""

    def __init__(self, fn):
        self.fn, self.params = fn, {}

    def paginate(self, **params):
        self.params = params
        return self

    def build_full_result(self):
        return self.fn(**self.params)


class FakeEC2:
    """``templates``: name -> {"tags": {...}, "versions": {n: user data text}, "default": n} (or an exception)."""

    def __init__(self, templates, listing_error=None):
        self.templates, self.listing_error = templates, listing_error

    def _template(self, name):
        spec = self.templates[name]
        return {
            "LaunchTemplateName": name,
            "LaunchTemplateId": f"lt-{name}",
            "LatestVersionNumber": max(spec["versions"]),
            "DefaultVersionNumber": spec.get("default", 1),
        }

    def get_paginator(self, operation):
        return Paginator(getattr(self, f"_{operation}"))

    def _describe_launch_templates(self, LaunchTemplateNames=None, Filters=None):
        if self.listing_error:
            raise self.listing_error
        if LaunchTemplateNames:
            name = LaunchTemplateNames[0]
            if name not in self.templates:
                raise error("InvalidLaunchTemplateName.NotFoundException")
            return {"LaunchTemplates": [self._template(name)]}
        wanted = {f["Name"][4:]: f["Values"] for f in Filters}
        return {
            "LaunchTemplates": [
                self._template(n)
                for n, s in self.templates.items()
                if all(s.get("tags", {}).get(k) in v for k, v in wanted.items())
            ]
        }

    def _describe_launch_template_versions(self, LaunchTemplateId, Versions):
        spec = self.templates[LaunchTemplateId[3:]]
        if isinstance(spec.get("error"), Exception):
            raise spec["error"]
        return {
            "LaunchTemplateVersions": [
                {"VersionNumber": int(v), "LaunchTemplateData": {"UserData": encoded(spec["versions"][int(v)])}}
                for v in Versions
            ]
        }


class FakeSSM:
    """``parameters``: name -> value; ``failure``: raised by every read."""

    def __init__(self, parameters, failure=None):
        self.parameters, self.failure = parameters, failure
        self.decrypted = []

    def get_paginator(self, operation):
        assert operation == "get_parameters_by_path"
        return self

    def paginate(self, Path, Recursive, WithDecryption):
        self.decrypted.append(WithDecryption)
        self.path = Path
        return self

    def build_full_result(self):
        if self.failure:
            raise self.failure
        prefix = self.path.rstrip("/") + "/"
        return {
            "Parameters": [
                {"Name": n, "Value": v, "Type": "SecureString"}
                for n, v in self.parameters.items()
                if n.startswith(prefix)
            ]
        }

    def get_parameters(self, Names, WithDecryption, aws_retry=False):
        return {"Parameters": [{"Name": n, "Value": self.parameters[n]} for n in Names if n in self.parameters]}


class FakeSecrets:
    """``values``: secret id -> value (or an exception); a missing id is ResourceNotFoundException."""

    def __init__(self, values):
        self.values = values
        self.read = []

    def get_secret_value(self, SecretId, aws_retry=False):
        self.read.append(SecretId)
        value = self.values.get(SecretId)
        if isinstance(value, Exception):
            raise value
        if value is None:
            raise error("ResourceNotFoundException", "GetSecretValue")
        return {"ARN": f"arn:{SecretId}", "Name": SecretId, "SecretString": value}


class FakeECS:
    def __init__(self, definitions):
        self.definitions = definitions

    def describe_task_definition(self, taskDefinition, aws_retry=False):
        definition = self.definitions.get(taskDefinition)
        if isinstance(definition, Exception):
            raise definition
        if definition is None:
            raise error("ClientException", "DescribeTaskDefinition")
        return {"taskDefinition": definition}


def factory(ec2=None, ssm=None, secrets=None, ecs=None, regions=None):
    """A client factory ``(service, region) -> client`` that records every region called."""
    clients = {
        "ec2": ec2 or FakeEC2({}),
        "ssm": ssm or FakeSSM({}),
        "secretsmanager": secrets or FakeSecrets({}),
        "ecs": ecs or FakeECS({}),
    }

    def make(service, region):
        if regions is not None:
            regions.append(region)
        return clients[service]

    return make
