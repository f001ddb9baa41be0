-- shiwu store schema. Built by `shiwu build` from data/curated and the actual values; never hand-edited.
-- Every table carries `region` (default 义乌) so a prefecture or the province can compare counties.

CREATE TABLE build_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE projects (
    region            VARCHAR NOT NULL DEFAULT '义乌',
    project_no        INTEGER NOT NULL,
    name_zh           VARCHAR NOT NULL,
    short_zh          VARCHAR NOT NULL,
    name_en           VARCHAR,
    convenors         VARCHAR[],
    lead_unit         VARCHAR,
    responsible_units VARCHAR[],
    quote             VARCHAR,
    PRIMARY KEY (region, project_no)
);

-- Departments (单位) and the projects they lead (牵头) or serve (责任).
CREATE TABLE units (
    region     VARCHAR NOT NULL DEFAULT '义乌',
    unit_name  VARCHAR NOT NULL,
    project_no INTEGER NOT NULL,
    role       VARCHAR NOT NULL CHECK (role IN ('lead', 'responsible')),
    PRIMARY KEY (region, unit_name, project_no, role)
);

CREATE TABLE indicators (
    region       VARCHAR NOT NULL DEFAULT '义乌',
    indicator_id VARCHAR NOT NULL,
    project_no   INTEGER,                      -- NULL for context indicators (GDP …) of no single project
    level        VARCHAR NOT NULL,
    seq          INTEGER,
    name_zh      VARCHAR NOT NULL,
    name_en      VARCHAR,
    unit         VARCHAR,
    direction    VARCHAR,
    measure      VARCHAR,
    source       VARCHAR,
    quote        VARCHAR,
    PRIMARY KEY (region, indicator_id)
);

CREATE TABLE targets (
    region         VARCHAR NOT NULL DEFAULT '义乌',
    target_id      VARCHAR NOT NULL,
    project_no     INTEGER NOT NULL,
    indicator_id   VARCHAR,
    metric_zh      VARCHAR NOT NULL,
    metric_en      VARCHAR,
    section        VARCHAR NOT NULL,
    start_year     INTEGER NOT NULL,
    target_year    INTEGER NOT NULL,
    period         VARCHAR NOT NULL,
    value          DOUBLE NOT NULL,
    unit           VARCHAR NOT NULL,
    value_base     DOUBLE NOT NULL,
    base_unit      VARCHAR NOT NULL,
    comparator     VARCHAR NOT NULL,
    value_high     DOUBLE,
    stretch        BOOLEAN NOT NULL DEFAULT false,
    firm_target_id VARCHAR,
    cumulative     BOOLEAN NOT NULL DEFAULT false,
    kind           VARCHAR NOT NULL,
    quote          VARCHAR NOT NULL,
    note           VARCHAR,
    PRIMARY KEY (region, target_id)
);

CREATE TABLE key_tasks (
    region     VARCHAR NOT NULL DEFAULT '义乌',
    task_id    VARCHAR NOT NULL,
    project_no INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    text_zh    VARCHAR NOT NULL,
    target_ids VARCHAR[],
    PRIMARY KEY (region, task_id)
);

-- Every loaded source: a published document, a returned workbook (by content hash) or the demo generator.
CREATE TABLE submissions (
    submission_id  VARCHAR NOT NULL,           -- 'pub:<sha256 of the curated row set>' | sha256 of the workbook
    region         VARCHAR NOT NULL DEFAULT '义乌',
    source_type    VARCHAR NOT NULL CHECK (source_type IN ('published', 'return', 'demo')),
    file_name      VARCHAR,
    sha256         VARCHAR,
    project_no     INTEGER,
    period_label   VARCHAR,
    received_at    TIMESTAMP NOT NULL,
    n_rows         INTEGER,
    title          VARCHAR,                    -- published: document title
    address        VARCHAR,                    -- published: URL (derived: the parts' submission ids); return: archive path
    note           VARCHAR,
    grade          VARCHAR,                    -- published: official | gov_report | press | repost (derived: weakest part); 'return' | 'demo'
    PRIMARY KEY (submission_id)
);

-- Append-only actual values with vintages (reported_at). A revision is a new row.
CREATE SEQUENCE actual_id_seq START 1;
CREATE TABLE actuals (
    actual_id     BIGINT NOT NULL DEFAULT nextval('actual_id_seq'),
    region        VARCHAR NOT NULL DEFAULT '义乌',
    indicator_id  VARCHAR NOT NULL,
    period_label  VARCHAR NOT NULL,            -- '2025', '2025Q2', '2025M05'
    freq          VARCHAR NOT NULL CHECK (freq IN ('Y', 'Q', 'M')),
    year          INTEGER NOT NULL,
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    ytd           BOOLEAN NOT NULL,            -- covers Jan 1 -> period_end (1–6月 style)
    value         DOUBLE NOT NULL,             -- in `unit`
    unit          VARCHAR NOT NULL,
    value_base    DOUBLE NOT NULL,
    base_unit     VARCHAR NOT NULL,
    source_type   VARCHAR NOT NULL CHECK (source_type IN ('published', 'return', 'demo')),
    submission_id VARCHAR NOT NULL,
    reported_at   TIMESTAMP NOT NULL,          -- when the value became known (its vintage)
    quote         VARCHAR,                     -- published: the sentence as published
    note          VARCHAR,
    derivation    VARCHAR,                     -- 推算 only: the formula with its numbers; NULL for every other row
    PRIMARY KEY (actual_id)
);

-- Annex 4 (重点任务进度表) rows as returned, per period; append-only.
CREATE TABLE task_progress (
    region        VARCHAR NOT NULL DEFAULT '义乌',
    project_no    INTEGER NOT NULL,
    task_id       VARCHAR NOT NULL,
    period_label  VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,            -- 未启动 | 推进中 | 已完成 | 滞后
    progress_pct  DOUBLE,
    progress_text VARCHAR,
    due           VARCHAR,
    lead_unit     VARCHAR,
    partner_units VARCHAR,
    source_type   VARCHAR NOT NULL,
    submission_id VARCHAR NOT NULL,
    reported_at   TIMESTAMP NOT NULL
);

-- Annex 5 (问题销号进度表) rows as returned, per period; append-only. A problem is struck off (已销号) once solved.
CREATE TABLE problems (
    region        VARCHAR NOT NULL DEFAULT '义乌',
    project_no    INTEGER NOT NULL,
    problem_id    VARCHAR NOT NULL,            -- stable across periods: 'p05-q001'
    period_label  VARCHAR NOT NULL,
    problem_text  VARCHAR NOT NULL,
    due           DATE,
    progress_text VARCHAR,
    responsible   VARCHAR,
    struck_off    BOOLEAN NOT NULL,
    source_type   VARCHAR NOT NULL,
    submission_id VARCHAR NOT NULL,
    reported_at   TIMESTAMP NOT NULL
);

-- Which tables a project returned for which period (催报 needs the absence of a row).
CREATE TABLE return_sheets (
    region        VARCHAR NOT NULL DEFAULT '义乌',
    project_no    INTEGER NOT NULL,
    period_label  VARCHAR NOT NULL,
    sheet         VARCHAR NOT NULL,            -- 主要指标进度表 | 重点任务进度表 | 问题销号进度表
    submission_id VARCHAR NOT NULL,
    reported_at   TIMESTAMP NOT NULL
);
