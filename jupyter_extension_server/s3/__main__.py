"""``python -m jupyter_extension_server.s3 credential-process``: see :mod:`.credential_process`."""

import sys

from .credential_process import main

sys.exit(main())
