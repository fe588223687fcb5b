package store

import (
	"context"
	"fmt"
)

// AuditAgg compares one theme's flags under a lexicon version with the
// analysts' labels.
type AuditAgg struct {
	// Reviewed is the number of labelled articles the version flags for the theme.
	Reviewed int64
	// Confirmed is how many of those the labels say are right.
	Confirmed int64
	// Missed is the number of labelled articles the theme applies to that
	// the version does not flag.
	Missed int64
}

// AuditStats returns, per theme with labels, how the flags of
// lexiconVersion fare against the labels. A label's ground truth does not
// depend on the version it was made under (see Label.Applies), so a new
// lexicon is judged on every audited article it has scored.
func (db *DB) AuditStats(ctx context.Context, lexiconVersion string) (map[string]AuditAgg, error) {
	// CROSS JOIN: the labels (a few hundred) drive the join; left to
	// itself SQLite scans every scoring of the version (millions) and looks
	// each up among the labels, which made every scrape cost O(history).
	const applies = `(l.verdict = 'missed' OR (l.verdict = 'right' AND l.flagged = 1))`
	rows, err := db.sr.QueryContext(ctx, `
		SELECT l.theme,
		       COALESCE(SUM(CASE WHEN s.flagged = 1 THEN 1 ELSE 0 END), 0),
		       COALESCE(SUM(CASE WHEN s.flagged = 1 AND `+applies+` THEN 1 ELSE 0 END), 0),
		       COALESCE(SUM(CASE WHEN COALESCE(s.flagged, 0) = 0 AND `+applies+` THEN 1 ELSE 0 END), 0)
		FROM labels l
		CROSS JOIN scorings g ON g.article_id = l.article_id AND g.lexicon_version = ?
		LEFT JOIN scores s ON s.article_id = l.article_id AND s.theme = l.theme AND s.lexicon_version = g.lexicon_version
		GROUP BY l.theme`, lexiconVersion)
	if err != nil {
		return nil, fmt.Errorf("read audit stats: %w", err)
	}
	defer rows.Close()
	out := map[string]AuditAgg{}
	for rows.Next() {
		var theme string
		var a AuditAgg
		if err := rows.Scan(&theme, &a.Reviewed, &a.Confirmed, &a.Missed); err != nil {
			return nil, fmt.Errorf("read audit stats: %w", err)
		}
		out[theme] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit stats: %w", err)
	}
	return out, nil
}
