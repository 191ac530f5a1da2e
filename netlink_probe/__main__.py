"""``python -m netlink_probe``: the netlink-probe command."""
import sys

from netlink_probe.cli import main

if __name__ == "__main__":
    sys.exit(main())
