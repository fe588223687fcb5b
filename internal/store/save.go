package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
)

// Fetch statuses of a FetchOutcome.
const (
	StatusOK          = "ok"
	StatusNotModified = "not_modified"
	StatusError       = "error"
)

// NewArticle is an article from a fetch with its score. A zero Score (empty
// LexiconVersion) means "not scored": the pipeline skips scoring articles
// Known already reports, and an unscored new article is picked up later by
// ArticlesNeedingScore.
type NewArticle struct {
	Item  feeds.Item
	Score scoring.Result
}

// FetchOutcome is everything one fetch of one feed produced.
type FetchOutcome struct {
	Feed   string
	At     time.Time
	Status string // StatusOK, StatusNotModified or StatusError
	// ETag and LastModified are the response's validators. On StatusOK they
	// replace the stored ones (empty clears them); on StatusNotModified an
	// empty value keeps the stored one; on StatusError they are ignored.
	ETag, LastModified string
	// ErrorReason (a short class such as "timeout") and Error, on StatusError.
	ErrorReason, Error string
	// NextAttempt is the earliest time to fetch again, computed by the caller.
	NextAttempt time.Time
	// Articles are the fetched articles, on StatusOK only.
	Articles []NewArticle
}

// SaveResult counts what SaveFetch did with the articles.
type SaveResult struct {
	// New is the number of articles inserted.
	New int
	// Seen is the number of articles that were already stored (from this or
	// another feed); it includes those newly linked to this feed as a source.
	Seen int
}

// SaveFetch commits, in one immediate transaction, the feed's new fetch state
// and its articles: new ones with their scores, countries, dyads, source and
// cluster; known ones (same Key, or same non-empty Link) only gain this feed
// as a source. If anything fails, nothing of the outcome is stored; the
// unique key and link indexes make a second copy of an article impossible
// even across processes.
func (db *DB) SaveFetch(ctx context.Context, o FetchOutcome) (SaveResult, error) {
	var res SaveResult
	if err := o.validate(); err != nil {
		return res, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
	}
	// Held until the new articles are in the LSH index, so that the next
	// fetch's transaction sees them there as soon as it sees them in SQLite.
	db.saveMu.Lock()
	defer db.saveMu.Unlock()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("save fetch of %s: begin: %w", o.Feed, err)
	}
	defer rollback(tx)

	var (
		feedID int64
		weight float64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, weight FROM feeds WHERE name = ?`, o.Feed).Scan(&feedID, &weight)
	if errors.Is(err, sql.ErrNoRows) {
		return res, fmt.Errorf("save fetch: feed %q: %w", o.Feed, ErrNotFound)
	}
	if err != nil {
		return res, fmt.Errorf("save fetch of %s: read feed: %w", o.Feed, err)
	}
	if err := updateFeedState(ctx, tx, feedID, o); err != nil {
		return res, fmt.Errorf("save fetch of %s: update state: %w", o.Feed, err)
	}

	var w *articleWriter
	if len(o.Articles) > 0 {
		w = &articleWriter{tx: tx, stmts: map[string]*sql.Stmt{}, feedID: feedID, weight: weight, at: o.At,
			recorded: map[string]bool{}, lsh: db.lsh}
		defer w.close()
		for i, a := range o.Articles {
			isNew, err := w.save(ctx, a)
			if err != nil {
				return SaveResult{}, fmt.Errorf("save fetch of %s: article %q: %w", o.Feed, a.Item.Key, err)
			}
			if isNew {
				res.New++
			} else {
				res.Seen++
			}
			if db.afterArticle != nil {
				if err := db.afterArticle(i); err != nil {
					return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return SaveResult{}, fmt.Errorf("save fetch of %s: commit: %w", o.Feed, err)
	}
	if w != nil {
		for _, a := range w.pending {
			db.lsh.add(a)
		}
	}
	return res, nil
}

func (o *FetchOutcome) validate() error {
	if o.Feed == "" {
		return errors.New("no feed name")
	}
	if o.At.IsZero() {
		return errors.New("no fetch time")
	}
	switch o.Status {
	case StatusOK:
	case StatusNotModified, StatusError:
		if len(o.Articles) > 0 {
			return fmt.Errorf("status %q carries %d articles", o.Status, len(o.Articles))
		}
	default:
		return fmt.Errorf("unknown status %q", o.Status)
	}
	for _, a := range o.Articles {
		if a.Item.Key == "" {
			return fmt.Errorf("article %q has no key", a.Item.Link)
		}
		if err := validateResult(a.Score); err != nil {
			return fmt.Errorf("article %q: %w", a.Item.Key, err)
		}
	}
	return nil
}

// validateResult rejects scores SQLite would silently mangle (NaN becomes
// NULL) or that break the [0,1] contract.
func validateResult(r scoring.Result) error {
	if r.LexiconVersion == "" {
		if len(r.Themes) > 0 || len(r.Countries) > 0 || len(r.Dyads) > 0 {
			return errors.New("score without lexicon version")
		}
		return nil
	}
	for theme, ts := range r.Themes {
		if theme == "" {
			return errors.New("score with an empty theme name")
		}
		if math.IsNaN(ts.Score) || ts.Score < 0 || ts.Score > 1 {
			return fmt.Errorf("theme %s: score %v outside [0,1]", theme, ts.Score)
		}
	}
	return nil
}

func updateFeedState(ctx context.Context, tx *sql.Tx, feedID int64, o FetchOutcome) error {
	var err error
	at, next := ms(o.At), ms(o.NextAttempt)
	switch o.Status {
	case StatusOK:
		_, err = tx.ExecContext(ctx, `UPDATE feeds SET etag = ?, last_modified = ?,
			last_attempt_ms = ?, last_success_ms = ?, last_status = ?, last_error_reason = '', last_error = '',
			consecutive_failures = 0, next_attempt_ms = ? WHERE id = ?`,
			o.ETag, o.LastModified, at, at, o.Status, next, feedID)
	case StatusNotModified:
		_, err = tx.ExecContext(ctx, `UPDATE feeds SET
			etag = CASE WHEN ?1 = '' THEN etag ELSE ?1 END,
			last_modified = CASE WHEN ?2 = '' THEN last_modified ELSE ?2 END,
			last_attempt_ms = ?3, last_success_ms = ?3, last_status = ?4, last_error_reason = '', last_error = '',
			consecutive_failures = 0, next_attempt_ms = ?5 WHERE id = ?6`,
			o.ETag, o.LastModified, at, o.Status, next, feedID)
	case StatusError:
		_, err = tx.ExecContext(ctx, `UPDATE feeds SET last_attempt_ms = ?, last_status = ?,
			last_error_reason = ?, last_error = ?, consecutive_failures = consecutive_failures + 1,
			next_attempt_ms = ? WHERE id = ?`,
			at, o.Status, o.ErrorReason, o.Error, next, feedID)
	}
	return err
}

// articleWriter writes the articles of one SaveFetch, preparing each
// statement once per transaction.
type articleWriter struct {
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
	feedID int64
	weight float64
	at     time.Time
	// recorded holds the lexicon versions and themes already recorded in
	// this transaction, to skip re-inserting them for every article.
	recorded map[string]bool
	// lsh is the index of committed articles; pending holds the articles of
	// this transaction, which join the index only once it commits.
	lsh     *lshIndex
	pending []lshArticle
}

func (w *articleWriter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	s, err := w.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = s
	return s, nil
}

func (w *articleWriter) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (w *articleWriter) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// save stores one article, or links the stored copy to this feed, and
// reports whether it was new.
func (w *articleWriter) save(ctx context.Context, a NewArticle) (bool, error) {
	st, found, err := w.lookup(ctx, a.Item)
	if err != nil {
		return false, err
	}
	if found {
		return false, w.addSource(ctx, st, a)
	}
	return true, w.insert(ctx, a)
}

// storedRef is what SaveFetch needs of an already stored article.
type storedRef struct {
	id, cluster, published int64
}

// lookup finds a stored article with the item's key, else with its
// non-empty link.
func (w *articleWriter) lookup(ctx context.Context, it feeds.Item) (st storedRef, found bool, err error) {
	// A key match wins over a link match should they name different articles.
	s, err := w.stmt(ctx, `SELECT id, cluster_id, published_ms, 0 AS pref FROM articles WHERE key = ?1
		UNION ALL SELECT id, cluster_id, published_ms, 1 FROM articles WHERE link = ?2 AND link <> ''
		ORDER BY pref LIMIT 1`)
	if err != nil {
		return st, false, err
	}
	var pref int
	err = s.QueryRowContext(ctx, it.Key, it.Link).Scan(&st.id, &st.cluster, &st.published, &pref)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	return st, err == nil, err
}

// addSource links a stored article to this feed (idempotent) and, when the
// article was not yet scored under the given lexicon version, stores the score.
func (w *articleWriter) addSource(ctx context.Context, st storedRef, a NewArticle) error {
	r, err := w.exec(ctx, `INSERT OR IGNORE INTO article_sources(article_id, feed_id, first_seen_ms, published_ms)
		VALUES (?, ?, ?, ?)`, st.id, w.feedID, ms(w.at), st.published)
	if err != nil {
		return fmt.Errorf("link source: %w", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		if _, err := w.exec(ctx, `UPDATE stories SET weight = MAX(weight, ?) WHERE cluster_id = ?`, w.weight, st.cluster); err != nil {
			return fmt.Errorf("update story: %w", err)
		}
	}
	if a.Score.LexiconVersion == "" {
		return nil
	}
	var scored int
	s, err := w.stmt(ctx, `SELECT COUNT(*) FROM scorings WHERE article_id = ? AND lexicon_version = ?`)
	if err != nil {
		return err
	}
	if err := s.QueryRowContext(ctx, st.id, a.Score.LexiconVersion).Scan(&scored); err != nil {
		return fmt.Errorf("read scoring: %w", err)
	}
	if scored > 0 {
		return nil
	}
	return writeScore(ctx, w.exec, w.recorded, st.id, st.published, a.Score, w.at)
}

// insert stores a new article with its source, score and cluster.
func (w *articleWriter) insert(ctx context.Context, a NewArticle) error {
	it := a.Item
	published := it.Published
	if published.IsZero() {
		published = w.at
	}
	lang := it.Lang
	if lang == "" {
		lang = a.Score.Lang
	}
	sig, words, comparable := signatureOf(it.Title + " " + it.Text)
	var blob []byte
	if comparable {
		blob = sig.bytes()
	}

	// Find the cluster before inserting, so the article cannot match itself.
	cluster := int64(0)
	if comparable {
		var err error
		if cluster, err = w.nearest(ctx, &sig, ms(published)); err != nil {
			return fmt.Errorf("find cluster: %w", err)
		}
	}

	r, err := w.exec(ctx, `INSERT INTO articles(key, link, guid, title, text, lang, published_ms, date_source,
		first_seen_ms, words, minhash, cluster_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Key, it.Link, it.GUID, it.Title, it.Text, lang, ms(published), string(it.DateSource),
		ms(w.at), words, blob, cluster)
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if _, err := w.exec(ctx, `INSERT INTO article_sources(article_id, feed_id, first_seen_ms, published_ms) VALUES (?, ?, ?, ?)`,
		id, w.feedID, ms(w.at), ms(published)); err != nil {
		return fmt.Errorf("insert source: %w", err)
	}
	if cluster == 0 {
		// A story of its own, named after its first article.
		cluster = id
		if _, err := w.exec(ctx, `UPDATE articles SET cluster_id = ? WHERE id = ?`, id, id); err != nil {
			return fmt.Errorf("set cluster: %w", err)
		}
		if _, err := w.exec(ctx, `INSERT INTO stories(cluster_id, rep_id, published_ms, weight, articles)
			VALUES (?, ?, ?, ?, 1)`, id, id, ms(published), w.weight); err != nil {
			return fmt.Errorf("insert story: %w", err)
		}
	} else {
		r, err := w.exec(ctx, `UPDATE stories SET published_ms = MIN(published_ms, ?), weight = MAX(weight, ?),
			articles = articles + 1 WHERE cluster_id = ?`, ms(published), w.weight, cluster)
		if err != nil {
			return fmt.Errorf("update story: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			// Cannot happen while stories is kept in step with articles;
			// rebuild the row rather than refuse the feed's articles forever.
			if err := refreshStories(ctx, w.tx, map[int64]bool{cluster: true}); err != nil {
				return err
			}
		}
	}
	if comparable {
		w.pending = append(w.pending, lshArticle{id: id, published: ms(published), keys: sig.bandKeys()})
	}
	if a.Score.LexiconVersion != "" {
		if err := writeScore(ctx, w.exec, w.recorded, id, ms(published), a.Score, w.at); err != nil {
			return err
		}
	}
	return nil
}

// nearest returns the cluster of the most similar stored article published
// within clusterWindow of published, or 0 when none is similar enough.
func (w *articleWriter) nearest(ctx context.Context, sig *signature, published int64) (int64, error) {
	keys := sig.bandKeys()
	lo, hi := published-clusterWindow, published+clusterWindow
	ids := w.lsh.candidates(&keys, lo, hi)
	for _, a := range w.pending {
		if a.published < lo || a.published > hi {
			continue
		}
		for band := range keys {
			if a.keys[band] == keys[band] {
				ids = append(ids, a.id)
				break
			}
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	s, err := w.stmt(ctx, `SELECT cluster_id, minhash FROM articles WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	var (
		best    int64
		bestID  int64
		bestSim = minJaccard
	)
	for _, id := range ids {
		var (
			cluster int64
			blob    []byte
		)
		err := s.QueryRowContext(ctx, id).Scan(&cluster, &blob)
		if errors.Is(err, sql.ErrNoRows) {
			continue // pruned since it was indexed
		}
		if err != nil {
			return 0, err
		}
		other, err := signatureFromBytes(blob)
		if err != nil {
			return 0, fmt.Errorf("article %d: %w", id, err)
		}
		// Highest similarity wins; among equals the oldest article, so the
		// choice does not depend on the order of the candidates.
		if sim := sig.jaccard(&other); sim > bestSim || sim == bestSim && (best == 0 || id < bestID) {
			best, bestID, bestSim = cluster, id, sim
		}
	}
	return best, nil
}

// execFunc runs a statement in the current transaction.
type execFunc func(ctx context.Context, query string, args ...any) (sql.Result, error)

// writeScore stores the scoring of article id (published at published, ms)
// with its themes, countries and dyads, and records the lexicon version and
// its themes (once per transaction: recorded remembers them). The caller makes sure no scoring exists yet for the
// article and version.
func writeScore(ctx context.Context, exec execFunc, recorded map[string]bool, id, published int64, r scoring.Result, at time.Time) error {
	v := r.LexiconVersion
	if !recorded[v] {
		if _, err := exec(ctx, `INSERT OR IGNORE INTO lexicon_versions(version, first_used_ms) VALUES (?, ?)`, v, ms(at)); err != nil {
			return fmt.Errorf("record lexicon version: %w", err)
		}
		recorded[v] = true
	}
	themes, err := json.Marshal(r.Themes)
	if err != nil {
		return fmt.Errorf("encode explanation: %w", err)
	}
	if _, err := exec(ctx, `INSERT INTO scorings(article_id, lexicon_version, lang, scored_ms, themes) VALUES (?, ?, ?, ?, ?)`,
		id, v, r.Lang, ms(at), string(themes)); err != nil {
		return fmt.Errorf("insert scoring: %w", err)
	}
	for theme, ts := range r.Themes {
		if vt := v + "\x00" + theme; !recorded[vt] {
			if _, err := exec(ctx, `INSERT OR IGNORE INTO lexicon_themes(version, theme) VALUES (?, ?)`, v, theme); err != nil {
				return fmt.Errorf("record theme: %w", err)
			}
			recorded[vt] = true
		}
		if ts.Score == 0 && !ts.Flagged {
			continue
		}
		if _, err := exec(ctx, `INSERT INTO scores(article_id, lexicon_version, theme, score, flagged, published_ms)
			VALUES (?, ?, ?, ?, ?, ?)`, id, v, theme, ts.Score, ts.Flagged, published); err != nil {
			return fmt.Errorf("insert %s score: %w", theme, err)
		}
	}
	for rank, c := range r.Countries {
		if _, err := exec(ctx, `INSERT INTO article_countries(article_id, lexicon_version, rank, country)
			VALUES (?, ?, ?, ?)`, id, v, rank, c); err != nil {
			return fmt.Errorf("insert country: %w", err)
		}
	}
	for rank, d := range r.Dyads {
		if _, err := exec(ctx, `INSERT OR IGNORE INTO article_dyads(article_id, lexicon_version, dyad, rank)
			VALUES (?, ?, ?, ?)`, id, v, normDyad(d).String(), rank); err != nil {
			return fmt.Errorf("insert dyad: %w", err)
		}
	}
	return nil
}

// normDyad orders a dyad's countries, since a dyad is unordered.
func normDyad(d scoring.Dyad) scoring.Dyad {
	if d.B < d.A {
		d.A, d.B = d.B, d.A
	}
	return d
}

// Known reports, by Item.Key, which items are already stored under their
// key or their non-empty link, so that the pipeline can skip scoring them.
// Items not stored are absent from the map.
func (db *DB) Known(ctx context.Context, items []feeds.Item) (map[string]bool, error) {
	known := make(map[string]bool)
	const chunk = 200
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		keys := make([]any, 0, len(part))
		links := make([]any, 0, len(part))
		for _, it := range part {
			keys = append(keys, it.Key)
			if it.Link != "" {
				links = append(links, it.Link)
			}
		}
		q := `SELECT key, link FROM articles WHERE key IN (` + placeholders(len(keys)) + `)`
		if len(links) > 0 {
			q += ` UNION ALL SELECT key, link FROM articles WHERE link <> '' AND link IN (` + placeholders(len(links)) + `)`
		}
		rows, err := db.r.QueryContext(ctx, q, append(keys, links...)...)
		if err != nil {
			return nil, fmt.Errorf("look up known articles: %w", err)
		}
		storedKeys, storedLinks := map[string]bool{}, map[string]bool{}
		for rows.Next() {
			var k, l string
			if err := rows.Scan(&k, &l); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up known articles: %w", err)
			}
			storedKeys[k] = true
			if l != "" {
				storedLinks[l] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up known articles: %w", err)
		}
		for _, it := range part {
			if storedKeys[it.Key] || it.Link != "" && storedLinks[it.Link] {
				known[it.Key] = true
			}
		}
	}
	return known, nil
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	b := make([]byte, 0, 3*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
