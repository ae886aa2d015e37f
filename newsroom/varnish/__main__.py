"""``python -m newsroom.varnish > /etc/varnish/default.vcl``: the VCL for this deployment."""

import sys

from . import from_environment

sys.stdout.write(from_environment())
