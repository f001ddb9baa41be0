-- Readable views over the store. `latest_actuals` = latest vintage of every period (as the data stand now);
-- `actuals_as_of(d)` = the same as the data stood on date d (periods ended and values reported by then).

CREATE MACRO actuals_as_of(d) AS TABLE
    SELECT *
    FROM actuals
    WHERE period_end <= CAST(d AS DATE)
      AND CAST(reported_at AS DATE) <= CAST(d AS DATE)
    QUALIFY row_number() OVER (
        PARTITION BY region, indicator_id, period_label
        ORDER BY reported_at DESC, actual_id DESC) = 1;

CREATE VIEW latest_actuals AS
    SELECT *
    FROM actuals
    QUALIFY row_number() OVER (
        PARTITION BY region, indicator_id, period_label
        ORDER BY reported_at DESC, actual_id DESC) = 1;

CREATE VIEW actuals_with_source AS
    SELECT a.*, s.title AS source_title, s.address AS source_address, s.file_name AS source_file,
           s.sha256 AS source_sha256, s.grade AS source_grade
    FROM actuals a LEFT JOIN submissions s USING (submission_id);

CREATE VIEW latest_problems AS
    SELECT *
    FROM problems
    QUALIFY row_number() OVER (
        PARTITION BY region, project_no, problem_id
        ORDER BY reported_at DESC, period_label DESC) = 1;

CREATE VIEW latest_task_progress AS
    SELECT *
    FROM task_progress
    QUALIFY row_number() OVER (
        PARTITION BY region, project_no, task_id
        ORDER BY reported_at DESC, period_label DESC) = 1;

CREATE VIEW targets_explained AS
    SELECT t.*, i.name_zh AS indicator_zh, i.level AS indicator_level, i.measure, i.direction,
           p.short_zh AS project_short, p.lead_unit
    FROM targets t
    LEFT JOIN indicators i ON i.region = t.region AND i.indicator_id = t.indicator_id
    LEFT JOIN projects p ON p.region = t.region AND p.project_no = t.project_no;
