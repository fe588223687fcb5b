package deploytest

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintFindsProblems feeds the dashboard lint a dashboard broken in every
// way it checks, so that a lint that silently stopped checking would fail.
func TestLintFindsProblems(t *testing.T) {
	t.Parallel()
	var m map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join("testdata", "broken_dashboard.json")), &m); err != nil {
		t.Fatal(err)
	}
	d := dashboardFile{Path: "broken_dashboard.json", JSON: m}
	var l lint
	lintDashboard(&l, d, "prometheus", map[string]dashboardFile{"broken": d})
	all := strings.Join(l.problems, "\n")
	for _, want := range []string{
		"schemaVersion 27, want >= 39",
		"id must be null",
		`datasource {"type":"prometheus","uid":"some-other-prometheus"}`,
		"want a datasource variable",
		"variable $region is not defined",
		"variable $tracker_url is not defined",
		`does not start with "${tracker_url:raw}/articles?"`,
		`definition "label_values(theme)", want label_values(metric, label)`,
		"want a query variable tracker_url over tracker_web_info",
		`panel 1 "Old graph": id also used by "Index"`,
		`panel type "graph"`,
		`panel 1 "Old graph": needs a description`,
		`panel 1 "Index": no unit`,
		`panel 1 "Index": legend hidden`,
		`missing or duplicate refId "A"`,
		"target A has no expr",
		`unknown parameter "region"`,
		"must pass from=${__from}&to=${__to}",
		`panel 1 "Old graph": no data link to the tracker's article list`,
		`no dashboard with uid "nowhere"`,
		`slug "wrong-slug", want "broken-on-purpose"`,
		`broken has no panel "99"`,
		`broken has no variable "region"`,
		"no annotations",
		"unbalanced brackets",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("lint did not report %q; it reported:\n%s", want, all)
		}
	}
}
