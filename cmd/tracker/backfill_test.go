package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needTool finds a Prometheus tool, skipping locally and failing in CI when
// it is missing.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: CI must install Debian's prometheus package", name)
		}
		t.Skipf("%s not found; install Debian's prometheus package", name)
	}
	return path
}

// TestBackfillBlocksAnswerRangeQueries writes the stored history as
// OpenMetrics, turns it into TSDB blocks with the real promtool, loads them
// into a real Prometheus and checks what queries at past instants return.
func TestBackfillBlocksAnswerRangeQueries(t *testing.T) {
	t.Parallel()
	promtool := needTool(t, "promtool")
	prometheus := needTool(t, "prometheus")
	fx := newFeedFixtures(t)
	dir := t.TempDir()
	cfgPath := writeFixtureConfig(t, fx, dir)
	cycle(t, cfgPath)

	// Steps aligned on the fixture clock, so the samples fall exactly at
	// the times queried below.
	to := fx.now
	om := filepath.Join(dir, "history.om")
	var stdout, stderr bytes.Buffer
	args := []string{"backfill", "--config.file", cfgPath, "--from", to.Add(-12 * time.Hour).Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--step", "30m", "--output", om}
	if code := runMain(context.Background(), args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("backfill exit %d: %s", code, &stderr)
	}
	blocks := filepath.Join(dir, "tsdb")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", om, blocks).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	promCfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(promCfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644)
	cmd := exec.Command(prometheus, "--config.file="+promCfg, "--storage.tsdb.path="+blocks,
		"--web.listen-address="+addr, "--storage.tsdb.retention.time=30d")
	var promLog bytes.Buffer
	cmd.Stdout, cmd.Stderr = &promLog, &promLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	api := "http://" + addr
	waitFor(t, "prometheus to be ready", func() bool {
		resp, err := http.Get(api + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	// Articles of the fixtures were published 30m, 2h, 3h, 4h, 5h, 6h, 7h,
	// 8h and 9h before `to`.
	for _, tt := range []struct {
		query string
		at    time.Time
		want  float64
	}{
		{`tracker_stories{window="1d"}`, to, 9},
		{`tracker_stories{window="1h"}`, to, 1},
		{`tracker_stories{window="1d"}`, to.Add(-5*time.Hour - 30*time.Minute), 4},
		// (to-9h30m, to-3h30m]: the articles of 4h to 9h.
		{`tracker_stories{window="6h"}`, to.Add(-3*time.Hour - 30*time.Minute), 6},
		// Of those, Taiwan (4h) and Kashmir (5h) are security stories.
		{`tracker_theme_stories_flagged{theme="security",window="1d"}`, to.Add(-3*time.Hour - 30*time.Minute), 2},
		{`tracker_theme_stories_flagged{theme="security",window="1d"}`, to, 3},
		{`tracker_stories{window="1d"}`, to.Add(-10 * time.Hour), 0},
	} {
		got, err := queryAt(api, tt.query, tt.at)
		if err != nil {
			t.Fatalf("%s at %s: %v\nprometheus log:\n%s", tt.query, tt.at, err, promLog.String())
		}
		if got != tt.want {
			t.Errorf("%s at to-%s = %v, want %v", tt.query, to.Sub(tt.at), got, tt.want)
		}
	}
	// And as a range query, the dashboards' way: one value per step.
	v := url.Values{"query": {`tracker_stories{window="1d"}`}, "start": {unixArg(to.Add(-12 * time.Hour))}, "end": {unixArg(to)}, "step": {"1800"}}
	var rr struct {
		Status string
		Data   struct {
			Result []struct {
				Values [][2]any
			}
		}
	}
	if err := getJSON(api+"/api/v1/query_range?"+v.Encode(), &rr); err != nil {
		t.Fatal(err)
	}
	if len(rr.Data.Result) != 1 || len(rr.Data.Result[0].Values) != 25 {
		t.Fatalf("range query: %+v, want one series with 25 points (12h every 30m)", rr)
	}
	last := rr.Data.Result[0].Values[24][1]
	if last != "9" {
		t.Errorf("last point = %v, want 9", last)
	}
}

func unixArg(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func queryAt(api, q string, at time.Time) (float64, error) {
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := getJSON(api+"/api/v1/query?"+url.Values{"query": {q}, "time": {unixArg(at)}}.Encode(), &r); err != nil {
		return 0, err
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("query failed: %s", r.Error)
	}
	if len(r.Data.Result) == 0 {
		return 0, fmt.Errorf("no sample")
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(strings.TrimSpace(s), 64)
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
