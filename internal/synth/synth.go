// Package synth writes synthetic articles straight into a store, for the
// load tests and benchmarks of the read and re-scoring paths that need a
// large database without fetching one: sentences of our own about the four
// friction themes and neutral news, mixed at random with filler words so
// that no two articles are near-duplicates, spread over a time span and
// scored with the lexicon under test.
package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// Store is what Fill writes to.
type Store interface {
	SyncFeeds(ctx context.Context, feeds []store.FeedMeta) error
	SaveFetch(ctx context.Context, o store.FetchOutcome) (store.SaveResult, error)
}

// Scorer scores the generated articles (nil: stored unscored).
type Scorer interface {
	Score(d scoring.Doc) scoring.Result
}

// Options say what to generate.
type Options struct {
	// Articles is how many articles to write.
	Articles int
	// Now is the newest publication time; Span how far back they spread
	// (evenly, newest first in id order does not matter).
	Now  time.Time
	Span time.Duration
	// Feeds is how many feeds carry them (default 10), named FeedName(i).
	Feeds int
	// Seed makes the texts reproducible.
	Seed uint64
	// Batch is the number of articles per SaveFetch (default 500).
	Batch int
}

// FeedName is the name of the i-th synthetic feed.
func FeedName(i int) string { return "synth-" + strconv.Itoa(i) }

// FeedMetas lists the n synthetic feeds.
func FeedMetas(n int) []store.FeedMeta {
	out := make([]store.FeedMeta, n)
	for i := range out {
		out[i] = store.FeedMeta{Name: FeedName(i), URL: "http://127.0.0.1/synth/" + strconv.Itoa(i), Lang: "en", Weight: 1}
	}
	return out
}

// Fill writes o.Articles articles, scored with sc, and returns how many
// were stored.
func Fill(ctx context.Context, st Store, sc Scorer, o Options) (int, error) {
	if o.Feeds <= 0 {
		o.Feeds = 10
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Span <= 0 {
		o.Span = 24 * time.Hour
	}
	if err := st.SyncFeeds(ctx, FeedMetas(o.Feeds)); err != nil {
		return 0, fmt.Errorf("synth: record feeds: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	step := o.Span / time.Duration(max(o.Articles, 1))
	stored := 0
	for start := 0; start < o.Articles; start += o.Batch {
		n := min(o.Batch, o.Articles-start)
		out := store.FetchOutcome{Feed: FeedName((start / o.Batch) % o.Feeds), At: o.Now, Status: store.StatusOK}
		for i := start; i < start+n; i++ {
			it := Item(rng, i, o.Now.Add(-time.Duration(i)*step))
			a := store.NewArticle{Item: it}
			if sc != nil {
				a.Score = sc.Score(scoring.Doc{ID: it.Key, Title: it.Title, Text: it.Text, Lang: it.Lang})
			}
			out.Articles = append(out.Articles, a)
		}
		res, err := st.SaveFetch(ctx, out)
		if err != nil {
			return stored, fmt.Errorf("synth: save articles %d-%d: %w", start, start+n-1, err)
		}
		stored += res.New
	}
	return stored, nil
}

// Item builds the i-th synthetic article, published at published.
func Item(rng *rand.Rand, i int, published time.Time) feeds.Item {
	var b strings.Builder
	for range 2 {
		b.WriteString(themed[rng.IntN(len(themed))])
		b.WriteByte(' ')
		filler(&b, rng, 12)
		b.WriteString(neutral[rng.IntN(len(neutral))])
		b.WriteByte(' ')
		filler(&b, rng, 12)
	}
	title := themed[rng.IntN(len(themed))]
	title = strings.TrimSuffix(title[:min(len(title), 70)], " ")
	key := "synth:" + strconv.Itoa(i)
	return feeds.Item{
		Key: key, GUID: key, Link: "https://synth.example/a/" + strconv.Itoa(i),
		Title: title, Text: b.String(), Lang: "en",
		Published: published.UTC().Truncate(time.Millisecond), DateSource: feeds.DatePublished,
	}
}

// filler appends n made-up words, a sentence of them, which makes every
// article's word shingles its own.
func filler(b *strings.Builder, rng *rand.Rand, n int) {
	for j := range n {
		for range 2 + rng.IntN(2) {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		if j < n-1 {
			b.WriteByte(' ')
		}
	}
	b.WriteString(". ")
}

var syllables = strings.Fields("ka lo mi ne ru sa te vo pa di fe go hu ja ze bi co du ma ni po qu re si ta ul ve wo xa yo")

// themed sentences name countries and friction terms; neutral ones do not.
var themed = []string{
	"Mexico threatened retaliatory tariffs on United States steel after Washington raised its import duties.",
	"China imposed export controls on rare earths shipped to Japan, escalating the trade dispute.",
	"The European Union opened an anti-dumping investigation into Chinese electric vehicles.",
	"Canada said it would challenge the new United States lumber tariffs at the World Trade Organization.",
	"India banned rice exports to Bangladesh, citing domestic shortages, in a move that angered Dhaka.",
	"Russia massed troops near the border with Ukraine as artillery shelling intensified overnight.",
	"Israel carried out air strikes in Syria against what it called weapons depots.",
	"North Korea fired a ballistic missile over Japan, prompting an emergency meeting in Tokyo.",
	"Pakistan accused India of a cross-border raid in Kashmir that killed two soldiers.",
	"Venezuela deployed soldiers to the disputed Essequibo region claimed by Guyana.",
	"The United States deported hundreds of migrants to Guatemala on military flights.",
	"Italy blocked a rescue ship carrying asylum seekers from Libya from docking at Lampedusa.",
	"Poland closed border crossings with Belarus after a surge of migrants attempting to cross.",
	"Spain and Morocco clashed over thousands of migrants who swam into Ceuta.",
	"The United Kingdom signed a deal to send asylum seekers to Rwanda despite court challenges.",
	"China sent coast guard vessels into waters around islands administered by Japan, a sovereignty challenge.",
	"Argentina renewed its claim to the Falkland Islands, rejecting British sovereignty.",
	"Denmark rejected the United States proposal to buy Greenland as an affront to its sovereignty.",
	"The Philippines protested Chinese ships occupying a reef inside its exclusive economic zone.",
	"Serbia refused to recognise Kosovo's border checkpoints, calling them a violation of its territorial integrity.",
	"Mexico rejected any deployment of United States troops on its territory to fight the cartels.",
	"Turkey warned Greece against militarising islands in the Aegean Sea.",
	"Brazil suspended beef exports to China after a sanitary dispute over inspections.",
	"Australia and China traded accusations over sanctions on barley and wine.",
}

var neutral = []string{
	"The central bank left interest rates unchanged at its monthly meeting.",
	"Heavy rain caused flooding in several coastal towns over the weekend.",
	"The football league announced a new schedule for the coming season.",
	"Researchers published a study on the health benefits of regular walking.",
	"The city council approved funding for a new public library.",
	"A new museum of modern art opened its doors to the public on Sunday.",
	"Airline passengers faced delays after a computer system failure.",
	"The festival drew record crowds despite the cold weather.",
	"Farmers reported a good harvest thanks to a mild spring.",
	"The technology company unveiled a new smartphone at its annual event.",
	"Schools will reopen next week after the holiday break.",
	"The orchestra performed a sold-out concert at the national theatre.",
}
