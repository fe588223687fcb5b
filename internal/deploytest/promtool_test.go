package deploytest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// requireTool returns the path of an external program the test needs. When
// it is missing the test is skipped locally but fails in CI (CI=true), where
// scripts/test.sh installs it: a CI run must never pass by skipping.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found on PATH and CI=true: install Debian's prometheus package (scripts/test.sh does)", name)
	}
	t.Skipf("%s not found on PATH; install Debian's prometheus package to run this test (it fails instead of skipping when CI=true)", name)
	return ""
}

func runTool(t *testing.T, timeout time.Duration, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	t.Logf("%s %v:\n%s", filepath.Base(name), args, out)
}

func TestPromtoolCheck(t *testing.T) {
	t.Parallel()
	promtool := requireTool(t, "promtool")
	args := []string{"check", "rules"}
	for _, p := range ruleFilePaths(t) {
		rel, err := filepath.Rel(repoRoot(t), p)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, rel)
	}
	runTool(t, time.Minute, promtool, args...)
	runTool(t, time.Minute, promtool, "check", "config", filepath.Join("deploy", "prometheus", "prometheus.yml"))
}

// TestPromtoolRuleUnitTests runs every promtool unit test file of
// deploy/prometheus/tests (each alert firing and staying silent, and the
// recording rules' values).
func TestPromtoolRuleUnitTests(t *testing.T) {
	t.Parallel()
	promtool := requireTool(t, "promtool")
	for _, p := range unitTestPaths(t) {
		rel, err := filepath.Rel(repoRoot(t), p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			// The slowest file evaluates ~1,300 steps per test group: seconds,
			// but give loaded CI machines room.
			runTool(t, 5*time.Minute, promtool, "test", "rules", rel)
		})
	}
}

// TestAlertmanagerConfig checks deploy/alertmanager/alertmanager.yml with
// amtool when it is installed (Debian's prometheus-alertmanager package). CI
// does not install it, so this one only skips.
func TestAlertmanagerConfig(t *testing.T) {
	t.Parallel()
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("amtool not found on PATH (Debian package prometheus-alertmanager)")
	}
	runTool(t, time.Minute, amtool, "check-config", filepath.Join("deploy", "alertmanager", "alertmanager.yml"))
}
