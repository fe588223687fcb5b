package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	// Embedded zone data, so CRON_TZ=Europe/Madrid validates (and schedules)
	// the same on a minimal container image without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// ParseSchedule parses a cron spec exactly as the scheduler uses it: the
// standard five fields (minute hour day-of-month month day-of-week), an
// optional CRON_TZ= or TZ= prefix, or a descriptor (@hourly, @daily,
// @every 15m, ...). Unlike robfig/cron v3.0.1's own parser it never panics
// (that parser slices out of range on a bare "TZ=" prefix), and it rejects
// "@every" with a duration under one second, which cron would silently
// round up.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched = nil
			err = fmt.Errorf("invalid schedule %q: malformed spec", spec)
		}
	}()
	s := strings.TrimSpace(spec)
	if s == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	body := s
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return nil, fmt.Errorf("invalid schedule %q: a time zone prefix must be followed by a schedule, e.g. \"CRON_TZ=Europe/Madrid 0 * * * *\"", spec)
		}
		zone := s[strings.IndexByte(s, '=')+1 : i]
		if zone == "" {
			return nil, fmt.Errorf("invalid schedule %q: empty time zone", spec)
		}
		if _, err := time.LoadLocation(zone); err != nil {
			return nil, fmt.Errorf("invalid schedule %q: unknown time zone %q", spec, zone)
		}
		// robfig splits the prefix off at the first space only.
		s = normalizeZoneSep(s, i)
		body = strings.TrimSpace(s[i:])
	}
	if rest, ok := strings.CutPrefix(body, "@every"); ok {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return nil, fmt.Errorf("invalid schedule %q: @every needs a duration, e.g. \"@every 15m\"", spec)
		}
		d, err := time.ParseDuration(rest)
		if err != nil {
			return nil, fmt.Errorf("invalid schedule %q: bad @every duration %q (units: s, m, h)", spec, rest)
		}
		if d < time.Second {
			return nil, fmt.Errorf("invalid schedule %q: @every needs a duration of at least 1s", spec)
		}
	}
	sched, err = cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	return sched, nil
}

// normalizeZoneSep normalises the separator after a time zone prefix to a single
// space, since robfig/cron looks for a space and nothing else.
func normalizeZoneSep(s string, i int) string {
	return s[:i] + " " + strings.TrimLeft(s[i:], " \t")
}

// ValidateSchedule reports whether spec is a schedule ParseSchedule accepts.
func ValidateSchedule(spec string) error {
	_, err := ParseSchedule(spec)
	return err
}
