package deploytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tensiontracker/tracker/internal/mixin"
)

// TestPrometheusIntegration proves the shipped rules and dashboards against
// a real Prometheus scraping a real tracker:
//
//  1. build cmd/tracker and run it on loopback fixture feeds (a calm set of
//     articles);
//  2. run prometheus with deploy/prometheus/prometheus.yml (scrape and
//     evaluation every second, the tracker's loopback address, no
//     Alertmanager), the shipped rules and testdata/override.rules.yml;
//  3. check that the tracker exports exactly the metrics docs/metrics.md lists;
//  4. through the HTTP API: every rule is healthy, every rule and dashboard
//     expression parses, and the dashboards' variables find their defaults;
//  5. switch the fixture to a burst of high-tension MX-US security articles
//     (and make one feed fail): the override spike alerts become pending or
//     firing, every dashboard query (but the multi-day baselines) returns
//     data, and the dashboards' and alerts' article links lead to the burst.
//
// It needs the prometheus binary (Debian's prometheus package): it skips
// without it, and fails instead when CI=true.
func TestPrometheusIntegration(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("starts a tracker and a Prometheus for about a minute; skipped with -short")
	}
	promBin := requireTool(t, "prometheus")
	root := repoRoot(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	trackerBin := buildTracker(ctx, t, root, dir)
	fx := newFixtureFeeds(t)

	trackerAddr := freeAddr(t)
	trackerCfg := writeTrackerConfig(t, dir, fx.server.URL)
	tracker := startProcess(t, "tracker", dir, trackerBin, "run", "--config.file="+trackerCfg,
		"--web.listen-address="+trackerAddr, "--log.level=warn")
	waitFor(ctx, t, time.Minute, "tracker ready", tracker, func() (bool, string) {
		code, _, err := httpGet(ctx, "http://"+trackerAddr+"/-/ready")
		return err == nil && code == http.StatusOK, fmt.Sprintf("status %d, %v", code, err)
	})

	promAddr := freeAddr(t)
	promCfg := writePrometheusConfig(t, root, dir, trackerAddr)
	prom := startProcess(t, "prometheus", dir, promBin, "--config.file="+promCfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+promAddr)
	api := promAPI{base: "http://" + promAddr}

	waitFor(ctx, t, time.Minute, "tracker scraped (up == 1)", prom, func() (bool, string) {
		res, err := api.query(ctx, `up{job="tracker"}`)
		return err == nil && len(res) == 1 && res[0].Value == "1", fmt.Sprintf("%v %v", res, err)
	})

	// Calm: the security index exists and is low for a few evaluations, and
	// the spike alerts stay quiet.
	waitFor(ctx, t, time.Minute, "calm security index sampled", prom, func() (bool, string) {
		// The override alerts' baseline is the minute ending 30s ago.
		res, err := api.query(ctx, `count_over_time(theme_window:tracker_tension_index:ratio{job="tracker",theme="security",window="6h"}[1m] offset 30s) >= 5`)
		return err == nil && len(res) == 1, fmt.Sprintf("%v %v", res, err)
	})
	// The calm fixture has no story about security friction (one about a
	// naval exercise at most, depending on the lexicon).
	if res, err := api.query(ctx, `theme_window:tracker_tension_index:ratio{job="tracker",theme="security",window="6h"} < 0.15`); err != nil || len(res) != 1 {
		t.Fatalf("calm security index: %v (%v), want one series below 15%%", res, err)
	}
	if alerts := api.spikeAlerts(ctx, t); len(alerts) > 0 {
		t.Fatalf("spike alerts active before the burst: %v", alerts)
	}

	t.Run("rules are healthy", func(t *testing.T) { checkRules(ctx, t, api) })
	vars := map[string]string{
		"window": "6h", "dyad": "MX-US", "theme": "security", "feed": ".+",
		"job": "tracker", "instance": ".*",
		"tracker_url":     "http://" + trackerAddr,
		"__rate_interval": "1m", "__interval": "15s", "__range": "1h",
	}
	t.Run("dashboard queries parse", func(t *testing.T) { checkDashboardQueries(ctx, t, api, loadDashboards(t), vars, false) })
	t.Run("dashboard variables", func(t *testing.T) { checkDashboardVariables(ctx, t, api, vars) })

	// Burst: the regional feed starts carrying high-tension MX-US articles.
	fx.burst.Store(true)
	var fired []promAlert
	waitFor(ctx, t, 90*time.Second, "spike alerts pending or firing", prom, func() (bool, string) {
		fired = api.spikeAlerts(ctx, t)
		var theme, dyad bool
		for _, a := range fired {
			theme = theme || a.Labels["alertname"] == "TensionSpikeTest" && a.Labels["theme"] == "security" && a.Labels["job"] == "tracker"
			dyad = dyad || a.Labels["alertname"] == "DyadTensionSpikeTest" && a.Labels["dyad"] == "MX-US" && a.Labels["theme"] == "security" && a.Labels["job"] == "tracker"
		}
		index, _ := api.query(ctx, `theme_window:tracker_tension_index:ratio{job="tracker",theme="security",window="6h"}`)
		flagged, _ := api.query(ctx, `theme_window:tracker_theme_stories_flagged:sum{job="tracker",theme="security",window="6h"}`)
		z, _ := api.query(ctx, `(theme_window:tracker_tension_index:ratio{job="tracker",window="6h"} - on (theme, window) avg_over_time(theme_window:tracker_tension_index:ratio{job="tracker",window="6h"}[1m] offset 30s)) / on (theme, window) clamp_min(stddev_over_time(theme_window:tracker_tension_index:ratio{job="tracker",window="6h"}[1m] offset 30s), 0.01)`)
		return theme && dyad, fmt.Sprintf("active spike alerts %v; security index %v, flagged %v; z %v", fired, index, flagged, z)
	})
	t.Logf("after the burst: %v", fired)

	t.Run("dashboard queries return data", func(t *testing.T) { checkDashboardQueries(ctx, t, api, loadDashboards(t), vars, true) })
	t.Run("imported dashboards with another datasource uid and job return data", func(t *testing.T) {
		var imported []dashboardFile
		for _, d := range loadDashboards(t) {
			imported = append(imported, importDashboard(t, d))
		}
		other := map[string]string{}
		for k, v := range vars {
			other[k] = v
		}
		other["job"] = importedJob
		checkDashboardVariables(ctx, t, api, other)
		checkDashboardQueries(ctx, t, api, imported, other, true)
	})
	t.Run("exported metrics match docs", func(t *testing.T) { checkExportedMetrics(ctx, t, "http://"+trackerAddr+"/metrics") })
	t.Run("article links", func(t *testing.T) { checkArticleLinks(ctx, t, "http://"+trackerAddr, fired) })
}

// buildTracker compiles cmd/tracker into dir.
func buildTracker(ctx context.Context, t *testing.T, root, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the tracker: %v", err)
	}
	bin := filepath.Join(dir, "tracker")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./cmd/tracker")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tracker: %v\n%s", err, out)
	}
	return bin
}

// fixtureFeeds serves the test's RSS feeds, with ETags so that unchanged
// feeds answer 304: calm-wire (a wire, weight 2) with calm articles, and a
// future-dated item once burst is set; regional with a few calm articles and, once burst is
// set, ten articles about US-Mexico security friction; and flaky, an empty
// feed that fails with 503 once burst is set (so that failures, backoff
// skips and their panels have data while Prometheus watches).
type fixtureFeeds struct {
	server *httptest.Server
	burst  atomic.Bool
}

type fixtureArticle struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func newFixtureFeeds(t *testing.T) *fixtureFeeds {
	t.Helper()
	var calm, burst []fixtureArticle
	for name, dst := range map[string]*[]fixtureArticle{"calm.json": &calm, "burst.json": &burst} {
		if err := json.Unmarshal(readFile(t, filepath.Join("testdata", name)), dst); err != nil {
			t.Fatalf("testdata/%s: %v", name, err)
		}
	}
	if len(calm) < 10 || len(burst) < 10 {
		t.Fatalf("fixtures too small: %d calm, %d burst articles", len(calm), len(burst))
	}
	// Dates are fixed once, so that every fetch serves the same items.
	start := time.Now()
	dated := func(list []fixtureArticle, first time.Time) []rssItem {
		var items []rssItem
		for i, a := range list {
			items = append(items, rssItem{
				Title: a.Title, Description: a.Text,
				Link: "https://news.example.org/" + a.Slug, GUID: "https://news.example.org/" + a.Slug,
				PubDate: first.Add(-time.Duration(i) * 3 * time.Minute).UTC().Format(time.RFC1123Z),
			})
		}
		return items
	}
	wire := dated(calm[:8], start.Add(-5*time.Minute))
	// With the burst the wire's clock goes wrong: an item dated two hours
	// ahead, clamped on ingest (tracker_articles_future_dated_total).
	wireLater := append(dated(calm[:8], start.Add(-5*time.Minute)), rssItem{
		Title: "Weather service issues frost warning for the weekend", Link: "https://news.example.org/frost",
		GUID: "https://news.example.org/frost", Description: "Night temperatures are expected to fall below zero in the northern valleys.",
		PubDate: start.Add(2 * time.Hour).UTC().Format(time.RFC1123Z),
	})
	regionalCalm := dated(calm[8:], start.Add(-7*time.Minute))
	var (
		mu           sync.Mutex
		regionalHigh []rssItem
	)
	fx := &fixtureFeeds{}
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request, title string, items []rssItem) {
		var body bytes.Buffer
		writeRSS(t, &body, title, items)
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256(body.Bytes()))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body.Bytes())
	}
	mux.HandleFunc("/calm.rss", func(w http.ResponseWriter, r *http.Request) {
		if fx.burst.Load() {
			serve(w, r, "Calm Wire", wireLater)
			return
		}
		serve(w, r, "Calm Wire", wire)
	})
	mux.HandleFunc("/regional.rss", func(w http.ResponseWriter, r *http.Request) {
		items := regionalCalm
		if fx.burst.Load() {
			mu.Lock()
			if regionalHigh == nil {
				// Dated from the moment of the switch, newest first.
				regionalHigh = dated(burst, time.Now())
			}
			items = append(append([]rssItem{}, regionalHigh...), regionalCalm...)
			mu.Unlock()
		}
		serve(w, r, "Regional Desk", items)
	})
	mux.HandleFunc("/flaky.rss", func(w http.ResponseWriter, r *http.Request) {
		if fx.burst.Load() {
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
			return
		}
		serve(w, r, "Flaky Blog", nil)
	})
	fx.server = httptest.NewServer(mux)
	t.Cleanup(fx.server.Close)
	return fx
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	PubDate     string `xml:"pubDate"`
	Description string `xml:"description"`
}

func writeRSS(t *testing.T, w io.Writer, title string, items []rssItem) {
	doc := struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel struct {
			Title       string    `xml:"title"`
			Link        string    `xml:"link"`
			Description string    `xml:"description"`
			Items       []rssItem `xml:"item"`
		} `xml:"channel"`
	}{Version: "2.0"}
	doc.Channel.Title = title
	doc.Channel.Link = "https://news.example.org/"
	doc.Channel.Description = title + " (test fixture)"
	doc.Channel.Items = items
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return
	}
	if err := xml.NewEncoder(w).Encode(doc); err != nil {
		t.Errorf("write fixture feed: %v", err)
	}
}

func writeTrackerConfig(t *testing.T, dir, feedsURL string) string {
	t.Helper()
	cfg := fmt.Sprintf(`# Written by prometheus_test.go.
global:
  database_path: tracker.db
  schedule_jitter: 0s
  http_timeout: 5s
  windows: [1h, 6h, 24h]
  # Every dashboard panel must return data, the per-feed detail ones too.
  feed_metrics: full
watch:
  dyads: [MX-US, CN-US, RU-UA]
feeds:
  - {name: calm-wire, url: %[1]s/calm.rss, schedule: "@every 2s", weight: 2, lang: en, country: GB}
  - {name: regional, url: %[1]s/regional.rss, schedule: "@every 2s", weight: 1, lang: en, country: MX}
  - {name: flaky, url: %[1]s/flaky.rss, schedule: "@every 2s", weight: 0.5, lang: en}
`, feedsURL)
	p := filepath.Join(dir, "tracker.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writePrometheusConfig derives the test's Prometheus config from the shipped
// deploy/prometheus/prometheus.yml: same rule files (absolute paths) plus the
// test override, intervals of one second, the tracker job pointed at the
// test's tracker, and no Alertmanager or other jobs.
func writePrometheusConfig(t *testing.T, root, dir, trackerAddr string) string {
	t.Helper()
	shipped := filepath.Join(root, "deploy", "prometheus", "prometheus.yml")
	var cfg map[string]any
	if err := yaml.Unmarshal(readFile(t, shipped), &cfg); err != nil {
		t.Fatalf("%s: %v", shipped, err)
	}
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatalf("%s: no global section", shipped)
	}
	global["scrape_interval"] = "1s"
	global["scrape_timeout"] = "1s"
	global["evaluation_interval"] = "1s"

	files, _ := cfg["rule_files"].([]any)
	if len(files) == 0 {
		t.Fatalf("%s: no rule_files", shipped)
	}
	var abs []any
	for _, f := range files {
		abs = append(abs, filepath.Join(filepath.Dir(shipped), f.(string)))
	}
	override, err := filepath.Abs(filepath.Join("testdata", "override.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg["rule_files"] = append(append(abs, override), writeImportedJobRules(t, dir)...)
	delete(cfg, "alerting")

	jobs, _ := cfg["scrape_configs"].([]any)
	var kept []any
	for _, j := range jobs {
		jm, _ := j.(map[string]any)
		if jm["job_name"] == "tracker" {
			jm["static_configs"] = []any{map[string]any{"targets": []any{trackerAddr}}}
			kept = append(kept, jm)
		}
	}
	if len(kept) != 1 {
		t.Fatalf("%s: want one scrape job named tracker", shipped)
	}
	// The same tracker scraped again as another job, as an organisation with
	// its own naming would: the rules generated for that job and the
	// dashboards imported with it must work too (TestPrometheusIntegration's
	// "imported dashboards" step).
	kept = append(kept, map[string]any{"job_name": importedJob, "static_configs": []any{map[string]any{"targets": []any{trackerAddr}}}})
	cfg["scrape_configs"] = kept

	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// importedJob is the job name of the "existing Prometheus" the dashboards are
// imported into.
const importedJob = "news-tracker"

// writeImportedJobRules writes the rules the mixin generates for importedJob
// (the operator's `go run ./deploy/mixin -job news-tracker`).
func writeImportedJobRules(t *testing.T, dir string) []any {
	t.Helper()
	c := mixin.Default()
	c.Job = importedJob
	index, baselines := c.RecordingRules()
	var out []any
	for name, f := range map[string]mixin.RuleFile{"imported.rules.yml": index, "imported.baselines.yml": baselines} {
		b, err := f.YAML("rules for " + importedJob)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// importDashboard does to a dashboard what Grafana's import does: the
// datasource variable is bound to the local Prometheus's uid (here
// "local-prometheus-uid"), and the operator picks their job. It fails on a
// datasource reference that the import would not rebind.
func importDashboard(t *testing.T, d dashboardFile) dashboardFile {
	t.Helper()
	raw, err := json.Marshal(d.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(raw), "${datasource}", "local-prometheus-uid")), &m); err != nil {
		t.Fatal(err)
	}
	out := dashboardFile{Path: d.Path, JSON: m}
	walkJSON(out.JSON, "", func(path string, v any) {
		mm, ok := v.(map[string]any)
		if !ok {
			return
		}
		if ds, ok := mm["datasource"].(map[string]any); ok && ds["uid"] != "local-prometheus-uid" {
			t.Errorf("%s %s: datasource %v is not rebound by an import", filepath.Base(d.Path), path, ds)
		}
	})
	return out
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// process is a child process whose output is kept for failure reports.
type process struct {
	name string
	out  *lockedBuffer
	done chan struct{}
	err  error
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startProcess starts bin and stops it (SIGINT, then SIGKILL) when the test
// ends, printing its output if the test failed.
func startProcess(t *testing.T, name, dir, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// waitFor polls cond every 500ms until it holds, failing the test after
// timeout or as soon as the process it depends on exits.
func waitFor(ctx context.Context, t *testing.T, timeout time.Duration, what string, p *process, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("waiting for %s: %s exited (%v):\n%s", what, p.name, p.err, p.out.String())
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last: %s)", what, ctx.Err(), detail)
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not after %s (last: %s)", what, timeout, detail)
		}
	}
}

func httpGet(ctx context.Context, u string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// promAPI is the part of Prometheus' HTTP API the test uses.
type promAPI struct{ base string }

type promSample struct {
	Metric map[string]string
	Value  string
}

func (s promSample) String() string { return fmt.Sprintf("%v=%s", s.Metric, s.Value) }

// get calls an API endpoint and decodes its data; an API error (bad_data for
// an expression that does not parse) is returned as an error.
func (a promAPI) get(ctx context.Context, path string, params url.Values, data any) error {
	code, body, err := httpGet(ctx, a.base+path+"?"+params.Encode())
	if err != nil {
		return err
	}
	var env struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: status %d, undecodable answer %q: %w", path, code, body, err)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, env.ErrorType, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

// query runs an instant query; a scalar result is one sample without labels.
func (a promAPI) query(ctx context.Context, expr string) ([]promSample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := a.get(ctx, "/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	switch data.ResultType {
	case "vector":
		var vec []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return nil, err
		}
		out := make([]promSample, 0, len(vec))
		for _, s := range vec {
			v, _ := s.Value[1].(string)
			out = append(out, promSample{Metric: s.Metric, Value: v})
		}
		return out, nil
	case "scalar":
		var sc [2]any
		if err := json.Unmarshal(data.Result, &sc); err != nil {
			return nil, err
		}
		v, _ := sc[1].(string)
		return []promSample{{Value: v}}, nil
	default:
		return nil, fmt.Errorf("query %q: unexpected result type %s", expr, data.ResultType)
	}
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

func (a promAlert) String() string {
	return fmt.Sprintf("%s%v(%s)", a.Labels["alertname"], a.Labels, a.State)
}

// spikeAlerts returns the override file's spike alerts that are pending or firing.
func (a promAPI) spikeAlerts(ctx context.Context, t *testing.T) []promAlert {
	t.Helper()
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	if err := a.get(ctx, "/api/v1/alerts", nil, &data); err != nil {
		t.Fatalf("list alerts: %v", err)
	}
	var out []promAlert
	for _, al := range data.Alerts {
		if strings.HasSuffix(al.Labels["alertname"], "SpikeTest") && (al.State == "pending" || al.State == "firing") {
			out = append(out, al)
		}
	}
	return out
}

// checkRules: Prometheus loaded every shipped rule (it refuses to start on a
// rule that does not parse), none failed to evaluate, and each expression
// also runs as an instant query.
func checkRules(ctx context.Context, t *testing.T, api promAPI) {
	var data struct {
		Groups []struct {
			Name  string `json:"name"`
			File  string `json:"file"`
			Rules []struct {
				Name      string `json:"name"`
				Query     string `json:"query"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := api.get(ctx, "/api/v1/rules", nil, &data); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range loadRules(t) {
		want[r.Record+r.Alert] = true
	}
	seen := map[string]bool{}
	for _, g := range data.Groups {
		for _, r := range g.Rules {
			seen[r.Name] = true
			if r.Health == "err" || r.LastError != "" {
				t.Errorf("group %s rule %s: health %s: %s", g.Name, r.Name, r.Health, r.LastError)
			}
			if _, err := api.query(ctx, r.Query); err != nil {
				t.Errorf("group %s rule %s: %v", g.Name, r.Name, err)
			}
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("shipped rule %s not loaded by Prometheus", name)
		}
	}
}

// baselineQuery matches dashboard queries that read the multi-day baselines,
// which need a day of history and so stay empty in a test.
var baselineQuery = regexp.MustCompile(`avg_over_time7d|avg_over_time28d|stddev_over_time|zscore`)

// checkDashboardQueries runs every dashboard expression, with the variables
// replaced by concrete values, and fails on any that does not parse. With
// wantData, every panel query except the baselines must also return data;
// counters need a few scrapes after their first events, so it retries for
// up to a minute.
func checkDashboardQueries(ctx context.Context, t *testing.T, api promAPI, dashboards []dashboardFile, vars map[string]string, wantData bool) {
	deadline := time.Now().Add(time.Minute)
	for {
		var problems []string
		for _, d := range dashboards {
			exprs := d.Exprs()
			for _, where := range sortedKeys(exprs) {
				expr := substituteVars(exprs[where], vars)
				res, err := api.query(ctx, expr)
				if err != nil {
					// A query that does not parse will not start to.
					t.Errorf("%s %s: %v", filepath.Base(d.Path), where, err)
					continue
				}
				if wantData && strings.HasPrefix(where, "panel") && !baselineQuery.MatchString(expr) && len(res) == 0 {
					problems = append(problems, fmt.Sprintf("%s %s: %q returned no data", filepath.Base(d.Path), where, expr))
				}
			}
		}
		if t.Failed() || len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range problems {
				t.Error(p)
			}
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// checkDashboardVariables: every query variable's label_values finds values,
// including the dashboard's default, with the other variables as an import
// would set them.
func checkDashboardVariables(ctx context.Context, t *testing.T, api promAPI, vars map[string]string) {
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$`)
	for _, d := range loadDashboards(t) {
		for name, v := range d.Variables() {
			if v["type"] != "query" {
				continue
			}
			def, _ := v["definition"].(string)
			m := labelValues.FindStringSubmatch(def)
			if m == nil {
				t.Errorf("%s variable %s: definition %q is not label_values(selector, label)", filepath.Base(d.Path), name, def)
				continue
			}
			var values []string
			if err := api.get(ctx, "/api/v1/label/"+m[2]+"/values", url.Values{"match[]": {substituteVars(m[1], vars)}}, &values); err != nil {
				t.Errorf("%s variable %s: %v", filepath.Base(d.Path), name, err)
				continue
			}
			cur, _ := v["current"].(map[string]any)
			def, _ = cur["value"].(string)
			if len(values) == 0 || def != "" && !strings.HasPrefix(def, "$__") && !contains(values, def) {
				t.Errorf("%s variable %s: %s = %v, want values including the default %q", filepath.Base(d.Path), name, def, values, def)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// substituteVars replaces Grafana variable references with test values; an
// unknown variable is left as it is, so that its query fails.
func substituteVars(s string, vals map[string]string) string {
	return grafanaVarRef.ReplaceAllStringFunc(s, func(ref string) string {
		for _, name := range varRefs(ref) {
			if v, ok := vals[name]; ok {
				return v
			}
		}
		return ref
	})
}

// checkExportedMetrics compares the tracker_* metric families the tracker
// exposes with the ones docs/metrics.md lists, names and types. Families
// with labels appear on their first event (the broken feed's failures and
// backoff skips), so it waits for them.
func checkExportedMetrics(ctx context.Context, t *testing.T, metricsURL string) {
	docs := map[string]string{}
	for name, m := range loadDocumentedMetrics(t) {
		if strings.HasPrefix(name, "tracker_") {
			docs[name] = m.Type
		}
	}
	typeLine := regexp.MustCompile(`(?m)^# TYPE (tracker_[a-zA-Z0-9_:]*) (\w+)$`)
	var diff []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := httpGet(ctx, metricsURL)
		if err != nil || code != http.StatusOK {
			t.Fatalf("GET %s: %d %v", metricsURL, code, err)
		}
		exposed := map[string]string{}
		for _, m := range typeLine.FindAllStringSubmatch(string(body), -1) {
			exposed[m[1]] = m[2]
		}
		diff = diff[:0]
		for name, typ := range exposed {
			if want, ok := docs[name]; !ok {
				diff = append(diff, fmt.Sprintf("%s (%s) is exported but not in docs/metrics.md", name, typ))
			} else if want != typ {
				diff = append(diff, fmt.Sprintf("%s is a %s, docs/metrics.md says %s", name, typ, want))
			}
		}
		for name := range docs {
			if _, ok := exposed[name]; !ok {
				diff = append(diff, fmt.Sprintf("%s is in docs/metrics.md but not exported", name))
			}
		}
		if len(diff) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	sort.Strings(diff)
	for _, d := range diff {
		t.Error(d)
	}
}

// checkArticleLinks follows the links the alerts and dashboards build to the
// tracker's article list, through its JSON twin (/api/v1/articles, same
// parameters), and expects articles behind each: at least five of the burst's
// for flagged links. The article explorer is another issue's work: when the
// tracker does not serve it yet, the check is reported and skipped.
func checkArticleLinks(ctx context.Context, t *testing.T, trackerURL string, alerts []promAlert) {
	now := time.Now()
	var links []string
	for _, a := range alerts {
		link := a.Annotations["articles"]
		u, err := url.Parse(link)
		if err != nil || !strings.HasPrefix(link, trackerURL+"/articles?") {
			t.Errorf("alert %v: articles link %q", a, link)
			continue
		}
		// The alert's window: from 6h before the evaluation to the evaluation,
		// in Unix milliseconds.
		var from, to int64
		if _, err := fmt.Sscan(u.Query().Get("from"), &from); err != nil {
			t.Errorf("alert %v: articles link %q: from: %v", a, link, err)
		}
		if _, err := fmt.Sscan(u.Query().Get("to"), &to); err != nil {
			t.Errorf("alert %v: articles link %q: to: %v", a, link, err)
		}
		if d := time.Duration(to-from) * time.Millisecond; d != 6*time.Hour || time.Since(time.UnixMilli(to)).Abs() > 5*time.Minute {
			t.Errorf("alert %v: articles link %q: from/to should span the 6h up to now", a, link)
		}
		links = append(links, strings.Replace(link, trackerURL+"/articles?", trackerURL+"/api/v1/articles?", 1))
	}
	// The dashboards' data links, as Grafana would expand them on the burst's
	// series: labels and fields of the clicked series, variables, time range.
	expand := strings.NewReplacer(
		"${__field.labels.theme}", "security", "${__field.labels.dyad}", "MX-US", "${__field.labels.feed}", "regional",
		"${__data.fields.Feed}", "regional",
		"${tracker_url:raw}/articles?", trackerURL+"/api/v1/articles?",
		"${theme}", "security", "${dyad}", "MX-US",
		"${__from}", fmt.Sprint(now.Add(-6*time.Hour).UnixMilli()), "${__to}", fmt.Sprint(now.Add(time.Minute).UnixMilli()),
	)
	for _, d := range loadDashboards(t) {
		walkJSON(d.JSON, "", func(_ string, v any) {
			if m, ok := v.(map[string]any); ok {
				if u, _ := m["url"].(string); strings.Contains(u, "/articles?") {
					link := expand.Replace(u)
					if strings.Contains(link, "$") {
						t.Errorf("%s: data link %q: a variable the test does not expand: %q", filepath.Base(d.Path), u, link)
						return
					}
					links = append(links, link)
				}
			}
		})
	}

	code, _, err := httpGet(ctx, trackerURL+"/api/v1/articles")
	if err != nil {
		t.Fatal(err)
	}
	if code == http.StatusNotFound {
		t.Skipf("this tracker build does not serve /api/v1/articles yet; %d article links built but not followed", len(links))
	}
	for _, link := range links {
		code, body, err := httpGet(ctx, link)
		if err != nil || code != http.StatusOK {
			t.Errorf("GET %s: %d %v %s", link, code, err, body)
			continue
		}
		var list struct {
			Total    int          `json:"total"`
			Articles []apiArticle `json:"articles"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Errorf("GET %s: %v", link, err)
			continue
		}
		want := 1
		if strings.Contains(link, "flagged=1") {
			want = 5
		}
		if list.Total < want {
			t.Errorf("GET %s: %d articles %v, want at least %d", link, list.Total, list.Articles, want)
		}
	}
}

type apiArticle struct {
	Title string `json:"title"`
}
