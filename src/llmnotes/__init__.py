"""llmnotes: an annotated reading list in Markdown becomes a static site whose links are checked.

The pipeline is load → graph → render → write; each stage is a module of this package and passes
frozen dataclasses to the next. `llmnotes.build.build_site` runs all of it.
"""

from llmnotes.diagnostics import Diagnostic, Severity

__version__ = "0.1.0"

__all__ = ["Diagnostic", "Severity", "__version__"]
