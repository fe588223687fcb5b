package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// Re-scoring after a lexicon change: batched reads newest first, batched
// writes of one transaction per batch, and the persisted exported version.

// RescoreCursor is where a newest-first pass over the articles stands: the
// next batch starts strictly before (Published, ID). The zero cursor starts
// at the newest article.
type RescoreCursor struct {
	Published int64 // ms
	ID        int64
}

// RescoreFrom is the cursor of a pass that starts with the articles
// published at or before t: a pass over older articles, after the newer
// ones were re-scored, need not walk past those again.
func RescoreFrom(t time.Time) RescoreCursor {
	return RescoreCursor{Published: ms(t), ID: math.MaxInt64}
}

// ArticlesToRescore returns up to limit articles published after since that
// have no scoring under lexiconVersion, newest first, starting after cur,
// and the cursor to pass for the next batch. Newest first is what makes a
// lexicon switch invisible: the metric windows are the newest articles, so
// they are complete long before the rest.
func (db *DB) ArticlesToRescore(ctx context.Context, lexiconVersion string, since time.Time, cur RescoreCursor, limit int) ([]StoredArticle, RescoreCursor, error) {
	if cur == (RescoreCursor{}) {
		cur = RescoreCursor{Published: math.MaxInt64, ID: math.MaxInt64}
	}
	out := make([]StoredArticle, 0, limit)
	// The first bound on published_ms gives the index range; the OR only
	// breaks ties between articles published in the same millisecond.
	err := eachRow(ctx, db.r, `SELECT `+articleColumns+` FROM articles a
		WHERE a.published_ms > ? AND a.published_ms <= ? AND (a.published_ms < ? OR a.id < ?)
		  AND NOT EXISTS (SELECT 1 FROM scorings s WHERE s.article_id = a.id AND s.lexicon_version = ?)
		ORDER BY a.published_ms DESC, a.id DESC LIMIT ?`,
		[]any{ms(since), cur.Published, cur.Published, cur.ID, lexiconVersion, limit},
		func(rows *sql.Rows) error {
			a, err := scanStored(rows)
			out = append(out, a)
			return err
		})
	if err != nil {
		return nil, cur, fmt.Errorf("list articles to re-score under %s: %w", lexiconVersion, err)
	}
	if n := len(out); n > 0 {
		cur = RescoreCursor{Published: ms(out[n-1].Item.Published), ID: out[n-1].ID}
	}
	return out, cur, nil
}

// Rescored is an article's new scoring.
type Rescored struct {
	Article StoredArticle
	Result  scoring.Result

	// enc is Result checked and encoded by Encode, nil until then.
	enc *encodedScore
}

// Encode checks and encodes the new scoring for SaveRescored, which does it
// itself for a scoring not encoded yet. Re-scoring calls it where it
// scores, on every core: done by SaveRescored it is a tenth of the single
// writer's time, which bounds re-scoring speed.
func (r *Rescored) Encode() error {
	if err := validateResult(r.Result); err != nil {
		return fmt.Errorf("article %d: %w", r.Article.ID, err)
	}
	e, err := encodeScore(r.Result)
	if err != nil {
		return fmt.Errorf("article %d: %w", r.Article.ID, err)
	}
	r.enc = &e
	return nil
}

// SaveRescored stores a batch of new scorings in one transaction, replacing
// any scoring of the same article under the same version; articles pruned
// since they were read are skipped. Scorings not encoded yet (Encode) are
// encoded before the transaction begins, so that the writer, which ingest
// shares, is held only for the inserts. It returns how many scorings were
// stored.
func (db *DB) SaveRescored(ctx context.Context, batch []Rescored) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	ids := make([]any, 0, len(batch)+1)
	version := batch[0].Result.LexiconVersion
	ids = append(ids, version)
	for i := range batch {
		b := &batch[i]
		if r := b.Result; r.LexiconVersion != version || version == "" {
			return 0, fmt.Errorf("save re-scored: article %d: lexicon version %q in a batch of %q", b.Article.ID, r.LexiconVersion, version)
		}
		if b.enc == nil {
			if err := b.Encode(); err != nil {
				return 0, fmt.Errorf("save re-scored: %w", err)
			}
		}
		ids = append(ids, b.Article.ID)
	}
	in := placeholders(len(batch))

	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save re-scored: %w", err)
	}
	defer rollback(tx)
	// Deleting a scoring cascades to its scores, countries and dyads.
	if _, err := tx.ExecContext(ctx, `DELETE FROM scorings WHERE lexicon_version = ? AND article_id IN (`+in+`)`, ids...); err != nil {
		return 0, fmt.Errorf("save re-scored: replace old scorings: %w", err)
	}
	exists := make(map[int64]bool, len(batch))
	err = eachRow(ctx, tx, `SELECT id FROM articles WHERE id IN (`+in+`)`, ids[1:], func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		exists[id] = true
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save re-scored: %w", err)
	}
	w := db.newArticleWriter(tx)
	defer w.close()
	now := time.Now()
	n := 0
	for _, b := range batch {
		if !exists[b.Article.ID] {
			continue
		}
		if err := writeEncodedScore(ctx, w.exec, w.recorded, &w.rows, b.Article.ID, ms(b.Article.Item.Published), *b.enc, now); err != nil {
			return 0, fmt.Errorf("save re-scored: article %d: %w", b.Article.ID, err)
		}
		n++
	}
	if err := w.rows.flush(ctx, w.exec); err != nil {
		return 0, fmt.Errorf("save re-scored: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("save re-scored: commit: %w", err)
	}
	return n, nil
}

const keyExportedLexicon = "exported_lexicon_version"

// ExportedLexicon returns the lexicon version whose scores the metrics
// exported last (persisted by SetExportedLexicon). For a database that never
// recorded one, it falls back to the version that scored articles most
// recently, "" when none has.
func (db *DB) ExportedLexicon(ctx context.Context) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM tracker_state WHERE key = ?`, keyExportedLexicon).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.r.QueryRowContext(ctx, `SELECT version FROM lexicon_versions ORDER BY first_used_ms DESC, version LIMIT 1`).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("read exported lexicon version: %w", err)
	}
	return v, nil
}

// SetExportedLexicon records the lexicon version the metrics export.
func (db *DB) SetExportedLexicon(ctx context.Context, version string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO tracker_state(key, value, updated_ms) VALUES (?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`,
		keyExportedLexicon, version, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("record exported lexicon version %s: %w", version, err)
	}
	return nil
}
