"""`python -m coach`: the storycoach command."""

import sys

from coach.surfaces.cli import main

sys.exit(main())
