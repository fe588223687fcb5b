// Package mixin is the one parameterised source of the tracker's Prometheus
// recording rules, alerts and their promtool unit tests (the dashboards are
// built from the same Config in package mixin/dashboards). The files under
// deploy/ are generated from it by `go run ./deploy/mixin`; a test
// regenerates them and fails on any difference.
//
// The package has no dependency beyond YAML so that the tracker itself can
// read the defaults it shares with the rules (check-config warns when the
// alert window is not a configured window).
package mixin

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// DefaultAlertWindow is the rolling window the baselines, z-scores and spike
// alerts use. The tracker's check-config reads it to warn when
// global.windows does not export it: one declaration for both sides.
const DefaultAlertWindow = 6 * time.Hour

// Config holds every parameter of the rules, alerts, tests and dashboards.
// Default returns the values the committed files under deploy/ use.
type Config struct {
	// Job is the scrape job name of the tracker targets; every raw selector
	// carries job="<Job>".
	Job string
	// ReplicaLabels are the target labels that tell replicas of one tracker
	// apart. The rules take the max over them before summing, so replicas
	// with the same config count once, while trackers in different jobs
	// (different feed lists) add up.
	ReplicaLabels []string
	// AlertWindow is the window label the baselines, z-scores and spike
	// alerts use (a configured global.windows entry).
	AlertWindow time.Duration

	// BaselineOffset is how long before now the baselines end, so that a
	// spike is not part of its own baseline while its alert is pending. Longer
	// offsets make a fast drift look like a spike (the baseline lags behind
	// it); 1h covers the spike alerts' for: with room.
	BaselineOffset time.Duration

	// ZScoreThreshold: spike alerts fire above it.
	ZScoreThreshold float64
	// MinThemeStories and MinDyadStories are the minimum flagged stories in
	// the alert window for a theme or dyad spike alert (quiet-night guard).
	MinThemeStories, MinDyadStories int
	// ThemeStddevFloor and DyadStddevFloor bound the z-scores' denominators.
	ThemeStddevFloor, DyadStddevFloor float64
	// SpikeFor, SpikeKeepFiringFor: how long a spike must hold before it
	// fires, and how long it keeps firing after it drops below the threshold.
	SpikeFor, SpikeKeepFiringFor time.Duration
	// HealthKeepFiringFor is keep_firing_for of the operator alerts.
	HealthKeepFiringFor time.Duration
	// FeedFailingStreak: consecutive failures before FeedFailing.
	FeedFailingStreak int
	// FeedFailureRatio over FeedFailureWindow for FeedFailureRatioHigh.
	FeedFailureRatio  float64
	FeedFailureWindow time.Duration
	// NoNewArticlesAfter: NoNewArticles fires when the newest article is older.
	NoNewArticlesAfter time.Duration

	// ExternalURL is the tracker's URL used in alert links when no tracker
	// exports tracker_web_info (the links normally come from that gauge).
	ExternalURL string
	// GrafanaURL is the base URL of the Grafana the dashboards are imported
	// into, for the alerts' dashboard links.
	GrafanaURL string
	// RunbookURL is the runbook the alerts' runbook_url annotations point
	// at; each alert adds its section anchor.
	RunbookURL string
}

// Default returns the parameters of the committed deploy/ files.
func Default() Config {
	return Config{
		Job:                 "tracker",
		ReplicaLabels:       []string{"instance"},
		AlertWindow:         DefaultAlertWindow,
		BaselineOffset:      time.Hour,
		ZScoreThreshold:     3,
		MinThemeStories:     10,
		MinDyadStories:      5,
		ThemeStddevFloor:    0.01,
		DyadStddevFloor:     0.002,
		SpikeFor:            30 * time.Minute,
		SpikeKeepFiringFor:  30 * time.Minute,
		HealthKeepFiringFor: 10 * time.Minute,
		FeedFailingStreak:   3,
		FeedFailureRatio:    0.5,
		FeedFailureWindow:   6 * time.Hour,
		NoNewArticlesAfter:  2 * time.Hour,
		ExternalURL:         "http://localhost:9476",
		GrafanaURL:          "http://localhost:3000",
		RunbookURL:          "https://github.com/tensiontracker/tracker/blob/main/docs/runbook.md",
	}
}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Validate reports parameters that would generate broken rules.
func (c Config) Validate() error {
	var errs []string
	if c.Job == "" || strings.ContainsAny(c.Job, "\"\\\n") {
		errs = append(errs, fmt.Sprintf("job %q: want a non-empty name without quotes", c.Job))
	}
	if len(c.ReplicaLabels) == 0 {
		errs = append(errs, "replica labels: want at least one (instance)")
	}
	for _, l := range c.ReplicaLabels {
		if !labelName.MatchString(l) || l == "job" {
			errs = append(errs, fmt.Sprintf("replica label %q: want a label name other than job", l))
		}
	}
	if c.AlertWindow < time.Minute || c.AlertWindow%time.Minute != 0 {
		errs = append(errs, fmt.Sprintf("alert window %s: want whole minutes", c.AlertWindow))
	}
	for name, d := range map[string]time.Duration{"spike for": c.SpikeFor, "baseline offset": c.BaselineOffset, "feed failure window": c.FeedFailureWindow, "no new articles after": c.NoNewArticlesAfter} {
		if d <= 0 {
			errs = append(errs, fmt.Sprintf("%s %s: want > 0", name, d))
		}
	}
	if c.ZScoreThreshold <= 0 || c.ThemeStddevFloor <= 0 || c.DyadStddevFloor <= 0 {
		errs = append(errs, "z-score threshold and stddev floors: want > 0")
	}
	if c.FeedFailureRatio <= 0 || c.FeedFailureRatio >= 1 {
		errs = append(errs, fmt.Sprintf("feed failure ratio %v: want between 0 and 1", c.FeedFailureRatio))
	}
	for name, u := range map[string]string{"external URL": c.ExternalURL, "Grafana URL": c.GrafanaURL, "runbook URL": c.RunbookURL} {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, "\"'`{} ") {
			errs = append(errs, fmt.Sprintf("%s %q: want an absolute http(s) URL", name, u))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("mixin parameters: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Window is the alert window as Prometheus writes it (the window label).
func (c Config) Window() string { return Dur(c.AlertWindow) }

// Dur writes a duration as Prometheus does ("6h", "1d", "90s" -> "1m30s").
func Dur(d time.Duration) string { return model.Duration(d).String() }

// Sel is the selector of the tracker's own series, with extra matchers.
func (c Config) Sel(extra ...string) string {
	return "{" + strings.Join(append([]string{fmt.Sprintf("job=%q", c.Job)}, extra...), ", ") + "}"
}

// WinSel selects the alert window on a recorded series.
func (c Config) WinSel() string { return fmt.Sprintf(`{window=%q}`, c.Window()) }

// dedupe wraps a selector so replicas count once: max over the replica labels.
func (c Config) dedupe(expr string) string {
	return fmt.Sprintf("max without (%s) (%s)", strings.Join(c.ReplicaLabels, ", "), expr)
}

// Replicas returns "instance" (or the configured replica labels) for by() clauses.
func (c Config) replicaList() string { return strings.Join(c.ReplicaLabels, ", ") }
