// Package store keeps feeds, articles, their scores and near-duplicate
// clusters in one SQLite file (modernc.org/sqlite, pure Go), and computes the
// rolling-window aggregates the metrics collector serves.
//
// Connection discipline: all writes go through a single writer connection
// that begins IMMEDIATE transactions, so writers queue in Go instead of
// failing with SQLITE_BUSY half-way; reads use separate pools of query-only
// connections, which WAL mode lets run concurrently with the writer: one for
// the metrics collector's reads (WindowStats, FeedStates, LastArticleTime,
// AuditStats), so that no number of explorer or API readers can make a scrape
// wait for a connection, and one for everything else. Every
// connection gets its pragmas from the DSN, so a connection the pool opens
// later is configured exactly like the first. Concurrent SaveFetch calls
// share transactions (groupcommit.go), and WAL checkpoints run beside the
// writer rather than inside its commits (checkpoint.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/tensiontracker/tracker/internal/neardup"
)

// ErrNotFound is returned when a named feed or an article does not exist.
var ErrNotFound = errors.New("not found")

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer tracker than this one: its tables may mean things this binary does
// not know, so it refuses to touch them.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// readers is the size of the read pool of explorer and API requests and
// re-scoring: enough for a few requests and a re-scoring batch at once on a
// small machine. The web layer admits at most this many store readers at a
// time (web.ExplorerOptions.MaxInFlight defaults to Readers) and sheds the
// rest, so a burst of page and API requests queues there, not here.
const readers = 4

// Readers is the size of the general read pool, for the web layer to size
// its admission limit from.
const Readers = readers

// scrapeReaders is the size of the metrics collector's own read pool. The
// scrape's reads never wait behind page and API readers: a scrape that
// starves is an alert that fires on a healthy tracker. Two allow a second
// scraper (an HA Prometheus pair) without queueing.
const scrapeReaders = 2

// busyTimeout is how long a connection waits for a lock held by another
// process (a second tracker, a sqlite3 shell) before failing.
const busyTimeout = 10 * time.Second

// DB is an open tracker database. It is safe for concurrent use.
type DB struct {
	path string
	w    *sql.DB // exactly one connection: all writes
	r    *sql.DB // query-only pool: explorer, API and re-scoring reads
	sr   *sql.DB // query-only pool of the metrics collector's reads (scrapeReaders)

	// prepared holds the write path's statements (writeQueries), prepared on
	// the writer connection once; read-only after Open.
	prepared map[string]*sql.Stmt

	// queue feeds SaveFetch outcomes to the writer goroutine (writeLoop),
	// which alone uses lsh, the near-duplicate index of recent articles.
	queue      *saveQueue
	writerDone chan struct{}
	lsh        *neardup.Index
	ck         *checkpointer
	closeOnce  sync.Once
	closeErr   error

	// afterArticle, when set (tests only), runs inside SaveFetch's
	// transaction after the i-th article has been written; an error aborts
	// the outcome as a failing statement would.
	afterArticle func(i int) error
}

// Open opens the database at path, creating it and its parent directory when
// missing, and applies pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}

	w, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate database %s: %w", abs, err)
	}

	// The readers open after the writer has switched the file to WAL, so
	// their journal_mode pragma finds it already set.
	r, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	sr, err := sql.Open("sqlite", dsn(abs, true))
	if err == nil {
		sr.SetMaxOpenConns(scrapeReaders)
		sr.SetMaxIdleConns(scrapeReaders)
		err = sr.PingContext(ctx)
	}
	if err != nil {
		if sr != nil {
			sr.Close()
		}
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	db := &DB{path: abs, w: w, r: r, sr: sr, prepared: map[string]*sql.Stmt{}, queue: newSaveQueue(), writerDone: make(chan struct{})}
	err = db.prepareWrites(ctx)
	if err == nil {
		db.lsh, err = loadLSH(ctx, w)
	}
	if err != nil {
		close(db.writerDone) // no writer goroutine to wait for
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	db.startCheckpointer()
	go db.writeLoop()
	return db, nil
}

// prepareWrites prepares the write path's statements on the writer
// connection. It must run outside any transaction: preparing on the pool
// waits for its only connection.
func (db *DB) prepareWrites(ctx context.Context) error {
	for _, q := range writeQueries() {
		s, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		db.prepared[q] = s
	}
	return nil
}

// preparedStmt returns the statement prepared for query by Open, or nil.
func (db *DB) preparedStmt(query string) *sql.Stmt {
	if db == nil {
		return nil
	}
	return db.prepared[query]
}

// Near-duplicate clustering: articles whose estimated word-shingle
// similarity (package neardup) is at least neardup.MinSimilarity, published
// within clusterWindow of each other, share a story. Each article's
// fingerprint is stored with it (articles.lsh), and the index over the
// recent ones lives in memory, rebuilt from that column when the database
// is opened: kept in SQLite, 16 random-key index rows per article made every
// fetch rewrite hundreds of scattered pages.
const (
	// clusterWindow bounds how far apart in publication time two copies may
	// be: wires are republished within hours, rarely days.
	clusterWindow = 3 * 24 * 60 * 60 * 1000 // ms
	// lshKeep is how far behind the newest publication time the index
	// keeps articles: the cluster window plus a day of slack for items that
	// arrive late. An item published longer ago than that before the newest
	// article finds no copies and stays a story of its own.
	lshKeep = clusterWindow + 24*60*60*1000 // ms
)

// loadLSH rebuilds the near-duplicate index from the fingerprints of the
// articles published within lshKeep of the newest one.
func loadLSH(ctx context.Context, w *sql.DB) (*neardup.Index, error) {
	x := neardup.NewIndex(lshKeep)
	rows, err := w.QueryContext(ctx, `SELECT id, cluster_id, published_ms, lsh FROM articles
		WHERE lsh IS NOT NULL AND published_ms >= (SELECT MAX(published_ms) FROM articles) - ?
		ORDER BY id`, lshKeep)
	if err != nil {
		return nil, fmt.Errorf("load near-duplicate index: %w", err)
	}
	defer rows.Close()
	var blob []byte
	for rows.Next() {
		var e neardup.Entry
		if err := rows.Scan(&e.ID, &e.Cluster, &e.Published, &blob); err != nil {
			return nil, fmt.Errorf("load near-duplicate index: %w", err)
		}
		if e.Fingerprint, err = neardup.FingerprintFromBytes(blob); err != nil {
			return nil, fmt.Errorf("load near-duplicate index: article %d: %w", e.ID, err)
		}
		x.Add(e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load near-duplicate index: %w", err)
	}
	return x, nil
}

// dsn builds the connection string for the database file at abs. The path is
// a URI path (percent-escaped) so that names with '?', '#' or '%' work.
func dsn(abs string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		// query_only rather than mode=ro: any write through a reader is
		// still an error, without mode=ro's conditions on opening a WAL
		// file (its -shm file must exist or be creatable).
		q.Add("_pragma", "query_only(1)")
		// Enough page cache for the recent rows a scrape reads (the default
		// 2 MB is re-read from the OS on every scrape).
		q.Add("_pragma", "cache_size(-8000)")
	} else {
		q.Set("_txlock", "immediate")
		// The writer's inserts touch the tails of a dozen indexes.
		q.Add("_pragma", "cache_size(-16000)")
		// Checkpoints run in the background (checkpoint.go); this is
		// only the safety net.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walSafetyPages))
		// Statement journals (of statements that may fail half-way) in
		// memory, not in temporary files.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	return u.String()
}

// Close waits for the outcomes already queued by SaveFetch to be written,
// checkpoints the write-ahead log into the database file, so the file is
// complete on its own, and closes both pools. SaveFetch fails once Close has
// begun; Close may be called again and returns the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.close() })
	return db.closeErr
}

func (db *DB) close() error {
	db.queue.close()
	<-db.writerDone
	db.ck.stop()
	for _, s := range db.prepared {
		s.Close()
	}
	errR := errors.Join(db.r.Close(), db.sr.Close())
	// Nothing else can be running once the readers are closed: TRUNCATE
	// leaves an empty -wal behind.
	_, errC := db.w.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
	if errC != nil {
		errC = fmt.Errorf("checkpoint %s: %w", db.path, errC)
	}
	errW := db.w.Close()
	return errors.Join(errR, errC, errW)
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// ms converts a time to the stored form: Unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts a stored time back; 0 (or anything before 1970) is the zero time.
func fromMS(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// rollback ends a transaction that did not commit; its error is of no
// interest next to the one that caused it.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }

// Checkpoint copies the write-ahead log into the database file, so that the
// file's size is the database's (tracker bench measures it).
func (db *DB) Checkpoint(ctx context.Context) error {
	if _, err := db.r.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return fmt.Errorf("checkpoint %s: %w", db.path, err)
	}
	return nil
}

// ArticleCount returns the number of stored articles and the newest
// publication time.
func (db *DB) ArticleCount(ctx context.Context) (int64, time.Time, error) {
	var n, last int64
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(published_ms), 0) FROM articles`).Scan(&n, &last); err != nil {
		return 0, time.Time{}, fmt.Errorf("count articles: %w", err)
	}
	return n, fromMS(last), nil
}
