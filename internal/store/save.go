package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/neardup"
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

// SaveFetch commits the feed's new fetch state and its articles together:
// new ones with their scores, countries, dyads, source and cluster; known
// ones (same Key, or same non-empty Link) only gain this feed as a source.
// If anything fails, nothing of the outcome is stored, except for an
// outcome of more than maxChunkArticles articles, which is committed in
// chunks (groupcommit.go): the chunks before the failure stay, and the fetch
// state, which commits with the last chunk, is left as it was, so the feed
// is fetched in full again. The unique key and link indexes make a second
// copy of an article impossible even across processes.
//
// Concurrent calls are written in one transaction by the writer goroutine
// (see groupcommit.go); SaveFetch returns once its outcome is committed. A
// call whose ctx ends before the writer has finished its articles returns
// ctx.Err() (wrapped) and stores nothing beyond the chunks committed.
func (db *DB) SaveFetch(ctx context.Context, o FetchOutcome) (SaveResult, error) {
	if err := o.validate(); err != nil {
		return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
	}
	// What needs no database (signatures, JSON) is done here, in parallel
	// with the other callers, rather than by the single writer.
	arts, err := prepareArticles(o)
	if err != nil {
		return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
	}
	if err := ctx.Err(); err != nil {
		return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
	}
	req := &saveReq{ctx: ctx, o: o, arts: arts, done: make(chan saveReply, 1)}
	if err := db.queue.push(req); err != nil {
		return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
	}
	select {
	case rep := <-req.done:
		return rep.res, rep.err
	case <-ctx.Done():
		if req.state.CompareAndSwap(reqQueued, reqWithdrawn) {
			return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, ctx.Err())
		}
		// The writer has started on it: its answer is the truth.
		rep := <-req.done
		return rep.res, rep.err
	}
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

// preparedArticle is an article of an outcome with what the writer needs of
// it computed beforehand.
type preparedArticle struct {
	NewArticle
	published int64 // ms; the fetch time when the item has none
	lang      string
	// The near-duplicate fingerprint of title+text and its word count;
	// computed before queueing for scored articles (new as far as the
	// pipeline knew), by the writer for the others once they turn out new.
	signed     bool
	fp         neardup.Fingerprint
	words      int
	comparable bool
	// score is Score encoded for storage, when Score has a lexicon version.
	score encodedScore
}

func prepareArticles(o FetchOutcome) ([]preparedArticle, error) {
	if len(o.Articles) == 0 {
		return nil, nil
	}
	out := make([]preparedArticle, len(o.Articles))
	for i, a := range o.Articles {
		p := &out[i]
		p.NewArticle = a
		p.published = ms(a.Item.Published)
		if p.published == 0 {
			p.published = ms(o.At)
		}
		p.lang = a.Item.Lang
		if p.lang == "" {
			p.lang = a.Score.Lang
		}
		if a.Score.LexiconVersion == "" {
			continue
		}
		p.sign()
		var err error
		if p.score, err = encodeScore(a.Score); err != nil {
			return nil, fmt.Errorf("article %q: %w", a.Item.Key, err)
		}
	}
	return out, nil
}

func (p *preparedArticle) sign() {
	var sig neardup.Signature
	sig, p.words, p.comparable = neardup.Sign(p.Item.Title + " " + p.Item.Text)
	p.fp = sig.Fingerprint()
	p.signed = true
}

// encodedScore is a scoring result in its stored form.
type encodedScore struct {
	r           scoring.Result
	explanation []byte   // r.Themes in their stored form (explanation.go)
	dyads       []string // r.Dyads normalised, as "A-B"
}

func encodeScore(r scoring.Result) (encodedScore, error) {
	e := encodedScore{r: r, explanation: encodeExplanation(nil, r.Themes)}
	for _, d := range r.Dyads {
		e.dyads = append(e.dyads, normDyad(d).String())
	}
	return e, nil
}

func updateFeedState(ctx context.Context, exec execFunc, feedID int64, o FetchOutcome) error {
	var err error
	at, next := ms(o.At), ms(o.NextAttempt)
	switch o.Status {
	case StatusOK:
		_, err = exec(ctx, qStateOK, o.ETag, o.LastModified, at, at, o.Status, next, feedID)
	case StatusNotModified:
		_, err = exec(ctx, qStateNotModified, o.ETag, o.LastModified, at, o.Status, next, feedID)
	case StatusError:
		_, err = exec(ctx, qStateError, at, o.Status, o.ErrorReason, o.Error, next, feedID)
	}
	return err
}

// The statements of the write path, prepared once on the writer connection
// when the database is opened (see DB.prepared).
const (
	qFeed    = `SELECT id, weight FROM feeds WHERE name = ?`
	qStateOK = `UPDATE feeds SET etag = ?, last_modified = ?,
		last_attempt_ms = ?, last_success_ms = ?, last_status = ?, last_error_reason = '', last_error = '',
		consecutive_failures = 0, next_attempt_ms = ? WHERE id = ?`
	qStateNotModified = `UPDATE feeds SET
		etag = CASE WHEN ?1 = '' THEN etag ELSE ?1 END,
		last_modified = CASE WHEN ?2 = '' THEN last_modified ELSE ?2 END,
		last_attempt_ms = ?3, last_success_ms = ?3, last_status = ?4, last_error_reason = '', last_error = '',
		consecutive_failures = 0, next_attempt_ms = ?5 WHERE id = ?6`
	qStateError = `UPDATE feeds SET last_attempt_ms = ?, last_status = ?,
		last_error_reason = ?, last_error = ?, consecutive_failures = consecutive_failures + 1,
		next_attempt_ms = ? WHERE id = ?`
	qLastID = `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'articles'), 0), COALESCE((SELECT MAX(id) FROM articles), 0))`
	qLookup = `SELECT id, cluster_id, published_ms, 0 AS pref FROM articles WHERE key = ?1
		UNION ALL SELECT id, cluster_id, published_ms, 1 FROM articles WHERE link = ?2 AND link <> ''
		ORDER BY pref LIMIT 1`
	// DO NOTHING on a conflict with the key or link indexes: the article is
	// stored already, which the caller learns from the count of rows.
	qInsertArticle = `INSERT INTO articles(id, key, link, guid, title, text, lang, published_ms, date_source,
		first_seen_ms, words, lsh, cluster_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`
	qLinkSource = `INSERT OR IGNORE INTO article_sources(article_id, feed_id, first_seen_ms, published_ms)
		VALUES (?, ?, ?, ?)`
	qStoryWeight = `UPDATE stories SET weight = MAX(weight, ?) WHERE cluster_id = ?`
	qInsertStory = `INSERT INTO stories(cluster_id, rep_id, published_ms, weight, articles) VALUES (?, ?, ?, ?, 1)`
	qJoinStory   = `UPDATE stories SET published_ms = MIN(published_ms, ?), weight = MAX(weight, ?),
		articles = articles + 1 WHERE cluster_id = ?`
	qScored     = `SELECT COUNT(*) FROM scorings WHERE article_id = ? AND lexicon_version = ?`
	qLexVersion = `INSERT OR IGNORE INTO lexicon_versions(version, first_used_ms) VALUES (?, ?)`
	qLexTheme   = `INSERT OR IGNORE INTO lexicon_themes(version, theme) VALUES (?, ?)`
)

// writeQueries are the statements Open prepares on the writer connection.
func writeQueries() []string {
	return append([]string{qFeed, qStateOK, qStateNotModified, qStateError, qLastID, qLookup, qInsertArticle,
		qLinkSource, qStoryWeight, qInsertStory, qJoinStory, qScored, qLexVersion, qLexTheme},
		bulkQueries()...)
}

// articleWriter writes articles inside one transaction. The group commit
// writer (newArticleWriter) uses the statements prepared by Open; a writer
// made without db (SaveScores) prepares each statement once per transaction.
type articleWriter struct {
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt
	// recorded holds the lexicon versions and themes already recorded in
	// this transaction, to skip re-inserting them for every article.
	recorded map[string]bool
	// lsh is the near-duplicate index of committed articles; pending
	// indexes the articles of this transaction, which join lsh only once
	// it commits (made on first use).
	lsh     *neardup.Index
	pending *neardup.Index
	// rows holds the outcome's rows for the bulk tables (rows.go).
	rows rowBuffer
	// nextID is the id the next new article gets, 0 until read: ids are
	// given here rather than by SQLite so that a new story can be named
	// after its first article in the INSERT itself.
	nextID int64

	// The outcome being written.
	feedID int64
	weight float64
	at     time.Time
}

func (db *DB) newArticleWriter(tx *sql.Tx) *articleWriter {
	return &articleWriter{tx: tx, db: db, stmts: map[string]*sql.Stmt{}, recorded: map[string]bool{}, lsh: db.lsh}
}

func (w *articleWriter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if p := w.db.preparedStmt(query); p != nil {
		s = w.tx.StmtContext(ctx, p)
	} else {
		var err error
		if s, err = w.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
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

func (w *articleWriter) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

func (w *articleWriter) close() {
	for _, s := range w.stmts {
		s.Close()
	}
}

// writeOutcome writes one request's outcome. On error the caller must roll
// back the transaction.
func (w *articleWriter) writeOutcome(ctx context.Context, r *saveReq) (SaveResult, error) {
	var res SaveResult
	o := r.o
	row, err := w.queryRow(ctx, qFeed, o.Feed)
	if err == nil {
		err = row.Scan(&w.feedID, &w.weight)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return res, fmt.Errorf("save fetch: feed %q: %w", o.Feed, ErrNotFound)
	}
	if err != nil {
		return res, fmt.Errorf("save fetch of %s: read feed: %w", o.Feed, err)
	}
	// The fetch state (validators, next attempt) commits with the last
	// chunk: should a later chunk fail, the feed is fetched again in full
	// and the articles already committed count as seen.
	end := r.next + r.chunk
	if end == len(r.arts) {
		if err := updateFeedState(ctx, w.exec, w.feedID, o); err != nil {
			return res, fmt.Errorf("save fetch of %s: update state: %w", o.Feed, err)
		}
	}
	w.at = o.At
	for i := r.next; i < end; i++ {
		a := &r.arts[i]
		isNew, err := w.save(ctx, a)
		if err != nil {
			return SaveResult{}, fmt.Errorf("save fetch of %s: article %q: %w", o.Feed, a.Item.Key, err)
		}
		if isNew {
			res.New++
		} else {
			res.Seen++
		}
		if w.db.afterArticle != nil {
			if err := w.db.afterArticle(i); err != nil {
				return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
			}
		}
		// The caller may give up while its articles are written: checked
		// between statements, never by interrupting one.
		if err := r.ctx.Err(); err != nil {
			return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
		}
	}
	if err := w.rows.flush(ctx, w.exec); err != nil {
		return SaveResult{}, fmt.Errorf("save fetch of %s: %w", o.Feed, err)
	}
	return res, nil
}

// save stores one article, or links the stored copy to this feed, and
// reports whether it was new.
func (w *articleWriter) save(ctx context.Context, a *preparedArticle) (bool, error) {
	scored := a.Score.LexiconVersion != ""
	if scored {
		// The pipeline scores only what it did not find stored: try the
		// insert first, the unique indexes tell when it is a copy after all.
		if ok, err := w.insert(ctx, a); err != nil || ok {
			return ok, err
		}
	}
	st, found, err := w.lookup(ctx, a.Item)
	if err != nil {
		return false, err
	}
	if found {
		return false, w.addSource(ctx, st, a)
	}
	if scored {
		return false, errors.New("insert: conflict with an article that cannot be found")
	}
	ok, err := w.insert(ctx, a)
	if err == nil && !ok {
		err = errors.New("insert: conflict with an article that was not found")
	}
	return true, err
}

// storedRef is what SaveFetch needs of an already stored article.
type storedRef struct {
	id, cluster, published int64
}

// lookup finds a stored article with the item's key, else with its
// non-empty link. A key match wins over a link match should they name
// different articles.
func (w *articleWriter) lookup(ctx context.Context, it feeds.Item) (st storedRef, found bool, err error) {
	row, err := w.queryRow(ctx, qLookup, it.Key, it.Link)
	if err != nil {
		return st, false, err
	}
	var pref int
	err = row.Scan(&st.id, &st.cluster, &st.published, &pref)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	return st, err == nil, err
}

// addSource links a stored article to this feed (idempotent) and, when the
// article was not yet scored under the given lexicon version, stores the score.
func (w *articleWriter) addSource(ctx context.Context, st storedRef, a *preparedArticle) error {
	// The stored article may be one of this outcome's, its rows still
	// buffered: the checks below must see them.
	if !w.rows.empty() {
		if err := w.rows.flush(ctx, w.exec); err != nil {
			return err
		}
	}
	r, err := w.exec(ctx, qLinkSource, st.id, w.feedID, ms(w.at), st.published)
	if err != nil {
		return fmt.Errorf("link source: %w", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		if _, err := w.exec(ctx, qStoryWeight, w.weight, st.cluster); err != nil {
			return fmt.Errorf("update story: %w", err)
		}
	}
	if a.Score.LexiconVersion == "" {
		return nil
	}
	var scored int
	row, err := w.queryRow(ctx, qScored, st.id, a.Score.LexiconVersion)
	if err != nil {
		return err
	}
	if err := row.Scan(&scored); err != nil {
		return fmt.Errorf("read scoring: %w", err)
	}
	if scored > 0 {
		return nil
	}
	return writeEncodedScore(ctx, w.exec, w.recorded, &w.rows, st.id, st.published, a.score, w.at)
}

// newID returns the id for the next new article: above every id the
// articles table ever had (it is AUTOINCREMENT, and an explicit id above
// its counter moves the counter), read once per transaction, which holds
// the write lock.
func (w *articleWriter) newID(ctx context.Context) (int64, error) {
	if w.nextID == 0 {
		row, err := w.queryRow(ctx, qLastID)
		if err != nil {
			return 0, err
		}
		var last int64
		if err := row.Scan(&last); err != nil {
			return 0, fmt.Errorf("read last article id: %w", err)
		}
		w.nextID = last + 1
	}
	return w.nextID, nil
}

// insert stores a new article with its source, score and cluster. ok is
// false when the article turns out to be stored already (same key or link),
// and then nothing was written.
func (w *articleWriter) insert(ctx context.Context, a *preparedArticle) (ok bool, err error) {
	it := &a.Item
	if !a.signed {
		a.sign()
	}
	var blob []byte
	if a.comparable {
		blob = a.fp.Bytes()
	}
	// Find the cluster before inserting, so the article cannot match itself.
	cluster := int64(0)
	if a.comparable {
		cluster = w.nearest(a)
	}
	id, err := w.newID(ctx)
	if err != nil {
		return false, fmt.Errorf("insert: %w", err)
	}
	own := cluster == 0
	if own {
		// A story of its own, named after its first article.
		cluster = id
	}
	r, err := w.exec(ctx, qInsertArticle, id, it.Key, it.Link, it.GUID, it.Title, it.Text, a.lang, a.published,
		string(it.DateSource), ms(w.at), a.words, blob, cluster)
	if err != nil {
		return false, fmt.Errorf("insert: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	w.nextID = id + 1
	w.rows.add(tSources, id, w.feedID, ms(w.at), a.published)
	if own {
		if _, err := w.exec(ctx, qInsertStory, id, id, a.published, w.weight); err != nil {
			return false, fmt.Errorf("insert story: %w", err)
		}
	} else {
		r, err := w.exec(ctx, qJoinStory, a.published, w.weight, cluster)
		if err != nil {
			return false, fmt.Errorf("update story: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			// Cannot happen while stories is kept in step with articles;
			// rebuild the row rather than refuse the feed's articles forever.
			// The rebuild reads the sources, buffered ones included.
			if err := w.rows.flush(ctx, w.exec); err != nil {
				return false, err
			}
			if err := refreshStories(ctx, w.tx, map[int64]bool{cluster: true}); err != nil {
				return false, err
			}
		}
	}
	if a.comparable {
		if w.pending == nil {
			w.pending = neardup.NewIndex(lshKeep)
		}
		w.pending.Add(neardup.Entry{ID: id, Cluster: cluster, Published: a.published, Fingerprint: a.fp})
	}
	if a.Score.LexiconVersion != "" {
		if err := writeEncodedScore(ctx, w.exec, w.recorded, &w.rows, id, a.published, a.score, w.at); err != nil {
			return false, err
		}
	}
	return true, nil
}

// nearest returns the cluster of the most similar article published
// within clusterWindow of a, committed or of this transaction, or 0 when
// none is similar enough. Its cost is bounded (neardup.Index) and it reads
// nothing from the database.
func (w *articleWriter) nearest(a *preparedArticle) int64 {
	lo, hi := a.published-clusterWindow, a.published+clusterWindow
	best := w.lsh.Nearest(&a.fp, lo, hi)
	if w.pending != nil {
		if m := w.pending.Nearest(&a.fp, lo, hi); m.Better(best) {
			best = m
		}
	}
	return best.Cluster
}

// execFunc runs a statement in the current transaction.
type execFunc func(ctx context.Context, query string, args ...any) (sql.Result, error)

// writeScore stores the scoring of article id (published at published, ms)
// with its themes, countries and dyads, and records the lexicon version and
// its themes (once per transaction: recorded remembers them). The caller
// makes sure no scoring exists yet for the article and version.
func writeScore(ctx context.Context, exec execFunc, recorded map[string]bool, id, published int64, r scoring.Result, at time.Time) error {
	e, err := encodeScore(r)
	if err != nil {
		return err
	}
	var rows rowBuffer
	if err := writeEncodedScore(ctx, exec, recorded, &rows, id, published, e, at); err != nil {
		return err
	}
	return rows.flush(ctx, exec)
}

// writeEncodedScore is writeScore with the score encoded already, and its
// rows left in rows for the caller to flush; the lexicon version and themes,
// which they refer to, are recorded at once.
func writeEncodedScore(ctx context.Context, exec execFunc, recorded map[string]bool, rows *rowBuffer,
	id, published int64, e encodedScore, at time.Time) error {
	r := &e.r
	v := r.LexiconVersion
	if !recorded[v] {
		if _, err := exec(ctx, qLexVersion, v, ms(at)); err != nil {
			return fmt.Errorf("record lexicon version: %w", err)
		}
		recorded[v] = true
	}
	rows.add(tScorings, id, v, r.Lang, ms(at), e.explanation)
	for theme, ts := range r.Themes {
		if vt := v + "\x00" + theme; !recorded[vt] {
			if _, err := exec(ctx, qLexTheme, v, theme); err != nil {
				return fmt.Errorf("record theme: %w", err)
			}
			recorded[vt] = true
		}
		if ts.Score == 0 && !ts.Flagged {
			continue
		}
		rows.add(tScores, id, v, theme, ts.Score, ts.Flagged, published)
	}
	for rank, c := range r.Countries {
		rows.add(tCountries, id, v, rank, c)
	}
	for rank, d := range e.dyads {
		rows.add(tDyads, id, v, d, rank)
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
