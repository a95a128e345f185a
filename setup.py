"""Compile the gettext catalogs (crmctl/locale/*/LC_MESSAGES/*.po → .mo) whenever the package
is built or installed, editable installs included; the .mo files are never committed.
Everything else about the package is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(__file__).resolve().parent.glob("crmctl/locale/*/LC_MESSAGES/*.po"):
            with po.open("rb") as source:
                catalog = read_po(source)
            with po.with_suffix(".mo").open("wb") as compiled:
                write_mo(compiled, catalog, use_fuzzy=False)
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogs})
