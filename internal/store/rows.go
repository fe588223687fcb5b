package store

import (
	"context"
	"fmt"
	"strings"
)

// Multi-row inserts.
//
// An article has about ten rows in the leaf tables below (its source, its
// scoring, and its scores, countries and dyads); inserted one statement per
// row, the per-statement cost (binding, stepping, resetting, the driver and
// database/sql) was a third of the writer's time. The write path buffers
// these rows for a whole outcome and inserts them with multi-row INSERTs,
// which is safe because it never reads them back before the outcome ends,
// except when it links a stored article, and then it flushes first.

// rowTable is one table the write path inserts into in bulk.
type rowTable struct {
	name string
	cols int
	// queries[i] inserts chunkRows[i] rows.
	queries [len(chunkRows)]string
}

// chunkRows are the row counts of the prepared multi-row statements: a
// flush of n rows takes the largest that fits, repeatedly. Powers of two keep
// it to a few statements per flush with few statements to prepare.
var chunkRows = [...]int{32, 16, 8, 4, 2, 1}

func newRowTable(name, insert string, cols int) rowTable {
	t := rowTable{name: name, cols: cols}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for i, n := range chunkRows {
		t.queries[i] = insert + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
	}
	return t
}

// The bulk tables, in the order a flush inserts them: a scoring row is the
// parent (foreign key) of the score, country and dyad rows.
const (
	tSources = iota
	tScorings
	tScores
	tCountries
	tDyads
	numRowTables
)

// rowTables are immutable after initialisation.
var rowTables = [numRowTables]rowTable{
	tSources:   newRowTable("source", `INSERT INTO article_sources(article_id, feed_id, first_seen_ms, published_ms)`, 4),
	tScorings:  newRowTable("scoring", `INSERT INTO scorings(article_id, lexicon_version, lang, scored_ms, explanation)`, 5),
	tScores:    newRowTable("score", `INSERT INTO scores(article_id, lexicon_version, theme, score, flagged, published_ms)`, 6),
	tCountries: newRowTable("country", `INSERT INTO article_countries(article_id, lexicon_version, rank, country)`, 4),
	// A dyad listed twice (once in each order) is stored once.
	tDyads: newRowTable("dyad", `INSERT OR IGNORE INTO article_dyads(article_id, lexicon_version, dyad, rank)`, 4),
}

// bulkQueries lists the statements of rowTables, for preparing.
func bulkQueries() []string {
	var qs []string
	for _, t := range rowTables {
		qs = append(qs, t.queries[:]...)
	}
	return qs
}

// rowBuffer holds rows waiting to be inserted, as flat argument lists.
type rowBuffer [numRowTables][]any

func (b *rowBuffer) add(table int, args ...any) {
	b[table] = append(b[table], args...)
}

func (b *rowBuffer) empty() bool {
	for _, args := range b {
		if len(args) > 0 {
			return false
		}
	}
	return true
}

// flush inserts every buffered row and empties the buffer.
func (b *rowBuffer) flush(ctx context.Context, exec execFunc) error {
	for ti := range b {
		t := &rowTables[ti]
		args := b[ti]
		for len(args) > 0 {
			rows := len(args) / t.cols
			i := 0
			for chunkRows[i] > rows {
				i++
			}
			n := chunkRows[i] * t.cols
			if _, err := exec(ctx, t.queries[i], args[:n]...); err != nil {
				return fmt.Errorf("insert %s rows: %w", t.name, err)
			}
			args = args[n:]
		}
		// Keep the capacity for the next outcome, not the values.
		clear(b[ti])
		b[ti] = b[ti][:0]
	}
	return nil
}
