package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SaveLabels stores audit labels in one transaction. Each label's article
// is found by ArticleKey when set (so labels exported from another database
// land on the same article), else by ArticleID. A label replaces the stored
// label of the same article and theme only when its At is later, which
// makes importing the same file twice a no-op. Labels of articles that are
// not stored are counted as Unknown and skipped.
func (db *DB) SaveLabels(ctx context.Context, labels []Label) (LabelCounts, error) {
	var c LabelCounts
	for i, l := range labels {
		if err := validateLabel(l); err != nil {
			return c, fmt.Errorf("save labels: label %d: %w", i+1, err)
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("save labels: %w", err)
	}
	defer rollback(tx)
	byKey, err := tx.PrepareContext(ctx, `SELECT id FROM articles WHERE key = ?`)
	if err != nil {
		return c, fmt.Errorf("save labels: %w", err)
	}
	defer byKey.Close()
	byID, err := tx.PrepareContext(ctx, `SELECT id FROM articles WHERE id = ?`)
	if err != nil {
		return c, fmt.Errorf("save labels: %w", err)
	}
	defer byID.Close()
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO labels(article_id, theme, verdict, flagged, note, author, labelled_ms, lexicon_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(article_id, theme) DO UPDATE SET verdict = excluded.verdict, flagged = excluded.flagged,
			note = excluded.note, author = excluded.author, labelled_ms = excluded.labelled_ms,
			lexicon_version = excluded.lexicon_version
		WHERE excluded.labelled_ms > labels.labelled_ms`)
	if err != nil {
		return c, fmt.Errorf("save labels: %w", err)
	}
	defer upsert.Close()
	for i, l := range labels {
		var id int64
		if l.ArticleKey != "" {
			err = byKey.QueryRowContext(ctx, l.ArticleKey).Scan(&id)
		} else {
			err = byID.QueryRowContext(ctx, l.ArticleID).Scan(&id)
		}
		if errors.Is(err, sql.ErrNoRows) {
			c.Unknown++
			continue
		}
		if err != nil {
			return LabelCounts{}, fmt.Errorf("save labels: label %d: find article: %w", i+1, err)
		}
		res, err := upsert.ExecContext(ctx, id, l.Theme, l.Verdict, l.Flagged, l.Note, l.Author, ms(l.At), l.LexiconVersion)
		if err != nil {
			return LabelCounts{}, fmt.Errorf("save labels: label %d: %w", i+1, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return LabelCounts{}, fmt.Errorf("save labels: label %d: %w", i+1, err)
		}
		if n > 0 {
			c.Saved++
		} else {
			c.Stale++
		}
	}
	if err := tx.Commit(); err != nil {
		return LabelCounts{}, fmt.Errorf("save labels: commit: %w", err)
	}
	return c, nil
}

// validateLabel checks what the table's constraints would, with messages
// that say which field is wrong.
func validateLabel(l Label) error {
	switch {
	case l.ArticleKey == "" && l.ArticleID <= 0:
		return errors.New("no article key or id")
	case l.Theme == "":
		return errors.New("no theme")
	case l.At.IsZero():
		return errors.New("no time")
	}
	switch l.Verdict {
	case VerdictRight:
	case VerdictWrong:
		if !l.Flagged {
			return fmt.Errorf("verdict wrong for theme %s, which was not flagged", l.Theme)
		}
	case VerdictMissed:
		if l.Flagged {
			return fmt.Errorf("verdict missed for theme %s, which was flagged", l.Theme)
		}
	default:
		return fmt.Errorf("unknown verdict %q", l.Verdict)
	}
	return nil
}

// Labels returns every audit label, by article and theme.
func (db *DB) Labels(ctx context.Context) ([]Label, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read labels: %w", err)
	}
	defer rollback(tx)
	out, err := readLabels(ctx, tx, ``)
	if err != nil {
		return nil, fmt.Errorf("read labels: %w", err)
	}
	return out, nil
}

// readLabels reads the labels selected by where (a WHERE clause on l, or "").
func readLabels(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]Label, error) {
	var out []Label
	err := eachRow(ctx, tx, `SELECT l.article_id, a.key, l.theme, l.verdict, l.flagged, l.note, l.author,
			l.labelled_ms, l.lexicon_version
		FROM labels l CROSS JOIN articles a ON a.id = l.article_id `+where+` ORDER BY l.article_id, l.theme`, args,
		func(rows *sql.Rows) error {
			var l Label
			var at int64
			if err := rows.Scan(&l.ArticleID, &l.ArticleKey, &l.Theme, &l.Verdict, &l.Flagged, &l.Note, &l.Author,
				&at, &l.LexiconVersion); err != nil {
				return err
			}
			l.At = fromMS(at)
			out = append(out, l)
			return nil
		})
	return out, err
}
