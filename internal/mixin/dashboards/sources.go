package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/tensiontracker/tracker/internal/mixin"
)

func organize(renames map[string]string) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{"renameByName": renames, "excludeByName": map[string]bool{"Time": true}}}
}

func prop(id string, v any) dashboard.DynamicConfigValue {
	return dashboard.DynamicConfigValue{Id: id, Value: v}
}

func sources(c mixin.Config) *dashboard.DashboardBuilder {
	proc := `job=~"$job", instance=~"$instance"`
	feed := `job=~"$job", instance=~"$instance", feed=~"$feed"`
	// Replicas fetch the same feeds: a feed's figure is the best replica's.
	dedupe := func(fn, expr string) string {
		return fmt.Sprintf("%s without (instance) (%s)", fn, expr)
	}
	vars := []cog.Builder[dashboard.VariableModel]{
		queryVar("feed", "Feed", `label_values(tracker_feed_info{job=~"$job"}, feed)`, "$__all", true).Description("Configured feeds."),
		windowVar(c),
	}
	feedArticles := "${tracker_url:raw}/articles?feed=${__field.labels.feed}&sort=time&from=${__from}&to=${__to}"
	b := newDashboard(c, mixin.Sources, "Fetch results, failures by reason, fetch latency, freshness, which feeds drive each theme, store and config status.", "now-24h", vars...).
		Annotation(alertAnnotation("Health alerts", `category="health"`, "{{alertname}} {{feed}}", "Firing: {{alertname}} {{feed}} {{instance}}"))
	upDown := []any{map[string]any{"type": "value", "options": map[string]any{
		"0": map[string]any{"text": "DOWN", "color": "red", "index": 0}, "1": map[string]any{"text": "UP", "color": "green", "index": 1}}}}
	return add(b,
		panel{id: mixin.PanelTrackerUp, kind: "stat", title: "Tracker and feeds up", x: 0, y: 0, w: 8, h: 6, unit: "none", colorBackground: true,
			description: "Whether Prometheus can scrape each tracker (up) and the share of selected feeds whose last fetch succeeded on at least one replica (tracker_feed_up).",
			steps:       []step{base("red"), at(1, "green")},
			targets: []target{{expr: "up{" + proc + "}", legend: "scrape {{instance}}", instant: true},
				{expr: "avg(" + dedupe("max", "tracker_feed_up{"+feed+"}") + ")", legend: "feeds up", instant: true}},
			overrides: []override{{name: "feeds up", props: []dashboard.DynamicConfigValue{prop("unit", "percentunit"),
				prop("thresholds", map[string]any{"mode": "absolute", "steps": []any{map[string]any{"color": "red", "value": nil}, map[string]any{"color": "orange", "value": 0.5}, map[string]any{"color": "green", "value": 0.9}}})}}},
			links: links("Latest articles", "${tracker_url:raw}/articles?sort=time&from=${__from}&to=${__to}")},
		panel{id: mixin.PanelStoreConfig, kind: "stat", title: "Store and config", x: 8, y: 0, w: 8, h: 6, unit: "none", colorBackground: true,
			description: "tracker_store_scrape_success: the collector could read SQLite at the last scrape; tracker_config_last_reload_successful: the last config (re)load was accepted; and the time the collector spent reading the store.",
			steps:       []step{base("red"), at(1, "green")},
			targets: []target{{expr: "min(tracker_store_scrape_success{" + proc + "})", legend: "store reads", instant: true},
				{expr: "min(tracker_config_last_reload_successful{" + proc + "})", legend: "config reload", instant: true},
				{expr: "max(tracker_store_scrape_duration_seconds{" + proc + "})", legend: "store read time", instant: true}},
			overrides: []override{{name: "store read time", props: []dashboard.DynamicConfigValue{prop("unit", "s"),
				prop("thresholds", map[string]any{"mode": "absolute", "steps": []any{map[string]any{"color": "green", "value": nil}, map[string]any{"color": "orange", "value": 5}, map[string]any{"color": "red", "value": 15}}})}}}},
		panel{id: 10, kind: "table", title: "Versions", x: 16, y: 0, w: 8, h: 6, unit: "string",
			description: "Tracker build (tracker_build_info), the lexicon version its exported scores come from (tracker_lexicon_info) and its external URL (tracker_web_info), per instance.",
			steps:       []step{base("green")},
			targets: []target{{expr: "max by (instance, version, revision, goversion) (tracker_build_info{" + proc + "})", instant: true, table: true},
				{expr: `max by (instance, lexicon) (label_replace(tracker_lexicon_info{` + proc + `}, "lexicon", "$1", "version", "(.*)"))`, instant: true, table: true},
				{expr: "max by (instance, external_url) (tracker_web_info{" + proc + "})", instant: true, table: true}},
			transformations: []dashboard.DataTransformerConfig{{Id: "merge", Options: map[string]any{}},
				organize(map[string]string{"instance": "Instance", "version": "Version", "revision": "Revision", "goversion": "Go", "lexicon": "Lexicon", "external_url": "URL"})}},
		panel{id: 2, kind: "table", title: "Feed status", x: 0, y: 6, w: 24, h: 9, unit: "short", sortBy: "Up",
			description: "One row per feed (best replica): last fetch result, failures in a row, time since the last success, source weight, stored articles and new articles in the last 24h. Click a feed for its articles.",
			steps:       []step{base("green")},
			targets: []target{
				{expr: "max by (feed) (tracker_feed_up{" + feed + "})", instant: true, table: true},
				{expr: "min by (feed) (tracker_feed_consecutive_failures{" + feed + "})", instant: true, table: true},
				{expr: "min by (feed) (time() - tracker_feed_last_success_timestamp_seconds{" + feed + "})", instant: true, table: true},
				{expr: "max by (feed) (tracker_feed_weight{" + feed + "})", instant: true, table: true},
				{expr: "max by (feed) (tracker_feed_stored_articles{" + feed + "})", instant: true, table: true},
				{expr: "max by (feed) (increase(tracker_articles_ingested_total{" + feed + "}[1d]))", instant: true, table: true},
			},
			transformations: []dashboard.DataTransformerConfig{{Id: "merge", Options: map[string]any{}},
				organize(map[string]string{"feed": "Feed", "Value #A": "Up", "Value #B": "Failures in a row", "Value #C": "Since last success", "Value #D": "Weight", "Value #E": "Stored articles", "Value #F": "New in 24h"})},
			overrides: []override{
				{name: "Up", props: []dashboard.DynamicConfigValue{prop("mappings", upDown), prop("custom.cellOptions", map[string]any{"type": "color-background"}),
					prop("thresholds", map[string]any{"mode": "absolute", "steps": []any{map[string]any{"color": "red", "value": nil}, map[string]any{"color": "green", "value": 1}}})}},
				{name: "Failures in a row", props: []dashboard.DynamicConfigValue{prop("custom.cellOptions", map[string]any{"type": "color-text"}), prop("decimals", 0),
					prop("thresholds", map[string]any{"mode": "absolute", "steps": []any{map[string]any{"color": "green", "value": nil}, map[string]any{"color": "orange", "value": 1}, map[string]any{"color": "red", "value": c.FeedFailingStreak}}})}},
				{name: "Since last success", props: []dashboard.DynamicConfigValue{prop("unit", "s")}},
				{name: "Feed", props: []dashboard.DynamicConfigValue{prop("links", []any{map[string]any{"title": "Articles from ${__data.fields.Feed}", "url": "${tracker_url:raw}/articles?feed=${__data.fields.Feed}&sort=time&from=${__from}&to=${__to}"}})}},
			},
			links: links("Articles from ${__data.fields.Feed} in this time range", "${tracker_url:raw}/articles?feed=${__data.fields.Feed}&sort=time&from=${__from}&to=${__to}")},
		panel{id: mixin.PanelFeedFailures, kind: "timeseries", title: "Fetch failures and skips by reason (per hour)", x: 0, y: 15, w: 12, h: 8, unit: "short", min: f(0),
			description: "Failed fetches by reason (tracker_fetch_failures_total: dns, connect, tls, timeout, http_4xx, http_5xx, rate_limited, too_large, parse, canceled, other, store; per feed too with metrics.feed_detail: full) and scheduled runs skipped per feed (tracker_fetch_skipped_total: backoff, overlap), over the past hour.",
			steps:       []step{base("green")},
			targets: []target{{expr: "sum by (feed, reason) (increase(tracker_fetch_failures_total{" + proc + "}[1h])) > 0", legend: "{{feed}} {{reason}}"},
				{expr: "sum by (feed, reason) (increase(tracker_fetch_skipped_total{" + feed + "}[1h])) > 0", legend: "{{feed}} skipped ({{reason}})"}},
			links: links("Articles from ${__field.labels.feed} in this time range", feedArticles)},
		panel{id: 4, kind: "timeseries", title: "Fetch duration (p50, p90, p99)", x: 12, y: 15, w: 12, h: 8, unit: "s", min: f(0),
			description: "Quantiles of the time to fetch, parse, score and store a feed (tracker_fetch_duration_seconds histogram) over the past hour, across the selected trackers' feeds.",
			steps:       []step{base("green")},
			targets: []target{
				{expr: "histogram_quantile(0.5, sum by (le) (rate(tracker_fetch_duration_seconds_bucket{" + proc + "}[1h])))", legend: "p50"},
				{expr: "histogram_quantile(0.9, sum by (le) (rate(tracker_fetch_duration_seconds_bucket{" + proc + "}[1h])))", legend: "p90"},
				{expr: "histogram_quantile(0.99, sum by (le) (rate(tracker_fetch_duration_seconds_bucket{" + proc + "}[1h])))", legend: "p99"}}},
		panel{id: 5, kind: "timeseries", title: "Fetches and 304 answers per hour", x: 0, y: 23, w: 12, h: 8, unit: "short", min: f(0),
			description: "Fetch attempts per feed over the past hour (tracker_fetch_attempts_total) and those answered 304 Not Modified (tracker_fetch_not_modified_total), best replica. Attempts with no new articles for hours mean the feed went stale.",
			steps:       []step{base("green")},
			targets: []target{{expr: dedupe("max", "increase(tracker_fetch_attempts_total{"+feed+"}[1h])"), legend: "{{feed}} attempts"},
				{expr: dedupe("max", "increase(tracker_fetch_not_modified_total{"+feed+"}[1h])"), legend: "{{feed}} 304"}},
			links: links("Articles from ${__field.labels.feed} in this time range", feedArticles)},
		panel{id: 6, kind: "timeseries", title: "Time since last successful fetch", x: 12, y: 23, w: 12, h: 8, unit: "s", min: f(0), thresholdLine: true,
			description: "Seconds since each feed's last 200 or 304 on its best replica (tracker_feed_last_success_timestamp_seconds). Orange after 1h, red after 6h (the default max backoff).",
			steps:       []step{base("transparent"), at(3600, "orange"), at(21600, "red")},
			targets:     []target{{expr: "time() - " + dedupe("max", "tracker_feed_last_success_timestamp_seconds{"+feed+"}"), legend: "{{feed}}"}},
			links:       links("Articles from ${__field.labels.feed} in this time range", feedArticles)},
		panel{id: mixin.PanelIngested, kind: "timeseries", title: "New articles stored per hour", x: 0, y: 31, w: 12, h: 8, unit: "short", min: f(0),
			description: fmt.Sprintf("New articles stored per feed over the past hour (tracker_articles_ingested_total), best replica. NoNewArticles fires when nothing is stored for %s while feeds are up.", mixin.Dur(c.NoNewArticlesAfter)),
			steps:       []step{base("green")},
			targets:     []target{{expr: dedupe("max", "increase(tracker_articles_ingested_total{"+feed+"}[1h])"), legend: "{{feed}}"}},
			links:       links("Articles from ${__field.labels.feed} in this time range", feedArticles)},
		panel{id: 8, kind: "bargauge", title: "Most flagged feeds ($window)", x: 12, y: 31, w: 12, h: 8, unit: "percentunit", min: f(0), max: f(1),
			description: "Share of each feed's articles in the window flagged for a theme (" + mixin.FeedShare + "), top 15. Needs metrics.feed_detail: full. A feed far above the others drives that theme; its source weight limits how much it moves the index.",
			steps:       []step{base("blue"), at(0.5, "orange")},
			targets:     []target{{expr: "topk(15, " + mixin.FeedShare + `{job=~"$job", feed=~"$feed", window="$window"})`, legend: "{{feed}} {{theme}}", instant: true}},
			links:       links("Flagged ${__field.labels.theme} articles from ${__field.labels.feed}", "${tracker_url:raw}/articles?feed=${__field.labels.feed}&theme=${__field.labels.theme}&flagged=1&sort=score&from=${__from}&to=${__to}")},
	)
}
