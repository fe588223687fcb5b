-- tracker:foreign_keys=off
-- Compact storage (issue 11). Runs with foreign keys off, because it
-- rebuilds scorings, the parent of scores, article_countries and
-- article_dyads: with them on, dropping the old table would delete its
-- children. The runner checks every foreign key before committing.
--
-- 1. The near-duplicate column holds a 128-byte fingerprint (LSH band keys
--    and a byte of each MinHash value, package neardup) instead of the
--    256-byte signature; the Go step of this migration converts it.
ALTER TABLE articles RENAME COLUMN minhash TO lsh;

-- 2. Explanations in a compact binary form (explanation.go), about 330
--    bytes instead of 1.5 kB of JSON, in a rowid table: in a WITHOUT ROWID
--    table each of those JSON rows spilled to overflow pages of their own.
--    The Go step copies the rows over, re-encoding them, then replaces the
--    old table with this one.
CREATE TABLE scorings_v3 (
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    lexicon_version TEXT    NOT NULL REFERENCES lexicon_versions(version),
    lang            TEXT    NOT NULL DEFAULT '',
    scored_ms       INTEGER NOT NULL,
    -- The full verdict per theme (scores, flags, matched terms with
    -- positions, negatives, rules) in the stored form of explanation.go.
    explanation     BLOB    NOT NULL,
    PRIMARY KEY (article_id, lexicon_version)
) STRICT;
