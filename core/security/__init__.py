# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets at rest: the OS keyring (keystore) and authenticated encryption of cached data (vault).

Imports the standard library and cryptography only.
"""
