# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: the configuration leak check of config_leak_info and the ``config`` readiness component
(internal use only; may change at any time).

scan    what counts as a reference to the primary region, and where it sits in a value (pure; never keeps a value)
reads   the thin reads of the DR region: launch template user data, SSM parameters, secret values, task definitions
leaks   the sources to scan, each one read, scanned and judged (clean, leak, switched, missing, not checked)
"""
