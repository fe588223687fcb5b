package mixin

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
)

// The promtool unit tests are YAML templates over the same Config, so a
// changed job name, window or URL changes the tests with the rules. Their
// numbers are written for the default thresholds: with other thresholds the
// generated tests may fail, which is the point (re-check what they pin).
//
//go:embed tests/*.yml.tmpl
var testTemplates embed.FS

// TestTrackerURL is the external URL the tests' tracker_web_info exports;
// alert links must take it from there, not from the ExternalURL parameter.
const TestTrackerURL = "https://tracker.test"

// UnitTests renders the promtool test files, keyed by file name.
func (c Config) UnitTests() (map[string][]byte, error) {
	funcs := template.FuncMap{
		"runbook": c.Runbook,
		// dash writes an alert's dashboard link: dashboard name, panel, time span, var pairs.
		"dash": func(name string, panel int, span string, vars ...string) (string, error) {
			d, ok := map[string]DashboardRef{"overview": Overview, "dyads": Dyads, "sources": Sources}[name]
			if !ok {
				return "", fmt.Errorf("no dashboard %q", name)
			}
			return c.dashLink(d, panel, span, vars...), nil
		},
		"list":   func(v ...string) []string { return v },
		"groups": func() string { return "[" + strings.Join(GroupOrder, ", ") + "]" },
		// from and to are an alert's article-link bounds (Unix ms) when it is
		// evaluated at the test time t: the alert window up to t.
		"to": func(t string) (int64, error) {
			d, err := model.ParseDuration(t)
			return time.Duration(d).Milliseconds(), err
		},
		"from": func(t string) (int64, error) {
			d, err := model.ParseDuration(t)
			return (time.Duration(d) - c.AlertWindow).Milliseconds(), err
		},
	}
	data := struct {
		Config
		Window, TestTrackerURL string
		WindowSeconds          int
	}{c, c.Window(), TestTrackerURL, int(c.AlertWindow.Seconds())}
	out := map[string][]byte{}
	err := fs.WalkDir(testTemplates, "tests", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := testTemplates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(path.Base(p)).Funcs(funcs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return fmt.Errorf("parse %s: %w", p, err)
		}
		var buf bytes.Buffer
		buf.WriteString("# " + strings.ReplaceAll(generatedHeader, "\n", "\n# ") + "\n")
		if err := t.Execute(&buf, data); err != nil {
			return fmt.Errorf("render %s: %w", p, err)
		}
		out[strings.TrimSuffix(path.Base(p), ".tmpl")] = buf.Bytes()
		return nil
	})
	return out, err
}
