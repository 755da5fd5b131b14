# SPDX-License-Identifier: GPL-3.0-or-later
"""The exposure report: what a recipient would learn from everything it is allowed to receive (places,
times, devices, people), computed from inventories and the library's decisions.
"""
