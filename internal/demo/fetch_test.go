package demo_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/demo"
	"github.com/tensiontracker/tracker/internal/feeds"
)

// TestTrackerFetcherCycles runs the tracker's own fetcher against the demo
// server, as `tracker demo` does: the first cycle parses every feed with the
// expected language and fresh dates, the second is answered 304.
func TestTrackerFetcherCycles(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 15, 47, 12, 0, time.UTC)
	srv := httptest.NewServer(demo.NewServer(func() time.Time { return now }))
	defer srv.Close()
	f := feeds.NewFetcher(feeds.Options{Now: func() time.Time { return now }}, srv.Client())
	ctx := context.Background()

	total, lastHour := 0, 0
	for _, feed := range demo.Feeds() {
		req := feeds.Request{Feed: feed.Name, URL: srv.URL + feed.Path, Lang: feed.Lang}
		res, err := f.Fetch(ctx, req)
		if err != nil {
			t.Fatalf("%s: first fetch: %v", feed.Name, err)
		}
		if res.Status != feeds.StatusOK || len(res.Items) == 0 || res.FutureDated != 0 {
			t.Errorf("%s: first fetch status %v, %d items, %d future-dated", feed.Name, res.Status, len(res.Items), res.FutureDated)
		}
		total += len(res.Items)
		for _, it := range res.Items {
			if it.Lang != feed.Lang {
				t.Errorf("%s: item %s lang %q, want %q", feed.Name, it.Key, it.Lang, feed.Lang)
			}
			if it.DateSource != feeds.DatePublished && it.DateSource != feeds.DateUpdated {
				t.Errorf("%s: item %s date source %q", feed.Name, it.Key, it.DateSource)
			}
			if !it.Published.Before(now.Add(-time.Hour)) {
				lastHour++
			}
		}
		if feed.Name == "americas-es" {
			if res.Charset != "iso-8859-1" && res.Charset != "windows-1252" {
				t.Errorf("americas-es decoded from %q, want ISO-8859-1", res.Charset)
			}
			var all strings.Builder
			for _, it := range res.Items {
				all.WriteString(it.Title + " " + it.Text + " ")
			}
			for _, w := range []string{"México", "soberanía", "«Ni un soldado estadounidense en suelo mexicano»"} {
				if !strings.Contains(all.String(), w) {
					t.Errorf("americas-es: normalised items lack %q", w)
				}
			}
		}

		// The next cycle, a minute later, sends the validators back.
		req.ETag, req.LastModified = res.ETag, res.LastModified
		if req.ETag == "" || req.LastModified == "" {
			t.Errorf("%s: no validators to send back (ETag %q, Last-Modified %q)", feed.Name, req.ETag, req.LastModified)
		}
		res2, err := f.Fetch(ctx, req)
		if err != nil {
			t.Fatalf("%s: second fetch: %v", feed.Name, err)
		}
		if res2.Status != feeds.StatusNotModified {
			t.Errorf("%s: second fetch status %v, want not_modified", feed.Name, res2.Status)
		}
	}
	if total != len(demo.Articles()) {
		t.Errorf("fetcher saw %d items, Articles() has %d", total, len(demo.Articles()))
	}
	if lastHour < 3 {
		t.Errorf("%d items published in the last hour, want at least 3", lastHour)
	}
}
