import sys

from explorer.training.pretrained import regenerate

regenerate(sys.argv[1:] or None)
