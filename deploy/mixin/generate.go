package main

import (
	"fmt"
	"path"

	"github.com/tensiontracker/tracker/internal/mixin"
	"github.com/tensiontracker/tracker/internal/mixin/dashboards"
)

const rulesHeader = `Recording rules of the tension tracker. Names follow level:metric:operations;
every level also keeps job, so trackers in different jobs stay apart while
replicas of one tracker (same job) count once (max over the replica labels
before summing). docs/metrics.md explains each rule.`

const baselinesHeader = `Baselines and z-scores of the tension index (they read tracker.rules.yml's
series). Load every file of this directory: without this one no spike alert
can fire, and TensionBaselineAbsent says so.`

const alertsHeader = `Alerts of the tension tracker. Labels: severity (critical | warning | info) and
category (tension: for the analysts; health: for the operators), which
deploy/alertmanager/alertmanager.yml routes on. Annotations: summary,
description (with the current value), runbook_url (docs/runbook.md), dashboard
(the Grafana panel) and articles (the tracker's article list, at the URL the
tracker exports in tracker_web_info{external_url}).`

// Generate returns every generated file, keyed by its path under deploy/.
func Generate(c mixin.Config) (map[string][]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	index, baselines := c.RecordingRules()
	rules, err := index.YAML(rulesHeader)
	if err != nil {
		return nil, err
	}
	out["prometheus/rules/tracker.rules.yml"] = rules
	base, err := baselines.YAML(baselinesHeader)
	if err != nil {
		return nil, err
	}
	out["prometheus/rules/tracker.baselines.yml"] = base
	alerts, err := c.Alerts().YAML(alertsHeader)
	if err != nil {
		return nil, err
	}
	out["prometheus/rules/tracker.alerts.yml"] = alerts
	tests, err := c.UnitTests()
	if err != nil {
		return nil, err
	}
	for name, b := range tests {
		out[path.Join("prometheus/tests", name)] = b
	}
	boards, err := dashboards.Files(c)
	if err != nil {
		return nil, err
	}
	for name, b := range boards {
		out[path.Join("grafana/dashboards", name)] = b
	}
	if len(out) < 3 {
		return nil, fmt.Errorf("generated only %d files", len(out))
	}
	return out, nil
}
