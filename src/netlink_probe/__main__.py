"""``python -m netlink_probe``: the netlink-probe command (`cli.main` handles Ctrl-C before the heavy imports)."""
import sys

from netlink_probe.cli import main

if __name__ == "__main__":
    sys.exit(main())
