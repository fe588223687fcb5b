package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
)

// StoredArticle is an article as stored.
type StoredArticle struct {
	ID        int64
	Item      feeds.Item
	FirstSeen time.Time
	// ClusterID names the article's story: the id of the story's first article.
	ClusterID int64
}

// Source is a feed that carried an article.
type Source struct {
	Feed      string
	FirstSeen time.Time
}

// Article is a stored article with everything known about it.
type Article struct {
	StoredArticle
	// Sources are the feeds that carried it, in the order they were first seen.
	Sources []Source
	// Scores are its scores by lexicon version. Result.ID is the item key.
	Scores map[string]scoring.Result
	// StoryArticles is the number of articles in its story (1 when it has
	// no known copies).
	StoryArticles int64
}

const articleColumns = `a.id, a.key, a.guid, a.link, a.title, a.text, a.lang, a.published_ms, a.date_source,
	a.first_seen_ms, a.cluster_id`

func scanStored(sc interface{ Scan(...any) error }) (StoredArticle, error) {
	var (
		a                StoredArticle
		published, first int64
		dateSource       string
	)
	err := sc.Scan(&a.ID, &a.Item.Key, &a.Item.GUID, &a.Item.Link, &a.Item.Title, &a.Item.Text, &a.Item.Lang,
		&published, &dateSource, &first, &a.ClusterID)
	a.Item.Published, a.Item.DateSource, a.FirstSeen = fromMS(published), feeds.DateSource(dateSource), fromMS(first)
	return a, err
}

// Article returns the stored article with the given id, or ErrNotFound.
func (db *DB) Article(ctx context.Context, id int64) (Article, error) {
	return db.article(ctx, `a.id = ?`, id)
}

// ArticleByKey returns the stored article with the given Item.Key, or ErrNotFound.
func (db *DB) ArticleByKey(ctx context.Context, key string) (Article, error) {
	return db.article(ctx, `a.key = ?`, key)
}

func (db *DB) article(ctx context.Context, where string, arg any) (Article, error) {
	// One read transaction: the article, its sources and scores come from
	// the same snapshot.
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Article{}, fmt.Errorf("read article %v: %w", arg, err)
	}
	defer rollback(tx)
	sa, err := scanStored(tx.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles a WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Article{}, fmt.Errorf("article %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return Article{}, fmt.Errorf("read article %v: %w", arg, err)
	}
	a := Article{StoredArticle: sa, Scores: map[string]scoring.Result{}}
	if err := readArticleDetails(ctx, tx, &a); err != nil {
		return Article{}, fmt.Errorf("read article %d: %w", sa.ID, err)
	}
	return a, nil
}

func readArticleDetails(ctx context.Context, tx *sql.Tx, a *Article) error {
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT articles FROM stories WHERE cluster_id = ?), 1)`,
		a.ClusterID).Scan(&a.StoryArticles); err != nil {
		return err
	}
	err := eachRow(ctx, tx, `SELECT f.name, s.first_seen_ms FROM article_sources s JOIN feeds f ON f.id = s.feed_id
		WHERE s.article_id = ? ORDER BY s.first_seen_ms, f.name`, []any{a.ID}, func(rows *sql.Rows) error {
		var s Source
		var first int64
		err := rows.Scan(&s.Feed, &first)
		s.FirstSeen = fromMS(first)
		a.Sources = append(a.Sources, s)
		return err
	})
	if err != nil {
		return err
	}
	err = eachRow(ctx, tx, `SELECT lexicon_version, lang, explanation FROM scorings WHERE article_id = ?`, []any{a.ID},
		func(rows *sql.Rows) error {
			var (
				r    scoring.Result
				blob []byte
				err  error
			)
			if err := rows.Scan(&r.LexiconVersion, &r.Lang, &blob); err != nil {
				return err
			}
			if r.Themes, err = decodeExplanation(blob); err != nil {
				return fmt.Errorf("decode explanation under %s: %w", r.LexiconVersion, err)
			}
			r.ID = a.Item.Key
			a.Scores[r.LexiconVersion] = r
			return nil
		})
	if err != nil {
		return err
	}
	err = eachRow(ctx, tx, `SELECT lexicon_version, country FROM article_countries WHERE article_id = ?
		ORDER BY lexicon_version, rank`, []any{a.ID}, func(rows *sql.Rows) error {
		var v, c string
		if err := rows.Scan(&v, &c); err != nil {
			return err
		}
		r := a.Scores[v]
		r.Countries = append(r.Countries, c)
		a.Scores[v] = r
		return nil
	})
	if err != nil {
		return err
	}
	return eachRow(ctx, tx, `SELECT lexicon_version, dyad FROM article_dyads WHERE article_id = ?
		ORDER BY lexicon_version, rank`, []any{a.ID}, func(rows *sql.Rows) error {
		var v, d string
		if err := rows.Scan(&v, &d); err != nil {
			return err
		}
		x, y, _ := strings.Cut(d, "-")
		r := a.Scores[v]
		r.Dyads = append(r.Dyads, scoring.Dyad{A: x, B: y})
		a.Scores[v] = r
		return nil
	})
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachRow runs query and calls fn for every row.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ArticlesNeedingScore lists up to limit articles published after since
// that have no scoring under lexiconVersion, oldest first.
func (db *DB) ArticlesNeedingScore(ctx context.Context, lexiconVersion string, since time.Time, limit int) ([]StoredArticle, error) {
	var out []StoredArticle
	err := eachRow(ctx, db.r, `SELECT `+articleColumns+` FROM articles a
		WHERE a.published_ms > ? AND NOT EXISTS (
			SELECT 1 FROM scorings s WHERE s.article_id = a.id AND s.lexicon_version = ?)
		ORDER BY a.published_ms, a.id LIMIT ?`, []any{ms(since), lexiconVersion, limit},
		func(rows *sql.Rows) error {
			a, err := scanStored(rows)
			out = append(out, a)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list articles needing score under %s: %w", lexiconVersion, err)
	}
	return out, nil
}

// SaveScores stores scores by article id in one transaction, replacing any
// stored score of the same article under the same lexicon version. Articles
// that no longer exist (pruned since they were listed) are skipped.
func (db *DB) SaveScores(ctx context.Context, scores map[int64]scoring.Result) error {
	ids := make([]int64, 0, len(scores))
	for id, r := range scores {
		if r.LexiconVersion == "" {
			return fmt.Errorf("save scores: article %d: no lexicon version", id)
		}
		if err := validateResult(r); err != nil {
			return fmt.Errorf("save scores: article %d: %w", id, err)
		}
		ids = append(ids, id)
	}
	// A fixed order makes the writes, and any error, reproducible.
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save scores: %w", err)
	}
	defer rollback(tx)
	w := &articleWriter{tx: tx, stmts: map[string]*sql.Stmt{}, recorded: map[string]bool{}}
	defer w.close()
	now := time.Now()
	for _, id := range ids {
		r := scores[id]
		var published int64
		s, err := w.stmt(ctx, `SELECT published_ms FROM articles WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("save scores: %w", err)
		}
		err = s.QueryRowContext(ctx, id).Scan(&published)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("save scores: article %d: %w", id, err)
		}
		// Deleting the scoring cascades to its scores, countries and dyads.
		if _, err := w.exec(ctx, `DELETE FROM scorings WHERE article_id = ? AND lexicon_version = ?`,
			id, r.LexiconVersion); err != nil {
			return fmt.Errorf("save scores: article %d: %w", id, err)
		}
		if err := writeScore(ctx, w.exec, w.recorded, id, published, r, now); err != nil {
			return fmt.Errorf("save scores: article %d: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save scores: commit: %w", err)
	}
	return nil
}

// Prune deletes the articles published before `before`, with their sources
// and scores, batch articles per transaction so that ingest waits
// at most one short batch. Stories losing articles are recomputed (or
// removed when empty). It returns the number of articles deleted; on error
// the batches already committed stay deleted.
func (db *DB) Prune(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("prune: batch must be positive, got %d", batch)
	}
	var total int64
	for {
		n, err := db.pruneBatch(ctx, ms(before), batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("prune articles before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
		if n < int64(batch) {
			return total, nil
		}
	}
}

func (db *DB) pruneBatch(ctx context.Context, before int64, batch int) (int64, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer rollback(tx)
	clusters := map[int64]bool{}
	var n int64
	err = eachRow(ctx, tx, `DELETE FROM articles WHERE id IN (
			SELECT id FROM articles WHERE published_ms < ? ORDER BY published_ms LIMIT ?)
		RETURNING cluster_id`, []any{before, batch}, func(rows *sql.Rows) error {
		var c int64
		n++
		if err := rows.Scan(&c); err != nil {
			return err
		}
		clusters[c] = true
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := refreshStories(ctx, tx, clusters); err != nil {
		return 0, err
	}
	if err := pruneHourly(ctx, tx, before); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// LastArticleTime returns when the newest article was first seen, or the
// zero time when there are none.
func (db *DB) LastArticleTime(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	if err := db.sr.QueryRowContext(ctx, `SELECT MAX(first_seen_ms) FROM articles`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("read last article time: %w", err)
	}
	return fromMS(v.Int64), nil
}
