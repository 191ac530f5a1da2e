"""Colour in text output, after iproute2's ``ip -color`` (lib/color.c): interface names, link-layer
addresses, IPv4 and IPv6 addresses, operational states UP and DOWN.

`Palette.paint(kind, text)` wraps *text* in the colour of *kind*; `PLAIN`
(the default everywhere) returns it unchanged.  `choose` decides from the
``--color`` setting (auto|always|never) and the output stream, as ip does:
``auto`` colours only a terminal.  ``NO_COLOR`` in the environment turns
``auto`` off (https://no-color.org); ``COLORFGBG`` naming a dark background
selects ip's bold variants.
"""
from __future__ import annotations

import os
from typing import TextIO

__all__ = ["COLOR_CHOICES", "KINDS", "PLAIN", "Palette", "choose", "family_kind"]

COLOR_CHOICES = ("auto", "always", "never")
_RESET = "\x1b[0m"
# ip's attribute colours: light background, dark background (lib/color.c attr_colors)
KINDS: dict[str, tuple[str, str]] = {
    "ifname": ("\x1b[36m", "\x1b[1;36m"),   # cyan
    "mac": ("\x1b[33m", "\x1b[1;33m"),      # yellow
    "inet": ("\x1b[35m", "\x1b[1;35m"),     # magenta
    "inet6": ("\x1b[34m", "\x1b[1;34m"),    # blue
    "up": ("\x1b[32m", "\x1b[1;32m"),       # green
    "down": ("\x1b[31m", "\x1b[1;31m"),     # red
}


class Palette:
    """Paints text by kind (`KINDS`); disabled, it returns the text as it is."""

    def __init__(self, enabled: bool, *, dark: bool = False) -> None:
        self.enabled = enabled
        self.dark = dark

    def paint(self, kind: str | None, text: str) -> str:
        """*text* in the colour of *kind* (no colour for None, an unknown kind, or a disabled palette)."""
        if not self.enabled or kind not in KINDS or not text:
            return text
        return KINDS[kind][self.dark] + text + _RESET

    def state(self, operstate: str) -> str:
        """An operational state as ip colours it: UP green, DOWN red, others plain."""
        return self.paint({"UP": "up", "DOWN": "down"}.get(operstate), operstate)

    def address(self, family: str | None, text: str) -> str:
        """An IP address (or prefix) in its family's colour ('inet' or 'inet6')."""
        return self.paint(family_kind(family, text), text)


PLAIN = Palette(False)


def family_kind(family: str | None, text: str = "") -> str | None:
    """The colour kind of an address of *family* ('inet', 'inet6'); guessed from *text* when unknown."""
    if family in ("inet", "inet6"):
        return family
    if ":" in text:
        return "inet6"
    if text[:1].isdigit():
        return "inet"
    return None


def _dark_background() -> bool:
    """ip's set_color_palette: COLORFGBG's last field 0-6 or 8 means a dark background."""
    last = os.environ.get("COLORFGBG", "").rpartition(";")[2]
    return len(last) == 1 and last in "01234568" and ";" in os.environ.get("COLORFGBG", "")


def choose(setting: str, stream: TextIO | None) -> Palette:
    """The palette for *setting* (auto|always|never) writing to *stream*: auto colours a terminal only."""
    if setting == "always":
        on = True
    elif setting == "never" or stream is None:
        on = False
    else:
        try:
            on = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        except (AttributeError, ValueError, OSError):
            on = False
    return Palette(on, dark=_dark_background()) if on else PLAIN
