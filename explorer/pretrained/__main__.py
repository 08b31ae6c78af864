import sys

from . import regenerate

regenerate(sys.argv[1:] or None)
