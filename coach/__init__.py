"""Story Coach: turn rough accomplishment notes into interview-ready STAR+ stories."""

__version__ = "0.1.0"
