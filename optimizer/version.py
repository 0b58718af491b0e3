"""The package version, in a module of its own so that any module may import it (the package
root imports every module, so a module importing the root would close an import cycle)."""

__version__ = "0.1.0"
