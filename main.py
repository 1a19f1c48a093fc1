"""Offline short-video studio.

    python main.py                 open the desktop app
    python main.py render SHEET    render videos from a product sheet (see --help)
"""
import sys


def main() -> int:
    if len(sys.argv) == 1:
        from studio.gui.app import run

        return run(sys.argv)
    from studio.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
