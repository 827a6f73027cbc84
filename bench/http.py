"""``python bench/http.py``: HTTP read figures (see bench/http_reads.py for what it measures and its options).

This file is only a launcher. A script run from bench/ has this directory first on its path, where a
module named ``http`` hides the standard library's: imported under that name (by ``requests`` in
another bench script), it puts the standard library's ``http`` in its place.
"""

from __future__ import annotations

import importlib
import os
import sys

if __name__ == "__main__":
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from bench.http_reads import main

    sys.exit(main())
else:
    _here = os.path.dirname(os.path.abspath(__file__))
    _saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
    try:
        del sys.modules[__name__]
        _real = importlib.import_module("http")
    finally:
        sys.path[:] = _saved
    sys.modules[__name__] = _real
