"""Story Coach: turn rough accomplishment notes into interview-ready STAR+ stories."""

from coach import native

__version__ = "0.1.0"

# The compiled hot modules (`make native`), when they are current; otherwise the plain ones.
NATIVE_STATE = native.activate(__path__)
