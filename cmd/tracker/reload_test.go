package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testToken = "s3cret-reload-token"

// startApp runs the daemon on the fixture feeds with an admin token and a
// fast config watcher, and waits for the first fetch of every feed.
func startApp(t *testing.T, cfgPath string) (*App, string) {
	t.Helper()
	app, base, _ := runApp(t, cfgPath)
	return app, base
}

// runApp is startApp for tests that stop the daemon before the test ends
// (a restart): stop shuts it down and closes its database; it runs at
// cleanup too if the test did not call it.
func runApp(t *testing.T, cfgPath string) (*App, string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app := &App{ConfigPath: cfgPath, ListenAddress: "127.0.0.1:0", Log: testLog(t), FirstFetchNow: true, ConfigPollInterval: 100 * time.Millisecond}
	if err := app.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-errc
			if err := app.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	base := "http://" + app.Addr()
	waitFor(t, "the server to be ready", func() bool {
		code, _ := get(t, base+"/-/ready")
		return code == http.StatusOK
	})
	return app, base, stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func postReload(t *testing.T, base, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/-/reload", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func metricOf(t *testing.T, base, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	_, body := get(t, base+"/metrics")
	return metricValue(body, name, labels)
}

var lexiconInfoRe = regexp.MustCompile(`tracker_lexicon_info\{version="([^"]+)"\} 1`)

func lexiconVersion(t *testing.T, base string) string {
	_, body := get(t, base+"/metrics")
	m := lexiconInfoRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestReload(t *testing.T) {
	t.Parallel()
	fx := newFeedFixtures(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := writeFixtureConfig(t, fx, dir)
	base := mustRead(t, cfgPath) + "web:\n  admin_token_file: token\n"
	write := func(content string) {
		t.Helper()
		// Write-and-rename, as editors and config tools do, so the watcher
		// never sees a half-written file.
		tmp := cfgPath + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfgPath); err != nil {
			t.Fatal(err)
		}
	}
	write(base)
	app, url := startApp(t, cfgPath)
	waitFor(t, "the first cycle", func() bool {
		v, _ := metricOf(t, url, "tracker_stories", map[string]string{"window": "1d"})
		return v == 9
	})
	version0 := lexiconVersion(t, url)
	// The built-in themes' counts depend on lexicon tuning: the test compares
	// them before and after the custom theme is added, never with a number.
	security0, _ := metricOf(t, url, "tracker_theme_stories_flagged", map[string]string{"theme": "security", "window": "1d"})

	// HTTP: the token is required.
	if code, _ := postReload(t, url, ""); code != http.StatusForbidden {
		t.Errorf("reload without token = %d, want 403", code)
	}
	if code, _ := postReload(t, url, "wrong"); code != http.StatusForbidden {
		t.Errorf("reload with a wrong token = %d, want 403", code)
	}

	// A broken edit is rejected with the file, line and field; the running
	// config stays in force. The watcher must not apply it either.
	broken := base + "  bogus_key: 1\n" // under web:
	broken = strings.Replace(broken, "http_timeout: 1s", "http_timeout: soon", 1)
	write(broken)
	code, msg := postReload(t, url, testToken)
	if code != http.StatusBadRequest || !strings.Contains(msg, "config.yaml:") || !strings.Contains(msg, "global.http_timeout") || !strings.Contains(msg, "web.bogus_key") {
		t.Errorf("broken reload = %d %q, want 400 naming config.yaml:<line>: global.http_timeout and web.bogus_key", code, msg)
	}
	if v, _ := metricOf(t, url, "tracker_config_last_reload_successful", map[string]string{}); v != 0 {
		t.Errorf("tracker_config_last_reload_successful = %v after a rejected reload, want 0", v)
	}
	if code, _ := get(t, url+"/-/ready"); code != http.StatusOK {
		t.Errorf("not ready after a rejected reload")
	}
	if v, _ := metricOf(t, url, "tracker_stories", map[string]string{"window": "1d"}); v != 9 {
		t.Errorf("tracker_stories = %v after a rejected reload, want 9 (still serving)", v)
	}

	// The bad edit reverted byte for byte: the files say what runs again,
	// so the gauge goes back to 1 (otherwise the reload alert fires forever).
	write(base)
	waitFor(t, "the reload gauge to reflect the reverted config", func() bool {
		v, _ := metricOf(t, url, "tracker_config_last_reload_successful", map[string]string{})
		return v == 1
	})

	// File watch: a good edit adds a feed (a copy of the Asia feed under
	// another name) and a custom theme; it is applied without a restart.
	good := base + "themes:\n  airpower:\n    threshold: 0.1\n    terms:\n      - {term: fighter jets, weight: 5}\n      - {term: warplanes, weight: 5}\n"
	good = strings.Replace(good, "feeds:\n", "feeds:\n  - {name: asia-mirror, url: \""+fx.URL+"/feeds/asia.atom?via=mirror\", schedule: \"@every 1s\"}\n", 1)
	write(good)
	waitFor(t, "the watcher to apply the new config", func() bool {
		v, ok := metricOf(t, url, "tracker_feed_info", map[string]string{"feed": "asia-mirror", "lang": "", "country": ""})
		return ok && v == 1
	})
	if v, _ := metricOf(t, url, "tracker_config_last_reload_successful", map[string]string{}); v != 1 {
		t.Errorf("tracker_config_last_reload_successful = %v after a good reload, want 1", v)
	}
	// The new feed is scheduled (every second) and fetched; its articles
	// are already stored, so it only adds sources.
	waitFor(t, "the added feed to be fetched", func() bool {
		v, ok := metricOf(t, url, "tracker_feed_stored_articles", map[string]string{"feed": "asia-mirror"})
		return ok && v == 2
	})
	// The lexicon changed: stored articles are re-scored and the metrics
	// switch to the new version, with the new theme counted.
	waitFor(t, "re-scoring with the new lexicon", func() bool {
		v := lexiconVersion(t, url)
		return v != "" && v != version0
	})
	if v, _ := metricOf(t, url, "tracker_theme_stories_flagged", map[string]string{"theme": "airpower", "window": "1d"}); v != 1 {
		t.Errorf("airpower stories flagged after re-scoring = %v, want 1 (the Taiwan story)", v)
	}
	if v, _ := metricOf(t, url, "tracker_theme_stories_flagged", map[string]string{"theme": "security", "window": "1d"}); v != security0 {
		t.Errorf("security stories flagged after re-scoring = %v, want %v as before (adding a theme leaves the others alone)", v, security0)
	}
	if v, _ := metricOf(t, url, "tracker_stories", map[string]string{"window": "1d"}); v != 9 {
		t.Errorf("tracker_stories = %v after reload, want 9: no article lost or stored twice", v)
	}

	// Removing the feed again is applied, and its series go away.
	write(base)
	waitFor(t, "the watcher to apply the reverted config", func() bool {
		_, ok := metricOf(t, url, "tracker_feed_info", map[string]string{"feed": "asia-mirror", "lang": "", "country": ""})
		return !ok
	})
	if _, ok := metricOf(t, url, "tracker_fetch_attempts_total", map[string]string{"feed": "asia-mirror"}); ok {
		t.Errorf("the removed feed's fetch counters are still exported")
	}
	_ = app
}

func TestReloadOnSIGHUP(t *testing.T) {
	t.Parallel()
	fx := newFeedFixtures(t)
	dir := t.TempDir()
	cfgPath := writeFixtureConfig(t, fx, dir)
	ctx, cancel := context.WithCancel(context.Background())
	// No file watching here (an hour between polls): only SIGHUP reloads.
	app := &App{ConfigPath: cfgPath, ListenAddress: "127.0.0.1:0", Log: testLog(t), ConfigPollInterval: time.Hour}
	if err := app.Open(ctx); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Run(ctx) }()
	defer func() {
		cancel()
		<-errc
		app.Close()
	}()
	url := "http://" + app.Addr()
	waitFor(t, "ready", func() bool { code, _ := get(t, url+"/-/ready"); return code == http.StatusOK })
	edited := strings.Replace(mustRead(t, cfgPath), "feeds:\n", "feeds:\n  - {name: added-by-hup, url: \""+fx.URL+"/feeds/asia.atom?via=hup\"}\n", 1)
	if err := os.WriteFile(cfgPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SIGHUP to apply the config", func() bool {
		_, ok := metricOf(t, url, "tracker_feed_info", map[string]string{"feed": "added-by-hup", "lang": "", "country": ""})
		return ok
	})
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
