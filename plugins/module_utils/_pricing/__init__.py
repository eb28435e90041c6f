# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private: the AWS Price List API for pilot_light_cost_info (internal use only; may change).

catalog   which Price List product prices each kind of pilot-light resource, and the pricing endpoint (pure)
products  GetProducts and reading the on-demand price of a product (a price that cannot be read is None)
estimate  the monthly cost lines, idle and active, and their totals (pure)
"""
