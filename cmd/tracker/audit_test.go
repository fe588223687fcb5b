package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditLoop goes from the article list to labels, the audited
// precision metrics and `tracker eval --audited`.
func TestAuditLoop(t *testing.T) {
	t.Parallel()
	fx := newFeedFixtures(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(testToken), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := writeFixtureConfig(t, fx, dir)
	if err := os.WriteFile(cfgPath, []byte(mustRead(t, cfgPath)+"web:\n  admin_token_file: token\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, url := startApp(t, cfgPath)
	waitFor(t, "the first cycle", func() bool {
		v, _ := metricOf(t, url, "tracker_stories", map[string]string{"window": "1d"})
		return v == 9
	})

	_, body := get(t, url+"/api/v1/articles?from=now-1d&limit=50")
	var list struct {
		Articles []struct {
			ID     int64
			Title  string
			Themes map[string]struct{ Flagged bool }
		}
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	id := map[string]int64{}
	for _, a := range list.Articles {
		switch {
		case strings.HasPrefix(a.Title, "Taiwan scrambles"):
			id["taiwan"] = a.ID
		case strings.HasPrefix(a.Title, "Striker completes"):
			id["football"] = a.ID
		}
	}
	if id["taiwan"] == 0 || id["football"] == 0 {
		t.Fatalf("articles not found in %s", body)
	}
	label := func(article int64, payload, token string) int {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/articles/%d/labels", url, article), strings.NewReader(payload))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := label(id["taiwan"], `{"theme":"security","verdict":"right"}`, ""); code != http.StatusForbidden {
		t.Fatalf("label without token = %d, want 403", code)
	}
	// The Taiwan flag is right; the analyst says the football story should
	// have been security too (a made-up verdict, to have a miss to count).
	if code := label(id["taiwan"], `{"theme":"security","verdict":"right","author":"ana"}`, testToken); code != http.StatusCreated {
		t.Fatalf("label = %d", code)
	}
	if code := label(id["football"], `{"theme":"security","verdict":"missed","author":"ana"}`, testToken); code != http.StatusCreated {
		t.Fatalf("label = %d", code)
	}
	for name, want := range map[string]float64{
		"tracker_audit_flags_reviewed":  1,
		"tracker_audit_flags_confirmed": 1,
		"tracker_audit_flags_missed":    1,
	} {
		if v, ok := metricOf(t, url, name, map[string]string{"theme": "security"}); !ok || v != want {
			t.Errorf("%s{theme=security} = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if v, _ := metricOf(t, url, "tracker_audit_flags_reviewed", map[string]string{"theme": "trade"}); v != 0 {
		t.Errorf("trade has no labels: reviewed = %v, want 0", v)
	}

	// The labels export as JSON Lines.
	_, export := get(t, url+"/api/v1/labels")
	if n := strings.Count(strings.TrimSpace(export), "\n") + 1; n != 2 || !strings.Contains(export, `"verdict":"missed"`) {
		t.Errorf("export = %q, want 2 JSON lines", export)
	}

	// tracker eval --audited judges the lexicon on those labels.
	var stdout, stderr bytes.Buffer
	if code := runMain(context.Background(), []string{"eval", "--audited", "--config.file", cfgPath}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("eval --audited exit %d: %s", code, &stderr)
	}
	out := stdout.String()
	if !strings.Contains(out, "2 labels on 2 audited articles") {
		t.Errorf("eval --audited output:\n%s", out)
	}
	var row string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "security") {
			row = strings.Join(strings.Fields(line), " ")
		}
	}
	// labels 2; at audit and now: P 1, R 0.5, F1 0.667; TP 1 FP 0 FN 1.
	if row != "security 2 1.000 0.500 0.667 1.000 0.500 0.667 1 0 1" {
		t.Errorf("security row = %q\n%s", row, out)
	}
}
