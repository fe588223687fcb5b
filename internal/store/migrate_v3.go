package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/tensiontracker/tracker/internal/neardup"
	"github.com/tensiontracker/tracker/internal/scoring"
)

// migrateCompactStorage is the Go step of 0003_compact_storage.sql: it
// re-encodes the JSON explanations into scorings_v3 and swaps the tables,
// and turns each stored MinHash signature into its fingerprint.
func migrateCompactStorage(ctx context.Context, tx *sql.Tx) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO scorings_v3(article_id, lexicon_version, lang, scored_ms, explanation)
		VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	var buf []byte
	err = eachRow(ctx, tx, `SELECT article_id, lexicon_version, lang, scored_ms, themes FROM scorings
		ORDER BY article_id, lexicon_version`, nil, func(rows *sql.Rows) error {
		var (
			id         int64
			v, lang, j string
			scored     int64
			themes     map[string]scoring.ThemeScore
		)
		if err := rows.Scan(&id, &v, &lang, &scored, &j); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(j), &themes); err != nil {
			return fmt.Errorf("article %d under %s: decode explanation: %w", id, v, err)
		}
		buf = encodeExplanation(buf[:0], themes)
		_, err := ins.ExecContext(ctx, id, v, lang, scored, buf)
		return err
	})
	if err != nil {
		return fmt.Errorf("convert explanations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE scorings; ALTER TABLE scorings_v3 RENAME TO scorings`); err != nil {
		return fmt.Errorf("replace scorings: %w", err)
	}

	// Only the recent articles' fingerprints are ever read again (loadLSH);
	// the older signatures go, which also frees their space.
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET lsh = NULL WHERE lsh IS NOT NULL
		AND published_ms < (SELECT MAX(published_ms) FROM articles) - ?`, lshKeep); err != nil {
		return fmt.Errorf("drop old near-duplicate signatures: %w", err)
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE articles SET lsh = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	// In batches, collected before updating (updating rows while a query
	// walks them is undefined), so memory stays bounded.
	type conv struct {
		id int64
		fp []byte
	}
	const batch = 5000
	for after := int64(-1); ; {
		convs := make([]conv, 0, batch)
		err = eachRow(ctx, tx, `SELECT id, lsh FROM articles WHERE id > ? AND length(lsh) = ? ORDER BY id LIMIT ?`,
			[]any{after, 4 * neardup.K, batch}, func(rows *sql.Rows) error {
				var (
					id   int64
					blob []byte
				)
				if err := rows.Scan(&id, &blob); err != nil {
					return err
				}
				var sig neardup.Signature
				for i := range sig {
					sig[i] = binary.LittleEndian.Uint32(blob[4*i:])
				}
				fp := sig.Fingerprint()
				convs = append(convs, conv{id, fp.Bytes()})
				return nil
			})
		if err != nil {
			return fmt.Errorf("convert near-duplicate signatures: %w", err)
		}
		for _, c := range convs {
			if _, err := upd.ExecContext(ctx, c.fp, c.id); err != nil {
				return fmt.Errorf("convert near-duplicate signatures: article %d: %w", c.id, err)
			}
		}
		if len(convs) < batch {
			break
		}
		after = convs[len(convs)-1].id
	}
	var bad int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE lsh IS NOT NULL AND length(lsh) <> ?`,
		neardup.FingerprintSize).Scan(&bad); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("convert near-duplicate signatures: %d stored signatures have the wrong length", bad)
	}
	return nil
}
