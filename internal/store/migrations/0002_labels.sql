-- Audit labels: an analyst's verdict on one theme of one article.
--
-- A label judges the flag that a lexicon version produced, so it records
-- that version and the flag itself; it is not tied to the scores rows, so it
-- survives re-scoring. It goes when its article is pruned.
CREATE TABLE labels (
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    theme           TEXT    NOT NULL,
    verdict         TEXT    NOT NULL CHECK (verdict IN ('right', 'wrong', 'missed')),
    -- Whether the theme was flagged under lexicon_version when labelled.
    flagged         INTEGER NOT NULL CHECK (flagged IN (0, 1)),
    note            TEXT    NOT NULL DEFAULT '',
    author          TEXT    NOT NULL DEFAULT '',
    labelled_ms     INTEGER NOT NULL,
    -- Not a foreign key: an imported label may name a version this
    -- database never scored with.
    lexicon_version TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, theme),
    -- "wrong" is said of a flag, "missed" of a missing one.
    CHECK (verdict = 'right' OR (verdict = 'wrong' AND flagged = 1) OR (verdict = 'missed' AND flagged = 0))
) STRICT, WITHOUT ROWID;
-- For tracker eval and the precision metric: the labels of a version.
CREATE INDEX labels_version ON labels(lexicon_version, theme);
