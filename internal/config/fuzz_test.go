package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that its result is
// always either a config or a non-empty list of located errors.
func FuzzParse(f *testing.F) {
	for _, p := range []string{
		"../../config.yaml",
		"testdata/valid/config.yaml",
		"testdata/broken/config.yaml",
		"testdata/lexicon_valid.yaml",
		"testdata/valid/lexicons/regional.yaml",
	} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"~",
		"feeds:\n  - {name: a, url: 'https://a.example/', schedule: 'TZ='}\n",
		"global: {windows: [1h, 1h], retention: 1m}\n",
		"themes:\n  trade:\n    terms: [{term: 'ab*', near: ['*'], within: -3}]\n",
		"a: &a [*a]\n",
		"x: &x {y: *x}\nglobal: *x\n",
		"<<: {global: {}}\n",
		"? [a, b]\n: c\n",
		"watch: {dyads: [US-MX, MX-US, us-us]}\n",
		"global:\n  max_body_size: 99999999999999999999GiB\n  concurrency: 99999999999999999999\n",
		"feeds: [{name: a, url: 'http://[::1', weight: .inf}]\n",
		"lexicon: {files: ['/dev/zero', '.', '']}\n",
		"--- !!binary AAAA\n",
		"global: !custom {}\n",
		"\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	base := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data, base)
		if err != nil {
			if cfg != nil {
				t.Fatal("config returned along with errors")
			}
			es := AsErrors(err)
			if len(es) == 0 {
				t.Fatalf("error is not a non-empty Errors: %v", err)
			}
			for _, e := range es {
				if e.File == "" || e.Msg == "" || e.Line < 0 {
					t.Fatalf("badly formed error %#v", e)
				}
			}
			_ = err.Error()
			return
		}
		if cfg == nil {
			t.Fatal("nil config without error")
		}
		for _, fd := range cfg.Feeds {
			if fd.Name == "" || fd.URL == "" || fd.Weight <= 0 || ValidateSchedule(cfg.FeedSchedule(fd)) != nil {
				t.Fatalf("accepted an invalid feed %+v", fd)
			}
		}
		for _, w := range cfg.Global.Windows {
			if w <= 0 || w > cfg.Global.Retention {
				t.Fatalf("accepted window %v with retention %v", w, cfg.Global.Retention)
			}
		}
	})
}

// FuzzParseLexicon checks ParseLexicon the same way.
func FuzzParseLexicon(f *testing.F) {
	for _, p := range []string{"testdata/lexicon_valid.yaml", "testdata/broken/lexicons/bad.yaml"} {
		data, err := os.ReadFile(filepath.FromSlash(p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lex, err := ParseLexicon("fuzz.yaml", data)
		if (lex == nil) == (err == nil) {
			t.Fatalf("lexicon %v with error %v", lex, err)
		}
		if err != nil {
			return
		}
		for name, th := range lex.Themes {
			for _, term := range th.Terms {
				if CheckPattern(term.Pattern) != nil || term.Weight <= 0 || term.Weight > MaxTermWeight {
					t.Fatalf("theme %s: accepted invalid term %+v", name, term)
				}
			}
		}
	})
}

// FuzzParseSchedule checks that no spec makes the cron parser panic.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"TZ=", "CRON_TZ=", "TZ=Bad/Zone * * * * *", "@every -1s", "@every", "* * *",
		"*/15 * * * *", "CRON_TZ=Europe/Madrid 0 7 * * 1-5", "@daily", "0-59/0 * * * *", "TZ=UTC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if (s == nil) == (err == nil) {
			t.Fatalf("ParseSchedule(%q) = %v, %v", spec, s, err)
		}
	})
}
