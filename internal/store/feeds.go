package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tensiontracker/tracker/internal/redact"
)

// FeedMeta is a configured feed, as SyncFeeds stores it.
type FeedMeta struct {
	Name, URL, Lang, Country string
	Weight                   float64
}

// FeedState is a feed's configuration and fetch state.
type FeedState struct {
	Name, URL          string
	Lang, Country      string
	Weight             float64
	Active             bool
	ETag, LastModified string
	LastAttempt        time.Time // zero if never
	LastSuccess        time.Time // last 200 or 304; zero if never
	LastStatus         string    // "ok", "not_modified", "error", "" if never
	LastErrorReason    string
	LastError          string
	// ConsecutiveFailures counts error outcomes since the last success.
	ConsecutiveFailures int
	// NextAttempt is the earliest time to fetch again (backoff, Retry-After);
	// zero means any time.
	NextAttempt time.Time
	// Articles is the number of stored articles this feed carried.
	Articles int64
}

// SyncFeeds makes the stored feeds match the configuration: feeds are
// upserted by name and marked active; stored feeds missing from feeds are
// marked inactive (their history stays). A feed whose URL changed loses its
// validators and backoff, which belonged to the old URL. A feed whose weight
// changed has the weight of its stories recomputed.
func (db *DB) SyncFeeds(ctx context.Context, feeds []FeedMeta) error {
	seen := make(map[string]bool, len(feeds))
	for _, f := range feeds {
		if f.Name == "" {
			return errors.New("sync feeds: a feed has an empty name")
		}
		if seen[f.Name] {
			return fmt.Errorf("sync feeds: feed %q listed twice", f.Name)
		}
		seen[f.Name] = true
	}

	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sync feeds: %w", err)
	}
	defer rollback(tx)

	type old struct {
		id     int64
		url    string
		weight float64
	}
	stored := map[string]old{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, url, weight FROM feeds`)
	if err != nil {
		return fmt.Errorf("sync feeds: read feeds: %w", err)
	}
	for rows.Next() {
		var o old
		var name string
		if err := rows.Scan(&o.id, &name, &o.url, &o.weight); err != nil {
			rows.Close()
			return fmt.Errorf("sync feeds: read feeds: %w", err)
		}
		stored[name] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sync feeds: read feeds: %w", err)
	}

	if _, err := tx.ExecContext(ctx, `UPDATE feeds SET active = 0`); err != nil {
		return fmt.Errorf("sync feeds: %w", err)
	}
	var reweighted []int64
	for _, f := range feeds {
		// The database never holds a feed password: the stored URL is only
		// there to notice a change of feed address. A row written before
		// redaction differs from its redacted form and is rewritten (its
		// validators reset once).
		f.URL = redact.URL(f.URL)
		o, exists := stored[f.Name]
		switch {
		case !exists:
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO feeds(name, url, weight, lang, country, active) VALUES (?, ?, ?, ?, ?, 1)`,
				f.Name, f.URL, f.Weight, f.Lang, f.Country); err != nil {
				return fmt.Errorf("sync feeds: add %s: %w", f.Name, err)
			}
			continue
		case o.url != f.URL:
			if _, err := tx.ExecContext(ctx, `UPDATE feeds SET etag = '', last_modified = '',
				consecutive_failures = 0, next_attempt_ms = 0 WHERE id = ?`, o.id); err != nil {
				return fmt.Errorf("sync feeds: reset %s: %w", f.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE feeds SET url = ?, weight = ?, lang = ?, country = ?, active = 1 WHERE id = ?`,
			f.URL, f.Weight, f.Lang, f.Country, o.id); err != nil {
			return fmt.Errorf("sync feeds: update %s: %w", f.Name, err)
		}
		if o.weight != f.Weight {
			reweighted = append(reweighted, o.id)
		}
	}
	for _, id := range reweighted {
		if _, err := tx.ExecContext(ctx, `UPDATE stories SET weight = `+storyWeightExpr+`
			WHERE cluster_id IN (SELECT a.cluster_id FROM article_sources s
				JOIN articles a ON a.id = s.article_id WHERE s.feed_id = ?)`, id); err != nil {
			return fmt.Errorf("sync feeds: reweight stories: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sync feeds: commit: %w", err)
	}
	return nil
}

const feedStateColumns = `name, url, lang, country, weight, active, etag, last_modified,
	last_attempt_ms, last_success_ms, last_status, last_error_reason, last_error,
	consecutive_failures, next_attempt_ms, articles`

func scanFeedState(sc interface{ Scan(...any) error }) (FeedState, error) {
	var (
		f                                   FeedState
		attempt, success, next, consecutive int64
	)
	err := sc.Scan(&f.Name, &f.URL, &f.Lang, &f.Country, &f.Weight, &f.Active, &f.ETag, &f.LastModified,
		&attempt, &success, &f.LastStatus, &f.LastErrorReason, &f.LastError,
		&consecutive, &next, &f.Articles)
	f.LastAttempt, f.LastSuccess, f.NextAttempt = fromMS(attempt), fromMS(success), fromMS(next)
	f.ConsecutiveFailures = int(consecutive)
	return f, err
}

// FeedState returns the state of the named feed, active or not, or
// ErrNotFound.
func (db *DB) FeedState(ctx context.Context, name string) (FeedState, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+feedStateColumns+` FROM feeds WHERE name = ?`, name)
	f, err := scanFeedState(row)
	if errors.Is(err, sql.ErrNoRows) {
		return FeedState{}, fmt.Errorf("feed %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return FeedState{}, fmt.Errorf("read feed %q: %w", name, err)
	}
	return f, nil
}

// FeedStates returns the state of every active feed, ordered by name.
func (db *DB) FeedStates(ctx context.Context) ([]FeedState, error) {
	rows, err := db.sr.QueryContext(ctx, `SELECT `+feedStateColumns+` FROM feeds WHERE active = 1 ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read feeds: %w", err)
	}
	defer rows.Close()
	var out []FeedState
	for rows.Next() {
		f, err := scanFeedState(rows)
		if err != nil {
			return nil, fmt.Errorf("read feeds: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feeds: %w", err)
	}
	return out, nil
}
