package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the daemon's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFeedPasswordNeverEscapes configures feeds whose URLs carry a password
// (http://user:password@host/...) and checks every surface a URL or an error
// about it can reach: `fetch --once` output and logs, the SQLite files (feed
// row, last error), the daemon's logs, /metrics, the explorer pages and the
// JSON API, and check-config's messages about a broken URL.
func TestFeedPasswordNeverEscapes(t *testing.T) {
	t.Parallel()
	const user, secret = "reader", "hunter2-S3CRET"
	now := time.Now().UTC()
	feed := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Private</title><link>/</link>`+
		`<item><title>Tariff dispute between Mexico and the United States deepens</title><link>/news/1</link>`+
		`<description>Mexico and the United States exchanged new tariff threats.</description><pubDate>%s</pubDate></item>`+
		`<item><title>Border talks resume</title><link>news/2?utm_source=x</link><pubDate>%s</pubDate></item>`+
		`</channel></rss>`, now.Add(-time.Hour).Format(time.RFC1123Z), now.Add(-2*time.Hour).Format(time.RFC1123Z))

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close() // nothing listens here: connection refused

	mux := http.NewServeMux()
	mux.HandleFunc("GET /private/feed", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != secret {
			w.Header().Set("WWW-Authenticate", `Basic realm="feeds"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, feed)
	})
	mux.HandleFunc("GET /private/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /private/notfeed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body>login page</body></html>")
	})
	mux.HandleFunc("GET /private/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+user+":"+secret+"@"+closedAddr+"/moved", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	withCreds := func(base, path string) string {
		return strings.Replace(base, "http://", "http://"+user+":"+secret+"@", 1) + path
	}

	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "global:\n  database_path: %s\n  http_timeout: 2s\n  schedule_jitter: 0s\nwatch:\n  dyads: [MX-US]\nfeeds:\n",
		strconv.Quote(filepath.Join(dir, "tracker.db")))
	for _, f := range []struct{ name, url string }{
		{"private-ok", withCreds(srv.URL, "/private/feed")},
		{"private-error", withCreds(srv.URL, "/private/error")},
		{"private-notfeed", withCreds(srv.URL, "/private/notfeed")},
		{"private-redirect", withCreds(srv.URL, "/private/redirect")},
		{"private-down", withCreds("http://"+closedAddr, "/feed")},
	} {
		fmt.Fprintf(&cfg, "  - {name: %s, url: %q, schedule: \"@every 1h\"}\n", f.name, f.url)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	leaks := func(surface, text string) {
		t.Helper()
		if strings.Contains(text, secret) {
			i := strings.Index(text, secret)
			t.Errorf("%s leaks the feed password: ...%s...", surface, text[max(0, i-120):min(len(text), i+40)])
		}
	}

	// fetch --once: summary table on stdout, logs (debug level) on stderr.
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), []string{"fetch", "--once", "--config.file", cfgPath, "--log.level", "debug"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("fetch --once exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{"private-ok", "private-error", "http_5xx", "private-notfeed", "parse", "private-redirect", "private-down", "connect"} {
		if !strings.Contains(out+stderr.String(), want) {
			t.Errorf("fetch --once output lacks %q (the failures must still be explained):\n%s", want, out)
		}
	}
	if !strings.Contains(out, user+":xxxxx@") && !strings.Contains(stderr.String(), user+":xxxxx@") {
		t.Errorf("no redacted URL (%s:xxxxx@) in the output or logs: is the URL still shown at all?\n%s\n%s", user, out, &stderr)
	}
	leaks("fetch --once output", out)
	leaks("fetch --once logs", stderr.String())

	// The daemon on the same database: its logs, metrics, pages and API.
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	app := &App{ConfigPath: cfgPath, ListenAddress: "127.0.0.1:0", FirstFetchNow: true,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if err := app.Open(ctx); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Run(ctx) }()
	base := waitForServer(t, app)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "private-down") {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not fetch the feeds within 30s; logs:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, metricsBody := get(t, base+"/metrics")
	leaks("/metrics", metricsBody)
	if !strings.Contains(metricsBody, `feed="private-ok"`) {
		t.Errorf("/metrics has no series for the feeds")
	}
	pages := []string{"/", "/articles", "/api/v1/articles"}
	_, api := get(t, base+"/api/v1/articles")
	var list struct {
		Articles []struct{ ID int64 } `json:"articles"`
	}
	if err := json.Unmarshal([]byte(api), &list); err != nil {
		t.Fatalf("API list: %v\n%s", err, api)
	}
	if len(list.Articles) != 2 {
		t.Errorf("API lists %d articles, want the private feed's 2:\n%.1000s", len(list.Articles), api)
	}
	for _, a := range list.Articles {
		pages = append(pages, fmt.Sprintf("/articles/%d", a.ID), fmt.Sprintf("/api/v1/articles/%d", a.ID))
	}
	for _, p := range pages {
		code, body := get(t, base+p)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d", p, code)
		}
		leaks("GET "+p, body)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run: %v", err)
	}
	if err := app.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	leaks("daemon logs", logs.String())

	// The database files, byte for byte (feed rows, last errors, articles).
	files, _ := filepath.Glob(filepath.Join(dir, "tracker.db*"))
	if len(files) == 0 {
		t.Fatal("no database file")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		leaks("database file "+filepath.Base(f), string(b))
	}

	// check-config on a URL that does not parse still hides the password.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("feeds:\n  - {name: a, url: \"http://"+user+":"+secret+"@exa mple.com/\"}\n  - {name: b, url: \"ftp://"+user+":"+secret+"@example.com/\"}\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	if code := runMain(context.Background(), []string{"check-config", "--config.file", bad}, nil, &stdout, &stderr); code == 0 {
		t.Errorf("check-config accepted a broken URL")
	}
	if !strings.Contains(stderr.String(), "feeds[0].url") || !strings.Contains(stderr.String(), "feeds[1].url") {
		t.Errorf("check-config does not report both URLs:\n%s", &stderr)
	}
	leaks("check-config", stdout.String()+stderr.String())
}
