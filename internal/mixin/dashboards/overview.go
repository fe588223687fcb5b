package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/tensiontracker/tracker/internal/mixin"
)

const themeArticles = "${tracker_url:raw}/articles?theme=${__field.labels.theme}&flagged=1&sort=score&from=${__from}&to=${__to}"

func overview(c mixin.Config) *dashboard.DashboardBuilder {
	w := c.Window()
	sel := `{job=~"$job", window="$window"}`
	alertSel := fmt.Sprintf(`{job=~"$job", window=%q}`, w)
	pairArticles := "${tracker_url:raw}/articles?theme=${__field.labels.theme}&dyad=${__field.labels.dyad}&flagged=1&sort=score&from=${__from}&to=${__to}"
	b := newDashboard(c, mixin.Overview, "The four friction themes' tension index, their z-scores against the 7-day baseline, and the country pairs that move most.", "now-7d", windowVar(c)).
		Annotation(alertAnnotation("Tension alerts", `alertname=~"TensionSpike|DyadTensionSpike"`, "{{alertname}} {{theme}} {{dyad}}", "Firing: {{alertname}} for {{theme}} {{dyad}}"))
	zSteps := []step{base("green"), at(c.ZScoreThreshold-1, "#EAB839"), at(c.ZScoreThreshold, "red")}
	return add(b,
		panel{id: mixin.PanelThemeIndex, kind: "timeseries", title: "Tension index by theme ($window)", x: 0, y: 0, w: 16, h: 9, unit: "percentunit", min: f(0),
			description: "Share of the window's stories flagged for each theme, weighted by source weight (" + mixin.ThemeIndex + "). A share, not a count: adding feeds does not raise it. Click a line for the articles behind it.",
			steps:       []step{base("green")}, targets: []target{{expr: mixin.ThemeIndex + sel, legend: "{{theme}}"}},
			links: links("Flagged articles for ${__field.labels.theme} in this time range", themeArticles)},
		panel{id: 2, kind: "stat", title: fmt.Sprintf("Z-score now (%s index vs 7-day baseline)", w), x: 16, y: 0, w: 8, h: 9, unit: "none", colorBackground: true,
			description: fmt.Sprintf("How many standard deviations each theme's %s index is above its 7-day mean (floored at %g). TensionSpike fires above %g for %s when at least %d stories are flagged.", w, c.ThemeStddevFloor, c.ZScoreThreshold, mixin.Dur(c.SpikeFor), c.MinThemeStories),
			steps:       zSteps, targets: []target{{expr: mixin.ZScore(mixin.ThemeLevel, "7d") + alertSel, legend: "{{theme}}", instant: true}},
			links: links("Flagged articles for ${__field.labels.theme} in this time range", themeArticles)},
		panel{id: 3, kind: "timeseries", title: "Flagged stories by theme ($window)", x: 0, y: 9, w: 12, h: 8, unit: "short", min: f(0),
			description: fmt.Sprintf("Stories flagged for each theme in the window, unweighted (%s). The spike alert needs at least %d in the %s window, so a quiet night cannot page.", mixin.ThemeFlagged, c.MinThemeStories, w),
			steps:       []step{base("green")}, targets: []target{{expr: mixin.ThemeFlagged + sel, legend: "{{theme}}"}},
			links: links("Flagged articles for ${__field.labels.theme} in this time range", themeArticles)},
		panel{id: 7, kind: "timeseries", title: fmt.Sprintf("Z-scores over time (%s index)", w), x: 12, y: 9, w: 12, h: 8, unit: "none", thresholdLine: true,
			description: fmt.Sprintf("The 7-day z-score of each theme's %s index; the red line is the alert threshold (%g).", w, c.ZScoreThreshold),
			steps:       []step{base("transparent"), at(c.ZScoreThreshold, "red")}, targets: []target{{expr: mixin.ZScore(mixin.ThemeLevel, "7d") + alertSel, legend: "{{theme}}"}},
			links: links("Flagged articles for ${__field.labels.theme} in this time range", themeArticles)},
		panel{id: 4, kind: "bargauge", title: "Top country pairs by tension index ($window)", x: 0, y: 17, w: 12, h: 10, unit: "percentunit", min: f(0),
			description: "The ten watched dyad-theme pairs with the highest index: their flagged stories as a share of ALL weighted stories (" + mixin.DyadIndex + "). Click for the pair's dashboard or its articles.",
			steps:       []step{base("blue")}, targets: []target{{expr: "topk(10, " + mixin.DyadIndex + sel + ")", legend: "{{dyad}} {{theme}}", instant: true}},
			links: links("Country-pair dashboard: ${__field.labels.dyad} ${__field.labels.theme}", dashURL(mixin.Dyads, "var-dyad=${__field.labels.dyad}&var-theme=${__field.labels.theme}&var-window=${window}"),
				"Flagged articles: ${__field.labels.dyad} ${__field.labels.theme}", pairArticles)},
		panel{id: 5, kind: "bargauge", title: fmt.Sprintf("Top country pairs by z-score (%s index)", w), x: 12, y: 17, w: 12, h: 10, unit: "none", min: f(0), max: f(2 * c.ZScoreThreshold),
			description: fmt.Sprintf("The ten dyad-theme pairs furthest above their 7-day baseline (floored at %g). DyadTensionSpike fires above %g for %s when at least %d stories are flagged.", c.DyadStddevFloor, c.ZScoreThreshold, mixin.Dur(c.SpikeFor), c.MinDyadStories),
			steps:       zSteps, targets: []target{{expr: "topk(10, " + mixin.ZScore(mixin.DyadLevel, "7d") + alertSel + ")", legend: "{{dyad}} {{theme}}", instant: true}},
			links: links("Country-pair dashboard: ${__field.labels.dyad} ${__field.labels.theme}", dashURL(mixin.Dyads, "var-dyad=${__field.labels.dyad}&var-theme=${__field.labels.theme}&var-window="+w),
				"Flagged articles: ${__field.labels.dyad} ${__field.labels.theme}", pairArticles)},
		panel{id: 6, kind: "stat", title: "Coverage in the window ($window)", x: 0, y: 27, w: 12, h: 5, unit: "short",
			description: "Stories (clusters of syndicated copies), their source-weight sum (the index denominator) and raw articles (every copy) in the window; replicas count once.",
			steps:       []step{base("blue")},
			targets: []target{{expr: mixin.Stories + sel, legend: "Stories", instant: true}, {expr: mixin.StoriesWeighted + sel, legend: "Weighted stories", instant: true},
				{expr: mixin.Articles + sel, legend: "Articles (all copies)", instant: true}},
			links: links("All articles in this time range", "${tracker_url:raw}/articles?sort=time&from=${__from}&to=${__to}")},
		panel{id: 8, kind: "timeseries", title: "Mean theme score per story ($window)", x: 12, y: 27, w: 12, h: 5, unit: "none", min: f(0),
			description: "Average theme score over all stories of the window (" + mixin.ThemeScoreMean + "): how strongly coverage leans to each theme, flagged or not.",
			steps:       []step{base("green")}, targets: []target{{expr: mixin.ThemeScoreMean + sel, legend: "{{theme}}"}},
			links: links("Articles by ${__field.labels.theme} score in this time range", "${tracker_url:raw}/articles?theme=${__field.labels.theme}&sort=score&from=${__from}&to=${__to}")},
	)
}
