# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a configuration value still points at the primary region (pure functions, no AWS call).

A finding says *where* (the source and the key that holds the value) and *what kind* of reference it is
(an ARN, a host name, the region name, a marker the caller gave), never the value: secret values and
SecureString parameters go through these functions, so nothing here keeps or returns a value.

What counts as the primary (``Markers``):

* the region name as a whole token: ``ap-northeast-2`` but not ``ap-northeast-21``; an availability zone
  of it (``ap-northeast-2a``) counts too;
* ARNs with ``:<region>:`` (``arn:aws:rds:ap-northeast-2:...``);
* host names with the region as a label (``db.xxx.ap-northeast-2.rds.amazonaws.com``, ``s3-ap-northeast-2``);
* extra markers of the caller: the primary's own host names, IP addresses and endpoints that carry no region
  (a custom domain, a private IP), matched as whole names (``10.0.1.5`` does not match ``10.0.1.50``).
"""

import base64
import binascii
import gzip
import json
import re

# KEY=value, export KEY=value, KEY: value, "KEY": value (shell, env files, cloud-config, JSON lines)
_KEY_LINE = re.compile(r"""^\s*(?:export\s+|set\s+|-\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:=|:(?!//))""")


class Markers:
    """The strings of the primary: its region (as ARN, host name or token) and the caller's extra markers."""

    def __init__(self, primary_region, extra=()):
        if not primary_region:
            raise ValueError("the primary region is required")
        self.region = primary_region
        region = re.escape(primary_region)
        # The region as a token: not after a letter or digit, not followed by a digit (ap-northeast-21), an
        # optional availability-zone letter (ap-northeast-2a) and then no letter or digit.
        token = rf"(?<![A-Za-z0-9]){region}(?P<az>[a-z])?(?![A-Za-z0-9])"
        self._token = re.compile(token, re.IGNORECASE)
        self._arn = re.compile(rf"arn:[A-Za-z0-9-]+:[A-Za-z0-9-]+:{region}:", re.IGNORECASE)
        self._host = re.compile(rf"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*[.-]{region}\.[A-Za-z0-9-]+", re.IGNORECASE)
        self.extra = [m for m in (str(m).strip() for m in extra or ()) if m]
        self._extra = [
            (marker, re.compile(rf"(?<![\w.-]){re.escape(marker)}(?![\w-]|\.[\w-])", re.IGNORECASE))
            for marker in self.extra
        ]

    def kinds(self, text):
        """What of the primary ``text`` holds (sorted descriptions, empty when nothing): never the text itself."""
        if not isinstance(text, str) or not text:
            return []
        found = set()
        covered = []
        for pattern, what in ((self._arn, f"ARN in {self.region}"), (self._host, f"host name in {self.region}")):
            for match in pattern.finditer(text):
                found.add(what)
                covered.append(match.span())
        for match in self._token.finditer(text):
            if any(start <= match.start() and match.end() <= end for start, end in covered):
                continue
            found.add(f"availability zone of {self.region}" if match.group("az") else f"region {self.region}")
        for marker, pattern in self._extra:
            if pattern.search(text):
                found.add(f"primary marker {marker}")
        return sorted(found)


def finding(source, where, key, what, item=None):
    """One finding: ``where`` names the place (and ``key`` the key in it); ``what`` the kinds found."""
    return {
        "source": source,
        "where": where,
        "key": key,
        "item": item,
        "what": list(what),
        "text": f"{where}: {key}" if key else where,
    }


def walk(value, path=""):
    """(key path, string) of every string leaf of a JSON value: ``db.host``, ``hosts[1]``; a bare string has path ""."""
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from walk(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            yield from walk(element, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def line_key(line):
    """The variable a line sets (``export API_URL=...`` -> ``API_URL``), or None."""
    match = _KEY_LINE.match(line)
    return match.group(1) if match else None


def scan_lines(source, where, text, markers, item=None):
    """Findings per line: ``<where> line 12: API_URL`` (the key when the line sets one)."""
    results = []
    for number, line in enumerate(text.splitlines(), start=1):
        what = markers.kinds(line)
        if what:
            results.append(finding(source, f"{where} line {number}", line_key(line), what, item))
    return results


def parse_json(text):
    """The JSON object or array in ``text``, else None (a plain string value)."""
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def scan_value(source, where, value, markers, item=None):
    """Findings in one stored value: a JSON document key by key, a multi-line text line by line, else whole."""
    document = parse_json(value)
    if document is not None:
        return scan_document(source, where, document, markers, item)
    if isinstance(value, str) and "\n" in value.strip():
        return scan_lines(source, where, value, markers, item)
    what = markers.kinds(value)
    return [finding(source, where, None, what, item)] if what else []


def scan_document(source, where, document, markers, item=None):
    """Findings in a JSON value (dict, list or string), one per key path that holds the primary."""
    results = []
    for path, text in walk(document):
        what = markers.kinds(text)
        if what:
            results.append(finding(source, where, path or None, what, item))
    return results


def scan_mapping(source, where, mapping, markers, required=None):
    """Findings in a flat config map (the app's ConfigMap), plus each required key that is missing or wrong.

    ``required`` maps a key to the value it must have (``{"AWS_REGION": "ap-northeast-1"}``); None as the
    value only requires the key to be set.
    """
    results = scan_document(source, where, {str(k): v for k, v in (mapping or {}).items()}, markers)
    for key, wanted in sorted((required or {}).items()):
        value = (mapping or {}).get(key)
        if value in (None, ""):
            results.append(
                finding(source, where, key, [f"missing: the app needs {key}" + (f" set to {wanted}" if wanted else "")])
            )
        elif wanted and str(value) != str(wanted) and not any(r["key"] == key for r in results):
            results.append(finding(source, where, key, [f"not {wanted}: the app needs {key} set to {wanted}"]))
    return results


def user_data_text(encoded):
    """The user data of a launch template as text: base64-decoded, gunzipped when compressed."""
    if not encoded:
        return ""
    try:
        data = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return str(encoded)  # not base64: scan it as it is
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            pass
    return data.decode("utf-8", errors="replace")


def scan_user_data(source, where, encoded, markers):
    return scan_lines(source, f"{where} user data", user_data_text(encoded), markers)


def scan_task_definition(source, where, task_definition, markers):
    """Findings in an ECS task definition: each container's image, environment, secrets ARNs, log options."""
    results = []

    def add(container, key, text):
        what = markers.kinds(text)
        if what:
            results.append(finding(source, f"{where} container {container}", key, what))

    for container in task_definition.get("containerDefinitions") or []:
        name = container.get("name", "?")
        add(name, "image", container.get("image"))
        for env in container.get("environment") or []:
            add(name, f"environment {env.get('name')}", env.get("value"))
        for secret in container.get("secrets") or []:
            add(name, f"secrets {secret.get('name')}", secret.get("valueFrom"))
        for index, env_file in enumerate(container.get("environmentFiles") or []):
            add(name, f"environmentFiles[{index}]", env_file.get("value"))
        credentials = (container.get("repositoryCredentials") or {}).get("credentialsParameter")
        add(name, "repositoryCredentials", credentials)
        log = container.get("logConfiguration") or {}
        for option, value in sorted((log.get("options") or {}).items()):
            add(name, f"logConfiguration {option}", value)
        for secret in log.get("secretOptions") or []:
            add(name, f"logConfiguration secretOptions {secret.get('name')}", secret.get("valueFrom"))
    for key in ("taskRoleArn", "executionRoleArn"):
        what = markers.kinds(task_definition.get(key))
        if what:
            results.append(finding(source, where, key, what))
    return results


def describe(found):
    """``secret portforge/db: host (host name in ap-northeast-2)``: the place and the kinds, no value."""
    return f"{found['text']} ({', '.join(found['what'])})"
