// Package dashboards builds the tracker's Grafana dashboards from the mixin's
// parameters with the Grafana foundation SDK, so that panels, variables and
// links are typed values rather than JSON text.
//
// Every query goes through the ${datasource} variable and selects
// job=~"$job" (and instance=~"$instance" for per-process series), so the
// JSON imports into any Grafana, whatever its Prometheus data source is
// called and whatever the tracker's scrape job is named.
package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/tensiontracker/tracker/internal/mixin"
)

// ds is the data source of every panel, query and variable: the dashboard's
// datasource variable, which an import binds to the local Prometheus.
func ds() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}

// target is one PromQL query of a panel.
type target struct {
	expr, legend string
	instant      bool
	table        bool
}

func (t target) builder(ref string) cog.Builder[variants.Dataquery] {
	q := prometheus.NewDataqueryBuilder().Datasource(ds()).RefId(ref).Expr(t.expr).LegendFormat(t.legend)
	if t.legend == "" {
		q.LegendFormat("__auto")
	}
	if t.instant {
		q.Instant()
	} else {
		q.Range()
	}
	if t.table {
		q.Format(prometheus.PromQueryFormatTable)
	}
	return q
}

func targets(ts []target) []cog.Builder[variants.Dataquery] {
	var out []cog.Builder[variants.Dataquery]
	for i, t := range ts {
		out = append(out, t.builder(string(rune('A'+i))))
	}
	return out
}

// step is a threshold step; the first has no value (from -Inf).
type step struct {
	color string
	value *float64
}

func base(color string) step              { return step{color: color} }
func at(value float64, color string) step { return step{color: color, value: &value} }

func thresholds(steps ...step) cog.Builder[dashboard.ThresholdsConfig] {
	var out []dashboard.Threshold
	for _, s := range steps {
		out = append(out, dashboard.Threshold{Color: s.color, Value: s.value})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(out)
}

// link is a data link or dashboard link with a title.
func link(title, url string) cog.Builder[dashboard.DashboardLink] {
	return dashboard.NewDashboardLinkBuilder(title).Url(url).Type(dashboard.DashboardLinkTypeLink)
}

func links(pairs ...string) []cog.Builder[dashboard.DashboardLink] {
	var out []cog.Builder[dashboard.DashboardLink]
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, link(pairs[i], pairs[i+1]))
	}
	return out
}

// panel describes one panel; build turns it into the SDK builder of its type.
type panel struct {
	id                 uint32
	kind               string // timeseries, stat, bargauge, table
	title, description string
	x, y, w, h         uint32
	unit               string
	min, max           *float64
	steps              []step
	targets            []target
	links              []cog.Builder[dashboard.DashboardLink]
	thresholdLine      bool // timeseries: draw the thresholds as dashed lines
	colorBackground    bool // stat: colour the background
	transformations    []dashboard.DataTransformerConfig
	overrides          []override
	sortBy             string
}

type override struct {
	name  string
	props []dashboard.DynamicConfigValue
}

func f(v float64) *float64 { return &v }

func (p panel) build() cog.Builder[dashboard.Panel] {
	grid := dashboard.GridPos{X: p.x, Y: p.y, W: p.w, H: p.h}
	th := thresholds(p.steps...)
	switch p.kind {
	case "stat":
		b := stat.NewPanelBuilder().Id(p.id).Title(p.title).Description(p.description).Datasource(ds()).GridPos(grid).
			Unit(p.unit).Thresholds(th).Targets(targets(p.targets)).DataLinks(p.links).
			GraphMode(common.BigValueGraphModeNone).TextMode(common.BigValueTextModeValueAndName).
			ColorMode(common.BigValueColorModeValue).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
		if p.colorBackground {
			b.ColorMode(common.BigValueColorModeBackground)
		}
		if p.min != nil {
			b.Min(*p.min)
		}
		if p.max != nil {
			b.Max(*p.max)
		}
		for _, o := range p.overrides {
			b.OverrideByName(o.name, o.props)
		}
		return b
	case "bargauge":
		b := bargauge.NewPanelBuilder().Id(p.id).Title(p.title).Description(p.description).Datasource(ds()).GridPos(grid).
			Unit(p.unit).Thresholds(th).Targets(targets(p.targets)).DataLinks(p.links).
			Orientation(common.VizOrientationHorizontal).DisplayMode(common.BarGaugeDisplayModeGradient).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
		if p.min != nil {
			b.Min(*p.min)
		}
		if p.max != nil {
			b.Max(*p.max)
		}
		return b
	case "table":
		b := table.NewPanelBuilder().Id(p.id).Title(p.title).Description(p.description).Datasource(ds()).GridPos(grid).
			Unit(p.unit).Thresholds(th).Targets(targets(p.targets)).DataLinks(p.links).
			Transformations(p.transformations).ShowHeader(true).CellHeight(common.TableCellHeightSm)
		if p.sortBy != "" {
			b.SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(p.sortBy)})
		}
		for _, o := range p.overrides {
			b.OverrideByName(o.name, o.props)
		}
		return b
	default:
		b := timeseries.NewPanelBuilder().Id(p.id).Title(p.title).Description(p.description).Datasource(ds()).GridPos(grid).
			Unit(p.unit).Thresholds(th).Targets(targets(p.targets)).DataLinks(p.links).
			Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
			Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)).
			LineWidth(1).FillOpacity(10).ShowPoints(common.VisibilityModeNever)
		if p.thresholdLine {
			b.ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
		}
		if p.min != nil {
			b.Min(*p.min)
		}
		if p.max != nil {
			b.Max(*p.max)
		}
		return b
	}
}

// variables common to every dashboard: the data source, the tracker's job
// (default the mixin's), its instances, and the tracker's external URL as
// its tracker_web_info gauge exports it (for the article links).
func commonVariables(c mixin.Config) []cog.Builder[dashboard.VariableModel] {
	return []cog.Builder[dashboard.VariableModel]{
		dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus").
			Description("The Prometheus that scrapes the tracker and evaluates its recording rules."),
		queryVar("job", "Job", "label_values(tracker_build_info, job)", c.Job, false).
			Description("The tracker's scrape job. Replicas of one tracker share a job and count once."),
		queryVar("instance", "Instance", `label_values(tracker_build_info{job=~"$job"}, instance)`, "$__all", true).
			Description("Tracker processes, for the panels about one process (health, versions)."),
		queryVar("tracker_url", "Tracker URL", `label_values(tracker_web_info{job=~"$job"}, external_url)`, "", false).
			Hide(dashboard.VariableHideHideVariable).
			Description("Where users reach the tracker (web.external_url), as it exports it: the base of the article links."),
	}
}

func queryVar(name, label, query, current string, all bool) *dashboard.QueryVariableBuilder {
	v := dashboard.NewQueryVariableBuilder(name).Label(label).Datasource(ds()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Sort(dashboard.VariableSortAlphabeticalAsc)
	if all {
		v.Multi(true).IncludeAll(true).AllValue(".*")
	}
	if current != "" {
		v.Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: cog.ToPtr(current)}, Value: dashboard.StringOrArrayOfString{String: cog.ToPtr(current)}})
	}
	return v
}
