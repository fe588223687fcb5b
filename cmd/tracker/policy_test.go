package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFetchRefusesDeniedNetworks: the metadata address is refused by
// default, a loopback feed when the operator denies loopback, and a redirect
// to the metadata address from an allowed feed; each shows reason "blocked"
// in the fetch --once table and a log line naming the setting.
func TestFetchRefusesDeniedNetworks(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	run := func(denyLine string, feeds ...string) (string, string) {
		dir := t.TempDir()
		cfg := fmt.Sprintf("global:\n  database_path: %s\n  http_timeout: 2s\n%sfeeds:\n", strconv.Quote(filepath.Join(dir, "t.db")), denyLine)
		for i, u := range feeds {
			cfg += fmt.Sprintf("  - {name: f%d, url: %q}\n", i, u)
		}
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		runMain(context.Background(), []string{"fetch", "--once", "--config.file", path, "--log.level", "warn"}, nil, &stdout, &stderr)
		return stdout.String(), stderr.String()
	}

	out, logs := run("", "http://169.254.169.254/latest/meta-data/", srv.URL+"/feed")
	for _, want := range []string{"blocked: fetch f0 http://169.254.169.254/latest/meta-data/: blocked", "blocked: fetch f1 " + srv.URL + "/feed: blocked"} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch --once output lacks %q:\n%s", want, out)
		}
	}
	// The table cuts errors at 100 characters; the log line has it all.
	for _, want := range []string{
		"address 169.254.169.254 is denied by global.deny_networks entry link_local (169.254.0.0/16)",
		`Get \"http://169.254.169.254/latest/meta-data/iam/\": address 169.254.169.254 is denied`,
	} {
		if !strings.Contains(logs, want) || !strings.Contains(logs, "feed fetch failed") || !strings.Contains(logs, "reason=blocked") {
			t.Errorf("no log line with reason=blocked and %q:\n%s", want, logs)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the redirecting feed was requested %d times, want 1", hits.Load())
	}

	out, logs = run("  deny_networks: [loopback]\n", srv.URL+"/feed")
	if !strings.Contains(out, "blocked:") || !strings.Contains(logs, "entry loopback (127.0.0.0/8)") {
		t.Errorf("a loopback feed with loopback denied was not refused:\n%s\n%s", out, logs)
	}
	if hits.Load() != 1 {
		t.Errorf("the denied loopback server was reached (%d requests in all)", hits.Load())
	}
}
