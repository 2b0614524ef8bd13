import sys

from labkit.tools.cli import main

sys.exit(main())
