# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: SSM Parameter Store for recovery_mode (internal use only; may change).

parameters  read several parameters in one call, put and delete one, plan the writes that reach a wanted state
"""
