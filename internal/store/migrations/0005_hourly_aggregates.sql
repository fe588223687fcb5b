-- Hourly pre-aggregates of the window metrics (issue 11: a scrape's cost
-- must not grow with history). WindowStats adds the buckets of the whole
-- hours inside a window to the raw rows of its two partial edge hours, so a
-- scrape reads a few hundred bucket rows plus at most about an hour of raw
-- rows, whatever the window length and the number of stored articles.
--
-- A bucket is hour = published_ms / 3600000 (bucketMS in stats_hourly.go).
-- The triggers below keep every bucket equal to the aggregate of the raw rows
-- it covers, inside the transaction that changes them: each trigger adds
-- (or, on delete, subtracts) the contributions its row makes together with
-- the rows already present, so a (story, score, dyad) combination is counted
-- once, by whichever of its rows is written last, and removed by whichever
-- goes first. Pruning, re-scoring (a scoring replaced: its scores and dyads
-- are deleted by cascade, then inserted again) and story changes all go
-- through them. Columns n count the raw rows a bucket sums, so that a key
-- whose rows all went away is known to be empty.

-- Every stored article by publication hour (tracker_articles).
CREATE TABLE hourly_articles (
    hour     INTEGER PRIMARY KEY,
    articles INTEGER NOT NULL
) STRICT;

-- Stories by story hour (tracker_stories, tracker_stories_weighted).
CREATE TABLE hourly_stories (
    hour    INTEGER PRIMARY KEY,
    stories INTEGER NOT NULL,
    weight  REAL    NOT NULL
) STRICT;

-- Stories by the representative's score per theme, per lexicon version: a
-- re-scoring writes a new version while the old one is still exported.
CREATE TABLE hourly_themes (
    lexicon_version TEXT    NOT NULL,
    hour            INTEGER NOT NULL,
    theme           TEXT    NOT NULL,
    n               INTEGER NOT NULL,
    flagged         INTEGER NOT NULL,
    flagged_weight  REAL    NOT NULL,
    score           REAL    NOT NULL,
    PRIMARY KEY (lexicon_version, hour, theme)
) STRICT, WITHOUT ROWID;

-- Stories whose representative names the dyad.
CREATE TABLE hourly_dyads (
    lexicon_version TEXT    NOT NULL,
    hour            INTEGER NOT NULL,
    dyad            TEXT    NOT NULL,
    stories         INTEGER NOT NULL,
    weight          REAL    NOT NULL,
    PRIMARY KEY (lexicon_version, hour, dyad)
) STRICT, WITHOUT ROWID;

-- The same, per theme of the representative's score.
CREATE TABLE hourly_dyad_themes (
    lexicon_version TEXT    NOT NULL,
    hour            INTEGER NOT NULL,
    dyad            TEXT    NOT NULL,
    theme           TEXT    NOT NULL,
    n               INTEGER NOT NULL,
    flagged         INTEGER NOT NULL,
    flagged_weight  REAL    NOT NULL,
    score           REAL    NOT NULL,
    PRIMARY KEY (lexicon_version, hour, dyad, theme)
) STRICT, WITHOUT ROWID;

-- Articles each feed carried (tracker_feed_window_articles).
CREATE TABLE hourly_feeds (
    hour     INTEGER NOT NULL,
    feed_id  INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (hour, feed_id)
) STRICT, WITHOUT ROWID;

-- Flagged articles each feed carried, by each article's own score.
CREATE TABLE hourly_feed_themes (
    lexicon_version TEXT    NOT NULL,
    hour            INTEGER NOT NULL,
    feed_id         INTEGER NOT NULL,
    theme           TEXT    NOT NULL,
    flagged         INTEGER NOT NULL,
    PRIMARY KEY (lexicon_version, hour, feed_id, theme)
) STRICT, WITHOUT ROWID;

-- The score and dyad triggers find the story an article represents.
CREATE INDEX stories_rep ON stories(rep_id);

-- Build the buckets of an existing database.
INSERT INTO hourly_articles(hour, articles)
    SELECT published_ms / 3600000, COUNT(*) FROM articles GROUP BY 1;
INSERT INTO hourly_stories(hour, stories, weight)
    SELECT published_ms / 3600000, COUNT(*), TOTAL(weight) FROM stories GROUP BY 1;
INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
    SELECT sc.lexicon_version, st.published_ms / 3600000, sc.theme, COUNT(*), SUM(sc.flagged),
        TOTAL(CASE WHEN sc.flagged THEN st.weight END), TOTAL(sc.score)
    FROM stories st JOIN scores sc ON sc.article_id = st.rep_id GROUP BY 1, 2, 3;
INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
    SELECT d.lexicon_version, st.published_ms / 3600000, d.dyad, COUNT(*), TOTAL(st.weight)
    FROM stories st JOIN article_dyads d ON d.article_id = st.rep_id GROUP BY 1, 2, 3;
INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
    SELECT d.lexicon_version, st.published_ms / 3600000, d.dyad, sc.theme, COUNT(*), SUM(sc.flagged),
        TOTAL(CASE WHEN sc.flagged THEN st.weight END), TOTAL(sc.score)
    FROM stories st JOIN article_dyads d ON d.article_id = st.rep_id
    JOIN scores sc ON sc.article_id = d.article_id AND sc.lexicon_version = d.lexicon_version
    GROUP BY 1, 2, 3, 4;
INSERT INTO hourly_feeds(hour, feed_id, articles)
    SELECT published_ms / 3600000, feed_id, COUNT(*) FROM article_sources GROUP BY 1, 2;
INSERT INTO hourly_feed_themes(lexicon_version, hour, feed_id, theme, flagged)
    SELECT sc.lexicon_version, sc.published_ms / 3600000, s.feed_id, sc.theme, COUNT(*)
    FROM scores sc JOIN article_sources s ON s.article_id = sc.article_id
    WHERE sc.flagged = 1 GROUP BY 1, 2, 3, 4;

-- articles --------------------------------------------------------------
-- The bucketed columns of these rows never change once written (a scoring
-- is replaced by deleting and inserting it): fail loudly rather than drift.
CREATE TRIGGER articles_hourly_insert AFTER INSERT ON articles BEGIN
    INSERT INTO hourly_articles(hour, articles) VALUES (NEW.published_ms / 3600000, 1)
        ON CONFLICT(hour) DO UPDATE SET articles = articles + excluded.articles;
END;
CREATE TRIGGER articles_hourly_delete AFTER DELETE ON articles BEGIN
    INSERT INTO hourly_articles(hour, articles) VALUES (OLD.published_ms / 3600000, -1)
        ON CONFLICT(hour) DO UPDATE SET articles = articles + excluded.articles;
END;
CREATE TRIGGER articles_hourly_fixed BEFORE UPDATE ON articles
    WHEN NEW.published_ms IS NOT OLD.published_ms BEGIN
    SELECT RAISE(ABORT, 'articles: published_ms are written once (the hourly aggregates assume it)');
END;
-- article_sources -------------------------------------------------------
CREATE TRIGGER sources_hourly_insert AFTER INSERT ON article_sources BEGIN
    INSERT INTO hourly_feeds(hour, feed_id, articles) VALUES (NEW.published_ms / 3600000, NEW.feed_id, 1)
        ON CONFLICT(hour, feed_id) DO UPDATE SET articles = articles + excluded.articles;
    INSERT INTO hourly_feed_themes(lexicon_version, hour, feed_id, theme, flagged)
        SELECT sc.lexicon_version, sc.published_ms / 3600000, NEW.feed_id, sc.theme, 1
        FROM scores sc WHERE sc.article_id = NEW.article_id AND sc.flagged = 1
        ON CONFLICT(lexicon_version, hour, feed_id, theme) DO UPDATE SET flagged = flagged + excluded.flagged;
END;
CREATE TRIGGER sources_hourly_delete AFTER DELETE ON article_sources BEGIN
    INSERT INTO hourly_feeds(hour, feed_id, articles) VALUES (OLD.published_ms / 3600000, OLD.feed_id, -1)
        ON CONFLICT(hour, feed_id) DO UPDATE SET articles = articles + excluded.articles;
    INSERT INTO hourly_feed_themes(lexicon_version, hour, feed_id, theme, flagged)
        SELECT sc.lexicon_version, sc.published_ms / 3600000, OLD.feed_id, sc.theme, -1
        FROM scores sc WHERE sc.article_id = OLD.article_id AND sc.flagged = 1
        ON CONFLICT(lexicon_version, hour, feed_id, theme) DO UPDATE SET flagged = flagged + excluded.flagged;
END;
CREATE TRIGGER sources_hourly_fixed BEFORE UPDATE ON article_sources
    WHEN NEW.article_id IS NOT OLD.article_id OR NEW.feed_id IS NOT OLD.feed_id OR NEW.published_ms IS NOT OLD.published_ms BEGIN
    SELECT RAISE(ABORT, 'article_sources: article_id, feed_id, published_ms are written once (the hourly aggregates assume it)');
END;
-- scores ----------------------------------------------------------------
CREATE TRIGGER scores_hourly_insert AFTER INSERT ON scores BEGIN
    INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
        SELECT NEW.lexicon_version, st.published_ms / 3600000, NEW.theme, 1, NEW.flagged,
            CASE WHEN NEW.flagged THEN st.weight ELSE 0.0 END, NEW.score
        FROM stories st WHERE st.rep_id = NEW.article_id
        ON CONFLICT(lexicon_version, hour, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT NEW.lexicon_version, st.published_ms / 3600000, d.dyad, NEW.theme, 1, NEW.flagged,
            CASE WHEN NEW.flagged THEN st.weight ELSE 0.0 END, NEW.score
        FROM stories st JOIN article_dyads d ON d.article_id = NEW.article_id AND d.lexicon_version = NEW.lexicon_version
        WHERE st.rep_id = NEW.article_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_feed_themes(lexicon_version, hour, feed_id, theme, flagged)
        SELECT NEW.lexicon_version, NEW.published_ms / 3600000, s.feed_id, NEW.theme, 1
        FROM article_sources s WHERE s.article_id = NEW.article_id AND NEW.flagged = 1
        ON CONFLICT(lexicon_version, hour, feed_id, theme) DO UPDATE SET flagged = flagged + excluded.flagged;
END;
CREATE TRIGGER scores_hourly_delete AFTER DELETE ON scores BEGIN
    INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
        SELECT OLD.lexicon_version, st.published_ms / 3600000, OLD.theme, -1, -OLD.flagged,
            CASE WHEN OLD.flagged THEN -st.weight ELSE 0.0 END, -OLD.score
        FROM stories st WHERE st.rep_id = OLD.article_id
        ON CONFLICT(lexicon_version, hour, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT OLD.lexicon_version, st.published_ms / 3600000, d.dyad, OLD.theme, -1, -OLD.flagged,
            CASE WHEN OLD.flagged THEN -st.weight ELSE 0.0 END, -OLD.score
        FROM stories st JOIN article_dyads d ON d.article_id = OLD.article_id AND d.lexicon_version = OLD.lexicon_version
        WHERE st.rep_id = OLD.article_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_feed_themes(lexicon_version, hour, feed_id, theme, flagged)
        SELECT OLD.lexicon_version, OLD.published_ms / 3600000, s.feed_id, OLD.theme, -1
        FROM article_sources s WHERE s.article_id = OLD.article_id AND OLD.flagged = 1
        ON CONFLICT(lexicon_version, hour, feed_id, theme) DO UPDATE SET flagged = flagged + excluded.flagged;
END;
CREATE TRIGGER scores_hourly_fixed BEFORE UPDATE ON scores
    WHEN NEW.article_id IS NOT OLD.article_id OR NEW.lexicon_version IS NOT OLD.lexicon_version OR NEW.theme IS NOT OLD.theme OR NEW.score IS NOT OLD.score OR NEW.flagged IS NOT OLD.flagged OR NEW.published_ms IS NOT OLD.published_ms BEGIN
    SELECT RAISE(ABORT, 'scores: article_id, lexicon_version, theme, score, flagged, published_ms are written once (the hourly aggregates assume it)');
END;
-- article_dyads ---------------------------------------------------------
CREATE TRIGGER dyads_hourly_insert AFTER INSERT ON article_dyads BEGIN
    INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
        SELECT NEW.lexicon_version, st.published_ms / 3600000, NEW.dyad, 1, st.weight
        FROM stories st WHERE st.rep_id = NEW.article_id
        ON CONFLICT(lexicon_version, hour, dyad) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT NEW.lexicon_version, st.published_ms / 3600000, NEW.dyad, sc.theme, 1, sc.flagged,
            CASE WHEN sc.flagged THEN st.weight ELSE 0.0 END, sc.score
        FROM stories st JOIN scores sc ON sc.article_id = NEW.article_id AND sc.lexicon_version = NEW.lexicon_version
        WHERE st.rep_id = NEW.article_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
END;
CREATE TRIGGER dyads_hourly_delete AFTER DELETE ON article_dyads BEGIN
    INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
        SELECT OLD.lexicon_version, st.published_ms / 3600000, OLD.dyad, -1, -st.weight
        FROM stories st WHERE st.rep_id = OLD.article_id
        ON CONFLICT(lexicon_version, hour, dyad) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT OLD.lexicon_version, st.published_ms / 3600000, OLD.dyad, sc.theme, -1, -sc.flagged,
            CASE WHEN sc.flagged THEN -st.weight ELSE 0.0 END, -sc.score
        FROM stories st JOIN scores sc ON sc.article_id = OLD.article_id AND sc.lexicon_version = OLD.lexicon_version
        WHERE st.rep_id = OLD.article_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
END;
CREATE TRIGGER dyads_hourly_fixed BEFORE UPDATE ON article_dyads
    WHEN NEW.article_id IS NOT OLD.article_id OR NEW.lexicon_version IS NOT OLD.lexicon_version OR NEW.dyad IS NOT OLD.dyad BEGIN
    SELECT RAISE(ABORT, 'article_dyads: article_id, lexicon_version, dyad are written once (the hourly aggregates assume it)');
END;
-- stories --------------------------------------------------------------
-- Stories change in place (a member joins, a weight rises, pruning moves the
-- representative): an update moves the old row's contributions to the new.
CREATE TRIGGER stories_hourly_insert AFTER INSERT ON stories BEGIN
    INSERT INTO hourly_stories(hour, stories, weight) VALUES (NEW.published_ms / 3600000, 1, NEW.weight)
        ON CONFLICT(hour) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
        SELECT sc.lexicon_version, NEW.published_ms / 3600000, sc.theme, 1, sc.flagged,
            CASE WHEN sc.flagged THEN NEW.weight ELSE 0.0 END, sc.score
        FROM scores sc WHERE sc.article_id = NEW.rep_id
        ON CONFLICT(lexicon_version, hour, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
        SELECT d.lexicon_version, NEW.published_ms / 3600000, d.dyad, 1, NEW.weight
        FROM article_dyads d WHERE d.article_id = NEW.rep_id
        ON CONFLICT(lexicon_version, hour, dyad) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT d.lexicon_version, NEW.published_ms / 3600000, d.dyad, sc.theme, 1, sc.flagged,
            CASE WHEN sc.flagged THEN NEW.weight ELSE 0.0 END, sc.score
        FROM article_dyads d JOIN scores sc ON sc.article_id = d.article_id AND sc.lexicon_version = d.lexicon_version
        WHERE d.article_id = NEW.rep_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
END;
CREATE TRIGGER stories_hourly_delete AFTER DELETE ON stories BEGIN
    INSERT INTO hourly_stories(hour, stories, weight) VALUES (OLD.published_ms / 3600000, -1, -OLD.weight)
        ON CONFLICT(hour) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
        SELECT sc.lexicon_version, OLD.published_ms / 3600000, sc.theme, -1, -sc.flagged,
            CASE WHEN sc.flagged THEN -OLD.weight ELSE 0.0 END, -sc.score
        FROM scores sc WHERE sc.article_id = OLD.rep_id
        ON CONFLICT(lexicon_version, hour, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
        SELECT d.lexicon_version, OLD.published_ms / 3600000, d.dyad, -1, -OLD.weight
        FROM article_dyads d WHERE d.article_id = OLD.rep_id
        ON CONFLICT(lexicon_version, hour, dyad) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT d.lexicon_version, OLD.published_ms / 3600000, d.dyad, sc.theme, -1, -sc.flagged,
            CASE WHEN sc.flagged THEN -OLD.weight ELSE 0.0 END, -sc.score
        FROM article_dyads d JOIN scores sc ON sc.article_id = d.article_id AND sc.lexicon_version = d.lexicon_version
        WHERE d.article_id = OLD.rep_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
END;
CREATE TRIGGER stories_hourly_update AFTER UPDATE OF published_ms, weight, rep_id ON stories
    WHEN NEW.published_ms IS NOT OLD.published_ms OR NEW.weight IS NOT OLD.weight OR NEW.rep_id IS NOT OLD.rep_id BEGIN
    INSERT INTO hourly_stories(hour, stories, weight) VALUES (OLD.published_ms / 3600000, -1, -OLD.weight)
        ON CONFLICT(hour) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
        SELECT sc.lexicon_version, OLD.published_ms / 3600000, sc.theme, -1, -sc.flagged,
            CASE WHEN sc.flagged THEN -OLD.weight ELSE 0.0 END, -sc.score
        FROM scores sc WHERE sc.article_id = OLD.rep_id
        ON CONFLICT(lexicon_version, hour, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
        SELECT d.lexicon_version, OLD.published_ms / 3600000, d.dyad, -1, -OLD.weight
        FROM article_dyads d WHERE d.article_id = OLD.rep_id
        ON CONFLICT(lexicon_version, hour, dyad) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT d.lexicon_version, OLD.published_ms / 3600000, d.dyad, sc.theme, -1, -sc.flagged,
            CASE WHEN sc.flagged THEN -OLD.weight ELSE 0.0 END, -sc.score
        FROM article_dyads d JOIN scores sc ON sc.article_id = d.article_id AND sc.lexicon_version = d.lexicon_version
        WHERE d.article_id = OLD.rep_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_stories(hour, stories, weight) VALUES (NEW.published_ms / 3600000, 1, NEW.weight)
        ON CONFLICT(hour) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_themes(lexicon_version, hour, theme, n, flagged, flagged_weight, score)
        SELECT sc.lexicon_version, NEW.published_ms / 3600000, sc.theme, 1, sc.flagged,
            CASE WHEN sc.flagged THEN NEW.weight ELSE 0.0 END, sc.score
        FROM scores sc WHERE sc.article_id = NEW.rep_id
        ON CONFLICT(lexicon_version, hour, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
    INSERT INTO hourly_dyads(lexicon_version, hour, dyad, stories, weight)
        SELECT d.lexicon_version, NEW.published_ms / 3600000, d.dyad, 1, NEW.weight
        FROM article_dyads d WHERE d.article_id = NEW.rep_id
        ON CONFLICT(lexicon_version, hour, dyad) DO UPDATE SET stories = stories + excluded.stories, weight = weight + excluded.weight;
    INSERT INTO hourly_dyad_themes(lexicon_version, hour, dyad, theme, n, flagged, flagged_weight, score)
        SELECT d.lexicon_version, NEW.published_ms / 3600000, d.dyad, sc.theme, 1, sc.flagged,
            CASE WHEN sc.flagged THEN NEW.weight ELSE 0.0 END, sc.score
        FROM article_dyads d JOIN scores sc ON sc.article_id = d.article_id AND sc.lexicon_version = d.lexicon_version
        WHERE d.article_id = NEW.rep_id
        ON CONFLICT(lexicon_version, hour, dyad, theme) DO UPDATE SET n = n + excluded.n, flagged = flagged + excluded.flagged,
            flagged_weight = flagged_weight + excluded.flagged_weight, score = score + excluded.score;
END;
