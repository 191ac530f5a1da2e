# cffi_modules is a setup() keyword; everything else lives in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["src/netlink_probe/sys/_build.py:ffibuilder"])
