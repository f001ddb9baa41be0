"""The report layer: pure data shaping shared by every output — the Voila dashboards
(:mod:`shiwu_lib.dashboards`), the static edition (:mod:`shiwu_lib.publish`), the quarterly pack
(:mod:`shiwu_lib.pack`) and the notebooks.

It reads the store only through the public API (``db.status`` / ``db.ranking`` /
``db.midpoint_check`` read the assessment the build stored in the ``out_`` tables) and returns
DataFrames, dicts and plain strings: no widgets, no HTML, no SQL.

=================  ===============================================================================
module             what it shapes
=================  ===============================================================================
``common``         constants (lights, colours, the plan's years) and how values are written
``reads``          report dates, the data date, 催报 (late returns, the quarters that are due)
``overview``       cards (light, headline, worst three targets, midpoint, rank), 牵头单位, ranking
``project``        the project page: gap rows, target sections, tasks, problems, chart order
``trajectory``     one indicator's trajectory: target paths, tolerance band, 2025 marker, projection
``midpoint``       the 2025 midpoint page
=================  ===============================================================================
"""
from __future__ import annotations

from .common import (  # noqa: F401
    BEHIND_QUORUM, CONTACT, DEMO_NOTE_ZH, FINAL, GREEN, GREY, KIND_ORDER, LIGHT_SEVERITY, LIGHTS, MID, MID_SHARE, PLAN,
    PROJECT_LIGHT_RULE_ZH, RANKING_RULE_ZH, RED, RED_QUORUM, SECTION_ORDER, STATUS_COLOURS, TASK_STATUS_COLOURS, YELLOW,
    actual_text, data_age_text, firm_in_play, gap_share, in_play_mask, is_count_unit, is_span,
    isnan, light_counts, parse_date, project_label, project_light, project_option, rank_change_text, ranking_frame,
    red_streak_text, report_date_options, short_label, span_start, target_label, time_progress_text,
)
from .midpoint import completion_chart_frame, midpoint_data  # noqa: F401
from .overview import (  # noqa: F401
    cards_frame, choose_headline, lead_unit_frame, midpoint_state, overview_data, overview_frame, ranking_chart_frame,
    worst_targets,
)
from .project import gap_chart_frame, project_data, target_sections, trajectory_data  # noqa: F401
from .reads import (  # noqa: F401
    core_indicators, data_known_at, default_report_date, demo_loaded, due_quarters, earliest_data_quarter,
    late_returns, latest_due_quarter, midpoint_with_demo, problems_frame, return_deadline, task_overdue, task_own_due,
    tasks_frame,
)
from .trajectory import (  # noqa: F401
    actual_hover, chart_indicators, derived_rates, indicator_chart_data, target_path, tolerance_band,
)
