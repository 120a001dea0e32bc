import sys

from leapplan.cli import main

sys.exit(main())
