package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	want, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	// A path that needs escaping in a URI, under directories that do not exist yet.
	path := filepath.Join(t.TempDir(), "new dir", "a?b#c%20", "tracker.db")
	for round := 0; round < 2; round++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open (round %d): %v", round, err)
		}
		if db.Path() != path {
			t.Errorf("Path() = %q, want %q", db.Path(), path)
		}
		var n, maxV int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &maxV); err != nil {
			t.Fatal(err)
		}
		if n != len(want) || maxV != len(want) {
			t.Errorf("round %d: %d migrations recorded up to version %d, want %d", round, n, maxV, len(want))
		}
		for _, table := range []string{"feeds", "articles", "article_sources", "stories",
			"scorings", "scores", "article_countries", "article_dyads", "lexicon_versions", "lexicon_themes"} {
			if c := count(t, db, "sqlite_schema WHERE type = 'table' AND name = ?", table); c != 1 {
				t.Errorf("table %s missing", table)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_ms) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "999") {
		t.Errorf("error %q does not name the database's version", err)
	}
}

func TestLoadMigrationsChecksNames(t *testing.T) {
	t.Parallel()
	sqlFile := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{"in order", []string{"0002_b.sql", "0001_a.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "expected version 2"},
		{"duplicate", []string{"0001_a.sql", "0001_b.sql"}, "expected version 2"},
		{"no number", []string{"init.sql"}, "NNNN_description.sql"},
		{"zero", []string{"0000_a.sql"}, "NNNN_description.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["migrations/"+f] = sqlFile
			}
			ms, err := loadMigrations(fsys)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(ms) != 2 || ms[0].name != "0001_a.sql" || ms[1].name != "0002_b.sql" {
					t.Errorf("got %+v, want 0001_a then 0002_b", ms)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestPragmasOnEveryConnection checks the DSN pragmas on connections of both
// pools, holding all reader connections at once so that each is a distinct
// connection, not the same one handed back.
func TestPragmasOnEveryConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)

	check := func(t *testing.T, c *sql.Conn, queryOnly int) {
		t.Helper()
		var mode string
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" {
			t.Errorf("journal_mode = %q, want wal", mode)
		}
		for _, p := range []struct {
			pragma string
			want   int
		}{
			{"busy_timeout", 10000},
			{"foreign_keys", 1},
			{"synchronous", 1}, // NORMAL
			{"query_only", queryOnly},
		} {
			var got int
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("%s = %d, want %d", p.pragma, got, p.want)
			}
		}
	}

	t.Run("writer", func(t *testing.T) {
		c, err := db.w.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		check(t, c, 0)
		// Transactions on the writer take the write lock at BEGIN.
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		other, err := sql.Open("sqlite", "file:"+db.path+"?_pragma=busy_timeout(0)")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := other.ExecContext(ctx, "BEGIN IMMEDIATE"); err == nil {
			t.Error("a second writer got the write lock while the writer's transaction was open: not IMMEDIATE")
		}
	})
	t.Run("readers", func(t *testing.T) {
		conns := make([]*sql.Conn, readers)
		for i := range conns {
			c, err := db.r.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns[i] = c
		}
		for _, c := range conns {
			check(t, c, 1)
			if _, err := c.ExecContext(ctx, `INSERT INTO feeds(name) VALUES ('sneaky')`); err == nil {
				t.Error("a reader connection accepted a write")
			}
		}
	})
}

func TestCloseCheckpointsWAL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	syncFeeds(t, db, feed("wire", 1))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Everything is in the main file: opened alone (immutable: no WAL), it
	// has the feed.
	raw, err := sql.Open("sqlite", "file:"+path+"?immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM feeds`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("main database file has %d feeds after Close, want 1", n)
	}
}
