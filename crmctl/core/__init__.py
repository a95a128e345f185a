"""Core modules: one per concern. They take a connection and plain values, return
dataclasses or dicts, and never print; commands in ``crmctl.cli`` render what they return."""
