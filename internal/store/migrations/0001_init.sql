-- Initial schema.
--
-- Times are INTEGER milliseconds since the Unix epoch (UTC) so that window
-- comparisons are plain integer range scans over indexes; 0 means "never".
-- Every table is STRICT so a wrongly typed value is an error, not a silent
-- conversion.

-- Configured feeds and their fetch state. Feeds are never deleted: a feed
-- dropped from the config is marked inactive so its history stays joined.
CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    url                  TEXT    NOT NULL DEFAULT '',
    weight               REAL    NOT NULL DEFAULT 1,
    lang                 TEXT    NOT NULL DEFAULT '',
    country              TEXT    NOT NULL DEFAULT '',
    active               INTEGER NOT NULL DEFAULT 1,
    etag                 TEXT    NOT NULL DEFAULT '',
    last_modified        TEXT    NOT NULL DEFAULT '',
    last_attempt_ms      INTEGER NOT NULL DEFAULT 0,
    last_success_ms      INTEGER NOT NULL DEFAULT 0,
    last_status          TEXT    NOT NULL DEFAULT '',
    last_error_reason    TEXT    NOT NULL DEFAULT '',
    last_error           TEXT    NOT NULL DEFAULT '',
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms      INTEGER NOT NULL DEFAULT 0,
    -- Number of article_sources rows of this feed, kept by the triggers
    -- below so that per-feed figures cost nothing at scrape time.
    articles             INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Articles, each stored once whichever feeds carried it.
CREATE TABLE articles (
    -- AUTOINCREMENT: ids are never reused, because cluster_id keeps naming a
    -- cluster by its first article's id after that article has been pruned;
    -- a reused id would silently join an unrelated new article to it.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT    NOT NULL UNIQUE,
    link          TEXT    NOT NULL DEFAULT '',
    guid          TEXT    NOT NULL DEFAULT '',
    lang          TEXT    NOT NULL DEFAULT '',
    published_ms  INTEGER NOT NULL,
    date_source   TEXT    NOT NULL DEFAULT '',
    first_seen_ms INTEGER NOT NULL,
    -- The near-duplicate cluster ("story"): the id of its first article.
    cluster_id    INTEGER NOT NULL,
    -- Words of title + text, and their MinHash signature (NULL when too
    -- short to compare reliably: such an article is a story of its own).
    -- The LSH buckets over the signatures live in memory (see neardup.go),
    -- rebuilt from this column at startup.
    words         INTEGER NOT NULL DEFAULT 0,
    minhash       BLOB,
    -- Title and text come last: SQLite reads a row's columns in order, and
    -- the clustering lookups, which need the columns above, should not wade
    -- through a long text (and its overflow pages) to reach them.
    title         TEXT    NOT NULL DEFAULT '',
    text          TEXT    NOT NULL DEFAULT ''
) STRICT;
-- The same canonical link is the same article; empty links are not links.
CREATE UNIQUE INDEX articles_link ON articles(link) WHERE link <> '';
CREATE INDEX articles_published ON articles(published_ms);
CREATE INDEX articles_first_seen ON articles(first_seen_ms);
CREATE INDEX articles_cluster ON articles(cluster_id);

-- Which feeds carried which article.
CREATE TABLE article_sources (
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    feed_id       INTEGER NOT NULL REFERENCES feeds(id),
    first_seen_ms INTEGER NOT NULL,
    -- The article's published_ms, copied (it never changes) so that the
    -- per-feed window counts are one index range scan.
    published_ms  INTEGER NOT NULL,
    PRIMARY KEY (article_id, feed_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX article_sources_feed ON article_sources(feed_id);
CREATE INDEX article_sources_window ON article_sources(published_ms, feed_id);

CREATE TRIGGER article_sources_count_insert AFTER INSERT ON article_sources
BEGIN
    UPDATE feeds SET articles = articles + 1 WHERE id = NEW.feed_id;
END;
CREATE TRIGGER article_sources_count_delete AFTER DELETE ON article_sources
BEGIN
    UPDATE feeds SET articles = articles - 1 WHERE id = OLD.feed_id;
END;

-- Stories: one row per cluster, kept up to date on every insert so that the
-- metrics read one row per story instead of grouping articles per scrape.
CREATE TABLE stories (
    cluster_id   INTEGER PRIMARY KEY,
    -- The representative: the cluster's first-inserted remaining article,
    -- whose scores stand for the story.
    rep_id       INTEGER NOT NULL,
    -- Story time: the earliest published_ms among the members.
    published_ms INTEGER NOT NULL,
    -- Story weight: the highest weight among all sources of all members.
    weight       REAL    NOT NULL,
    -- Number of member articles (corroboration).
    articles     INTEGER NOT NULL
) STRICT;
-- Covers the window scans of the metrics (time range, weight, representative).
CREATE INDEX stories_published ON stories(published_ms, weight, rep_id);

-- Lexicon versions that produced stored scores, and the themes each knows
-- (so that the metrics can report a theme with zero stories as 0).
CREATE TABLE lexicon_versions (
    version       TEXT    PRIMARY KEY,
    first_used_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE lexicon_themes (
    version TEXT NOT NULL REFERENCES lexicon_versions(version),
    theme   TEXT NOT NULL,
    PRIMARY KEY (version, theme)
) STRICT, WITHOUT ROWID;

-- One row per article scored under a lexicon version, even when the scorer
-- found nothing: "has it been scored" must not depend on having matches.
CREATE TABLE scorings (
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    lexicon_version TEXT    NOT NULL REFERENCES lexicon_versions(version),
    lang            TEXT    NOT NULL DEFAULT '',
    scored_ms       INTEGER NOT NULL,
    -- The full verdict per theme as JSON (map of theme to
    -- scoring.ThemeScore): scores, flags and the explanation (matched terms
    -- with positions, negatives, rules).
    themes          TEXT    NOT NULL,
    PRIMARY KEY (article_id, lexicon_version)
) STRICT, WITHOUT ROWID;

-- The numbers the aggregates need, one narrow row per theme an article
-- scored above zero on (a theme with score 0 and no flag adds nothing to any
-- sum or count, and most articles touch one theme or none). Kept apart from
-- the explanations so that a window scan reads dense pages.
CREATE TABLE scores (
    article_id      INTEGER NOT NULL,
    lexicon_version TEXT    NOT NULL,
    theme           TEXT    NOT NULL,
    score           REAL    NOT NULL,
    flagged         INTEGER NOT NULL,
    -- The article's published_ms, copied (it never changes) for the
    -- per-feed flagged counts, which scan the flagged rows of a window.
    published_ms    INTEGER NOT NULL,
    PRIMARY KEY (article_id, lexicon_version, theme),
    FOREIGN KEY (article_id, lexicon_version)
        REFERENCES scorings(article_id, lexicon_version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX scores_flagged_window ON scores(lexicon_version, published_ms, theme) WHERE flagged = 1;

CREATE TABLE article_countries (
    article_id      INTEGER NOT NULL,
    lexicon_version TEXT    NOT NULL,
    rank            INTEGER NOT NULL, -- 0 = most salient
    country         TEXT    NOT NULL,
    PRIMARY KEY (article_id, lexicon_version, rank),
    FOREIGN KEY (article_id, lexicon_version)
        REFERENCES scorings(article_id, lexicon_version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX article_countries_country ON article_countries(lexicon_version, country);

CREATE TABLE article_dyads (
    article_id      INTEGER NOT NULL,
    lexicon_version TEXT    NOT NULL,
    dyad            TEXT    NOT NULL, -- "A-B" with A < B
    rank            INTEGER NOT NULL,
    PRIMARY KEY (article_id, lexicon_version, dyad),
    FOREIGN KEY (article_id, lexicon_version)
        REFERENCES scorings(article_id, lexicon_version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX article_dyads_dyad ON article_dyads(lexicon_version, dyad);
