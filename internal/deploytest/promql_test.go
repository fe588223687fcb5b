package deploytest

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The deploy files' PromQL is checked by promtool and a real Prometheus; the
// helpers here only need to find the metric names an expression reads and
// the Grafana variables a string uses, without a PromQL parser (which would
// pull the whole Prometheus module into go.mod).

var (
	promStrings   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promGrafana   = regexp.MustCompile(`\$\{[^}]*\}|\$[A-Za-z0-9_]+|\[\[[^\]]*\]\]`)
	promMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\[\]]*\]`)
	promGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promIdent     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	promNotMetric = map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true,
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
		"inf": true, "nan": true, "Inf": true, "NaN": true,
	}
)

// metricNames returns the metric names an expression selects, sorted.
func metricNames(expr string) []string {
	s := promStrings.ReplaceAllString(expr, `""`)
	s = promGrafana.ReplaceAllString(s, "1")
	// Matchers and ranges may nest only in subqueries; strip until stable.
	for prev := ""; prev != s; {
		prev = s
		s = promMatchers.ReplaceAllString(s, " ")
		s = promRanges.ReplaceAllString(s, " ")
	}
	s = promGrouping.ReplaceAllString(s, " ")
	seen := map[string]bool{}
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		name := s[loc[0]:loc[1]]
		// A number like 1e3 or a duration is not a name.
		if loc[0] > 0 && isDigitOrDot(s[loc[0]-1]) {
			continue
		}
		if promNotMetric[name] {
			continue
		}
		// A function or an aggregation: the name is followed by "(".
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue
		}
		seen[name] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func isDigitOrDot(b byte) bool { return b >= '0' && b <= '9' || b == '.' }

// labelValuesMetric returns the metric of a Grafana label_values(metric, label)
// variable query, or "" for label_values(label).
func labelValuesMetric(def string) string {
	m := regexp.MustCompile(`^label_values\(\s*([^,]+?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$`).FindStringSubmatch(strings.TrimSpace(def))
	if m == nil {
		return ""
	}
	if names := metricNames(m[1]); len(names) == 1 {
		return names[0]
	}
	return m[1]
}

var grafanaVarRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)[^\]]*\]\]`)

// varRefs returns the Grafana variables a string refers to: $var, ${var},
// ${var:format}, ${var.path} (its root) and the deprecated [[var]].
func varRefs(s string) []string {
	var out []string
	for _, m := range grafanaVarRef.FindAllStringSubmatch(s, -1) {
		for _, g := range m[1:] {
			if g != "" {
				out = append(out, g)
			}
		}
	}
	return out
}

// grafanaBuiltins are the global and data-link variables Grafana defines.
var grafanaBuiltins = map[string]bool{
	"__from": true, "__to": true, "__interval": true, "__interval_ms": true, "__rate_interval": true,
	"__range": true, "__range_s": true, "__range_ms": true, "__url_time_range": true, "__all": true,
	"__field": true, "__value": true, "__series": true, "__data": true, "__dashboard": true,
	"__org": true, "__user": true, "__timezone": true,
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`tracker_stories`, []string{"tracker_stories"}},
		{`sum by (window) (tracker_stories_weighted)`, []string{"tracker_stories_weighted"}},
		{`a:b:ratio / on (window) group_left () (c:d:sum > 0)`, []string{"a:b:ratio", "c:d:sum"}},
		{`sum by (feed, reason) (increase(tracker_fetch_failures_total{feed=~"$feed",reason!~"canceled|store"}[1h])) > 0`,
			[]string{"tracker_fetch_failures_total"}},
		{`histogram_quantile(0.9, sum by (le) (rate(x_bucket{feed=~"${feed:regex}"}[$__rate_interval])))`, []string{"x_bucket"}},
		{`up{job="tracker"} == 0 or absent(up{job="tracker"})`, []string{"up"}},
		{`label_replace(tracker_lexicon_info, "lexicon", "$1", "version", "(.*)")`, []string{"tracker_lexicon_info"}},
		{`(time() - max by (instance, job) (last_ts)) > 2 * 3600 and on (instance, job) avg by (instance, job) (up_gauge) >= 0.5`,
			[]string{"last_ts", "up_gauge"}},
		{`x offset 1d unless on (b) y >= 1e3`, []string{"x", "y"}},
		{`present_over_time(m{window="6h"}[1d] offset 1d)`, []string{"m"}},
		{`max_over_time(rate(c_total[5m])[1h:1m])`, []string{"c_total"}},
		{`topk(10, m{window="$window"})`, []string{"m"}},
		{`ALERTS{alertname=~"A|B", alertstate="firing"}`, []string{"ALERTS"}},
		{`sum without (instance) (a) + ignoring (x) group_right (y) b`, []string{"a", "b"}},
		{`vector(1)`, []string{}},
	}
	for _, tt := range tests {
		got := metricNames(tt.expr)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("metricNames(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestVarRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want []string
	}{
		{`m{window="$window"}`, []string{"window"}},
		{`${tracker_url}/articles?theme=${__field.labels.theme}&from=${__from}&to=${__to}`, []string{"tracker_url", "__field", "__from", "__to"}},
		{`x{feed=~"${feed:regex}"}[$__rate_interval]`, []string{"feed", "__rate_interval"}},
		{`[[old]] and $1 and "$"`, []string{"old"}},
		{`no variables`, nil},
	}
	for _, tt := range tests {
		got := varRefs(tt.s)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("varRefs(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestLabelValuesMetric(t *testing.T) {
	t.Parallel()
	for def, want := range map[string]string{
		"label_values(tracker_dyad_stories,dyad)":          "tracker_dyad_stories",
		"label_values(tracker_stories{job=\"t\"}, window)": "tracker_stories",
		"label_values(dyad)":                               "",
	} {
		if got := labelValuesMetric(def); got != want {
			t.Errorf("labelValuesMetric(%q) = %q, want %q", def, got, want)
		}
	}
}
