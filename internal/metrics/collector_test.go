package metrics

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// stubStore answers the collector's reads; a read named in hang blocks
// until its context ends (a store locked or starved), one named in fail
// returns an error at once.
type stubStore struct {
	hang, fail map[string]bool
}

func (s stubStore) read(ctx context.Context, name string) error {
	if s.hang[name] {
		<-ctx.Done()
		return ctx.Err()
	}
	if s.fail[name] {
		return errors.New("disk I/O error")
	}
	return nil
}

func (s stubStore) WindowStats(ctx context.Context, now time.Time, windows []time.Duration, _ string, _ []scoring.Dyad) ([]store.WindowStats, error) {
	if err := s.read(ctx, "windows"); err != nil {
		return nil, err
	}
	out := make([]store.WindowStats, len(windows))
	for i, w := range windows {
		out[i] = store.WindowStats{Window: w, Stories: 3, Articles: 4}
	}
	return out, nil
}

func (s stubStore) FeedStates(ctx context.Context) ([]store.FeedState, error) {
	if err := s.read(ctx, "feeds"); err != nil {
		return nil, err
	}
	return []store.FeedState{{Name: "wire", Articles: 7, LastAttempt: time.Unix(100, 0), LastSuccess: time.Unix(100, 0), LastStatus: "ok"}}, nil
}

func (s stubStore) LastArticleTime(ctx context.Context) (time.Time, error) {
	return time.Unix(50, 0), s.read(ctx, "last")
}

func (s stubStore) AuditStats(ctx context.Context, _ string) (map[string]store.AuditAgg, error) {
	return nil, s.read(ctx, "audit")
}

// TestCollectorPartialOnStoreTrouble checks that a store read that fails or
// never returns gives a partial answer with tracker_store_scrape_success 0
// rather than an error or a hang: Prometheus then still sees the feed
// series, and the up-style gauge says what is missing.
func TestCollectorPartialOnStoreTrouble(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		st          stubStore
		wantSuccess float64
		// want are series that must be present, absent those that must not.
		want, absent []string
	}{
		{name: "healthy", st: stubStore{}, wantSuccess: 1,
			want: []string{"tracker_stories", "tracker_feed_stored_articles", "tracker_last_article_timestamp_seconds"}},
		{name: "window aggregates hang", st: stubStore{hang: map[string]bool{"windows": true}}, wantSuccess: 0,
			want: []string{"tracker_feed_stored_articles", "tracker_feed_info", "tracker_lexicon_info"}, absent: []string{"tracker_stories"}},
		{name: "every read hangs", st: stubStore{hang: map[string]bool{"windows": true, "feeds": true, "last": true, "audit": true}}, wantSuccess: 0,
			want: []string{"tracker_feed_info", "tracker_lexicon_info"}, absent: []string{"tracker_stories", "tracker_feed_stored_articles"}},
		{name: "feed state fails", st: stubStore{fail: map[string]bool{"feeds": true}}, wantSuccess: 0,
			want: []string{"tracker_stories"}, absent: []string{"tracker_feed_stored_articles"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A short deadline keeps the hanging cases quick; the test
			// asserts what comes back, not how fast.
			c := NewCollector(tc.st, 50*time.Millisecond, slog.New(slog.DiscardHandler))
			c.SetSettings(Settings{Windows: []time.Duration{time.Hour}, LexiconVersion: "v1", Themes: []string{"trade"},
				Feeds: []FeedInfo{{Name: "wire", Lang: "en", Weight: 1}}})
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			got := map[string]float64{}
			for _, mf := range mfs {
				got[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
			}
			if v, ok := got["tracker_store_scrape_success"]; !ok || v != tc.wantSuccess {
				t.Errorf("tracker_store_scrape_success = %v (present %v), want %v", v, ok, tc.wantSuccess)
			}
			for _, n := range tc.want {
				if _, ok := got[n]; !ok {
					t.Errorf("%s missing from a partial answer", n)
				}
			}
			for _, n := range tc.absent {
				if _, ok := got[n]; ok {
					t.Errorf("%s present although its read failed", n)
				}
			}
			if n, err := testutil.GatherAndCount(reg, "tracker_store_scrape_success"); err != nil || n != 1 {
				t.Errorf("scrape success series = %d (%v), want 1", n, err)
			}
			if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
				var b strings.Builder
				for _, p := range problems {
					b.WriteString(p.Metric + ": " + p.Text + "; ")
				}
				t.Errorf("lint: %v %s", err, b.String())
			}
		})
	}
}
