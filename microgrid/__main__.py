"""`python -m microgrid` runs the command line."""

from microgrid.apps.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
