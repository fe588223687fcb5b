package store

import (
	"context"
	"database/sql"
	"fmt"
)

// storyWeightExpr recomputes a story's weight inside an UPDATE of stories:
// the highest weight among all feeds that carried any of its articles.
const storyWeightExpr = `COALESCE((SELECT MAX(f.weight) FROM articles a
	JOIN article_sources s ON s.article_id = a.id
	JOIN feeds f ON f.id = s.feed_id
	WHERE a.cluster_id = stories.cluster_id), 0)`

// refreshStories recomputes the stories row of each cluster from its
// remaining articles, and deletes the rows of clusters left empty. Ingest
// keeps stories up to date incrementally; this is for the changes that can
// shrink a story (pruning) and for repairs.
func refreshStories(ctx context.Context, tx *sql.Tx, clusters map[int64]bool) error {
	if len(clusters) == 0 {
		return nil
	}
	del, err := tx.PrepareContext(ctx, `DELETE FROM stories WHERE cluster_id = ?1
		AND NOT EXISTS (SELECT 1 FROM articles WHERE cluster_id = ?1)`)
	if err != nil {
		return fmt.Errorf("refresh stories: %w", err)
	}
	defer del.Close()
	upd, err := tx.PrepareContext(ctx, `INSERT INTO stories(cluster_id, rep_id, published_ms, weight, articles)
		SELECT ?1, MIN(id), MIN(published_ms), 0, COUNT(*) FROM articles WHERE cluster_id = ?1
		HAVING COUNT(*) > 0
		ON CONFLICT(cluster_id) DO UPDATE SET rep_id = excluded.rep_id,
			published_ms = excluded.published_ms, articles = excluded.articles`)
	if err != nil {
		return fmt.Errorf("refresh stories: %w", err)
	}
	defer upd.Close()
	wt, err := tx.PrepareContext(ctx, `UPDATE stories SET weight = `+storyWeightExpr+` WHERE cluster_id = ?`)
	if err != nil {
		return fmt.Errorf("refresh stories: %w", err)
	}
	defer wt.Close()
	for c := range clusters {
		if _, err := del.ExecContext(ctx, c); err != nil {
			return fmt.Errorf("refresh story %d: %w", c, err)
		}
		if _, err := upd.ExecContext(ctx, c); err != nil {
			return fmt.Errorf("refresh story %d: %w", c, err)
		}
		if _, err := wt.ExecContext(ctx, c); err != nil {
			return fmt.Errorf("refresh story %d: %w", c, err)
		}
	}
	return nil
}
