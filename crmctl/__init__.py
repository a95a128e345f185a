"""crmctl: a command-line CRM for one salesperson over a local SQLCipher database.

The core modules (``crmctl.core``) and the store (``crmctl.store``) are also a Python API:
they take a connection and plain values and return dataclasses or dicts, and never print.
"""

__version__ = "0.1.0"
