package deploytest

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// provisionedDatasourceUID reads the uid of the Prometheus data source that
// Grafana provisioning creates: every query must use it.
func provisionedDatasourceUID(t testing.TB) string {
	t.Helper()
	var f struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name string `yaml:"name"`
			Type string `yaml:"type"`
			UID  string `yaml:"uid"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	p := filepath.Join(repoRoot(t), "deploy", "grafana", "provisioning", "datasources", "prometheus.yml")
	if err := yaml.Unmarshal(readFile(t, p), &f); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if f.APIVersion != 1 || len(f.Datasources) != 1 || f.Datasources[0].Type != "prometheus" || f.Datasources[0].UID == "" {
		t.Fatalf("%s: want apiVersion 1 and one prometheus data source with a uid, got %+v", p, f)
	}
	return f.Datasources[0].UID
}

// allowedPanelTypes are the core panel types the dashboards use; a plugin
// panel would need installing in Grafana first.
var allowedPanelTypes = map[string]bool{"timeseries": true, "stat": true, "table": true, "bargauge": true}

// panelsWithoutArticleLinks show nothing an article list could explain (no
// theme, dyad or feed of their own).
var panelsWithoutArticleLinks = map[string]bool{
	"Fetch duration (p50, p90, p99)": true,
	"Store and config":               true,
	"Versions":                       true,
}

// articleParams are the query parameters of the tracker's article list
// (docs/metrics.md, "Article-list URL scheme").
var articleParams = map[string]bool{
	"theme": true, "dyad": true, "feed": true, "country": true, "flagged": true,
	"from": true, "to": true, "sort": true,
}

func TestDashboards(t *testing.T) {
	t.Parallel()
	uid := provisionedDatasourceUID(t)
	dashboards := loadDashboards(t)
	byUID := map[string]dashboardFile{}
	for _, d := range dashboards {
		if d.UID() == "" || d.Title() == "" {
			t.Fatalf("%s: dashboard needs a uid and a title", d.Path)
		}
		if _, dup := byUID[d.UID()]; dup {
			t.Fatalf("%s: duplicate dashboard uid %q", d.Path, d.UID())
		}
		byUID[d.UID()] = d
	}
	for _, d := range dashboards {
		t.Run(filepath.Base(d.Path), func(t *testing.T) {
			t.Parallel()
			var l lint
			lintDashboard(&l, d, uid, byUID)
			l.report(t)
		})
	}
}

// lint collects the problems a check finds, so that the checks themselves can
// be tested on broken input.
type lint struct{ problems []string }

func (l *lint) errorf(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *lint) report(t *testing.T) {
	t.Helper()
	for _, p := range l.problems {
		t.Error(p)
	}
}

// lintDashboard checks one dashboard; byUID holds all dashboards, for links.
func lintDashboard(l *lint, d dashboardFile, dsUID string, byUID map[string]dashboardFile) {
	if v, _ := d.JSON["schemaVersion"].(float64); v < 39 {
		l.errorf("schemaVersion %v, want >= 39", d.JSON["schemaVersion"])
	}
	if d.JSON["id"] != nil {
		l.errorf("id must be null in a provisioned dashboard (Grafana assigns it), got %v", d.JSON["id"])
	}

	// Every datasource reference anywhere is the provisioned one.
	walkJSON(d.JSON, "", func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		ds, ok := m["datasource"]
		if !ok {
			return
		}
		dm, _ := ds.(map[string]any)
		if dm["type"] != "prometheus" || dm["uid"] != "${datasource}" {
			l.errorf("%s: datasource %s, want {type: prometheus, uid: ${datasource}} (the datasource variable, so that an import binds any Prometheus)", path, jsonString(ds))
		}
	})

	// Every variable used anywhere is defined or a Grafana built-in.
	vars := d.Variables()
	walkJSON(d.JSON, "", func(path string, v any) {
		s, ok := v.(string)
		if !ok {
			return
		}
		for _, name := range varRefs(s) {
			if _, ok := vars[name]; !ok && !grafanaBuiltins[name] {
				l.errorf("%s: variable $%s is not defined in templating (%q)", path, name, s)
			}
		}
	})
	for name, v := range vars {
		switch v["type"] {
		case "textbox", "custom", "constant", "interval", "datasource":
		case "query":
			def, _ := v["definition"].(string)
			if labelValuesMetric(def) == "" {
				l.errorf("variable %s: definition %q, want label_values(metric, label)", name, def)
			}
		default:
			l.errorf("variable %s: unexpected type %v", name, v["type"])
		}
	}
	if tu, ok := vars["tracker_url"]; !ok || tu["type"] != "query" || labelValuesMetric(jsonStringValue(tu["definition"])) != "tracker_web_info" {
		l.errorf("want a query variable tracker_url over tracker_web_info for the article links")
	}
	if dv, ok := vars["datasource"]; !ok || dv["type"] != "datasource" || dv["query"] != "prometheus" {
		l.errorf("want a datasource variable datasource of type prometheus")
	}
	for _, name := range []string{"job", "instance"} {
		if _, ok := vars[name]; !ok {
			l.errorf("want a %s variable", name)
		}
	}

	ids := map[int]string{}
	for _, p := range d.Panels() {
		title, _ := p["title"].(string)
		where := fmt.Sprintf("panel %v %q", p["id"], title)
		idf, ok := p["id"].(float64)
		if !ok || idf != float64(int(idf)) || idf <= 0 {
			l.errorf("%s: id must be a positive integer", where)
		} else if other, dup := ids[int(idf)]; dup {
			l.errorf("%s: id also used by %q", where, other)
		} else {
			ids[int(idf)] = title
		}
		typ, _ := p["type"].(string)
		if typ == "row" {
			continue
		}
		if !allowedPanelTypes[typ] {
			l.errorf("%s: panel type %q not in %v", where, typ, sortedKeys(allowedPanelTypes))
		}
		if title == "" {
			l.errorf("%s: no title", where)
		}
		if desc, _ := p["description"].(string); len(desc) < 20 {
			l.errorf("%s: needs a description", where)
		}
		if _, ok := p["gridPos"].(map[string]any); !ok {
			l.errorf("%s: no gridPos", where)
		}
		fc, _ := p["fieldConfig"].(map[string]any)
		defaults, _ := fc["defaults"].(map[string]any)
		if unit, _ := defaults["unit"].(string); unit == "" {
			l.errorf("%s: no unit in fieldConfig.defaults", where)
		}
		th, _ := defaults["thresholds"].(map[string]any)
		if steps, _ := th["steps"].([]any); len(steps) == 0 {
			l.errorf("%s: no thresholds", where)
		}
		if typ == "timeseries" {
			opts, _ := p["options"].(map[string]any)
			legend, _ := opts["legend"].(map[string]any)
			if legend["showLegend"] != true {
				l.errorf("%s: legend hidden", where)
			}
		}
		targets, _ := p["targets"].([]any)
		if len(targets) == 0 {
			l.errorf("%s: no queries", where)
		}
		refIDs := map[string]bool{}
		for _, tg := range targets {
			tm, _ := tg.(map[string]any)
			ref, _ := tm["refId"].(string)
			if ref == "" || refIDs[ref] {
				l.errorf("%s: missing or duplicate refId %q", where, ref)
			}
			refIDs[ref] = true
			if e, _ := tm["expr"].(string); strings.TrimSpace(e) == "" {
				l.errorf("%s: target %s has no expr", where, ref)
			}
		}
		articleLinks := 0
		walkJSON(p, where, func(path string, v any) {
			m, ok := v.(map[string]any)
			if !ok {
				return
			}
			u, ok := m["url"].(string)
			if !ok {
				return
			}
			if _, ok := m["title"].(string); !ok {
				l.errorf("%s: link %q has no title", path, u)
			}
			if strings.Contains(u, "/articles") {
				articleLinks++
				// :raw, because Grafana percent-encodes variables in data
				// links by default, which would turn the base URL into a
				// relative path.
				checkArticleLink(l, path, u, "${tracker_url:raw}/articles?", true)
			}
			if strings.HasPrefix(u, "/d/") {
				checkDashboardLink(l, path, u, byUID)
			}
		})
		if articleLinks == 0 && !panelsWithoutArticleLinks[title] {
			l.errorf("%s: no data link to the tracker's article list", where)
		}
	}
	ann, _ := d.JSON["annotations"].(map[string]any)
	if list, _ := ann["list"].([]any); len(list) == 0 {
		l.errorf("no annotations (firing alerts should be shown)")
	}
	for where, expr := range d.Exprs() {
		if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
			l.errorf("%s: unbalanced brackets in %q", where, expr)
		}
	}
}

// checkArticleLink checks a link to the tracker's article list: its base, and
// that it only uses parameters the tracker understands. Dashboard links must
// pass the panel's time range as Grafana sends it.
func checkArticleLink(l *lint, where, u, base string, grafana bool) {
	if !strings.HasPrefix(u, base) {
		l.errorf("%s: article link %q does not start with %q", where, u, base)
		return
	}
	q, err := url.ParseQuery(strings.TrimPrefix(u, base))
	if err != nil {
		l.errorf("%s: article link %q: %v", where, u, err)
		return
	}
	for k := range q {
		if !articleParams[k] {
			l.errorf("%s: article link %q: unknown parameter %q", where, u, k)
		}
	}
	if grafana && (q.Get("from") != "${__from}" || q.Get("to") != "${__to}") {
		l.errorf("%s: article link %q must pass from=${__from}&to=${__to}", where, u)
	}
}

var dashboardURL = regexp.MustCompile(`^(?:https?://[^/]+)?/d/([^/?]+)/([^/?]+)\?(.*)$`)

// checkDashboardLink checks a link to a dashboard: the uid exists, the slug is
// the target's title slug, viewPanel names one of its panels and every var-X
// is one of its variables.
func checkDashboardLink(l *lint, where, u string, byUID map[string]dashboardFile) {
	m := dashboardURL.FindStringSubmatch(u)
	if m == nil {
		l.errorf("%s: dashboard link %q is not /d/<uid>/<slug>?...", where, u)
		return
	}
	target, ok := byUID[m[1]]
	if !ok {
		l.errorf("%s: dashboard link %q: no dashboard with uid %q", where, u, m[1])
		return
	}
	if want := slugify(target.Title()); m[2] != want {
		l.errorf("%s: dashboard link %q: slug %q, want %q", where, u, m[2], want)
	}
	q, err := url.ParseQuery(m[3])
	if err != nil {
		l.errorf("%s: dashboard link %q: %v", where, u, err)
		return
	}
	vars := target.Variables()
	for k := range q {
		switch {
		case strings.HasPrefix(k, "var-"):
			if _, ok := vars[strings.TrimPrefix(k, "var-")]; !ok {
				l.errorf("%s: dashboard link %q: %s has no variable %q", where, u, target.UID(), strings.TrimPrefix(k, "var-"))
			}
		case k == "viewPanel":
			id, err := strconv.Atoi(q.Get(k))
			if err != nil || target.PanelByID(id) == nil {
				l.errorf("%s: dashboard link %q: %s has no panel %q", where, u, target.UID(), q.Get(k))
			}
		case k == "from" || k == "to" || k == "orgId" || strings.HasPrefix(k, "${__url_time_range"):
		default:
			l.errorf("%s: dashboard link %q: unexpected parameter %q", where, u, k)
		}
	}
}

// slugify is Grafana's dashboard URL slug: lower case, runs of anything but
// letters and digits become one dash.
func slugify(title string) string {
	s := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(title), "-")
	return strings.Trim(s, "-")
}

// walkJSON calls fn for every value in v, with a readable path.
func walkJSON(v any, path string, fn func(path string, v any)) {
	fn(path, v)
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			walkJSON(x[k], path+"."+k, fn)
		}
	case []any:
		for i, e := range x {
			walkJSON(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

func TestDashboardProvisioning(t *testing.T) {
	t.Parallel()
	var f struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string `yaml:"name"`
			Type    string `yaml:"type"`
			Folder  string `yaml:"folder"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	p := filepath.Join(repoRoot(t), "deploy", "grafana", "provisioning", "dashboards", "tracker.yml")
	if err := yaml.Unmarshal(readFile(t, p), &f); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if f.APIVersion != 1 || len(f.Providers) != 1 {
		t.Fatalf("%s: want apiVersion 1 and one provider, got %+v", p, f)
	}
	pr := f.Providers[0]
	if pr.Type != "file" || pr.Folder != "Tension tracker" || pr.Options.Path != "/var/lib/grafana/dashboards" {
		t.Errorf("%s: provider %+v, want a file provider for /var/lib/grafana/dashboards in folder \"Tension tracker\"", p, pr)
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Tension tracker: overview":                "tension-tracker-overview",
		"Tension tracker: sources and feed health": "tension-tracker-sources-and-feed-health",
		"  A -- B  ": "a-b",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func jsonStringValue(v any) string { s, _ := v.(string); return s }
