"""Department returns and published statistics: the actual values of the Ten Major Projects.

* :mod:`.published` — published statistics (``data/curated/published_actuals.csv``) → store
* :mod:`.template`  — ``write_template``: the quarterly workbook (annex 2, 4, 5) a lead unit fills in
* :mod:`.ingest`    — ``parse_workbook``: validate a returned workbook (all errors at once)
* :mod:`.archive`   — ``archive_return``: an accepted workbook as received; ``load``: archive → store (a build step)
* :mod:`.intake`    — ``ingest_files``: validate, archive, rebuild under the writer lock; ``ensure_current``
* :mod:`.missing`   — ``missing_returns``: 催报 (who has not returned what)
* :mod:`.demo`      — labelled demo returns (示例数据) generated through the same template and parser
* :mod:`.cli`       — handlers of ``shiwu template | ingest | missing``
"""
from __future__ import annotations

__all__ = ["write_template", "parse_workbook", "WorkbookRejected", "ReturnError", "ParsedReturn",
           "ingest_files", "IngestReport", "missing_returns"]


def __getattr__(name):
    if name == "write_template":
        from .template import write_template
        return write_template
    if name in ("parse_workbook", "WorkbookRejected", "ReturnError", "ParsedReturn"):
        from . import ingest
        return getattr(ingest, name)
    if name in ("ingest_files", "IngestReport"):
        from . import intake
        return getattr(intake, name)
    if name == "missing_returns":
        from .missing import missing_returns
        return missing_returns
    raise AttributeError(name)
