package store

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkScrapeSynthetic is the store's part of one /metrics scrape
// (WindowStats over the default windows 1h, 6h, 24h with five watched dyads,
// feed states, last article time, audit labels) over a generated store of 5
// million articles spread over 90 days and 2,000 feeds: about 55,000
// articles per day, so the 24h window holds that many.
// TRACKER_SYNTHETIC_ARTICLES changes the size. The store is generated on
// first use (minutes) and cached in the temporary directory.
func BenchmarkScrapeSynthetic(b *testing.B) {
	n := 5_000_000
	if v := os.Getenv("TRACKER_SYNTHETIC_ARTICLES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	spec := ScrapeSynthetic(n)
	start := time.Now()
	path, err := CachedSynthetic(ctx, os.TempDir(), spec)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("synthetic store %s ready in %v", path, time.Since(start).Round(time.Second))
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	windows := []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour}
	watch := SyntheticDyads[:5]
	var stats []WindowStats
	for _, off := range []time.Duration{0, -17 * time.Minute, 23 * time.Minute} {
		b.Run("now=end"+off.String(), func(b *testing.B) {
			for b.Loop() {
				if stats, err = db.WindowStats(ctx, spec.End.Add(off), windows, spec.Version, watch); err != nil {
					b.Fatal(err)
				}
				if _, err := db.FeedStates(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := db.LastArticleTime(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := db.AuditStats(ctx, spec.Version); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(stats[2].Articles), "articles/24h")
		})
	}
	// The same window figures by the direct queries (before schema 5), for
	// comparison.
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.windowStatsDirect(ctx, spec.End, windows, spec.Version, watch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
