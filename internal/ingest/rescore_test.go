package ingest

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
	"github.com/tensiontracker/tracker/internal/synth"
)

// renamed is the built-in scorer under another version name: the same
// scores, so the figures before and after a switch are comparable whatever
// the lexicon's tuning.
type renamed struct {
	sc      *scoring.Scorer
	version string
}

func (r renamed) Score(d scoring.Doc) scoring.Result {
	res := r.sc.Score(d)
	res.LexiconVersion = r.version
	return res
}

func (r renamed) Version() string { return r.version }

var (
	builtinOnce sync.Once
	builtin     *scoring.Scorer
)

func builtinScorer(t testing.TB, version string) renamed {
	t.Helper()
	builtinOnce.Do(func() {
		var err error
		if builtin, err = scoring.New(nil, scoring.Options{Builtin: true}); err != nil {
			t.Fatal(err)
		}
	})
	return renamed{sc: builtin, version: version}
}

// filledStore opens a store in dir holding n synthetic articles published
// over span before now, scored with v1.
func filledStore(t testing.TB, dir string, n int, span time.Duration, now time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := synth.Fill(ctx, db, builtinScorer(t, "v1"), synth.Options{Articles: n, Now: now, Span: span, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return db
}

// windowFigures are the figures of the 6h window under version: stories
// and flagged stories per theme.
func windowFigures(t testing.TB, db *store.DB, now time.Time, version string) map[string]float64 {
	t.Helper()
	ws, err := db.WindowStats(context.Background(), now, []time.Duration{6 * time.Hour}, version, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{"stories": float64(ws[0].Stories)}
	for theme, a := range ws[0].Themes {
		out[theme] = float64(a.Flagged)
	}
	return out
}

// TestLexiconSwitchKeepsWindows re-scores a store with a new lexicon
// version while sampling the figures of the exported version, and checks
// that the 6h window never falls below 90% of its final value: the old
// version stays exported until the windows are re-scored (newest first),
// then the switch happens, and the rest is re-scored after. It also checks
// that the switch is persisted, so a restart does not switch back.
func TestLexiconSwitchKeepsWindows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	db := filledStore(t, t.TempDir(), 2000, 2*24*time.Hour, now)
	reg := prometheus.NewRegistry()
	r := NewRescorer(db, quietLog(), metrics.NewRescore(reg))
	r.batch = 100 // many batches, so the samples below see the switch under way

	var mu sync.Mutex
	var published []string
	publish := func(v string) {
		mu.Lock()
		published = append(published, v)
		mu.Unlock()
	}
	// The first start exports v1 at once (the only version so far) and persists it.
	r.Start(ctx, builtinScorer(t, "v1"), Plan{Since: now.Add(-30 * 24 * time.Hour), Window: 24 * time.Hour}, publish)
	r.Wait()
	if got, _ := db.ExportedLexicon(ctx); got != "v1" {
		t.Fatalf("exported version persisted = %q, want v1", got)
	}

	// A "restart" with v2: a new rescorer knows the exported version only
	// from the store.
	r = NewRescorer(db, quietLog(), metrics.NewRescore(prometheus.NewRegistry()))
	r.batch = 100
	var samples []map[string]float64
	r.Start(ctx, builtinScorer(t, "v2"), Plan{Since: now.Add(-30 * 24 * time.Hour), Window: 24 * time.Hour}, publish)
	if got := r.ExportedVersion(); got != "v1" {
		t.Fatalf("exported right after the restart = %q, want v1 until the windows are re-scored", got)
	}
	done := make(chan struct{})
	go func() { r.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		samples = append(samples, windowFigures(t, db, now, r.ExportedVersion()))
	}
	if got := r.ExportedVersion(); got != "v2" {
		t.Fatalf("exported after re-scoring = %q, want v2", got)
	}
	if got, _ := db.ExportedLexicon(ctx); got != "v2" {
		t.Errorf("exported version persisted = %q, want v2", got)
	}
	final := windowFigures(t, db, now, "v2")
	if final["stories"] == 0 {
		t.Fatal("the 6h window is empty: the test measures nothing")
	}
	flaggedThemes := 0
	for k, v := range final {
		if k != "stories" && v > 0 {
			flaggedThemes++
		}
	}
	if flaggedThemes == 0 {
		t.Fatal("no theme flagged in the 6h window: the test measures nothing")
	}
	for i, s := range samples {
		for k, fin := range final {
			if s[k] < 0.9*fin {
				t.Errorf("sample %d of %d: 6h %s = %v, below 90%% of its final %v", i, len(samples), k, s[k], fin)
			}
		}
	}
	t.Logf("%d samples during the switch", len(samples))
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"v1", "v1", "v2"}; !equal(published, want) {
		t.Errorf("published versions %v, want %v", published, want)
	}
	// Every article in the retention period is re-scored in the end.
	left, _, err := db.ArticlesToRescore(ctx, "v2", now.Add(-30*24*time.Hour), store.RescoreCursor{}, 10)
	if err != nil || len(left) != 0 {
		t.Errorf("articles left without a v2 scoring: %d (%v)", len(left), err)
	}
}

// countingStore counts the re-scored articles committed.
type countingStore struct {
	RescoreStore
	saved atomic.Int64
}

func (c *countingStore) SaveRescored(ctx context.Context, batch []store.Rescored) (int, error) {
	n, err := c.RescoreStore.SaveRescored(ctx, batch)
	c.saved.Add(int64(n))
	return n, err
}

// TestIngestCommitsDuringRescoring checks that re-scoring does not starve
// ingest. Both write through the single writer connection; re-scoring
// takes it for one batch at a time, and a connection released while ingest
// waits for it goes to ingest (the re-scoring goroutine, which releases it,
// is not waiting for it then). So every ingest commit made while re-scoring
// runs waits for at most the batch in progress: at most two batches of
// re-scored articles are committed during one SaveFetch (the one in
// progress, and one whose count had not been added when SaveFetch began).
// A re-scoring that held the writer for longer (one transaction for the
// window, say) fails this.
func TestIngestCommitsDuringRescoring(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	const stored = 2500
	db := filledStore(t, t.TempDir(), stored, 2*24*time.Hour, now)
	if err := db.SetExportedLexicon(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	st := &countingStore{RescoreStore: db}
	r := NewRescorer(st, quietLog(), metrics.NewRescore(prometheus.NewRegistry()))
	r.batch = 100 // 25 writer turns
	v2 := builtinScorer(t, "v2")
	r.Start(ctx, v2, Plan{Since: now.Add(-30 * 24 * time.Hour), Window: 24 * time.Hour}, func(string) {})
	finished := make(chan struct{})
	go func() { r.Wait(); close(finished) }()

	rng := rand.New(rand.NewPCG(11, 0))
	committedDuring, longestWait := 0, int64(0)
	for i := 0; ; i++ {
		it := synth.Item(rng, stored+i, time.Now())
		a := store.NewArticle{Item: it, Score: v2.Score(scoring.Doc{ID: it.Key, Title: it.Title, Text: it.Text, Lang: it.Lang})}
		before := st.saved.Load()
		res, err := db.SaveFetch(ctx, store.FetchOutcome{Feed: synth.FeedName(0), At: time.Now(), Status: store.StatusOK, Articles: []store.NewArticle{a}})
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 1 {
			t.Fatalf("fetch %d stored %d new articles, want 1", i, res.New)
		}
		waited := st.saved.Load() - before
		longestWait = max(longestWait, waited)
		if waited > int64(2*r.batch) {
			t.Errorf("ingest commit %d waited for %d re-scored articles, more than two batches of %d", i, waited, r.batch)
		}
		select {
		case <-finished:
		default:
			committedDuring++
			continue
		}
		break
	}
	if committedDuring < 3 {
		t.Errorf("only %d ingest commits returned while re-scoring ran", committedDuring)
	}
	t.Logf("%d ingest commits during re-scoring of %d articles; the longest waited for %d re-scored articles", committedDuring, stored, longestWait)
	left, _, err := db.ArticlesToRescore(ctx, "v2", now.Add(-30*24*time.Hour), store.RescoreCursor{}, 10)
	if err != nil || len(left) != 0 {
		t.Errorf("articles left without a v2 scoring: %d (%v)", len(left), err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// flakyStore fails the first failures calls of SaveRescored.
type flakyStore struct {
	RescoreStore
	mu       sync.Mutex
	failures int
}

func (f *flakyStore) SaveRescored(ctx context.Context, batch []store.Rescored) (int, error) {
	f.mu.Lock()
	fail := f.failures > 0
	if fail {
		f.failures--
	}
	f.mu.Unlock()
	if fail {
		return 0, errors.New("database is locked")
	}
	return f.RescoreStore.SaveRescored(ctx, batch)
}

// TestRescoreFailuresAreRetried checks that failed re-scoring is retried
// with backoff, counted in tracker_rescore_failures_total, and that the
// switch still happens once an attempt succeeds.
func TestRescoreFailuresAreRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	db := filledStore(t, t.TempDir(), 300, 12*time.Hour, now)
	if err := db.SetExportedLexicon(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	st := &flakyStore{RescoreStore: db, failures: 3}
	reg := prometheus.NewRegistry()
	r := NewRescorer(st, quietLog(), metrics.NewRescore(reg))
	r.retryMin = time.Millisecond
	var last string
	r.Start(ctx, builtinScorer(t, "v2"), Plan{Since: now.Add(-24 * time.Hour), Window: 6 * time.Hour}, func(v string) { last = v })
	r.Wait()
	if last != "v2" {
		t.Errorf("exported after retries = %q, want v2", last)
	}
	if got := testutil.ToFloat64(metricNamed(t, reg, "tracker_rescore_failures_total")); got != 3 {
		t.Errorf("tracker_rescore_failures_total = %v, want 3", got)
	}
	if got := testutil.ToFloat64(metricNamed(t, reg, "tracker_rescore_articles_total")); got != 300 {
		t.Errorf("tracker_rescore_articles_total = %v, want 300", got)
	}
}

// metricNamed finds a registered counter or gauge by name.
func metricNamed(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			v := mf.GetMetric()[0]
			if c := v.GetCounter(); c != nil {
				g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
				g.Set(c.GetValue())
				return g
			}
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
			g.Set(v.GetGauge().GetValue())
			return g
		}
	}
	t.Fatalf("%s not registered", name)
	return nil
}

// BenchmarkRescore100k re-scores a store of synthetic articles (100,000 by
// default; TRACKER_BENCH_ARTICLES changes it) with a new lexicon version and
// reports articles/s and the total time. Filling the store is not timed.
//
//	go test -run '^$' -bench Rescore100k -benchtime 1x ./internal/ingest/
func BenchmarkRescore100k(b *testing.B) {
	n := 100000
	if s := os.Getenv("TRACKER_BENCH_ARTICLES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	now := time.Now()
	db := filledStore(b, b.TempDir(), n, 90*24*time.Hour, now)
	r := NewRescorer(db, quietLog(), metrics.NewRescore(prometheus.NewRegistry()))
	b.ResetTimer()
	var total time.Duration
	for i := range b.N {
		start := time.Now()
		got, err := r.Run(ctx, builtinScorer(b, "bench-"+strconv.Itoa(i)), now.Add(-91*24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("re-scored %d articles, want %d", got, n)
		}
		total += time.Since(start)
	}
	secs := total.Seconds() / float64(b.N)
	b.ReportMetric(float64(n)/secs, "articles/s")
	b.ReportMetric(secs, "s/rescore")
}
