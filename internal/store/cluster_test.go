package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/neardup"
)

// firstSentence splits a text after its first sentence.
func firstSentence(text string) (first, rest string) {
	i := strings.Index(text, ". ")
	return text[:i+1], text[i+2:]
}

func TestSyndicatedCopiesShareAStory(t *testing.T) {
	t.Parallel()
	wireEN, wireES, other := readFixture(t, "wire_en.txt"), readFixture(t, "wire_es.txt"), readFixture(t, "other_en.txt")
	_, restEN := firstSentence(wireEN)
	_, restES := firstSentence(wireES)
	const (
		titleEN = "North American trade ministers to meet in Ottawa over steel quotas"
		titleES = "México rechaza intervención militar de Estados Unidos contra cárteles"
	)
	tests := []struct {
		name        string
		title, text string // the original, published first by the wire feed
		copyTitle   string // the copy, from the second feed
		copyText    string
		age         time.Duration // of the copy, relative to the original
		same        bool
	}{
		{"new headline", titleEN, wireEN,
			"Steel and car rules top agenda as USMCA partners gather", wireEN, time.Hour, true},
		{"new headline and rewritten lead", titleEN, wireEN,
			"USMCA partners head to Ottawa", "OTTAWA - A dispute that has simmered since last summer returns to the table next week. " + restEN,
			2 * time.Hour, true},
		{"dateline and credit added", titleEN, wireEN,
			titleEN, "OTTAWA, March 14 (Wire) - " + wireEN + " (Reporting by the Ottawa bureau; editing by the desk)", time.Hour, true},
		{"Spanish copy with its own headline and lead", titleES, wireES,
			"Sheinbaum: no habrá tropas estadounidenses en México",
			"La presidenta de México reiteró que no permitirá la presencia de tropas extranjeras. " + restES, 3 * time.Hour, true},
		{"republished two days later", titleEN, wireEN, titleEN, wireEN, 48 * time.Hour, true},
		{"another story on the same subject", titleEN, wireEN,
			"Mexican steelmakers ask for higher duties on Asian imports", other, time.Hour, false},
		{"the same wire a week later", titleEN, wireEN, titleEN + " (update)", wireEN, 7 * 24 * time.Hour, false},
		{"the same short text", "Quake hits coast", "A strong earthquake shook the coast on Monday.",
			"Quake hits coast", "A strong earthquake shook the coast on Monday.", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openTest(t)
			syncFeeds(t, db, feed("wire", 1), feed("daily", 2))
			orig := item("guid:orig", tt.title, tt.text, 10*24*time.Hour)
			cp := item("guid:copy", tt.copyTitle, tt.copyText, 10*24*time.Hour-tt.age)
			save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{Item: orig}}})
			save(t, db, FetchOutcome{Feed: "daily", Articles: []NewArticle{{Item: cp}}})

			a, err := db.ArticleByKey(ctx, "guid:orig")
			if err != nil {
				t.Fatal(err)
			}
			b, err := db.ArticleByKey(ctx, "guid:copy")
			if err != nil {
				t.Fatal(err)
			}
			sa, _, _ := neardup.Sign(tt.title + " " + tt.text)
			sb, _, _ := neardup.Sign(tt.copyTitle + " " + tt.copyText)
			fa, fb := sa.Fingerprint(), sb.Fingerprint()
			t.Logf("estimated Jaccard similarity %.2f", fa.Similarity(&fb))
			if got := a.ClusterID == b.ClusterID; got != tt.same {
				t.Fatalf("same story = %v, want %v (clusters %d, %d)", got, tt.same, a.ClusterID, b.ClusterID)
			}
			if !tt.same {
				if b.ClusterID != b.ID || b.StoryArticles != 1 {
					t.Errorf("copy: cluster %d (id %d), story of %d; want its own story", b.ClusterID, b.ID, b.StoryArticles)
				}
				return
			}
			if a.ClusterID != a.ID || b.StoryArticles != 2 {
				t.Errorf("story named %d (original %d), %d articles; want the original's id and 2", a.ClusterID, a.ID, b.StoryArticles)
			}
			// One story, two articles; the story is as old as its earliest
			// copy and weighs what the heavier feed weighs.
			stats, err := db.WindowStats(ctx, t0, []time.Duration{30 * 24 * time.Hour}, "lex-1", nil)
			if err != nil {
				t.Fatal(err)
			}
			s := stats[0]
			if s.Stories != 1 || s.Articles != 2 || s.StoriesWeighted != 2 {
				t.Errorf("stories %d (weighted %v), articles %d; want 1 (2), 2", s.Stories, s.StoriesWeighted, s.Articles)
			}
			var storyTime int64
			if err := db.r.QueryRow(`SELECT published_ms FROM stories`).Scan(&storyTime); err != nil {
				t.Fatal(err)
			}
			if want := min(ms(orig.Published), ms(cp.Published)); storyTime != want {
				t.Errorf("story time %v, want %v", fromMS(storyTime), fromMS(want))
			}
		})
	}
}

// TestClusterJoinsTheMostSimilar: a third copy joins the story of its
// copies rather than starting another, and a story's representative stays
// its first article.
func TestClusterGrowsAroundFirstArticle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("a", 1), feed("b", 1), feed("c", 1))
	wire := readFixture(t, "wire_es.txt")
	_, rest := firstSentence(wire)
	save(t, db, FetchOutcome{Feed: "a", Articles: []NewArticle{{Item: item("guid:1", "Primera", wire, 3*time.Hour)}}})
	save(t, db, FetchOutcome{Feed: "b", Articles: []NewArticle{{Item: item("guid:2", "Segunda", "Otra entrada distinta. "+rest, 2*time.Hour)}}})
	save(t, db, FetchOutcome{Feed: "c", Articles: []NewArticle{{Item: item("guid:3", "Tercera", wire+" Con información de agencias.", 4*time.Hour)}}})
	var clusters, rep, size, published int64
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), MAX(rep_id), MAX(articles), MIN(published_ms) FROM stories`).
		Scan(&clusters, &rep, &size, &published); err != nil {
		t.Fatal(err)
	}
	first, _ := db.ArticleByKey(ctx, "guid:1")
	if clusters != 1 || rep != first.ID || size != 3 || published != ms(t0.Add(-4*time.Hour)) {
		t.Errorf("stories %d, representative %d (first %d), size %d, time %v; want 1, first, 3, t0-4h",
			clusters, rep, first.ID, size, fromMS(published))
	}
}

// TestClusteringSurvivesRestart: the in-memory index is rebuilt from the
// stored signatures, so a copy arriving after a restart still finds its story.
func TestClusteringSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	syncFeeds(t, db, feed("wire", 1), feed("daily", 1))
	wire := readFixture(t, "wire_es.txt")
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{
		{Item: item("guid:old", "Old wire", "Una historia de hace semanas sobre otro tema que ya nadie recuerda en la redacción.", 20*24*time.Hour)},
		{Item: item("guid:orig", "Original", wire, 2*time.Hour)},
	}})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := len(db.lsh.Entries()); n != 1 {
		t.Errorf("index rebuilt with %d articles, want 1 (the old one is out of reach)", n)
	}
	save(t, db, FetchOutcome{Feed: "daily", Articles: []NewArticle{{Item: item("guid:copy", "Copia", wire, time.Hour)}}})
	orig, _ := db.ArticleByKey(ctx, "guid:orig")
	cp, _ := db.ArticleByKey(ctx, "guid:copy")
	if cp.ClusterID != orig.ID {
		t.Errorf("copy after restart: cluster %d, want %d", cp.ClusterID, orig.ID)
	}
}

// TestMissingStoryRowIsRebuilt: should a story row ever be missing, a copy
// joining the cluster rebuilds it instead of failing the feed's fetch.
func TestMissingStoryRowIsRebuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1), feed("daily", 2))
	wire := readFixture(t, "wire_en.txt")
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{Item: item("guid:1", "First", wire, 2*time.Hour)}}})
	if _, err := db.w.ExecContext(ctx, `DELETE FROM stories`); err != nil {
		t.Fatal(err)
	}
	save(t, db, FetchOutcome{Feed: "daily", Articles: []NewArticle{{Item: item("guid:2", "Second", wire, time.Hour)}}})
	var n, size int64
	var weight float64
	if err := db.r.QueryRow(`SELECT COUNT(*), MAX(articles), MAX(weight) FROM stories`).Scan(&n, &size, &weight); err != nil {
		t.Fatal(err)
	}
	if n != 1 || size != 2 || weight != 2 {
		t.Errorf("stories %d, size %d, weight %v; want 1, 2, 2", n, size, weight)
	}
}
