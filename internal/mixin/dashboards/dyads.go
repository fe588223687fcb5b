package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/tensiontracker/tracker/internal/mixin"
)

func dyads(c mixin.Config) *dashboard.DashboardBuilder {
	w := c.Window()
	pair := `job=~"$job", dyad="$dyad", theme="$theme"`
	sel := "{" + pair + `, window="$window"}`
	alertSel := "{" + pair + fmt.Sprintf(", window=%q}", w)
	vars := []cog.Builder[dashboard.VariableModel]{
		queryVar("dyad", "Country pair", `label_values(tracker_dyad_stories{job=~"$job"}, dyad)`, "", false).Description("A watched country pair (watch.dyads)."),
		queryVar("theme", "Theme", `label_values(tracker_theme_stories_flagged{job=~"$job"}, theme)`, "security", false).Description("A friction theme."),
		windowVar(c),
	}
	flagged := "${tracker_url:raw}/articles?theme=${theme}&dyad=${dyad}&flagged=1&sort=score&from=${__from}&to=${__to}"
	byTheme := "${tracker_url:raw}/articles?theme=${__field.labels.theme}&dyad=${__field.labels.dyad}&flagged=1&sort=score&from=${__from}&to=${__to}"
	b := newDashboard(c, mixin.Dyads, "One watched country pair and theme: its tension index against its baselines and the alert line, its stories, its z-scores, what its coverage is about.", "now-7d", vars...).
		Annotation(alertAnnotation("Dyad alerts", `alertname="DyadTensionSpike", dyad="$dyad"`, "{{alertname}} {{dyad}} {{theme}}", "Firing: {{dyad}} {{theme}}"))
	zSteps := []step{base("green"), at(c.ZScoreThreshold-1, "#EAB839"), at(c.ZScoreThreshold, "red")}
	return add(b,
		panel{id: mixin.PanelDyadIndex, kind: "timeseries", title: "Tension index: $dyad $theme ($window)", x: 0, y: 0, w: 16, h: 9, unit: "percentunit", min: f(0),
			description: fmt.Sprintf("The pair's stories flagged for the theme as a share of ALL weighted stories (%s), with the %s index's 7-day and 28-day means and the alert line (7-day mean + %g floored standard deviations).", mixin.DyadIndex, w, c.ZScoreThreshold),
			steps:       []step{base("green")},
			targets: []target{
				{expr: mixin.DyadIndex + sel, legend: "index ($window)"},
				{expr: mixin.Mean(mixin.DyadLevel, "7d") + alertSel, legend: fmt.Sprintf("7-day mean (%s index)", w)},
				{expr: mixin.Mean(mixin.DyadLevel, "28d") + alertSel, legend: fmt.Sprintf("28-day mean (%s index)", w)},
				{expr: fmt.Sprintf("%s%s + %g * clamp_min(%s%s, %g)", mixin.Mean(mixin.DyadLevel, "7d"), alertSel, c.ZScoreThreshold, mixin.Stddev(mixin.DyadLevel, "7d"), alertSel, c.DyadStddevFloor), legend: fmt.Sprintf("alert line (7-day mean + %g sd)", c.ZScoreThreshold)},
			},
			links: links("Flagged articles: ${dyad} ${theme} in this time range", flagged)},
		panel{id: 2, kind: "stat", title: fmt.Sprintf("Z-score now: $dyad $theme (%s index)", w), x: 16, y: 0, w: 8, h: 9, unit: "none", colorBackground: true,
			description: fmt.Sprintf("Standard deviations above the 7-day and 28-day means (floored at %g). DyadTensionSpike fires above %g (7-day) for %s with at least %d flagged stories.", c.DyadStddevFloor, c.ZScoreThreshold, mixin.Dur(c.SpikeFor), c.MinDyadStories),
			steps:       zSteps,
			targets:     []target{{expr: mixin.ZScore(mixin.DyadLevel, "7d") + alertSel, legend: "vs 7 days", instant: true}, {expr: mixin.ZScore(mixin.DyadLevel, "28d") + alertSel, legend: "vs 28 days", instant: true}},
			links:       links("Flagged articles: ${dyad} ${theme} in this time range", flagged)},
		panel{id: 3, kind: "timeseries", title: "Stories about $dyad ($window)", x: 0, y: 9, w: 12, h: 8, unit: "short", min: f(0), thresholdLine: true,
			description: fmt.Sprintf("Stories whose parties include both countries (%s) and those flagged for the theme (%s). The dyad alert needs at least %d flagged stories in the %s window (dashed line).", mixin.DyadStories, mixin.DyadFlagged, c.MinDyadStories, w),
			steps:       []step{base("transparent"), at(float64(c.MinDyadStories), "orange")},
			targets:     []target{{expr: mixin.DyadFlagged + sel, legend: "flagged for $theme"}, {expr: mixin.DyadStories + `{job=~"$job", dyad="$dyad", window="$window"}`, legend: "all $dyad stories"}},
			links:       links("All ${dyad} articles in this time range", "${tracker_url:raw}/articles?dyad=${dyad}&sort=time&from=${__from}&to=${__to}")},
		panel{id: 4, kind: "timeseries", title: fmt.Sprintf("Z-score over time: $dyad $theme (%s index)", w), x: 12, y: 9, w: 12, h: 8, unit: "none", thresholdLine: true,
			description: fmt.Sprintf("The pair's z-scores against the 7-day and 28-day baselines; the red line is the alert threshold (%g).", c.ZScoreThreshold),
			steps:       []step{base("transparent"), at(c.ZScoreThreshold, "red")},
			targets:     []target{{expr: mixin.ZScore(mixin.DyadLevel, "7d") + alertSel, legend: "vs 7 days"}, {expr: mixin.ZScore(mixin.DyadLevel, "28d") + alertSel, legend: "vs 28 days"}},
			links:       links("Flagged articles: ${dyad} ${theme} in this time range", flagged)},
		panel{id: 5, kind: "timeseries", title: "What $dyad coverage is about ($window)", x: 0, y: 17, w: 12, h: 8, unit: "percentunit", min: f(0),
			description: "Of the pair's own weighted coverage, the share flagged for each theme (" + mixin.DyadShare + "). Noisy when the pair has few stories; not used by alerts.",
			steps:       []step{base("green")}, targets: []target{{expr: mixin.DyadShare + `{job=~"$job", dyad="$dyad", window="$window"}`, legend: "{{theme}}"}},
			links: links("Flagged articles: ${dyad} ${__field.labels.theme} in this time range", byTheme)},
		panel{id: 6, kind: "bargauge", title: "$dyad across themes ($window)", x: 12, y: 17, w: 6, h: 8, unit: "percentunit", min: f(0),
			description: "The pair's tension index for every theme, now.",
			steps:       []step{base("blue")}, targets: []target{{expr: mixin.DyadIndex + `{job=~"$job", dyad="$dyad", window="$window"}`, legend: "{{theme}}", instant: true}},
			links: links("Flagged articles: ${dyad} ${__field.labels.theme}", byTheme)},
		panel{id: 7, kind: "bargauge", title: "Other pairs: $theme ($window)", x: 18, y: 17, w: 6, h: 8, unit: "percentunit", min: f(0),
			description: "The watched pairs with the highest $theme index. Click one to switch this dashboard to it.",
			steps:       []step{base("blue")}, targets: []target{{expr: "topk(12, " + mixin.DyadIndex + `{job=~"$job", theme="$theme", window="$window"})`, legend: "{{dyad}}", instant: true}},
			links: links("Show ${__field.labels.dyad}", dashURL(mixin.Dyads, "var-dyad=${__field.labels.dyad}&var-theme=${theme}&var-window=${window}"),
				"Flagged articles: ${__field.labels.dyad} ${theme}", "${tracker_url:raw}/articles?theme=${theme}&dyad=${__field.labels.dyad}&flagged=1&sort=score&from=${__from}&to=${__to}")},
	)
}
