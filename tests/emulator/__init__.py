"""pilotlight.dr's local AWS emulator: moto's server plus the cross-region behaviour DR needs.

See README.md beside this file for what is emulated by moto, by our extensions, and not at all.
"""
