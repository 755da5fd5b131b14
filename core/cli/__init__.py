# SPDX-License-Identifier: GPL-3.0-or-later
"""The command-line interfaces: photo inspection/preview/export, and the library commands. Thin: each
command parses arguments, calls core services and prints their results (text or JSON).
"""
