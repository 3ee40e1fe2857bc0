"""Known bugs and correct alternatives of assignment 04_cnn_im2col_cupy (see autograder.mutations)."""
from . import tests

BUGS = []
ALTERNATIVES = []
DEMO_BUGS = ()
