package deploytest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoRoot is the module root, two levels up from this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dashboardFile is one Grafana dashboard, decoded generically: the lint
// checks walk the JSON rather than a typed model so that they see every field.
type dashboardFile struct {
	Path string
	JSON map[string]any
}

func (d dashboardFile) UID() string   { s, _ := d.JSON["uid"].(string); return s }
func (d dashboardFile) Title() string { s, _ := d.JSON["title"].(string); return s }

// Panels returns every panel, including those nested in collapsed rows.
func (d dashboardFile) Panels() []map[string]any {
	var out []map[string]any
	var walk func(list any)
	walk = func(list any) {
		items, _ := list.([]any)
		for _, it := range items {
			p, ok := it.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, p)
			walk(p["panels"])
		}
	}
	walk(d.JSON["panels"])
	return out
}

// Variables returns the names of the dashboard's template variables.
func (d dashboardFile) Variables() map[string]map[string]any {
	vars := map[string]map[string]any{}
	tpl, _ := d.JSON["templating"].(map[string]any)
	list, _ := tpl["list"].([]any)
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			if name, _ := m["name"].(string); name != "" {
				vars[name] = m
			}
		}
	}
	return vars
}

// PanelByID returns the panel with the given id, or nil.
func (d dashboardFile) PanelByID(id int) map[string]any {
	for _, p := range d.Panels() {
		if n, ok := p["id"].(float64); ok && int(n) == id {
			return p
		}
	}
	return nil
}

// Exprs returns every PromQL expression in the dashboard: panel targets and
// annotation queries, keyed by where they are for error messages.
func (d dashboardFile) Exprs() map[string]string {
	out := map[string]string{}
	for _, p := range d.Panels() {
		targets, _ := p["targets"].([]any)
		for _, t := range targets {
			tm, _ := t.(map[string]any)
			if e, _ := tm["expr"].(string); e != "" {
				out["panel "+jsonString(p["id"])+" "+jsonString(p["title"])+" target "+jsonString(tm["refId"])] = e
			}
		}
	}
	ann, _ := d.JSON["annotations"].(map[string]any)
	list, _ := ann["list"].([]any)
	for _, a := range list {
		am, _ := a.(map[string]any)
		if e, _ := am["expr"].(string); e != "" {
			out["annotation "+jsonString(am["name"])] = e
		}
		if tgt, ok := am["target"].(map[string]any); ok {
			if e, _ := tgt["expr"].(string); e != "" {
				out["annotation "+jsonString(am["name"])+" target"] = e
			}
		}
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func loadDashboards(t testing.TB) []dashboardFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy", "grafana", "dashboards", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no dashboards found")
	}
	var out []dashboardFile
	for _, p := range paths {
		var m map[string]any
		if err := json.Unmarshal(readFile(t, p), &m); err != nil {
			t.Fatalf("%s: invalid JSON: %v", p, err)
		}
		out = append(out, dashboardFile{Path: p, JSON: m})
	}
	return out
}

// ruleFile mirrors the Prometheus rule file format, as far as the checks need.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record        string            `yaml:"record"`
	Alert         string            `yaml:"alert"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

func ruleFilePaths(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "deploy", "prometheus", "rules", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no rule files found")
	}
	return paths
}

// loadRules returns every rule of the shipped rule files.
func loadRules(t testing.TB) []rule {
	t.Helper()
	var out []rule
	for _, p := range ruleFilePaths(t) {
		var f ruleFile
		if err := yaml.Unmarshal(readFile(t, p), &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, g := range f.Groups {
			out = append(out, g.Rules...)
		}
	}
	return out
}

// documentedMetric is a row of a table in docs/metrics.md whose first cell is
// a metric or recording-rule name in backticks.
type documentedMetric struct {
	Name string
	Type string // second column: gauge, counter, histogram; empty for rules
}

var docRow = regexp.MustCompile("^\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\\s*\\|\\s*([^|]*)\\|")

func loadDocumentedMetrics(t testing.TB) map[string]documentedMetric {
	t.Helper()
	out := map[string]documentedMetric{}
	for _, line := range strings.Split(string(readFile(t, filepath.Join(repoRoot(t), "docs", "metrics.md"))), "\n") {
		m := docRow.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		out[m[1]] = documentedMetric{Name: m[1], Type: strings.TrimSpace(m[2])}
	}
	if len(out) == 0 {
		t.Fatal("docs/metrics.md lists no metrics")
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
