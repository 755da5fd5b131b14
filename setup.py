# SPDX-License-Identifier: GPL-3.0-or-later
"""The one compiled module: the JPEG scan search (core/formats/_scan.c). Optional: where no C compiler
is installed the package still installs and core/formats/jpeg.py searches with a regular expression."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("core.formats._scan", ["core/formats/_scan.c"], optional=True)])
