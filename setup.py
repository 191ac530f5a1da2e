# cffi_modules and ext_modules are setup() keywords; everything else lives in pyproject.toml.
# The binding (cffi) wraps the system calls and UAPI constants; codec._fastmsg is a plain CPython
# extension because the lazy per-message view needs Python types written in C, which cffi cannot make.
from setuptools import Extension, setup

setup(
    cffi_modules=["src/netlink_probe/sys/_build.py:ffibuilder"],
    ext_modules=[Extension("netlink_probe.codec._fastmsg", ["src/netlink_probe/codec/_fastmsg.c"])],
)
