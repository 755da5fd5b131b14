# SPDX-License-Identifier: GPL-3.0-or-later
"""The vocabulary every layer shares: categories, inventory items and segments, policies, long-job progress.

Owns plain frozen dataclasses and enums only. Imports nothing from the rest of core (the standard library
alone), so that every other subpackage can depend on it without cycles.
"""
