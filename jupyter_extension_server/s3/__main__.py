"""``python -m jupyter_extension_server.s3 credential-process``: see :mod:`.cli`."""

import sys

from .cli import main

sys.exit(main())
