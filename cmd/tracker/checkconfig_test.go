package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckConfigRunsStartupChecks checks that check-config refuses what
// run and reload refuse (they share prepare): an admin token file that is
// missing, a directory or unreadable, and a database path that is a
// directory.
func TestCheckConfigRunsStartupChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns extra config
		want  string                                // in the error; "" = OK
	}{
		{"valid", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "token"), "s3cret\n", 0o600)
			return "web:\n  admin_token_file: token\n"
		}, ""},
		{"token file missing", func(t *testing.T, dir string) string {
			return "web:\n  admin_token_file: nowhere\n"
		}, "admin token"},
		{"token file is a directory", func(t *testing.T, dir string) string {
			os.Mkdir(filepath.Join(dir, "tokdir"), 0o755)
			return "web:\n  admin_token_file: tokdir\n"
		}, "admin token"},
		{"token file unreadable", func(t *testing.T, dir string) string {
			if os.Geteuid() == 0 {
				// root reads anything: use a file that fails another way
				os.Mkdir(filepath.Join(dir, "locked"), 0o755)
				return "web:\n  admin_token_file: locked\n"
			}
			writeFile(t, filepath.Join(dir, "locked"), "s3cret\n", 0o000)
			return "web:\n  admin_token_file: locked\n"
		}, "admin token"},
		{"database path is a directory", func(t *testing.T, dir string) string {
			os.Mkdir(filepath.Join(dir, "db"), 0o755)
			return ""
		}, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			extra := tc.setup(t, dir)
			dbPath := filepath.Join(dir, "tracker.db")
			if tc.name == "database path is a directory" {
				dbPath = filepath.Join(dir, "db")
			}
			cfg := "global:\n  database_path: " + dbPath + "\nfeeds:\n  - {name: a, url: \"http://127.0.0.1:1/feed\"}\n" + extra
			path := filepath.Join(dir, "config.yaml")
			writeFile(t, path, cfg, 0o644)
			err := cmdCheckConfig([]string{"--config.file", path}, io.Discard, io.Discard)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("check-config: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("check-config = %v, want an error with %q", err, tc.want)
			}
			// run refuses it the same way.
			if _, _, _, _, perr := prepare(path); perr == nil {
				t.Errorf("prepare (run and reload) accepts what check-config refused")
			}
		})
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
