"""``python -m mailoauth``: the admin's command line (see ``mailoauth --help``)."""

import sys

from mailoauth.cli import main

if __name__ == "__main__":
    sys.exit(main())
