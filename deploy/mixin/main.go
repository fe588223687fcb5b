// Command mixin generates the tracker's Prometheus rules, alerts, promtool
// unit tests and Grafana dashboards under deploy/ from internal/mixin.
//
//	go run ./deploy/mixin                      # rewrite the committed files
//	go run ./deploy/mixin -out /tmp/x -grafana-url https://grafana.example.org -job news-tracker
//
// Every parameter has a flag; the defaults are those of the committed files.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tensiontracker/tracker/internal/mixin"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mixin:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	c := mixin.Default()
	fs := flag.NewFlagSet("mixin", flag.ContinueOnError)
	out := fs.String("out", "deploy", "directory to write prometheus/ and grafana/ into")
	fs.StringVar(&c.Job, "job", c.Job, "scrape job name of the tracker targets")
	replicas := fs.String("replica-labels", strings.Join(c.ReplicaLabels, ","), "comma-separated target labels that tell replicas of one tracker apart")
	fs.DurationVar(&c.AlertWindow, "alert-window", c.AlertWindow, "window the baselines and spike alerts use (must be in the tracker's global.windows)")
	fs.DurationVar(&c.BaselineOffset, "baseline-offset", c.BaselineOffset, "how long before now the baselines end (keeps a spike out of its own baseline)")
	fs.Float64Var(&c.ZScoreThreshold, "zscore", c.ZScoreThreshold, "z-score above which spike alerts fire")
	fs.IntVar(&c.MinThemeStories, "min-theme-stories", c.MinThemeStories, "minimum flagged stories for TensionSpike")
	fs.IntVar(&c.MinDyadStories, "min-dyad-stories", c.MinDyadStories, "minimum flagged stories for DyadTensionSpike")
	fs.Float64Var(&c.ThemeStddevFloor, "theme-stddev-floor", c.ThemeStddevFloor, "minimum standard deviation of a theme index")
	fs.Float64Var(&c.DyadStddevFloor, "dyad-stddev-floor", c.DyadStddevFloor, "minimum standard deviation of a dyad index")
	fs.DurationVar(&c.SpikeFor, "spike-for", c.SpikeFor, "for: of the spike alerts")
	fs.DurationVar(&c.SpikeKeepFiringFor, "spike-keep-firing-for", c.SpikeKeepFiringFor, "keep_firing_for: of the spike alerts")
	fs.DurationVar(&c.HealthKeepFiringFor, "health-keep-firing-for", c.HealthKeepFiringFor, "keep_firing_for: of the operator alerts")
	fs.IntVar(&c.FeedFailingStreak, "feed-failing-streak", c.FeedFailingStreak, "consecutive failures before FeedFailing")
	fs.Float64Var(&c.FeedFailureRatio, "feed-failure-ratio", c.FeedFailureRatio, "share of time failing for FeedFailureRatioHigh")
	fs.DurationVar(&c.FeedFailureWindow, "feed-failure-window", c.FeedFailureWindow, "window of FeedFailureRatioHigh")
	fs.DurationVar(&c.NoNewArticlesAfter, "no-new-articles-after", c.NoNewArticlesAfter, "age of the newest article for NoNewArticles")
	fs.StringVar(&c.ExternalURL, "tracker-url", c.ExternalURL, "tracker URL for alert links when no tracker exports tracker_web_info")
	fs.StringVar(&c.GrafanaURL, "grafana-url", c.GrafanaURL, "Grafana base URL for the alerts' dashboard links")
	fs.StringVar(&c.RunbookURL, "runbook-url", c.RunbookURL, "runbook URL for the alerts' runbook_url (each alert adds #its-name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.ReplicaLabels = strings.Split(*replicas, ",")
	files, err := Generate(c)
	if err != nil {
		return err
	}
	for rel, b := range files {
		p := filepath.Join(*out, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	fmt.Fprintf(os.Stderr, "mixin: wrote %d files under %s\n", len(files), *out)
	return nil
}
