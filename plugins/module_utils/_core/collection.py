# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Collection identity, shown in the AWS user agent of every call our modules make."""

PILOTLIGHT_DR_COLLECTION_NAME = "pilotlight.dr"
PILOTLIGHT_DR_COLLECTION_VERSION = "0.1.0"
