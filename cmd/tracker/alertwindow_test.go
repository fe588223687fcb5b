package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
)

func TestAlertWindowWarning(t *testing.T) {
	for _, tc := range []struct {
		windows []time.Duration
		warn    bool
	}{
		{[]time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour}, false},
		{[]time.Duration{time.Hour, 24 * time.Hour}, true},
		{[]time.Duration{4 * time.Hour}, true},
	} {
		cfg := &config.Config{}
		for _, w := range tc.windows {
			cfg.Global.Windows = append(cfg.Global.Windows, config.Duration(w))
		}
		got := alertWindowWarning(cfg)
		if (got != "") != tc.warn || tc.warn && !strings.Contains(got, "6h") {
			t.Errorf("windows %v: warning %q, want warning=%v naming 6h", tc.windows, got, tc.warn)
		}
	}
}
