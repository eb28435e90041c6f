# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # How many resources a module works on at the same time.
    DOCUMENTATION = r"""
options:
  max_concurrency:
    description:
      - How many resources are worked on at the same time (API calls and waits in parallel threads).
      - Lower it if the account's API quotas are tight; 1 processes one resource after another.
    type: int
    default: 8
    version_added: 0.1.0
"""
