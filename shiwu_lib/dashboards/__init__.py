"""The Voila dashboards: ipywidgets layout only, one small module per page.

    from shiwu_lib import dashboards
    dashboards.overview_page()     # notebooks/01_overview.ipynb  总览      (?as_of=2026-09-30&chase=2026-09-30)
    dashboards.project_page()      # notebooks/02_project.ipynb   工程详情  (?project=5&as_of=2025-12-31)
    dashboards.midpoint_page()     # notebooks/03_midpoint.ipynb  中期评估

=================  ===============================================================================
module             what it holds
=================  ===============================================================================
``kernel``         wait for the visit (preheated kernels), the query string, logging to Voila's log
``page``           the widget frame: header, controls, body, figure slots, the address bar
``components``     HTML strings (stylesheet for screen / 390 px / print, cards, tables); no widgets,
                   shared with the static edition (:mod:`shiwu_lib.publish`)
``overview``       总览 layout          ``project``  工程详情 layout      ``midpoint``  中期评估 layout
=================  ===============================================================================

The numbers come from :mod:`shiwu_lib.report` (pure data shaping over the stored assessment); the
figures from :mod:`shiwu_lib.charts`. No SQL here.
"""
from __future__ import annotations

from .kernel import query_params, wait_for_visit  # noqa: F401
from .midpoint import midpoint_page  # noqa: F401
from .overview import overview_page  # noqa: F401
from .project import project_page  # noqa: F401
