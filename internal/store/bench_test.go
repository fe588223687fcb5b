package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// corpus generates distinct, plausible news texts from sentence parts, so
// that benchmarks store articles that do not cluster by accident, plus
// syndicated copies that do.
type corpus struct{ rng *rand.Rand }

var (
	benchWho = []string{"Trade ministers", "Senior diplomats", "Border officials", "Defence chiefs", "Central bank governors",
		"Opposition lawmakers", "Port authorities", "Customs inspectors", "Energy regulators", "Farm unions",
		"Coast guard commanders", "Migration officials", "Steel producers", "Carmakers", "Election observers",
		"Human rights groups", "Fishing cooperatives", "Truck drivers", "Shipping companies", "Church leaders",
		"Provincial governors", "Navy spokespeople", "Retired generals", "Exporters of avocados", "Teachers' unions"}
	benchPlaces = []string{"Mexico City", "Washington", "Ottawa", "Brussels", "Beijing", "Taipei", "Kyiv", "Warsaw", "Bogotá",
		"Caracas", "Lagos", "Nairobi", "Ankara", "Seoul", "Manila", "Jakarta", "Santiago", "Lima", "Madrid", "Rabat",
		"Tijuana", "Ciudad Juárez", "Monterrey", "Laredo", "El Paso", "Panama City", "Quito", "Hanoi", "Dhaka", "Tunis"}
	benchTopics = []string{"steel quotas", "tariffs on electric vehicles", "asylum applications at the northern border",
		"naval patrols in disputed waters", "sanctions on shipping firms", "rules of origin for car parts", "fishing rights",
		"a planned military exercise", "visa requirements for seasonal workers", "export controls on chips",
		"a contested maritime boundary", "the deportation of migrants", "grain shipments", "a cross-border pipeline",
		"water rights on the river", "the extradition of a cartel leader", "drone flights over the border",
		"a ban on pork imports", "the price of fertiliser", "troop rotations near the frontier", "a copper mine concession",
		"remittance taxes", "a new airport near the capital", "subsidies for solar panels", "cyber attacks on ministries"}
	benchDays  = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "last week", "overnight"}
	benchNames = []string{"Ana Torres", "Wei Chen", "Olena Kovalenko", "James Okafor", "María Fernanda Ruiz", "Kenji Sato",
		"Fatima Benali", "Piotr Nowak", "Luis Alberto Paz", "Grace Mwangi", "Hyun-woo Park", "Carlos Mendoza"}
	benchTemplates = []string{
		"%[1]s in %[2]s said on %[4]s that talks on %[3]s would resume, a week after %[5]d delegates walked out.",
		"The dispute over %[3]s deepened %[4]s when %[1]s in %[2]s refused to sign the draft text.",
		"According to %[6]s, who advises the government in %[2]s, about %[5]d companies are affected by %[3]s.",
		"\"We will not accept %[3]s imposed from outside,\" %[6]s told reporters in %[2]s.",
		"Figures published %[4]s show %[5]d cases linked to %[3]s since January, most of them near %[2]s.",
		"%[1]s have asked for an emergency meeting on %[3]s, saying the current rules cost them %[5]d million dollars a year.",
		"In %[2]s, protesters gathered outside the ministry to denounce %[3]s, and police said %[5]d people were detained.",
		"Analysts expect %[3]s to dominate the summit in %[2]s, where %[1]s will present a joint proposal.",
		"A spokesperson for %[1]s declined to comment on %[3]s, citing talks that are due to end on %[4]s.",
		"The agreement on %[3]s, signed in %[2]s %[5]d years ago, expires at the end of the year.",
		"%[6]s, a researcher in %[2]s, said the row over %[3]s was the worst in %[5]d years.",
		"Local media in %[2]s reported %[4]s that %[1]s had been briefed on %[3]s behind closed doors.",
	}
)

func (c *corpus) pick(xs []string) string { return xs[c.rng.IntN(len(xs))] }

func (c *corpus) sentence() string {
	return fmt.Sprintf(c.pick(benchTemplates), c.pick(benchWho), c.pick(benchPlaces), c.pick(benchTopics),
		c.pick(benchDays), 2+c.rng.IntN(400), c.pick(benchNames))
}

func (c *corpus) text(sentences int) string {
	parts := make([]string, sentences)
	for i := range parts {
		parts[i] = c.sentence()
	}
	return strings.Join(parts, " ")
}

func (c *corpus) score(version string) scoring.Result {
	r := scoring.Result{LexiconVersion: version, Lang: "en", Themes: map[string]scoring.ThemeScore{}}
	for _, th := range themes4 {
		// Most articles touch one theme or none: score 0 on the others.
		s := 0.0
		if c.rng.IntN(4) == 0 {
			s = c.rng.Float64()
		}
		ts := scoring.ThemeScore{Score: s, Flagged: s >= 0.5}
		if s > 0 {
			ts.Matches = []scoring.Match{{Term: th, Count: 1 + c.rng.IntN(3), Weight: 1,
				Spans: []scoring.Span{{Field: "text", Start: 10, End: 20}}}}
		}
		r.Themes[th] = ts
	}
	countries := []string{"MX", "US", "CN", "CA", "UA", "RU", "BR", "TW"}
	a, b := countries[c.rng.IntN(len(countries))], countries[c.rng.IntN(len(countries))]
	r.Countries = []string{a}
	if a != b {
		r.Countries = append(r.Countries, b)
		r.Dyads = []scoring.Dyad{normDyad(scoring.Dyad{A: a, B: b})}
	}
	return r
}

var benchWatch = []scoring.Dyad{{A: "MX", B: "US"}, {A: "CN", B: "US"}, {A: "RU", B: "UA"}, {A: "CN", B: "TW"}, {A: "CA", B: "US"}}

// BenchmarkSaveFetch stores one fetch of 50 new, scored articles (about 110
// words each) into a database that grows as the benchmark runs.
func BenchmarkSaveFetch(b *testing.B) {
	db := openTest(b)
	syncFeeds(b, db, feed("wire", 1))
	c := &corpus{rng: rand.New(rand.NewPCG(1, 2))}
	ctx := context.Background()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		arts := make([]NewArticle, 50)
		for i := range arts {
			n++
			arts[i] = NewArticle{Item: item(fmt.Sprintf("guid:bench-%d", n), c.pick(benchPlaces)+": "+c.pick(benchTopics), c.text(5),
				time.Duration(n)*time.Second), Score: c.score("v1")}
		}
		b.StartTimer()
		if _, err := db.SaveFetch(ctx, FetchOutcome{Feed: "wire", At: t0, Status: StatusOK, Articles: arts}); err != nil {
			b.Fatal(err)
		}
	}
}

// fillForStats stores n articles published over span before t0 through
// SaveFetch, as the daemon would: 200 feeds of weights 0.5-3, about 10% of
// articles carried by a second feed and 15% syndicated copies of an earlier
// article with a new headline.
func fillForStats(b *testing.B, db *DB, n int, span time.Duration) {
	b.Helper()
	ctx := context.Background()
	c := &corpus{rng: rand.New(rand.NewPCG(3, 4))}
	var metas []FeedMeta
	for i := 0; i < 200; i++ {
		metas = append(metas, feed(fmt.Sprintf("feed%03d", i), 0.5+float64(i%6)*0.5))
	}
	syncFeeds(b, db, metas...)
	type prev struct{ text string }
	var recent []prev
	const batch = 50
	for done := 0; done < n; {
		f := metas[c.rng.IntN(len(metas))].Name
		arts := make([]NewArticle, 0, batch)
		for i := 0; i < batch && done < n; i++ {
			done++
			age := time.Duration(float64(span) * float64(n-done) / float64(n))
			text := c.text(5)
			if len(recent) > 0 && c.rng.IntN(100) < 15 {
				text = recent[c.rng.IntN(len(recent))].text
			}
			recent = append(recent, prev{text})
			if len(recent) > 200 {
				recent = recent[1:]
			}
			it := item(fmt.Sprintf("guid:%d", done), c.pick(benchWho)+" in "+c.pick(benchPlaces)+" clash over "+c.pick(benchTopics), text, age)
			arts = append(arts, NewArticle{Item: it, Score: c.score("v1")})
		}
		if _, err := db.SaveFetch(ctx, FetchOutcome{Feed: f, At: t0, Status: StatusOK, Articles: arts}); err != nil {
			b.Fatal(err)
		}
		// Some of them carried by a second feed too.
		var again []NewArticle
		for _, a := range arts {
			if c.rng.IntN(10) == 0 {
				again = append(again, NewArticle{Item: a.Item})
			}
		}
		if len(again) > 0 {
			f2 := metas[c.rng.IntN(len(metas))].Name
			if _, err := db.SaveFetch(ctx, FetchOutcome{Feed: f2, At: t0, Status: StatusOK, Articles: again}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWindowStats is one scrape's worth of aggregates (windows 1h, 6h,
// 1d; 5 watched dyads; 200 feeds) over 100k stored articles, either spread
// over 30 days (a month of retention) or all within the last day (the
// worst case: every article in the largest window).
func BenchmarkWindowStats(b *testing.B) {
	for _, shape := range []struct {
		name string
		span time.Duration
	}{{"100k_over_30d", 30 * 24 * time.Hour}, {"100k_in_1d", 24 * time.Hour}} {
		b.Run(shape.name, func(b *testing.B) {
			db := openTest(b)
			fillForStats(b, db, 100_000, shape.span)
			windows := []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour}
			ctx := context.Background()
			var stats []WindowStats
			for b.Loop() {
				var err error
				if stats, err = db.WindowStats(ctx, t0, windows, "v1", benchWatch); err != nil {
					b.Fatal(err)
				}
			}
			// The size of the largest window, for reading the figure.
			b.ReportMetric(float64(stats[2].Stories), "stories/1d")
			b.ReportMetric(float64(stats[2].Articles), "articles/1d")
		})
	}
}
