package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want time.Duration
	}{
		{"90d", 90 * 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"2w", 14 * 24 * time.Hour},
		{"1w2d3h", 9*24*time.Hour + 3*time.Hour},
		{"1.5h", 90 * time.Minute},
		{"500ms", 500 * time.Millisecond},
		{"0", 0},
		{"0s", 0},
		{" 15m ", 15 * time.Minute},
		{"10µs", 10 * time.Microsecond},
	}
	for _, tc := range good {
		got, err := ParseDuration(tc.in)
		if err != nil || got.Std() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got.Std(), err, tc.want)
		}
	}
	for _, bad := range []string{"-1h", "abc", "", "30", "1x", "h", "1..5h", "1h-5m", "5 minutes", "1e3s", "999999999999w", "1h 30m"} {
		if got, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want error", bad, got)
		}
	}
}

func TestDurationString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "1h"},
		{6 * time.Hour, "6h"},
		{24 * time.Hour, "1d"},
		{7 * 24 * time.Hour, "1w"},
		{90 * 24 * time.Hour, "12w6d"},
		{90 * time.Minute, "1h30m"},
		{1500 * time.Millisecond, "1s500ms"},
		{0, "0s"},
		{-time.Hour, "-1h"},
	} {
		if got := Duration(tc.d).String(); got != tc.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tc.d, got, tc.want)
		}
		if tc.d >= 0 {
			back, err := ParseDuration(Duration(tc.d).String())
			if err != nil || back.Std() != tc.d {
				t.Errorf("round trip of %v: %v, %v", tc.d, back.Std(), err)
			}
		}
	}
}

func TestParseByteSize(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want ByteSize
	}{
		{"1048576", 1 << 20},
		{"512KiB", 512 << 10},
		{"10MiB", 10 << 20},
		{"1MB", 1_000_000},
		{"1kB", 1000},
		{"1 GiB", 1 << 30},
		{"1.5MiB", 3 << 19},
		{"100B", 100},
		{"10mib", 10 << 20},
	}
	for _, tc := range good {
		got, err := ParseByteSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "lots", "-1MiB", "10 MiBs", "1TB", "MiB", "1.2.3KiB", "99999999999999GiB"} {
		if got, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) = %v, want error", bad, got)
		}
	}
	for _, tc := range []struct {
		b    ByteSize
		want string
	}{{10 << 20, "10MiB"}, {512 << 10, "512KiB"}, {1 << 30, "1GiB"}, {1500, "1500B"}, {0, "0B"}} {
		if got := tc.b.String(); got != tc.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tc.b), got, tc.want)
		}
	}
}

func TestValidateSchedule(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"*/15 * * * *", "0 6 * * 1-5", "@hourly", "@daily", "@every 15m", "@every 1h30m",
		"CRON_TZ=Europe/Madrid 0 7 * * *", "TZ=America/Mexico_City */10 * * * *", "5-59/20 * * * *",
		"CRON_TZ=UTC @every 5m", "TZ=UTC\t0 * * * *",
	} {
		if err := ValidateSchedule(ok); err != nil {
			t.Errorf("ValidateSchedule(%q) = %v, want nil", ok, err)
		}
		if s, err := ParseSchedule(ok); err != nil || s == nil {
			t.Errorf("ParseSchedule(%q) = %v, %v", ok, s, err)
		}
	}
	// Several of these make robfig/cron v3.0.1's parser panic or accept
	// nonsense; each must come back as an error.
	for _, bad := range []string{
		"TZ=", "CRON_TZ=", "TZ=Bad/Zone * * * * *", "CRON_TZ=Nowhere/Land @daily", "@every -1s", "@every",
		"@every 0s", "@every 500ms", "@every 1d", "* * *", "* * * * * *", "", "   ", "@fortnightly",
		"60 * * * *", "*/0 * * * *", "TZ= * * * * *", "CRON_TZ=UTC", "5-1 * * * *", "1-2-3 * * * *",
	} {
		if err := ValidateSchedule(bad); err == nil {
			t.Errorf("ValidateSchedule(%q) = nil, want error", bad)
		}
		if s, err := ParseSchedule(bad); err == nil || s != nil {
			t.Errorf("ParseSchedule(%q) = %v, %v; want nil schedule and error", bad, s, err)
		}
	}
}

func TestParseScheduleNext(t *testing.T) {
	t.Parallel()
	s, err := ParseSchedule("CRON_TZ=UTC 30 6 * * *")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 1, 7, 0, 0, 0, time.UTC)
	if got, want := s.Next(from), time.Date(2025, 3, 2, 6, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next = %v, want %v", got, want)
	}
}

func TestNormalizeDyad(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"US-MX": "MX-US", "MX-US": "MX-US", "XK-RS": "RS-XK", "US-EU": "EU-US", " TW-CN ": "CN-TW"} {
		if got, err := NormalizeDyad(in); err != nil || got != want {
			t.Errorf("NormalizeDyad(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"US-US", "us-mx", "USA-MEX", "MX", "MX-", "-MX", "MX--US", "MX_US", "ZZ-US", ""} {
		if got, err := NormalizeDyad(bad); err == nil {
			t.Errorf("NormalizeDyad(%q) = %q, want error", bad, got)
		}
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	n := 0
	for c := range countryCodes {
		if c != "EU" && c != "XK" {
			n++
		}
	}
	if n != 249 {
		t.Errorf("ISO 3166-1 list has %d codes, want 249", n)
	}
	if len(languageCodes) != 184 {
		t.Errorf("ISO 639-1 list has %d codes, want 184", len(languageCodes))
	}
	for _, c := range []string{"MX", "US", "EU", "XK", "TW", "PS", "GB"} {
		if !IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = false", c)
		}
	}
	for _, c := range []string{"UK", "us", "USA", "ZZ", ""} {
		if IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = true", c)
		}
	}
	if !IsLanguageCode("es") || IsLanguageCode("ES") || IsLanguageCode("xx") {
		t.Error("IsLanguageCode misclassifies")
	}
}
