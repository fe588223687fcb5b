package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := &Pipeline{minBackoff: time.Minute}
	p.SetMaxBackoff(time.Hour)
	tests := []struct {
		name       string
		failures   int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{"first failure retries at the next slot", 1, 0, 0, 0},
		{"first failure honours Retry-After", 1, 2 * time.Minute, 2 * time.Minute, 2 * time.Minute},
		{"second failure", 2, 0, 96 * time.Second, 144 * time.Second},
		{"third failure", 3, 0, 192 * time.Second, 288 * time.Second},
		{"capped", 30, 0, 48 * time.Minute, 72 * time.Minute},
		{"Retry-After longer than backoff wins", 2, 3 * time.Hour, 3 * time.Hour, 3 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				got := p.backoff(tt.failures, tt.retryAfter)
				if got < tt.lo || got > tt.hi {
					t.Fatalf("backoff(%d, %v) = %v, want in [%v, %v]", tt.failures, tt.retryAfter, got, tt.lo, tt.hi)
				}
			}
		})
	}
}

type fakeFetcher struct {
	res *feeds.Result
	err error
	req []feeds.Request
}

func (f *fakeFetcher) Fetch(ctx context.Context, req feeds.Request) (*feeds.Result, error) {
	f.req = append(f.req, req)
	return f.res, f.err
}

type fakeStore struct {
	mu     sync.Mutex
	state  store.FeedState
	known  map[string]bool
	saved  []store.FetchOutcome
	failOn string
}

func (s *fakeStore) FeedState(ctx context.Context, name string) (store.FeedState, error) {
	return s.state, nil
}

func (s *fakeStore) Known(ctx context.Context, items []feeds.Item) (map[string]bool, error) {
	return s.known, nil
}

func (s *fakeStore) SaveFetch(ctx context.Context, o store.FetchOutcome) (store.SaveResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failOn == o.Status {
		return store.SaveResult{}, errors.New("disk full")
	}
	s.saved = append(s.saved, o)
	r := store.SaveResult{}
	for _, a := range o.Articles {
		if s.known[a.Item.Key] {
			r.Seen++
		} else {
			r.New++
		}
	}
	return r, nil
}

type countingScorer struct{ docs []scoring.Doc }

func (c *countingScorer) Score(d scoring.Doc) scoring.Result {
	c.docs = append(c.docs, d)
	return scoring.Result{ID: d.ID, LexiconVersion: "test"}
}
func (c *countingScorer) Version() string { return "test" }

func newTestPipeline(f Fetcher, st Store, sc Scorer) (*Pipeline, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	return NewPipeline(f, st, sc, metrics.NewFetch(reg, true), quietLog(), time.Hour), reg
}

func TestRunScoresOnlyUnknownItemsAndPassesValidators(t *testing.T) {
	t.Parallel()
	f := &fakeFetcher{res: &feeds.Result{Status: feeds.StatusOK, ETag: `"v2"`, Items: []feeds.Item{
		{Key: "guid:1", Title: "Tariffs rise", Text: "..."},
		{Key: "guid:2", Title: "Known story", Text: "...", Lang: "es"},
	}}}
	st := &fakeStore{state: store.FeedState{ETag: `"v1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"}, known: map[string]bool{"guid:2": true}}
	sc := &countingScorer{}
	p, reg := newTestPipeline(f, st, sc)
	sum := p.Run(context.Background(), config.Feed{Name: "wire", URL: "http://x/feed", Lang: "en"}, RunOptions{})
	if sum.Outcome != OutcomeOK || sum.New != 1 || sum.Seen != 1 || sum.Items != 2 {
		t.Fatalf("summary = %+v", sum)
	}
	if len(f.req) != 1 || f.req[0].ETag != `"v1"` || f.req[0].LastModified == "" || f.req[0].Lang != "en" {
		t.Fatalf("request = %+v, want the stored validators and the feed's language", f.req)
	}
	if len(sc.docs) != 1 || sc.docs[0].ID != "guid:1" || sc.docs[0].Lang != "en" {
		t.Fatalf("scored %+v, want only the unknown item, with the feed's language", sc.docs)
	}
	if len(st.saved) != 1 || len(st.saved[0].Articles) != 2 || st.saved[0].ETag != `"v2"` {
		t.Fatalf("saved = %+v, want one outcome carrying both items (the known one as a source) and the new ETag", st.saved)
	}
	if got := testutil.ToFloat64(mustCounter(t, reg, "tracker_articles_ingested_total")); got != 1 {
		t.Fatalf("tracker_articles_ingested_total = %v, want 1", got)
	}
}

func TestRunRecordsFailureWithBackoffAndSkipsWhileBackingOff(t *testing.T) {
	t.Parallel()
	f := &fakeFetcher{err: &feeds.FetchError{Reason: "rate_limited", HTTPStatus: 429, RetryAfter: 10 * time.Minute, Err: errors.New("429")}}
	st := &fakeStore{}
	p, reg := newTestPipeline(f, st, &countingScorer{})
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	feed := config.Feed{Name: "busy", URL: "http://x/feed"}
	sum := p.Run(context.Background(), feed, RunOptions{})
	if sum.Outcome != OutcomeError || sum.Reason != "rate_limited" {
		t.Fatalf("summary = %+v", sum)
	}
	if len(st.saved) != 1 || st.saved[0].Status != "error" || !st.saved[0].NextAttempt.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("saved = %+v, want an error outcome with next attempt = now + Retry-After", st.saved)
	}
	st.state.NextAttempt = st.saved[0].NextAttempt
	sum = p.Run(context.Background(), feed, RunOptions{})
	if sum.Outcome != OutcomeSkipped || len(f.req) != 1 {
		t.Fatalf("second run = %+v after %d requests, want a skip without a request", sum, len(f.req))
	}
	sum = p.Run(context.Background(), feed, RunOptions{IgnoreBackoff: true})
	if len(f.req) != 2 {
		t.Fatalf("IgnoreBackoff run made %d requests in total, want 2 (%+v)", len(f.req), sum)
	}
	if got := testutil.ToFloat64(mustCounter(t, reg, "tracker_fetch_failures_total")); got != 2 {
		t.Fatalf("tracker_fetch_failures_total = %v, want 2", got)
	}
}

func TestRunNotModifiedWritesOnlyState(t *testing.T) {
	t.Parallel()
	f := &fakeFetcher{res: &feeds.Result{Status: feeds.StatusNotModified, HTTPStatus: 304}}
	st := &fakeStore{}
	sc := &countingScorer{}
	p, _ := newTestPipeline(f, st, sc)
	sum := p.Run(context.Background(), config.Feed{Name: "calm", URL: "http://x/feed"}, RunOptions{})
	if sum.Outcome != OutcomeNotModified || len(sc.docs) != 0 {
		t.Fatalf("summary = %+v, scored %d", sum, len(sc.docs))
	}
	if len(st.saved) != 1 || st.saved[0].Status != "not_modified" || len(st.saved[0].Articles) != 0 {
		t.Fatalf("saved = %+v", st.saved)
	}
}

func TestRunStoreFailureIsReported(t *testing.T) {
	t.Parallel()
	f := &fakeFetcher{res: &feeds.Result{Status: feeds.StatusOK, Items: []feeds.Item{{Key: "guid:1", Title: "t"}}}}
	st := &fakeStore{failOn: "ok"}
	p, _ := newTestPipeline(f, st, &countingScorer{})
	sum := p.Run(context.Background(), config.Feed{Name: "w", URL: "http://x/feed"}, RunOptions{})
	if sum.Outcome != OutcomeError || sum.Reason != "store" || sum.Err == nil {
		t.Fatalf("summary = %+v, want a store error", sum)
	}
}

// mustCounter sums every series of a counter family in reg.
func mustCounter(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum"})
	c.Add(sum)
	return c
}
