"""Former home of the dashboards, kept as a thin alias so older notebooks and scripts still run.

The code now lives in two layers (issue 10):

- :mod:`shiwu_lib.report` — pure data shaping shared by dashboards, static edition, pack and
  notebooks (card data, chart data, tables, the light vocabulary, how values are written);
- :mod:`shiwu_lib.dashboards` — ipywidgets layout only, one module per page, and the HTML
  components (:mod:`shiwu_lib.dashboards.components`) the static edition shares.

New code imports those. Project light (工程总灯): a worst-of rule softened by a quorum, see
:func:`shiwu_lib.lights.project_light` (``project_light`` here is the same function).
"""
from __future__ import annotations

from .dashboards import midpoint_page, overview_page, project_page, query_params, wait_for_visit  # noqa: F401
from .dashboards.components import (  # noqa: F401
    PAGE_CSS, card_html, demo_badge, empty_state, error_state, esc, html_table, late_table, legend_html, light_cell,
    light_chip, light_dot, midpoint_tables, problems_table, project_link, ranking_table, source_cell, targets_table,
    tasks_table,
)
from .dashboards.page import Page, figure_bundle, open_db, warm_up  # noqa: F401
from .report import (  # noqa: F401
    BEHIND_QUORUM, CONTACT, FINAL, GREEN, GREY, KIND_ORDER, LIGHTS, MID, MID_SHARE, PLAN, PROJECT_LIGHT_RULE_ZH, RED,
    RED_QUORUM, SECTION_ORDER, STATUS_COLOURS, TASK_STATUS_COLOURS, YELLOW, actual_text, chart_indicators,
    choose_headline, core_indicators, data_known_at, default_report_date, demo_loaded, earliest_data_quarter,
    firm_in_play, gap_share, in_play_mask, indicator_chart_data, is_span, late_returns,
    light_counts, midpoint_with_demo, overview_frame, problems_frame, project_label, project_light, project_option,
    rank_change_text, ranking_frame, report_date_options, short_label, span_start, target_label, tasks_frame,
    time_progress_text,
)
