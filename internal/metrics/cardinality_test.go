package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// fakeStore answers the collector with n active feeds, every one fetched,
// failed once and carrying articles in every window.
type fakeStore struct {
	feeds  []string
	themes []string
}

func (f fakeStore) WindowStats(_ context.Context, _ time.Time, windows []time.Duration, _ string, watch []scoring.Dyad) ([]store.WindowStats, error) {
	var out []store.WindowStats
	for _, w := range windows {
		ws := store.WindowStats{Window: w, Stories: 10, StoriesWeighted: 10, Articles: 12,
			Themes: map[string]store.ThemeAgg{}, Dyads: map[string]store.DyadAgg{}, Feeds: map[string]store.FeedWindow{}}
		for _, name := range f.feeds {
			fl := map[string]int64{}
			for _, t := range f.themes {
				fl[t] = 1
			}
			ws.Feeds[name] = store.FeedWindow{Articles: 3, Flagged: fl}
		}
		out = append(out, ws)
	}
	return out, nil
}

func (f fakeStore) FeedStates(context.Context) ([]store.FeedState, error) {
	var out []store.FeedState
	now := time.Now()
	for _, name := range f.feeds {
		out = append(out, store.FeedState{Name: name, Active: true, LastAttempt: now, LastSuccess: now, LastStatus: "ok", ConsecutiveFailures: 0})
	}
	return out, nil
}

func (f fakeStore) LastArticleTime(context.Context) (time.Time, error) { return time.Now(), nil }
func (f fakeStore) AuditStats(context.Context, string) (map[string]store.AuditAgg, error) {
	return nil, nil
}

// seriesOf builds a registry as the daemon does for n feeds (every counter
// pre-initialised, one fetch of each feed recorded) and counts the tracker_*
// series, split into those with a feed label and the rest.
func seriesOf(t testing.TB, n int, detail bool) (perFeed, other int, reg *prometheus.Registry) {
	themes := []string{"migration", "security", "sovereignty", "trade"}
	var names []string
	var infos []FeedInfo
	for i := range n {
		name := fmt.Sprintf("feed-%04d", i)
		names = append(names, name)
		infos = append(infos, FeedInfo{Name: name, Lang: "en", Country: "GB", Weight: 1})
	}
	reg = NewRegistry()
	fetch := NewFetch(reg, detail)
	// The reasons the daemon initialises (cmd/tracker failureReasons).
	reasons := []string{"store"}
	for _, r := range feeds.Reasons() {
		reasons = append(reasons, string(r))
	}
	for _, name := range names {
		fetch.Init(name, reasons)
		fetch.Attempt(name)
		fetch.Done(name, time.Second, 1000, 10, 2, 0)
	}
	NewReload(reg)
	NewRescore(reg)
	NewWebInfo(reg).Set("https://tracker.example.org")
	c := NewCollector(fakeStore{feeds: names, themes: themes}, 10*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c.SetSettings(Settings{Windows: []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour}, LexiconVersion: "v1", Themes: themes,
		Watch: []scoring.Dyad{{A: "MX", B: "US"}, {A: "CN", B: "US"}}, Feeds: infos, FeedDetail: detail})
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "tracker_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			k := 1
			if h := m.GetHistogram(); h != nil {
				k = len(h.GetBucket()) + 3 // buckets, +Inf, _sum, _count
			}
			feed := false
			for _, l := range m.GetLabel() {
				feed = feed || l.GetName() == "feed"
			}
			if feed {
				perFeed += k
			} else {
				other += k
			}
		}
	}
	return perFeed, other, reg
}

// TestFeedSeriesBudget: by default a feed costs at most 15 series (with the
// default three windows), so 2,000 feeds stay near 30,000 series; full
// detail is opt-in. The figures are logged for docs/metrics.md.
func TestFeedSeriesBudget(t *testing.T) {
	for _, n := range []int{20, 200, 2000} {
		for _, detail := range []bool{false, true} {
			perFeed, other, _ := seriesOf(t, n, detail)
			t.Logf("feeds=%d feed_metrics=%s: %d per-feed series (%.1f per feed) + %d others = %d tracker_* series",
				n, map[bool]string{false: "basic", true: "full"}[detail], perFeed, float64(perFeed)/float64(n), other, perFeed+other)
			if !detail && perFeed > 15*n {
				t.Errorf("feeds=%d basic: %d per-feed series, budget %d (15 per feed)", n, perFeed, 15*n)
			}
			if detail && perFeed <= 15*n {
				t.Errorf("feeds=%d full: %d per-feed series, want the detail beyond the basic budget", n, perFeed)
			}
		}
	}
}

// TestMetricsLint runs promtool's metric lint (the library behind
// `promtool check metrics`) on a full registry.
func TestMetricsLint(t *testing.T) {
	for _, detail := range []bool{false, true} {
		_, _, reg := seriesOf(t, 3, detail)
		problems, err := promlint.NewWithMetricFamilies(mustGather(t, reg)).Lint()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			if strings.HasPrefix(p.Metric, "tracker_") {
				t.Errorf("detail=%v: %s: %s", detail, p.Metric, p.Text)
			}
		}
	}
}

func mustGather(t testing.TB, reg *prometheus.Registry) []*dto.MetricFamily {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}
