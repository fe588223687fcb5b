package demo_test

import (
	"context"
	"net/http/httptest"
	"path"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/demo"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
)

// TestDemoShowsFriction scores the demo's articles as the tracker would
// (fetcher, then the default scorer) and checks what a newcomer is promised:
// friction in the last hour, most friction stories flagged, every watched
// dyad present, and calm stories (almost) never flagged. The bounds leave
// room for lexicon tuning; a failure means the demo would look broken.
func TestDemoShowsFriction(t *testing.T) {
	t.Parallel()
	// calmSlugs are the sample articles with no friction theme: calm news and
	// hard negatives that use the themes' words in other senses.
	calmSlugs := map[string]bool{
		"climate-talks-adaptation-finance": true, "malaria-vaccine-rollout": true,
		"film-festival-debut-directors": true, "peru-earthquake-relief": true,
		"futbol-amistoso-mexico-estados-unidos": true, "feria-libro-oaxaca-lenguas-indigenas": true,
		"clima-frente-frio-lluvias": true, "messaging-app-security-patch": true,
		"bangkok-food-trade-fair": true, "indonesia-new-capital-rail-link": true,
		"seoul-robotics-olympiad": true, "dairy-auction-prices-rise": true,
		"transfer-window-deadline-day": true, "household-electricity-tariff-cap": true,
		"kenya-solar-mini-grids": true, "berlin-museum-north-wing-reopens": true,
		"sovereign-wealth-fund-egypt-solar": true, "oman-bronze-age-settlement": true,
	}
	now := time.Date(2026, 3, 14, 15, 59, 0, 0, time.UTC) // late in the hour: the hardest case for the 1h window
	srv := httptest.NewServer(demo.NewServer(func() time.Time { return now }))
	defer srv.Close()
	f := feeds.NewFetcher(feeds.Options{Now: func() time.Time { return now }}, srv.Client())
	sc, err := scoring.New(nil, scoring.Options{Builtin: true})
	if err != nil {
		t.Fatalf("default scorer: %v", err)
	}

	var friction, frictionFlagged, lastHourFlagged int
	var calmFlagged []string
	dyads := map[string]bool{}
	seenCalm := 0
	for _, feed := range demo.Feeds() {
		res, err := f.Fetch(context.Background(), feeds.Request{Feed: feed.Name, URL: srv.URL + feed.Path, Lang: feed.Lang})
		if err != nil {
			t.Fatalf("fetch %s: %v", feed.Name, err)
		}
		for _, it := range res.Items {
			r := sc.Score(scoring.Doc{ID: it.Key, Title: it.Title, Text: it.Text, Lang: it.Lang})
			flagged := false
			for _, ts := range r.Themes {
				flagged = flagged || ts.Flagged
			}
			if calmSlugs[path.Base(it.Link)] {
				seenCalm++
				if flagged {
					calmFlagged = append(calmFlagged, it.Link)
				}
				continue
			}
			friction++
			if !flagged {
				t.Logf("friction story not flagged: %s", it.Link)
				continue
			}
			frictionFlagged++
			if !it.Published.Before(now.Add(-time.Hour)) {
				lastHourFlagged++
			}
			for _, d := range r.Dyads {
				dyads[d.A+"-"+d.B] = true
			}
		}
	}
	if seenCalm != len(calmSlugs) {
		t.Errorf("found %d of the %d calm articles; is calmSlugs stale?", seenCalm, len(calmSlugs))
	}
	t.Logf("friction stories flagged: %d/%d; in the last hour: %d; calm flagged: %d/%d", frictionFlagged, friction, lastHourFlagged, len(calmFlagged), seenCalm)
	if lastHourFlagged < 3 {
		t.Errorf("%d flagged stories in the last hour, want at least 3", lastHourFlagged)
	}
	if frictionFlagged*10 < friction*8 {
		t.Errorf("only %d of %d friction stories flagged, want at least 80%%", frictionFlagged, friction)
	}
	if len(calmFlagged) > 2 {
		t.Errorf("%d calm stories flagged, want at most 2: %v", len(calmFlagged), calmFlagged)
	}
	for _, d := range demo.WatchDyads() {
		if !dyads[d] {
			t.Errorf("watched dyad %s appears in no flagged story", d)
		}
	}
}
