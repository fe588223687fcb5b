// Package deploytest checks the deployment files in deploy/ and the metric
// reference in docs/metrics.md: it lints the Grafana dashboards and the
// Prometheus rules, runs promtool on the rules and their unit tests, and runs
// the shipped rules and dashboard queries against a real Prometheus scraping a
// real tracker. It has no code of its own outside its tests.
package deploytest
