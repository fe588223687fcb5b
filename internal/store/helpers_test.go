package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
)

// t0 is the fixed "now" of the tests: times are relative to it so that
// expected window figures can be computed by hand.
var t0 = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func syncFeeds(t testing.TB, db *DB, fs ...FeedMeta) {
	t.Helper()
	if err := db.SyncFeeds(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
}

func feed(name string, weight float64) FeedMeta {
	return FeedMeta{Name: name, URL: "https://news.example/" + name + "/rss", Lang: "en", Country: "GB", Weight: weight}
}

func save(t testing.TB, db *DB, o FetchOutcome) SaveResult {
	t.Helper()
	if o.At.IsZero() {
		o.At = t0
	}
	if o.Status == "" {
		o.Status = StatusOK
	}
	res, err := db.SaveFetch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// item builds an article published `age` before t0. Texts shorter than
// minClusterWords stay stories of their own, which keeps the aggregate tests
// independent of the similarity measure.
func item(key, title, text string, age time.Duration) feeds.Item {
	return feeds.Item{
		Key:        key,
		GUID:       strings.TrimPrefix(key, "guid:"),
		Link:       "https://news.example/a/" + strings.NewReplacer(":", "-", " ", "-").Replace(key),
		Title:      title,
		Text:       text,
		Lang:       "en",
		Published:  t0.Add(-age),
		DateSource: feeds.DatePublished,
	}
}

// score builds a scoring result under lexicon version v: themes maps a theme
// to its score, flagged when at least 0.5.
func score(v string, themes map[string]float64, countries []string, dyads ...scoring.Dyad) scoring.Result {
	r := scoring.Result{LexiconVersion: v, Lang: "en", Themes: map[string]scoring.ThemeScore{}, Countries: countries, Dyads: dyads}
	for th, s := range themes {
		ts := scoring.ThemeScore{Score: s, Flagged: s >= 0.5}
		if s > 0 {
			ts.Matches = []scoring.Match{{Term: th + "*", Count: 2, Weight: 1,
				Spans: []scoring.Span{{Field: "title", Start: 0, End: 5}, {Field: "text", Start: 10, End: 16}}}}
		}
		r.Themes[th] = ts
	}
	return r
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// count returns the number of rows of a table (or of a table with a WHERE).
func count(t testing.TB, db *DB, from string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.r.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+from, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
