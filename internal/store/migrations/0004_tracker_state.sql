-- Daemon state that must survive a restart, by key. Today one key:
-- 'exported_lexicon_version', the lexicon version whose scores the metrics
-- export, so that a restart with a changed lexicon keeps exporting the old
-- version until re-scoring has completed the metric windows.
CREATE TABLE tracker_state (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
