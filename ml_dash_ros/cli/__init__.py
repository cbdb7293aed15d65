"""The ``ml-dash-ros`` command line: ls, info, read, export, plot, import, align."""

from ml_dash_ros.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
