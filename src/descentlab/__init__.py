"""Descent Lab: how neural networks learn, one notebook at a time.

The package holds two kinds of module:

- exercise modules (listed in :mod:`descentlab.course`), which students fill in
  and which are generated from the instructor's solved copies in
  ``solutions/descentlab/``;
- provided modules (checks, plots, helpers), written once, here.
"""

__version__ = "0.1.0"
