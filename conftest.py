"""swarmproof's own test suite.

The harness itself is a pytest plugin (``fixtures/plugin.py``, registered through the
``pytest11`` entry point by ``pip install -e .``), so this file holds nothing but a clear
message for a checkout where that install has not happened.
"""

import importlib.util

if importlib.util.find_spec("swarmproof") is None:
    raise SystemExit("swarmproof is not installed in this Python: run `pip install -e .` "
                     "(or `bash infra/setup.sh`) first")
