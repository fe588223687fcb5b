package deploytest

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tensiontracker/tracker/internal/mixin"
)

// Base URLs of the alert links with the mixin's default parameters. The
// articles links take the tracker's URL from its tracker_web_info gauge and
// fall back to trackerBase.
var (
	grafanaBase = mixin.Default().GrafanaURL
	trackerBase = mixin.Default().ExternalURL
	runbookBase = mixin.Default().RunbookURL
)

// trackerURLTemplate matches the start of an articles link: the template
// that reads tracker_web_info{external_url}, or the fallback base.
var trackerURLTemplate = regexp.MustCompile(`^(\{\{ with printf "topk\(1, tracker_web_info\{[^}]*\}\)"[^}]*\}\}\{\{ \. \| first \| label "external_url" \}\}\{\{ else \}\}` + regexp.QuoteMeta(trackerBase) + `\{\{ end \}\}|` + regexp.QuoteMeta(trackerBase) + `)/articles\?`)

// builtinMetrics are series that Prometheus itself creates.
var builtinMetrics = map[string]bool{"up": true, "ALERTS": true, "ALERTS_FOR_STATE": true}

// knownMetric reports whether name is documented in docs/metrics.md (a
// histogram's _bucket, _sum and _count series included) or recorded by a rule.
func knownMetric(name string, docs map[string]documentedMetric, recorded map[string]bool) bool {
	if builtinMetrics[name] || recorded[name] {
		return true
	}
	if _, ok := docs[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && docs[base].Type == "histogram" {
			return true
		}
	}
	return false
}

func TestMetricNamesAreDocumented(t *testing.T) {
	t.Parallel()
	docs := loadDocumentedMetrics(t)
	rules := loadRules(t)
	recorded := map[string]bool{}
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	// Recording rules are documented, and the docs list no rule that is gone.
	for name := range recorded {
		if _, ok := docs[name]; !ok {
			t.Errorf("recording rule %s is not documented in docs/metrics.md", name)
		}
	}
	for name := range docs {
		if strings.Contains(name, ":") && !recorded[name] {
			t.Errorf("docs/metrics.md documents %s, which no rule records", name)
		}
	}
	// Every name read by a rule or a dashboard is documented or recorded.
	for _, r := range rules {
		for _, name := range metricNames(r.Expr) {
			if !knownMetric(name, docs, recorded) {
				t.Errorf("rule %s%s reads %s, which is neither in docs/metrics.md nor recorded", r.Record, r.Alert, name)
			}
		}
	}
	for _, d := range loadDashboards(t) {
		for where, expr := range d.Exprs() {
			for _, name := range metricNames(expr) {
				if !knownMetric(name, docs, recorded) {
					t.Errorf("%s %s reads %s, which is neither in docs/metrics.md nor recorded", filepath.Base(d.Path), where, name)
				}
			}
		}
		for name, v := range d.Variables() {
			if def, _ := v["definition"].(string); def != "" {
				if m := labelValuesMetric(def); m != "" && !knownMetric(m, docs, recorded) {
					t.Errorf("%s variable %s reads %s, which is not documented", filepath.Base(d.Path), name, m)
				}
			}
		}
	}
}

var (
	severities = map[string]bool{"critical": true, "warning": true, "info": true}
	categories = map[string]bool{"tension": true, "health": true}
	// A Go template action, removed before parsing a link's query string.
	templateAction = regexp.MustCompile(`\{\{.*?\}\}`)
)

func TestAlerts(t *testing.T) {
	t.Parallel()
	dashboards := map[string]dashboardFile{}
	for _, d := range loadDashboards(t) {
		dashboards[d.UID()] = d
	}
	n := 0
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		n++
		var l lint
		lintAlert(&l, r, dashboards)
		for _, p := range l.problems {
			t.Errorf("alert %s: %s", r.Alert, p)
		}
	}
	if n == 0 {
		t.Fatal("no alerts found")
	}
}

// lintAlert checks an alert's labels and annotations.
func lintAlert(l *lint, r rule, dashboards map[string]dashboardFile) {
	if r.For == "" {
		l.errorf("no for: duration (a single evaluation would page)")
	}
	if r.KeepFiringFor == "" {
		l.errorf("no keep_firing_for: (an alert around its threshold would flap)")
	}
	if want := runbookBase + "#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
		l.errorf("runbook_url %q, want %q", r.Annotations["runbook_url"], want)
	}
	if !severities[r.Labels["severity"]] {
		l.errorf("severity label %q, want one of %v", r.Labels["severity"], sortedKeys(severities))
	}
	if !categories[r.Labels["category"]] {
		l.errorf("category label %q, want one of %v", r.Labels["category"], sortedKeys(categories))
	}
	for _, k := range []string{"summary", "description", "dashboard", "articles", "runbook_url"} {
		if strings.TrimSpace(r.Annotations[k]) == "" {
			l.errorf("no %s annotation", k)
		}
	}
	if !strings.Contains(r.Annotations["description"], "$value") {
		l.errorf("description does not show the current value ($value)")
	}
	if dash := r.Annotations["dashboard"]; dash != "" {
		if !strings.HasPrefix(dash, grafanaBase+"/d/") {
			l.errorf("dashboard link %q does not start with %s/d/", dash, grafanaBase)
		} else {
			// Template actions stand for label values; give them a value that
			// is a valid variable value.
			u := templateAction.ReplaceAllString(dash, "x")
			checkDashboardLink(l, "dashboard annotation", u, dashboards)
			if !strings.Contains(u, "viewPanel=") {
				l.errorf("dashboard link %q does not point at a panel (viewPanel)", dash)
			}
		}
	}
	if arts := r.Annotations["articles"]; arts != "" {
		if m := trackerURLTemplate.FindString(arts); m == "" {
			l.errorf("articles link %q does not start with the tracker_web_info URL template or %s/articles?", arts, trackerBase)
		} else {
			checkArticleLink(l, "articles annotation", trackerBase+"/articles?"+templateAction.ReplaceAllString(arts[len(m):], "x"), trackerBase+"/articles?", false)
		}
	}
}

func TestLintAlertFindsProblems(t *testing.T) {
	t.Parallel()
	dashboards := map[string]dashboardFile{}
	for _, d := range loadDashboards(t) {
		dashboards[d.UID()] = d
	}
	var l lint
	lintAlert(&l, rule{
		Alert:  "Broken",
		Labels: map[string]string{"severity": "page"},
		Annotations: map[string]string{
			"summary":     "something",
			"description": "no value here",
			"dashboard":   grafanaBase + "/d/tracker-overview/tension-tracker-overview?var-nope={{ $labels.theme }}",
			"articles":    "http://elsewhere/articles?topic=x",
		},
	}, dashboards)
	all := strings.Join(l.problems, "\n")
	for _, want := range []string{
		"no for: duration",
		`severity label "page"`,
		`category label ""`,
		"does not show the current value",
		`has no variable "nope"`,
		"does not point at a panel",
		"does not start with the tracker_web_info URL template",
		"no keep_firing_for",
		"runbook_url",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("lintAlert did not report %q; it reported:\n%s", want, all)
		}
	}
}

// unitTestFile mirrors promtool's rule unit test format, as far as needed.
type unitTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels      map[string]string `yaml:"exp_labels"`
				ExpAnnotations map[string]string `yaml:"exp_annotations"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func unitTestPaths(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy", "prometheus", "tests", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no rule unit tests found")
	}
	return paths
}

// TestEveryAlertIsUnitTested checks that the promtool tests cover every alert
// both ways: a case where it fires (with every annotation pinned) and cases
// where it must stay silent. Tension alerts need three test groups in which
// they never fire (low volume, slow drift, one noisy source). The health
// alerts' tests put silent subjects (a feed that recovers, a single failed
// scrape) next to the firing ones, where the exact expected alert list proves
// them silent; here they need at least one check that expects no alert.
func TestEveryAlertIsUnitTested(t *testing.T) {
	t.Parallel()
	fires := map[string]int{}
	silent := map[string]int{}      // test groups in which the alert never fires
	emptyChecks := map[string]int{} // checks that expect no alert
	for _, p := range unitTestPaths(t) {
		var f unitTestFile
		if err := yaml.Unmarshal(readFile(t, p), &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, g := range f.Tests {
			fired := map[string]bool{}
			checked := map[string]bool{}
			for _, c := range g.AlertRuleTest {
				checked[c.Alertname] = true
				if len(c.ExpAlerts) == 0 {
					emptyChecks[c.Alertname]++
				}
				for _, a := range c.ExpAlerts {
					fired[c.Alertname] = true
					for _, k := range []string{"summary", "description", "dashboard", "articles", "runbook_url"} {
						if a.ExpAnnotations[k] == "" {
							t.Errorf("%s, %q: expected %s alert at %s does not pin its %s annotation", filepath.Base(p), g.Name, c.Alertname, c.EvalTime, k)
						}
					}
				}
			}
			for name := range checked {
				if fired[name] {
					fires[name]++
				} else {
					silent[name]++
				}
			}
		}
	}
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		if fires[r.Alert] == 0 {
			t.Errorf("alert %s: no unit test where it fires", r.Alert)
		}
		if emptyChecks[r.Alert] == 0 {
			t.Errorf("alert %s: no unit test check that expects it silent", r.Alert)
		}
		if r.Labels["category"] == "tension" && silent[r.Alert] < 3 {
			t.Errorf("alert %s: %d unit test groups where it never fires, want at least 3", r.Alert, silent[r.Alert])
		}
	}
}
