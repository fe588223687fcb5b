package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// TestMigrateReleaseDatabase opens a database written by the release before
// schema version 3 (testdata/release, see TestGenerateReleaseFixture): it
// must migrate in place, lose no article, source, score, label or cluster,
// keep every explanation, and serve the window figures that release served.
func TestMigrateReleaseDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	copyFile(t, filepath.Join("testdata", "release", "tracker-v2.db"), path)

	// What the release stored, read before migrating.
	type counts struct{ Articles, Sources, Scorings, Scores, Countries, Dyads, Labels, Stories, Clusters int64 }
	countAll := func(q *sql.DB) counts {
		var c counts
		err := q.QueryRow(`SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM article_sources),
			(SELECT COUNT(*) FROM scorings), (SELECT COUNT(*) FROM scores), (SELECT COUNT(*) FROM article_countries),
			(SELECT COUNT(*) FROM article_dyads), (SELECT COUNT(*) FROM labels), (SELECT COUNT(*) FROM stories),
			(SELECT COUNT(DISTINCT cluster_id) FROM articles)`).
			Scan(&c.Articles, &c.Sources, &c.Scorings, &c.Scores, &c.Countries, &c.Dyads, &c.Labels, &c.Stories, &c.Clusters)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	before := countAll(old)
	if before.Articles == 0 || before.Labels == 0 || before.Stories == before.Articles {
		t.Fatalf("fixture lacks what the test checks: %+v", before)
	}
	explanations := map[string]map[string]scoring.ThemeScore{}
	err = eachRow(ctx, old, `SELECT a.key, s.lexicon_version, s.themes FROM scorings s JOIN articles a ON a.id = s.article_id`, nil,
		func(rows *sql.Rows) error {
			var key, v, j string
			if err := rows.Scan(&key, &v, &j); err != nil {
				return err
			}
			var th map[string]scoring.ThemeScore
			err := json.Unmarshal([]byte(j), &th)
			explanations[key+" "+v] = th
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	clusterOf := map[string]int64{}
	err = eachRow(ctx, old, `SELECT key, cluster_id FROM articles`, nil, func(rows *sql.Rows) error {
		var key string
		var c int64
		err := rows.Scan(&key, &c)
		clusterOf[key] = c
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	if err := db.r.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version < 3 {
		t.Fatalf("schema version %d after opening (%v)", version, err)
	}
	after := countAll(db.r)
	if after != before {
		t.Errorf("after migrating: %+v\nbefore: %+v", after, before)
	}
	var wrong int64
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM articles WHERE lsh IS NOT NULL AND length(lsh) <> 128`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d fingerprints of the wrong size (%v)", wrong, err)
	}

	// Every explanation, through the read path.
	for key, c := range clusterOf {
		a, err := db.ArticleByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if a.ClusterID != c {
			t.Errorf("%s: cluster %d, was %d", key, a.ClusterID, c)
		}
		for v, r := range a.Scores {
			want, ok := explanations[key+" "+v]
			if !ok || !reflect.DeepEqual(r.Themes, want) {
				t.Errorf("%s under %s: explanation\n%+v\nwant %+v", key, v, r.Themes, want)
			}
			delete(explanations, key+" "+v)
		}
	}
	if len(explanations) > 0 {
		t.Errorf("%d explanations not found after migrating", len(explanations))
	}

	// The window figures the release served from this database.
	var golden struct {
		LexiconVersion string
		Stats          []WindowStats
	}
	if err := json.Unmarshal([]byte(readFixture(t, "release/windows-v2.json")), &golden); err != nil {
		t.Fatal(err)
	}
	got, err := db.WindowStats(ctx, t0, fixtureWindows, golden.LexiconVersion, fixtureWatch)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, golden.Stats) {
		g, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("window figures changed by the migration:\n%s", g)
	}
	// Migration 0005 built the hourly aggregates from the stored rows: they
	// agree with the direct queries at other times and windows too.
	if n := count(t, db, `hourly_stories`); n == 0 {
		t.Error("the migration built no hourly aggregates")
	}
	checkWindowStatsDirect(t, db, "release database, migrated", golden.LexiconVersion)

	// The migrated database keeps clustering: a copy of a stored article
	// joins its story.
	a, err := db.ArticleByKey(ctx, "guid:wire-0")
	if err != nil {
		t.Fatal(err)
	}
	cp := a.Item
	cp.Key, cp.GUID, cp.Link = "guid:late-copy", "late-copy", "https://news.example/late-copy"
	res, err := db.SaveFetch(ctx, FetchOutcome{Feed: "outlet-a", At: t0, Status: StatusOK, Articles: []NewArticle{{Item: cp}}})
	if err != nil || res.New != 1 {
		t.Fatalf("save a copy: %+v, %v", res, err)
	}
	b, err := db.ArticleByKey(ctx, "guid:late-copy")
	if err != nil {
		t.Fatal(err)
	}
	if b.ClusterID != a.ClusterID {
		t.Errorf("a copy of a migrated article started story %d, want %d", b.ClusterID, a.ClusterID)
	}
	checkWindowStatsDirect(t, db, "release database, migrated, then written", golden.LexiconVersion)
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
