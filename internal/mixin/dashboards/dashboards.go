package dashboards

import (
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/tensiontracker/tracker/internal/mixin"
)

// Files returns the dashboards' JSON, keyed by file name.
func Files(c mixin.Config) (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, b := range map[string]*dashboard.DashboardBuilder{
		"overview.json": overview(c),
		"dyads.json":    dyads(c),
		"sources.json":  sources(c),
	} {
		d, err := b.Build()
		if err != nil {
			return nil, fmt.Errorf("build dashboard %s: %w", name, err)
		}
		js, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encode dashboard %s: %w", name, err)
		}
		out[name] = append(js, '\n')
	}
	return out, nil
}

// newDashboard starts a dashboard with the settings all three share.
func newDashboard(c mixin.Config, ref mixin.DashboardRef, description, from string, vars ...cog.Builder[dashboard.VariableModel]) *dashboard.DashboardBuilder {
	b := dashboard.NewDashboardBuilder(ref.Title).Uid(ref.UID).Description(description).
		Tags([]string{"tension-tracker"}).Time(from, "now").Refresh("1m").Timezone("browser").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).Editable().
		Link(dashboard.NewDashboardLinkBuilder("Tension tracker").Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"tension-tracker"}).AsDropdown(true).IncludeVars(true).KeepTime(true)).
		Link(dashboard.NewDashboardLinkBuilder("Article explorer").Type(dashboard.DashboardLinkTypeLink).
			Url("${tracker_url:raw}/").TargetBlank(true))
	for _, v := range append(commonVariables(c), vars...) {
		b.WithVariable(v)
	}
	return b
}

// alertAnnotation shows the firing alerts matching sel on the time axis.
func alertAnnotation(name, sel, title, text string) cog.Builder[dashboard.AnnotationQuery] {
	return dashboard.NewAnnotationQueryBuilder().Name(name).Datasource(ds()).Enable(true).IconColor("red").
		Expr(`ALERTS{alertstate="firing", job=~"$job", ` + sel + `}`).TitleFormat(title).TextFormat(text).Step("1m")
}

// windowVar picks one of the exported windows; the alert window by default.
func windowVar(c mixin.Config) cog.Builder[dashboard.VariableModel] {
	return queryVar("window", "Window", `label_values(tracker_stories{job=~"$job"}, window)`, c.Window(), false).
		Description("The rolling window of the counts and indices (global.windows).")
}

// dashURL links to another dashboard, keeping the job, data source and time range.
func dashURL(ref mixin.DashboardRef, vars string) string {
	return "/d/" + ref.UID + "/" + ref.Slug() + "?var-datasource=${datasource}&var-job=${job}&" + vars + "&${__url_time_range}"
}

func add(b *dashboard.DashboardBuilder, panels ...panel) *dashboard.DashboardBuilder {
	for _, p := range panels {
		b.WithPanel(p.build())
	}
	return b
}
