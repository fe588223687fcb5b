package deploytest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Docker cannot run where this project is developed, so the compose stack
// and the Dockerfile are only checked statically: the files they mount and
// build from exist, the ports match what the docs and alert links say, and
// the image builds the tracker statically and runs it as non-root.

type composeFile struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Command []string `yaml:"command"`
		Volumes []string `yaml:"volumes"`
		Ports   []string `yaml:"ports"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeFile(t *testing.T) {
	t.Parallel()
	deploy := filepath.Join(repoRoot(t), "deploy")
	var c composeFile
	if err := yaml.Unmarshal(readFile(t, filepath.Join(deploy, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	wantPorts := map[string]string{"tracker": "9476:9476", "prometheus": "9090:9090", "alertmanager": "9093:9093", "grafana": "3000:3000"}
	for name, port := range wantPorts {
		s, ok := c.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if !slices.Contains(s.Ports, port) {
			t.Errorf("service %s: ports %v, want %s (docs and alert links use it)", name, s.Ports, port)
		}
		if s.Image == "" {
			t.Errorf("service %s: no image", name)
		} else if name != "tracker" && (!strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest")) {
			t.Errorf("service %s: image %q should be pinned to a version", name, s.Image)
		}
		mounts := map[string]string{}
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) < 2 {
				t.Errorf("service %s: volume %q is not source:target", name, v)
				continue
			}
			src, dst := parts[0], parts[1]
			mounts[dst] = src
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join(deploy, src)); err != nil {
					t.Errorf("service %s: mounts %s, which does not exist: %v", name, src, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("service %s: named volume %s not declared", name, src)
			}
		}
		switch name {
		case "tracker":
			if s.Build == nil {
				t.Errorf("tracker: no build section")
				break
			}
			if _, err := os.Stat(filepath.Join(deploy, s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("tracker: Dockerfile %s in context %s: %v", s.Build.Dockerfile, s.Build.Context, err)
			}
			if mounts["/var/lib/tracker/config.yaml"] != "../config.yaml" {
				t.Errorf("tracker: want ../config.yaml mounted at /var/lib/tracker/config.yaml (the Dockerfile's CMD), got %v", mounts)
			}
		case "prometheus":
			if mounts["/etc/prometheus/prometheus.yml"] != "./prometheus/prometheus.yml" || mounts["/etc/prometheus/rules"] != "./prometheus/rules" {
				t.Errorf("prometheus: want the shipped config and rules mounted, got %v", mounts)
			}
			if !slices.Contains(s.Command, "--config.file=/etc/prometheus/prometheus.yml") {
				t.Errorf("prometheus: command %v does not load the mounted config", s.Command)
			}
			retention := regexp.MustCompile(`^--storage\.tsdb\.retention\.time=(\d+)d$`)
			ok := false
			for _, a := range s.Command {
				if m := retention.FindStringSubmatch(a); m != nil {
					if days, err := strconv.Atoi(m[1]); err == nil && days >= 28 {
						ok = true
					}
				}
			}
			if !ok {
				t.Errorf("prometheus: retention must cover the 28-day baselines (--storage.tsdb.retention.time=NNd, NN >= 28)")
			}
		case "alertmanager":
			if mounts["/etc/alertmanager/alertmanager.yml"] != "./alertmanager/alertmanager.yml" {
				t.Errorf("alertmanager: want the shipped config mounted, got %v", mounts)
			}
		case "grafana":
			if mounts["/etc/grafana/provisioning"] != "./grafana/provisioning" || mounts["/var/lib/grafana/dashboards"] != "./grafana/dashboards" {
				t.Errorf("grafana: want provisioning and dashboards mounted where the provider looks, got %v", mounts)
			}
		}
	}
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := string(readFile(t, filepath.Join(repoRoot(t), "deploy", "Dockerfile")))
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/tracker", "--config.file=/var/lib/tracker/config.yaml"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile does not contain %q", want)
		}
	}
	if n := strings.Count(df, "\nFROM "); n < 2 {
		t.Errorf("Dockerfile has %d FROM lines, want a multi-stage build", n)
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(user) == 0 {
		t.Fatal("Dockerfile sets no USER: the tracker would run as root")
	}
	if last := user[len(user)-1][1]; last == "root" || last == "0" || strings.HasPrefix(last, "0:") {
		t.Errorf("Dockerfile runs as %q, want a non-root user", last)
	}
	// The Go version of the build stage must be able to build go.mod's go line.
	gomod := string(readFile(t, filepath.Join(repoRoot(t), "go.mod")))
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	if goLine == nil || !strings.Contains(df, "FROM golang:"+goLine[1]) {
		t.Errorf("Dockerfile's build stage should use golang:%v (go.mod's go line)", goLine)
	}
}
