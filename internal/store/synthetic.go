package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// Synthetic describes a generated store for measuring the read side (the
// scrape) at sizes no test could ingest through the write path: millions
// of articles written straight into SQLite rows.
type Synthetic struct {
	Articles int           // stored articles
	Span     time.Duration // published evenly over (End-Span, End], as under a retention of Span
	End      time.Time
	Feeds    int    // feeds of weights 0.5-3; about 10% of articles carried by two
	Version  string // the lexicon version of every scoring
	Seed     uint64
}

// ScrapeSynthetic is the generated store the scrape benchmarks read (the
// store's BenchmarkScrapeSynthetic and tracker bench --scrape-articles share
// it, and so its cached file): n articles over 90 days, the retention
// default, from 2,000 feeds, ending at a fixed time.
func ScrapeSynthetic(n int) Synthetic {
	return Synthetic{Articles: n, Span: 90 * 24 * time.Hour, End: time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC),
		Feeds: 2000, Version: "v1", Seed: 1}
}

// syntheticLayout is the schema version whose row layout GenerateSynthetic
// writes; Open then applies the later migrations, as on an upgraded
// installation (migration 0005 builds the hourly aggregates from the rows).
const syntheticLayout = 4

// SyntheticThemes and SyntheticDyads are what GenerateSynthetic scores
// articles with; watch a few of the dyads to measure their cost.
var (
	SyntheticThemes = []string{"migration", "security", "sovereignty", "trade"}
	SyntheticDyads  = []scoring.Dyad{{A: "MX", B: "US"}, {A: "CN", B: "US"}, {A: "RU", B: "UA"}, {A: "CN", B: "TW"},
		{A: "CA", B: "US"}, {A: "IL", B: "PS"}, {A: "IN", B: "PK"}, {A: "KR", B: "KP"}, {A: "AM", B: "AZ"},
		{A: "ET", B: "ER"}, {A: "GR", B: "TR"}, {A: "CO", B: "VE"}, {A: "RS", B: "XK"}, {A: "SA", B: "YE"},
		{A: "JP", B: "CN"}, {A: "PH", B: "CN"}, {A: "DE", B: "RU"}, {A: "FR", B: "DZ"}, {A: "BR", B: "AR"}, {A: "EG", B: "ET"}}
)

// GenerateSynthetic writes a database of s.Articles generated articles at
// path, which must not exist, then opens and closes it once so that it is
// migrated to the current schema. Each article has a short title and no
// text (the scrape never reads them), a source, a scoring with a compact
// explanation, a score for about one theme in four each (half of them
// flagged), and a dyad for half of them; 15% are syndicated copies joining
// a story among the 200 latest. It takes minutes for millions: cache the
// file.
func GenerateSynthetic(ctx context.Context, path string, s Synthetic) error {
	if s.Articles <= 0 || s.Feeds <= 0 || s.Span <= 0 || s.Version == "" || s.End.IsZero() {
		return fmt.Errorf("generate synthetic store: incomplete spec %+v", s)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("generate synthetic store: %s exists", abs)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return err
	}
	w, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return err
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	if err := migrateTo(ctx, w, syntheticLayout); err != nil {
		return fmt.Errorf("generate synthetic store: %w", err)
	}
	if err := fillSynthetic(ctx, w, s); err != nil {
		return fmt.Errorf("generate synthetic store: %w", err)
	}
	if err := w.Close(); err != nil {
		return err
	}
	db, err := Open(ctx, abs)
	if err != nil {
		return fmt.Errorf("generate synthetic store: migrate: %w", err)
	}
	return db.Close()
}

func fillSynthetic(ctx context.Context, w *sql.DB, s Synthetic) error {
	rng := rand.New(rand.NewPCG(s.Seed, 7))
	weights := make([]float64, s.Feeds)
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { rollback(tx) }()
	for i := range weights {
		weights[i] = 0.5 + float64(rng.IntN(6))*0.5
		if _, err := tx.ExecContext(ctx, `INSERT INTO feeds(id, name, weight, lang, country) VALUES (?, ?, ?, 'en', 'US')`,
			i+1, fmt.Sprintf("feed%04d", i+1), weights[i]); err != nil {
			return err
		}
	}
	recorded := map[string]bool{}
	var rows rowBuffer
	const batch = 32
	articleQuery := `INSERT INTO articles(id, key, lang, published_ms, date_source, first_seen_ms, cluster_id, words, title) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, 'en', ?, 'item', ?, ?, 0, ?), ", batch), ", ")
	var articleArgs []any
	recent := make([]int64, 0, 200) // cluster ids of the latest articles
	startMS, spanMS := ms(s.End)-s.Span.Milliseconds(), s.Span.Milliseconds()
	for i := 1; i <= s.Articles; i++ {
		id := int64(i)
		published := startMS + spanMS*int64(i)/int64(s.Articles) - rng.Int64N(60_000)
		cluster := id
		if len(recent) > 0 && rng.IntN(100) < 15 {
			cluster = recent[rng.IntN(len(recent))]
		}
		if len(recent) == cap(recent) {
			recent = recent[1:]
		}
		recent = append(recent, cluster)
		articleArgs = append(articleArgs, id, fmt.Sprintf("syn:%d", i), published, published+rng.Int64N(3_600_000),
			cluster, fmt.Sprintf("Synthetic article %d", i))
		f := rng.IntN(s.Feeds)
		rows.add(tSources, id, f+1, published, published)
		if rng.IntN(10) == 0 {
			if g := rng.IntN(s.Feeds); g != f {
				rows.add(tSources, id, g+1, published, published)
			}
		}
		r := scoring.Result{LexiconVersion: s.Version, Lang: "en", Themes: map[string]scoring.ThemeScore{}}
		for _, th := range SyntheticThemes {
			ts := scoring.ThemeScore{}
			if rng.IntN(4) == 0 {
				ts.Score = rng.Float64()
				ts.Flagged = ts.Score >= 0.5
				ts.Matches = []scoring.Match{{Term: th, Count: 1, Weight: 1, Spans: []scoring.Span{{Field: "title", Start: 0, End: 9}}}}
			}
			r.Themes[th] = ts
		}
		if rng.IntN(2) == 0 {
			d := SyntheticDyads[rng.IntN(len(SyntheticDyads))]
			r.Countries = []string{d.A, d.B}
			r.Dyads = []scoring.Dyad{d}
		}
		e, err := encodeScore(r)
		if err != nil {
			return err
		}
		if err := writeEncodedScore(ctx, tx.ExecContext, recorded, &rows, id, published, e, s.End); err != nil {
			return err
		}
		if len(articleArgs) == batch*6 {
			if _, err := tx.ExecContext(ctx, articleQuery, articleArgs...); err != nil {
				return fmt.Errorf("insert articles: %w", err)
			}
			articleArgs = articleArgs[:0]
			if err := rows.flush(ctx, tx.ExecContext); err != nil {
				return err
			}
		}
		if i%100_000 == 0 || i == s.Articles {
			// The remainder, one at a time, then commit: a bounded WAL.
			for len(articleArgs) > 0 {
				if _, err := tx.ExecContext(ctx, articleQuery[:strings.Index(articleQuery, "), ")+1], articleArgs[:6]...); err != nil {
					return fmt.Errorf("insert articles: %w", err)
				}
				articleArgs = articleArgs[6:]
			}
			if err := rows.flush(ctx, tx.ExecContext); err != nil {
				return err
			}
			if err := tx.Commit(); err != nil {
				return err
			}
			if tx, err = w.BeginTx(ctx, nil); err != nil {
				return err
			}
		}
	}
	// Stories, as ingest keeps them: earliest publication, first article,
	// highest source weight, member count.
	if _, err := tx.ExecContext(ctx, `INSERT INTO stories(cluster_id, rep_id, published_ms, weight, articles)
		SELECT a.cluster_id, MIN(a.id), MIN(a.published_ms), MAX(f.weight), COUNT(DISTINCT a.id)
		FROM articles a JOIN article_sources s ON s.article_id = a.id JOIN feeds f ON f.id = s.feed_id
		GROUP BY a.cluster_id`); err != nil {
		return fmt.Errorf("insert stories: %w", err)
	}
	return tx.Commit()
}

// CachedSynthetic returns the path of the synthetic store s in dir,
// generating it first when it is not there yet. The file is named after
// the spec, and written under a temporary name then renamed, so an
// interrupted generation is never taken for a cached one.
func CachedSynthetic(ctx context.Context, dir string, s Synthetic) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("tracker-synthetic-%d-%dfeeds-%dh-%s-%d-%d.db",
		s.Articles, s.Feeds, int64(s.Span/time.Hour), s.Version, s.End.Unix(), s.Seed))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := path + ".partial"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	if err := GenerateSynthetic(ctx, tmp, s); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
