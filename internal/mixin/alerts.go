package mixin

import (
	"fmt"
	"strings"
	"time"
)

// Dashboards: uid, slug (Grafana's URL form of the title) and the panels
// alerts link to. The dashboards package builds them with these ids.
type DashboardRef struct{ UID, Title string }

var (
	Overview = DashboardRef{"tracker-overview", "Tension tracker: overview"}
	Dyads    = DashboardRef{"tracker-dyads", "Tension tracker: country pairs"}
	Sources  = DashboardRef{"tracker-sources", "Tension tracker: sources and feed health"}
)

// Slug is the dashboard title as Grafana writes it in URLs.
func (d DashboardRef) Slug() string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(d.Title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// Panel ids the alerts link to.
const (
	PanelThemeIndex   = 1 // overview: tension index by theme
	PanelDyadIndex    = 1 // country pairs: the pair's index and baselines
	PanelTrackerUp    = 1 // sources: tracker and feeds up
	PanelFeedFailures = 3 // sources: failures and skips by reason
	PanelIngested     = 7 // sources: new articles stored
	PanelStoreConfig  = 9 // sources: store and config
)

// Alert names. TrackerRescoreFailing reads tracker_rescore_failures_total,
// the counter the background re-scorer exports.
const (
	AlertTensionSpike          = "TensionSpike"
	AlertDyadTensionSpike      = "DyadTensionSpike"
	AlertTensionIndexAbsent    = "TensionIndexAbsent"
	AlertTensionBaselineAbsent = "TensionBaselineAbsent"
	AlertFeedFailing           = "FeedFailing"
	AlertFeedFailureRatioHigh  = "FeedFailureRatioHigh"
	AlertNoNewArticles         = "NoNewArticles"
	AlertTrackerDown           = "TrackerDown"
	AlertTrackerStoreErrors    = "TrackerStoreErrors"
	AlertTrackerConfigReload   = "TrackerConfigReloadFailed"
	AlertTrackerRescoreFailing = "TrackerRescoreFailing"
	RescoreFailuresMetric      = "tracker_rescore_failures_total"
)

// dashLink is an alert's link to a dashboard panel; vars are var-name=value pairs.
func (c Config) dashLink(d DashboardRef, panel int, span string, vars ...string) string {
	q := fmt.Sprintf("viewPanel=%d", panel)
	for i := 0; i+1 < len(vars); i += 2 {
		q += "&var-" + vars[i] + "=" + vars[i+1]
	}
	return fmt.Sprintf("%s/d/%s/%s?%s&from=now-%s&to=now", c.GrafanaURL, d.UID, d.Slug(), q, span)
}

// trackerURL is a template that writes the tracker's external URL as its
// tracker_web_info gauge exports it (the instance's, or any of the job's),
// falling back to the ExternalURL parameter when no tracker exports it.
func (c Config) trackerURL(byInstance bool) string {
	sel := `printf "topk(1, tracker_web_info{job=%q})" $labels.job`
	if byInstance {
		sel = `printf "topk(1, tracker_web_info{job=%q, instance=%q})" $labels.job $labels.instance`
	}
	return "{{ with " + sel + " | query }}{{ . | first | label \"external_url\" }}{{ else }}" + c.ExternalURL + "{{ end }}"
}

// windowRange is the from/to query of an article link covering the alert
// window up to the evaluation, in Unix milliseconds.
func (c Config) windowRange() string {
	return fmt.Sprintf(`from={{ with query "(time() - %d) * 1000" }}{{ . | first | value | printf "%%.0f" }}{{ end }}&to={{ with query "time() * 1000" }}{{ . | first | value | printf "%%.0f" }}{{ end }}`,
		int(c.AlertWindow.Seconds()))
}

// Runbook is the runbook_url of an alert: its section of docs/runbook.md.
func (c Config) Runbook(alert string) string { return c.RunbookURL + "#" + strings.ToLower(alert) }

func (c Config) alert(name, expr string, forD, keep time.Duration, severity, category string, ann map[string]string) Rule {
	ann["runbook_url"] = c.Runbook(name)
	for k, v := range ann {
		ann[k] = strings.Join(strings.Fields(v), " ")
	}
	r := Rule{Alert: name, Expr: expr, For: Dur(forD), Labels: map[string]string{"severity": severity, "category": category}, Annotations: ann}
	if keep > 0 {
		r.KeepFiringFor = Dur(keep)
	}
	return r
}

// queryValue is a template writing the first value of a query built with printf.
func queryValue(format, filter string, args ...string) string {
	return fmt.Sprintf(`{{ with printf %q %s | query }}{{ . | first | value | %s }}{{ end }}`, format, strings.Join(args, " "), filter)
}

// Alerts returns the alert group.
func (c Config) Alerts() RuleFile {
	w := c.Window()
	rl := c.replicaList()
	without := func(fn, expr string) string { return fmt.Sprintf("%s without (%s) (%s)", fn, rl, expr) }
	themeQ := func(metric string) string { return metric + "{job='%s',theme='%s',window='%s'}" }
	dyadQ := func(metric string) string { return metric + "{job='%s',dyad='%s',theme='%s',window='%s'}" }

	rules := []Rule{
		c.alert(AlertTensionSpike,
			fmt.Sprintf("%s%s > %g\nand on (job, theme, window)\n%s%s >= %d",
				ZScore(ThemeLevel, "7d"), c.WinSel(), c.ZScoreThreshold, ThemeFlagged, c.WinSel(), c.MinThemeStories),
			c.SpikeFor, c.SpikeKeepFiringFor, "warning", "tension", map[string]string{
				"summary": "{{ $labels.theme }} tension spike: {{ $value | humanize }} standard deviations above the 7-day baseline",
				"description": "The {{ $labels.theme }} tension index over the last {{ $labels.window }} is " +
					queryValue(themeQ(ThemeIndex), "humanizePercentage", "$labels.job", "$labels.theme", "$labels.window") +
					" of source-weighted stories, {{ $value | humanize }} standard deviations above its 7-day mean of " +
					queryValue(themeQ(Mean(ThemeLevel, "7d")), "humanizePercentage", "$labels.job", "$labels.theme", "$labels.window") + "; " +
					queryValue(themeQ(ThemeFlagged), "humanize", "$labels.job", "$labels.theme", "$labels.window") +
					" stories are flagged in the window. Open the articles to see what drives it.",
				"dashboard": c.dashLink(Overview, PanelThemeIndex, "7d", "job", "{{ $labels.job }}", "window", "{{ $labels.window }}"),
				"articles":  c.trackerURL(false) + "/articles?theme={{ $labels.theme }}&flagged=1&sort=score&" + c.windowRange(),
			}),
		c.alert(AlertDyadTensionSpike,
			fmt.Sprintf("%s%s > %g\nand on (job, dyad, theme, window)\n%s%s >= %d",
				ZScore(DyadLevel, "7d"), c.WinSel(), c.ZScoreThreshold, DyadFlagged, c.WinSel(), c.MinDyadStories),
			c.SpikeFor, c.SpikeKeepFiringFor, "warning", "tension", map[string]string{
				"summary": "{{ $labels.dyad }} {{ $labels.theme }} tension spike: {{ $value | humanize }} standard deviations above the 7-day baseline",
				"description": "{{ $labels.dyad }} stories flagged for {{ $labels.theme }} make up " +
					queryValue(dyadQ(DyadIndex), "humanizePercentage", "$labels.job", "$labels.dyad", "$labels.theme", "$labels.window") +
					" of all source-weighted stories over the last {{ $labels.window }}, {{ $value | humanize }} standard deviations above the 7-day mean of " +
					queryValue(dyadQ(Mean(DyadLevel, "7d")), "humanizePercentage", "$labels.job", "$labels.dyad", "$labels.theme", "$labels.window") + "; " +
					queryValue(dyadQ(DyadFlagged), "humanize", "$labels.job", "$labels.dyad", "$labels.theme", "$labels.window") +
					" stories are flagged in the window.",
				"dashboard": c.dashLink(Dyads, PanelDyadIndex, "7d", "job", "{{ $labels.job }}", "dyad", "{{ $labels.dyad }}", "theme", "{{ $labels.theme }}", "window", "{{ $labels.window }}"),
				"articles":  c.trackerURL(false) + "/articles?theme={{ $labels.theme }}&dyad={{ $labels.dyad }}&flagged=1&sort=score&" + c.windowRange(),
			}),
		c.alert(AlertTensionIndexAbsent,
			fmt.Sprintf("count by (job) (up%s == 1)\nunless on (job)\ncount by (job) (%s%s)", c.Sel(), Stories, c.WinSel()),
			15*time.Minute, c.HealthKeepFiringFor, "warning", "health", map[string]string{
				"summary": fmt.Sprintf("No %s tension index for job {{ $labels.job }}", w),
				"description": fmt.Sprintf("{{ $value | humanize }} target(s) of job {{ $labels.job }} are up, but there is no %s series with window=%q: "+
					"the %s window is not in the tracker's global.windows, the tracker cannot read its store, or the recording rules are not loaded. "+
					"No tension alert can fire until it is back.", Stories, w, w),
				"dashboard": c.dashLink(Sources, PanelStoreConfig, "24h", "job", "{{ $labels.job }}"),
				"articles":  c.trackerURL(false) + "/articles?sort=time",
			}),
		c.alert(AlertTensionBaselineAbsent,
			fmt.Sprintf("count by (job) (present_over_time(%s%s[1h] offset %s))\nunless on (job)\ncount by (job) (%s)",
				ThemeIndex, c.WinSel(), Dur(24*time.Hour+c.BaselineOffset), Mean(ThemeLevel, "7d")),
			time.Hour, c.HealthKeepFiringFor, "warning", "health", map[string]string{
				"summary": "No tension baselines for job {{ $labels.job }}",
				"description": fmt.Sprintf("The %s tension index of job {{ $labels.job }} has more than a day of history "+
					"({{ $value | humanize }} themes), but its 7-day baselines are missing, so no spike alert can fire. "+
					"Check that every group of the recording rules is loaded and healthy and that Prometheus keeps at least 28 days.", w),
				"dashboard": c.dashLink(Overview, PanelThemeIndex, "7d", "job", "{{ $labels.job }}"),
				"articles":  c.trackerURL(false) + "/articles?sort=time",
			}),
		c.alert(AlertFeedFailing,
			fmt.Sprintf("%s >= %d\nand on (job, feed)\n%s == 0",
				without("min", "tracker_feed_consecutive_failures"+c.Sel()), c.FeedFailingStreak, without("max", "tracker_feed_up"+c.Sel())),
			30*time.Minute, c.HealthKeepFiringFor, "warning", "health", map[string]string{
				"summary": "Feed {{ $labels.feed }} is failing: {{ $value | humanize }} fetches in a row",
				"description": "The last {{ $value | humanize }} fetches of feed {{ $labels.feed }} failed (on every replica of job {{ $labels.job }}); " +
					`{{ with printf "time() - max(tracker_feed_last_success_timestamp_seconds{job='%s',feed='%s'})" $labels.job $labels.feed | query }}{{ with . | first | value }}its last success was {{ humanizeDuration . }} ago{{ end }}{{ else }}it has never been fetched successfully{{ end }}. ` +
					"Its stories are missing from every tension index until it recovers. See the failure reasons on the dashboard and check the feed URL.",
				"dashboard": c.dashLink(Sources, PanelFeedFailures, "24h", "job", "{{ $labels.job }}", "feed", "{{ $labels.feed }}"),
				"articles":  c.trackerURL(false) + "/articles?feed={{ $labels.feed }}&sort=time",
			}),
		c.alert(AlertFeedFailureRatioHigh,
			fmt.Sprintf("%s > %g\nand on (job, feed)\n%s >= 2\nunless on (job, feed)\n%s >= %d",
				without("min", fmt.Sprintf("1 - avg_over_time(tracker_feed_up%s[%s])", c.Sel(), Dur(c.FeedFailureWindow))), c.FeedFailureRatio,
				without("min", fmt.Sprintf("changes(tracker_feed_up%s[%s])", c.Sel(), Dur(c.FeedFailureWindow))),
				without("min", "tracker_feed_consecutive_failures"+c.Sel()), c.FeedFailingStreak),
			30*time.Minute, c.HealthKeepFiringFor, "info", "health", map[string]string{
				"summary": "Feed {{ $labels.feed }} was failing {{ $value | humanizePercentage }} of the time",
				"description": fmt.Sprintf("Over the last %s the last fetch of feed {{ $labels.feed }} (job {{ $labels.job }}) had failed "+
					"{{ $value | humanizePercentage }} of the time, switching between success and failure without a long streak: "+
					"it is flapping, rate limited or intermittently unparsable. Its coverage is patchy, which lowers its share of the tension indices.", Dur(c.FeedFailureWindow)),
				"dashboard": c.dashLink(Sources, PanelFeedFailures, "24h", "job", "{{ $labels.job }}", "feed", "{{ $labels.feed }}"),
				"articles":  c.trackerURL(false) + "/articles?feed={{ $labels.feed }}&sort=time",
			}),
		c.alert(AlertNoNewArticles,
			fmt.Sprintf("time() - max by (job) (tracker_last_article_timestamp_seconds%s) > %d\nand on (job)\navg by (job) (%s) >= 0.5",
				c.Sel(), int(c.NoNewArticlesAfter.Seconds()), without("max", "tracker_feed_up"+c.Sel())),
			15*time.Minute, c.HealthKeepFiringFor, "warning", "health", map[string]string{
				"summary": "No new articles for {{ $value | humanizeDuration }}",
				"description": "The newest article of job {{ $labels.job }} was first seen {{ $value | humanizeDuration }} ago although most feeds report successful fetches. " +
					"Every tension index is going stale. Check ingest errors in the tracker's log and the articles-ingested panel.",
				"dashboard": c.dashLink(Sources, PanelIngested, "24h", "job", "{{ $labels.job }}"),
				"articles":  c.trackerURL(false) + "/articles?sort=time",
			}),
		c.alert(AlertTrackerDown,
			fmt.Sprintf("up%s == 0\nor\nabsent(up%s)", c.Sel(), c.Sel()),
			5*time.Minute, 5*time.Minute, "critical", "health", map[string]string{
				"summary": "{{ if $labels.instance }}Tracker {{ $labels.instance }} is down{{ else }}No tracker target is being scraped{{ end }}",
				"description": "{{ if $labels.instance }}Prometheus has failed to scrape {{ $labels.instance }} for 5 minutes (up = {{ $value | humanize }})." +
					"{{ else }}Prometheus has no up{job=\"{{ $labels.job }}\"} series (absent = {{ $value | humanize }}): check the scrape config.{{ end }} " +
					"Without it no tension figures are collected from it and no tension alert can fire on them.",
				"dashboard": c.dashLink(Sources, PanelTrackerUp, "24h", "job", "{{ $labels.job }}"),
				"articles":  c.ExternalURL + "/articles?sort=time",
			}),
		c.alert(AlertTrackerStoreErrors,
			fmt.Sprintf("label_replace(tracker_store_scrape_success%[1]s == 0, \"operation\", \"read\", \"\", \"\")\nor\nlabel_replace(\n  sum without (feed, reason) (increase(tracker_fetch_failures_total%[2]s[15m])) > 0\n  or\n  sum without (feed, reason) (tracker_fetch_failures_total%[2]s unless tracker_fetch_failures_total%[2]s offset 15m) > 0,\n  \"operation\", \"write\", \"\", \"\"\n)",
				c.Sel(), c.Sel(`reason="store"`)),
			5*time.Minute, c.HealthKeepFiringFor, "critical", "health", map[string]string{
				"summary": "SQLite store {{ $labels.operation }} errors on {{ $labels.instance }}",
				"description": "{{ if eq $labels.operation \"write\" }}Fetches on {{ $labels.instance }} could not store their articles " +
					"(store failures in the last 15 minutes: {{ $value | humanize }}).{{ else }}The metrics collector on {{ $labels.instance }} cannot read the SQLite store " +
					"(tracker_store_scrape_success = {{ $value | humanize }}), so the tension figures are missing.{{ end }} " +
					"Check the tracker's log, free disk space and the database file's permissions.",
				"dashboard": c.dashLink(Sources, PanelStoreConfig, "24h", "job", "{{ $labels.job }}", "instance", "{{ $labels.instance }}"),
				"articles":  c.trackerURL(true) + "/articles?sort=time",
			}),
		c.alert(AlertTrackerConfigReload,
			fmt.Sprintf("tracker_config_last_reload_successful%s == 0", c.Sel()),
			10*time.Minute, c.HealthKeepFiringFor, "warning", "health", map[string]string{
				"summary": "Config reload rejected on {{ $labels.instance }}",
				"description": "The last configuration reload on {{ $labels.instance }} was rejected (tracker_config_last_reload_successful = {{ $value | humanize }}); " +
					"the tracker keeps running the config it loaded at " +
					`{{ with printf "tracker_config_last_reload_success_timestamp_seconds{job='%s',instance='%s'}" $labels.job $labels.instance | query }}{{ . | first | value | humanizeTimestamp }}{{ end }}. ` +
					"Run \"tracker check-config\" on the file to see every problem.",
				"dashboard": c.dashLink(Sources, PanelStoreConfig, "24h", "job", "{{ $labels.job }}", "instance", "{{ $labels.instance }}"),
				"articles":  c.trackerURL(true) + "/articles?sort=time",
			}),
		c.alert(AlertTrackerRescoreFailing,
			fmt.Sprintf("increase(%[1]s%[2]s[1h]) > 0\nor\n(%[1]s%[2]s unless %[1]s%[2]s offset 1h) > 0", RescoreFailuresMetric, c.Sel()),
			5*time.Minute, 30*time.Minute, "warning", "health", map[string]string{
				"summary": "Re-scoring stored articles fails on {{ $labels.instance }}",
				"description": "Background re-scoring with a new lexicon failed on {{ $labels.instance }} ({{ $value | humanize }} failures in the last hour). " +
					"The tension figures keep the previous lexicon version's scores until it succeeds, so a lexicon change is not applied to the dashboards and alerts. " +
					"Check the tracker's log for the re-scoring error.",
				"dashboard": c.dashLink(Sources, PanelStoreConfig, "24h", "job", "{{ $labels.job }}", "instance", "{{ $labels.instance }}"),
				"articles":  c.trackerURL(true) + "/articles?sort=time",
			}),
	}
	return RuleFile{Groups: []Group{{Name: GroupOrder[3], Rules: rules}}}
}
