package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a non-negative time span. In YAML it is written as a Go
// duration with two extra units, "d" (24h) and "w" (7d): "90d", "2w",
// "1h30m", "500ms". A bare number is rejected because its unit would be a
// guess.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d the way Prometheus writes durations, largest units first
// and without zero parts ("1h", "6h", "1d", "1w2d", "1h30m", "0s"), so it can
// serve as the `window` label of the rolling-window metrics.
func (d Duration) String() string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	v := time.Duration(d)
	if v < 0 {
		b.WriteByte('-')
		if v == math.MinInt64 {
			return time.Duration(d).String()
		}
		v = -v
	}
	units := []struct {
		name string
		size time.Duration
	}{
		{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}, {"h", time.Hour},
		{"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond},
		{"us", time.Microsecond}, {"ns", time.Nanosecond},
	}
	for _, u := range units {
		if n := v / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			v -= n * u.size
		}
	}
	return b.String()
}

// MarshalText writes d in the form ParseDuration reads.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a duration written for ParseDuration.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond,
	"us": time.Microsecond,
	"µs": time.Microsecond, // U+00B5 micro sign
	"μs": time.Microsecond, // U+03BC Greek mu
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  24 * time.Hour,
	"w":  7 * 24 * time.Hour,
}

// ParseDuration parses a duration such as "90d", "2w", "1h30m" or "1.5h".
// Negative durations and numbers without a unit are errors.
func ParseDuration(s string) (Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", orig)
	}
	s = strings.TrimPrefix(s, "+")
	if s == "0" {
		return 0, nil
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		num := s[:i]
		if num == "" || strings.Count(num, ".") > 1 || num == "." {
			return 0, fmt.Errorf("invalid duration %q: want a number followed by a unit (ms, s, m, h, d, w), e.g. \"15m\" or \"90d\"", orig)
		}
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		unit := s[:j]
		s = s[j:]
		if unit == "" {
			return 0, fmt.Errorf("invalid duration %q: missing unit (ms, s, m, h, d, w) after %s", orig, num)
		}
		size, ok := durationUnits[unit]
		if !ok {
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q (want ns, us, ms, s, m, h, d or w)", orig, unit)
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: bad number %q", orig, num)
		}
		total += f * float64(size)
		if total >= math.MaxInt64 {
			return 0, fmt.Errorf("invalid duration %q: too large", orig)
		}
	}
	return Duration(math.Round(total)), nil
}

// ByteSize is a number of bytes. In YAML it is written as an integer
// (1048576) or a number with a unit: B, kB/KB, MB, GB (powers of 1000) or
// KiB, MiB, GiB (powers of 1024), e.g. "512KiB", "10MiB", "1MB".
type ByteSize int64

var byteUnits = map[string]float64{
	"":    1,
	"b":   1,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
}

// ParseByteSize parses a size such as "10MiB", "512KiB", "1MB" or "1048576".
func ParseByteSize(s string) (ByteSize, error) {
	orig := s
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	if num == "" {
		if strings.HasPrefix(s, "-") {
			return 0, fmt.Errorf("invalid size %q: must not be negative", orig)
		}
		return 0, fmt.Errorf("invalid size %q: want bytes or a number with a unit (KiB, MiB, GiB, kB, MB, GB)", orig)
	}
	mult, ok := byteUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (want B, KiB, MiB, GiB, kB, MB or GB)", orig, unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: bad number %q", orig, num)
	}
	v := math.Round(f * mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", orig)
	}
	return ByteSize(v), nil
}

// String formats the size with the largest binary unit that divides it
// ("10MiB", "1500B").
func (b ByteSize) String() string {
	switch {
	case b != 0 && b%(1<<30) == 0:
		return strconv.FormatInt(int64(b>>30), 10) + "GiB"
	case b != 0 && b%(1<<20) == 0:
		return strconv.FormatInt(int64(b>>20), 10) + "MiB"
	case b != 0 && b%(1<<10) == 0:
		return strconv.FormatInt(int64(b>>10), 10) + "KiB"
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}
