"""Tests of the Lambda handlers, one package per handler and one module per handler module (``lambda/``).

``tests/handlers/<package>/test_<module>.py`` tests ``lambda/<package>/<module>.py``; ``tests/test_layout.py`` checks
that every test module here is named after a handler module, or is one of the documented cross-module suites.
"""
