package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema change, named NNNN_description.sql.
type migration struct {
	version int
	name    string
	sql     string
	// foreignKeysOff: the migration rebuilds a table other tables refer to
	// (the file's first line is fkOffDirective), so it runs with foreign
	// key enforcement off, which SQLite only allows outside a transaction,
	// and checks every foreign key before it commits.
	foreignKeysOff bool
	// step, when set (goSteps), runs after the SQL in the same
	// transaction: the part of a migration SQL cannot express.
	step func(ctx context.Context, tx *sql.Tx) error
}

// fkOffDirective, as a migration's first line, runs it with foreign keys off.
const fkOffDirective = "-- tracker:foreign_keys=off"

// goSteps are the Go parts of migrations, by version.
var goSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	3: migrateCompactStorage,
}

// loadMigrations reads the embedded migrations in version order and checks
// that they are numbered 1, 2, 3... without gaps or duplicates, so that a
// misnamed file fails every test instead of being skipped in production.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b), step: goSteps[v],
			foreignKeysOff: strings.HasPrefix(string(b), fkOffDirective)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate brings the schema up to the newest embedded migration. Each
// migration runs in its own immediate transaction together with its
// schema_migrations row, so a crash leaves the schema at a known version, and
// two processes opening the same file at once apply each migration once.
func migrate(ctx context.Context, w *sql.DB) error { return migrateTo(ctx, w, 0) }

// migrateTo applies the migrations up to version upTo (all when 0): the
// synthetic store generator writes rows in the layout of a given version.
func migrateTo(ctx context.Context, w *sql.DB, upTo int) error {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return err
	}
	if upTo > 0 && upTo < len(ms) {
		ms = ms[:upTo]
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_ms INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: the database is at schema version %d, this binary knows up to %d; run a newer tracker (or restore a backup)",
			ErrSchemaTooNew, current, len(ms))
	}
	if current == len(ms) {
		return nil
	}
	// One connection for all of them: the foreign_keys pragma is per
	// connection.
	conn, err := w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, m := range ms[current:] {
		if err := applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	if m.foreignKeysOff {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer func() {
			if _, errOn := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); errOn != nil && err == nil {
				err = fmt.Errorf("turn foreign keys back on: %w", errOn)
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	// Another process may have applied it since we looked.
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if m.step != nil {
		if err := m.step(ctx, tx); err != nil {
			return err
		}
	}
	if m.foreignKeysOff {
		if err := checkForeignKeys(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_ms) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// checkForeignKeys fails when any row refers to a missing parent.
func checkForeignKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("check foreign keys: %w", err)
		}
		return fmt.Errorf("check foreign keys: a row of %s (rowid %v) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
