package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tensiontracker/tracker/internal/mixin"
)

// TestCommittedFilesAreGenerated regenerates deploy/ with the default
// parameters and fails on any difference, and on any file in a generated
// directory that the mixin does not write: the committed rules, tests and
// dashboards are exactly what `go run ./deploy/mixin` writes.
func TestCommittedFilesAreGenerated(t *testing.T) {
	files, err := Generate(mixin.Default())
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for rel, want := range files {
		dirs[filepath.Dir(rel)] = true
		got, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel)))
		if err != nil {
			t.Errorf("%s: %v (run go run ./deploy/mixin)", rel, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/%s differs from what the mixin generates: run go run ./deploy/mixin and commit the result", rel)
		}
	}
	var stray []string
	for dir := range dirs {
		entries, err := os.ReadDir(filepath.Join("..", filepath.FromSlash(dir)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			rel := dir + "/" + e.Name()
			if _, ok := files[rel]; !ok && !e.IsDir() {
				stray = append(stray, rel)
			}
		}
	}
	sort.Strings(stray)
	if len(stray) > 0 {
		t.Errorf("files in generated directories that the mixin does not write (delete them or add them to the mixin): %s", strings.Join(stray, ", "))
	}
}

// TestParametersChangeEveryFile generates with other parameters and checks
// that no default leaks through: the job, window and URLs are parameters.
func TestParametersChangeEveryFile(t *testing.T) {
	c := mixin.Default()
	c.Job = "news-tracker"
	c.AlertWindow = 4 * 60 * 60 * 1e9
	c.GrafanaURL = "https://grafana.example.org"
	c.RunbookURL = "https://wiki.example.org/tracker-runbook"
	files, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	for rel, b := range files {
		s := string(b)
		for _, leaked := range []string{`job="tracker"`, "job: tracker\n", `window="6h"`, "localhost:3000", "github.com/tensiontracker/tracker/blob"} {
			if strings.Contains(s, leaked) {
				t.Errorf("%s generated with other parameters still contains %q", rel, leaked)
			}
		}
	}
}

func TestInvalidParameters(t *testing.T) {
	for name, mod := range map[string]func(*mixin.Config){
		"empty job":         func(c *mixin.Config) { c.Job = "" },
		"quoted job":        func(c *mixin.Config) { c.Job = `a"b` },
		"replica label job": func(c *mixin.Config) { c.ReplicaLabels = []string{"job"} },
		"odd window":        func(c *mixin.Config) { c.AlertWindow = 90e9 + 1 },
		"relative URL":      func(c *mixin.Config) { c.GrafanaURL = "grafana:3000" },
		"ratio above 1":     func(c *mixin.Config) { c.FeedFailureRatio = 2 },
	} {
		c := mixin.Default()
		mod(&c)
		if _, err := Generate(c); err == nil {
			t.Errorf("%s: Generate accepted it", name)
		}
	}
}
