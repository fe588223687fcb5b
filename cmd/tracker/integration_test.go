package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/store"
)

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// cycle runs every configured feed once against a fresh store handle, the
// way `tracker fetch --once` does, and returns the summaries by feed.
func cycle(t *testing.T, cfgPath string) map[string]ingest.Summary {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	scorer, err := newScorer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.Global.DatabasePath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sums, err := fetchOnce(ctx, cfg, db, scorer, metrics.NewFetch(metrics.NewRegistry(), false), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ingest.Summary{}
	for _, s := range sums {
		out[s.Feed] = s
	}
	return out
}

func TestFetchCyclesConditionalGETAndRestart(t *testing.T) {
	t.Parallel()
	fx := newFeedFixtures(t)
	dir := t.TempDir()
	cfgPath := writeFixtureConfig(t, fx, dir)

	first := cycle(t, cfgPath)
	totalNew := 0
	for _, ff := range fixtureFeeds {
		s := first[ff.name]
		if ff.reason != "" {
			if s.Outcome != ingest.OutcomeError || s.Reason != ff.reason {
				t.Errorf("cycle 1: %s = %s/%s (%v), want error/%s", ff.name, s.Outcome, s.Reason, s.Err, ff.reason)
			}
			continue
		}
		if s.Outcome != ingest.OutcomeOK {
			t.Errorf("cycle 1: %s = %s (%s: %v), want ok", ff.name, s.Outcome, s.Reason, s.Err)
		}
		totalNew += s.New
	}
	// 3 + 2 + 2 + 2 distinct articles; copy.rss carries one of world.rss's
	// articles (same canonical link), which must be stored once.
	if totalNew != 9 {
		t.Errorf("cycle 1: %d new articles, want 9", totalNew)
	}
	if c := first["copy"]; c.New+c.Seen != 1 || first["world"].New+first["copy"].New != 3 {
		t.Errorf("cycle 1: world %+v, copy %+v: the shared article must be stored once", first["world"], first["copy"])
	}

	// The second cycle, on a new store handle as after a restart: the
	// validators were kept, so every good feed answers 304.
	second := cycle(t, cfgPath)
	for _, ff := range fixtureFeeds {
		s := second[ff.name]
		want := ingest.OutcomeNotModified
		if ff.reason != "" {
			want = ingest.OutcomeError
		}
		if s.Outcome != want || s.New != 0 {
			t.Errorf("cycle 2: %s = %s new=%d (%v), want %s with nothing new", ff.name, s.Outcome, s.New, s.Err, want)
		}
	}

	db, err := store.Open(context.Background(), filepath.Join(dir, "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	states, err := db.FeedStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]store.FeedState{}
	for _, s := range states {
		byName[s.Name] = s
	}
	if got := byName["world"].Articles + byName["copy"].Articles; got != 4 {
		t.Errorf("world+copy carry %d articles, want 4 (3 + the shared one as a second source)", got)
	}
	if s := byName["limited"]; s.ConsecutiveFailures != 2 || s.LastErrorReason != "rate_limited" || time.Until(s.NextAttempt) < time.Minute {
		t.Errorf("limited feed state = %+v, want 2 failures, rate_limited, next attempt about 2 minutes ahead (Retry-After: 120)", s)
	}
	if s := byName["world"]; s.ETag == "" || s.LastStatus != "not_modified" || s.ConsecutiveFailures != 0 {
		t.Errorf("world feed state = %+v, want an ETag, last status not_modified, no failures", s)
	}
}

func TestFetchOnceCommand(t *testing.T) {
	t.Parallel()
	fx := newFeedFixtures(t)
	cfgPath := writeFixtureConfig(t, fx, t.TempDir())
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), []string{"fetch", "--once", "--config.file", cfgPath, "--log.level", "error"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, want 0 although some feeds fail\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{"FEED", "world", "ok", "broken", "parse:", "slow", "timeout:", "limited", "rate_limited:", "TOTAL"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary table lacks %q:\n%s", want, out)
		}
	}

	// Only failing feeds: nothing could be fetched, so the exit code says so.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("global:\n  database_path: "+filepath.Join(dir, "t.db")+"\n  http_timeout: 1s\nfeeds:\n  - {name: down, url: \""+fx.URL+"/limited\"}\n"), 0o644)
	stdout.Reset()
	if code := runMain(context.Background(), []string{"fetch", "--once", "--config.file", bad, "--log.level", "error"}, nil, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d with every feed failing, want 1\n%s", code, &stdout)
	}
}

func TestDaemonServesMetrics(t *testing.T) {
	t.Parallel()
	fx := newFeedFixtures(t)
	dir := t.TempDir()
	cfgPath := writeFixtureConfig(t, fx, dir)
	ctx, cancel := context.WithCancel(context.Background())
	app := &App{ConfigPath: cfgPath, ListenAddress: "127.0.0.1:0", Log: testLog(t), FirstFetchNow: true}
	if err := app.Open(ctx); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := app.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})

	base := waitForServer(t, app)
	for _, path := range []string{"/-/healthy", "/-/ready"} {
		if code, _ := get(t, base+path); code != http.StatusOK {
			t.Errorf("GET %s = %d", path, code)
		}
	}
	// Wait until every feed has been attempted once.
	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body = get(t, base+"/metrics")
		attempted := 0
		for _, ff := range fixtureFeeds {
			if _, ok := metricValue(body, "tracker_feed_last_attempt_timestamp_seconds", map[string]string{"feed": ff.name}); ok {
				attempted++
			}
		}
		if attempted == len(fixtureFeeds) {
			// Scrape once more: a scrape gathers the fetch counters and
			// reads the store concurrently, so the one that first saw the
			// last feed's state may have gathered its failure counter a
			// moment before it was incremented.
			_, body = get(t, base+"/metrics")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d feeds attempted after 30s; metrics:\n%s", attempted, len(fixtureFeeds), body)
		}
		time.Sleep(200 * time.Millisecond)
	}

	type want struct {
		name   string
		labels map[string]string
		value  float64
	}
	w := func(name string, value float64, kv ...string) want {
		l := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return want{name, l, value}
	}
	for _, tt := range []want{
		w("tracker_stories", 9, "window", "1d"),
		w("tracker_articles", 9, "window", "1d"),
		w("tracker_stories", 1, "window", "1h"), // the deportation story, 30 minutes old
		w("tracker_dyad_stories", 2, "dyad", "MX-US", "window", "1d"),
		w("tracker_dyad_stories", 1, "dyad", "CN-TW", "window", "1d"),
		w("tracker_dyad_stories", 1, "dyad", "IN-PK", "window", "1d"),
		w("tracker_dyad_theme_stories_flagged", 1, "dyad", "CN-TW", "theme", "sovereignty", "window", "1d"),
		w("tracker_feed_up", 1, "feed", "world"),
		w("tracker_feed_up", 0, "feed", "broken"),
		w("tracker_feed_stored_articles", 3, "feed", "world"),
		w("tracker_feed_weight", 2, "feed", "world"),
		// Default global.feed_metrics (basic): failures by reason per
		// process, every reason pre-initialised at 0.
		w("tracker_fetch_failures_total", 1, "reason", "parse"),
		w("tracker_fetch_failures_total", 1, "reason", "timeout"),
		w("tracker_fetch_failures_total", 1, "reason", "too_large"),
		w("tracker_fetch_failures_total", 1, "reason", "rate_limited"),
		w("tracker_fetch_failures_total", 0, "reason", "store"),
		w("tracker_fetch_skipped_total", 0, "feed", "world", "reason", "overlap"),
		w("tracker_store_scrape_success", 1),
		w("tracker_config_last_reload_successful", 1),
	} {
		got, ok := metricValue(body, tt.name, tt.labels)
		if !ok || got != tt.value {
			t.Errorf("%s%v = %v (present %v), want %v; series:\n%s", tt.name, tt.labels, got, ok, tt.value, grepLines(body, tt.name+"{"))
		}
	}
	// Flagged counts per theme depend on lexicon tuning (docs/scoring.md):
	// the daemon must serve every theme's series, with the hour within the
	// day and the day within the stories, and some friction in the fixtures.
	flaggedDay := 0.0
	for _, theme := range []string{"trade", "security", "migration", "sovereignty"} {
		day, ok := metricValue(body, "tracker_theme_stories_flagged", map[string]string{"theme": theme, "window": "1d"})
		hour, okh := metricValue(body, "tracker_theme_stories_flagged", map[string]string{"theme": theme, "window": "1h"})
		if !ok || !okh || hour > day || day > 9 {
			t.Errorf("tracker_theme_stories_flagged{theme=%s}: 1h %v (present %v), 1d %v (present %v); want both present, 1h <= 1d <= 9 stories", theme, hour, okh, day, ok)
		}
		flaggedDay += day
	}
	if flaggedDay == 0 {
		t.Errorf("no theme flagged on the friction fixtures:\n%s", grepLines(body, "tracker_theme_stories_flagged{"))
	}
	// The world feed's weight (2) counts once for the shared story.
	// world.rss has weight 2: its 3 stories (one also carried by copy.rss,
	// weight 1: a story weighs as its heaviest source) count 2 each.
	if got, _ := metricValue(body, "tracker_stories_weighted", map[string]string{"window": "1d"}); got != 12 {
		t.Errorf("tracker_stories_weighted{window=1d} = %v, want 12 (6 stories of weight 1 + 3 of weight 2)", got)
	}
	if _, ok := metricValue(body, "tracker_build_info", map[string]string{}); ok {
		t.Errorf("tracker_build_info must carry labels")
	}
	if !strings.Contains(body, "tracker_lexicon_info{version=") {
		t.Errorf("metrics lack tracker_lexicon_info")
	}
	promtoolCheckMetrics(t, body)

	// The article list behind a Grafana panel, with the time range as
	// Grafana's data links send it (epoch milliseconds).
	from, to := fx.now.Add(-6*time.Hour).UnixMilli(), fx.now.Add(time.Minute).UnixMilli()
	code, page := get(t, fmt.Sprintf("%s/articles?theme=security&dyad=CN-TW&flagged=1&from=%d&to=%d", base, from, to))
	if code != http.StatusOK || !strings.Contains(page, "Taiwan scrambles jets") || strings.Contains(page, "Line of Control") {
		t.Errorf("GET /articles for security CN-TW = %d; want the Taiwan story only:\n%.2000s", code, page)
	}
	code, page = get(t, fmt.Sprintf("%s/api/v1/articles?theme=security&flagged=1&from=%d&to=%d", base, from, to))
	var list struct{ Total int }
	if err := json.Unmarshal([]byte(page), &list); code != http.StatusOK || err != nil || list.Total != 3 {
		t.Errorf("GET /api/v1/articles security = %d (%v), total %d, want 3", code, err, list.Total)
	}

	// State-changing endpoints are refused without a configured token.
	resp, err := http.Post(base+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /-/reload without a token = %d, want 403", resp.StatusCode)
	}
}

// promtoolCheckMetrics lints an exposition with the real promtool.
func promtoolCheckMetrics(t *testing.T, body string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found: CI must install Debian's prometheus package")
		}
		t.Skip("promtool not found; install Debian's prometheus package to lint /metrics")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func waitForServer(t *testing.T, app *App) string {
	t.Helper()
	return "http://" + app.Addr()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// grepLines returns the lines of body that start with prefix.
func grepLines(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
