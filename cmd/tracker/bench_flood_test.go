package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// TestFloodDoesNotStallOtherFeeds: while a feed of thousands of
// near-duplicate items is fetched and written, a small feed fetched at the
// same time completes and is stored before the flood is, and the flood is
// stored whole, its copies in few stories. (Speed is reported by tracker
// bench --flood, not asserted here.)
func TestFloodDoesNotStallOtherFeeds(t *testing.T) {
	t.Parallel()
	const n = 4000 // eight chunks of the store's writer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /flood", func(w http.ResponseWriter, r *http.Request) { w.Write(floodFeed(n)) })
	mux.HandleFunc("GET /small/{round}", func(w http.ResponseWriter, r *http.Request) {
		round, _ := strconv.Atoi(r.PathValue("round"))
		w.Write(smallFeed(round))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	flood := config.Feed{Name: "flood", URL: srv.URL + "/flood", Weight: 1}
	small := func(round int) config.Feed {
		return config.Feed{Name: "small", URL: fmt.Sprintf("%s/small/%d", srv.URL, round), Weight: 1}
	}
	if err := db.SyncFeeds(ctx, []store.FeedMeta{{Name: "flood", URL: flood.URL, Weight: 1}, {Name: "small", URL: small(0).URL, Weight: 1}}); err != nil {
		t.Fatal(err)
	}
	scorer, err := scoring.New(nil, scoring.Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	fetcher := feeds.NewFetcher(feeds.Options{Timeout: time.Minute, MaxBodyBytes: 10 << 20}, nil)
	p := ingest.NewPipeline(fetcher, db, scorer, metrics.NewFetch(metrics.NewRegistry(), false), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)

	res, err := floodRun(ctx, p, db, flood, small)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("small runs %d, before flood %v", len(res.Small), res.SmallBeforeFlood)
	if f := res.Flood; f.Outcome != ingest.OutcomeOK || f.New != n {
		t.Fatalf("flood: %s, %d new (%v); want ok, %d", f.Outcome, f.New, f.Err, n)
	}
	if len(res.Small) == 0 || !res.SmallBeforeFlood[0] {
		t.Fatalf("the small feed's first run did not finish before the flood (%d runs)", len(res.Small))
	}
	for i, s := range res.Small {
		if s.Outcome != ingest.OutcomeOK || s.New != 5 {
			t.Errorf("small feed, run %d: %s, %d new (%v); want ok, 5", i, s.Outcome, s.New, s.Err)
		}
	}
	stats, err := db.WindowStats(ctx, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), []time.Duration{30 * 24 * time.Hour}, scorer.Version(), nil)
	if err != nil {
		t.Fatal(err)
	}
	smallArticles := int64(5 * len(res.Small))
	if s := stats[0]; s.Articles != n+smallArticles || s.Stories > smallArticles+n/100 {
		t.Errorf("%d articles in %d stories; want %d articles, the flood's copies in at most %d stories", s.Articles, s.Stories, n+smallArticles, n/100)
	}
}
