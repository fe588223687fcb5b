package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/store"
)

// The flood scenario (tracker bench --flood N): one feed of N near-duplicate
// items, the worst case for near-duplicate detection and for the single
// writer, fetched while a small feed is fetched again and again. It shows
// whether any one feed can stall the others.

// floodFeed is an RSS body of n near-duplicate items: one short wire story
// with a number and a rotating word changed, as a misbehaving feed repeating
// an item would serve.
func floodFeed(n int) []byte {
	words := []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
	base := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Flood</title><link>https://flood.invalid/</link><description>Near-duplicates</description><language>en</language>\n")
	for i := range n {
		fmt.Fprintf(&b, "<item><title>Border talks, update %d</title><link>https://f.invalid/%d</link><guid>f%d</guid><pubDate>%s</pubDate><description>Negotiators said on %s that talks over the disputed border crossing would resume next week after troops withdrew, update %d.</description></item>\n",
			i, i, i, base.Add(-time.Duration(i)*time.Second).Format(time.RFC1123Z), words[i%len(words)], i)
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// smallFeed is a feed of five distinct items, different for every round.
func smallFeed(round int) []byte {
	base := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Small</title><link>https://small.invalid/</link><description>Small feed</description><language>en</language>\n")
	for i := range 5 {
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://small.invalid/%d/%d</link><guid>small-%d-%d</guid><pubDate>%s</pubDate><description>%s</description></item>\n",
			html.EscapeString(fmt.Sprintf("Round %d story %d on tariffs", round, i)), round, i, round, i,
			base.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z),
			html.EscapeString(fmt.Sprintf("Story %d of round %d: ministers met to discuss steel tariffs and quotas.", i, round)))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// floodResult is what floodRun saw.
type floodResult struct {
	Flood ingest.Summary
	// Small are the small feed's runs made while the flood was being
	// fetched and written (at least one); SmallBeforeFlood[i] tells whether
	// run i had finished before the flood's run did.
	Small            []ingest.Summary
	SmallBeforeFlood []bool
}

// floodRun runs the flood feed and, once its first articles are committed,
// the small feed over and over (small(i) is the feed of round i) until the
// flood's run returns.
func floodRun(ctx context.Context, p *ingest.Pipeline, db *store.DB, flood config.Feed, small func(round int) config.Feed) (floodResult, error) {
	var res floodResult
	done := make(chan ingest.Summary, 1)
	go func() { done <- p.Run(ctx, flood, ingest.RunOptions{IgnoreBackoff: true}) }()
	// Wait for the first chunk of the flood to commit: from then on the
	// flood holds the writer, as far as it can.
	for {
		last, err := db.LastArticleTime(ctx)
		if err != nil {
			return res, err
		}
		if !last.IsZero() {
			break
		}
		select {
		case s := <-done:
			res.Flood = s
			return res, fmt.Errorf("the flood feed finished (%s, %d new: %v) before any small feed ran", s.Outcome, s.New, s.Err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	for round := 0; ; round++ {
		s := p.Run(ctx, small(round), ingest.RunOptions{IgnoreBackoff: true})
		res.Small = append(res.Small, s)
		select {
		case f := <-done:
			res.SmallBeforeFlood = append(res.SmallBeforeFlood, false)
			res.Flood = f
			return res, nil
		default:
			res.SmallBeforeFlood = append(res.SmallBeforeFlood, true)
		}
	}
}

// benchFlood is tracker bench --flood: the flood scenario on loopback feeds
// served by the bench server at base, in a fresh database in workDir.
func benchFlood(ctx context.Context, base, workDir string, n int, stdout io.Writer) error {
	cfgPath := filepath.Join(workDir, "flood.yaml")
	cfgText := fmt.Sprintf("global:\n  database_path: %q\nfeeds:\n  - {name: flood, url: %q}\n  - {name: small, url: %q}\n",
		filepath.Join(workDir, "flood.db"), fmt.Sprintf("%s/flood/%d", base, n), base+"/small/0")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		return err
	}
	b, err := openBench(ctx, cfgPath)
	if err != nil {
		return err
	}
	defer b.db.Close()
	cfg, db, p := b.cfg, b.db, b.pipeline
	small := func(round int) config.Feed {
		f := cfg.Feeds[1]
		f.URL = fmt.Sprintf("%s/small/%d", base, round)
		return f
	}
	fmt.Fprintf(stdout, "tracker bench --flood: one feed of %d near-duplicate items, a 5-item feed fetched again and again meanwhile\n", n)
	res, err := floodRun(ctx, p, db, cfg.Feeds[0], small)
	if err != nil {
		return err
	}
	f := res.Flood
	fmt.Fprintf(stdout, "flood feed:      %8.2fs  %s, %d items, %d new (target < 5 s)\n", f.Duration.Seconds(), f.Outcome, f.Items, f.New)
	var worst time.Duration
	failed := 0
	for _, s := range res.Small {
		worst = max(worst, s.Duration)
		if s.Outcome != ingest.OutcomeOK {
			failed++
		}
	}
	fmt.Fprintf(stdout, "small feed:      %d runs during the flood, slowest %.3fs, %d not ok (target < 1 s)\n", len(res.Small), worst.Seconds(), failed)
	fmt.Fprintf(stdout, "peak RSS:        %.1f MB (target < 200 MB)\n", float64(peakRSS())/1e6)
	if f.Outcome != ingest.OutcomeOK {
		return fmt.Errorf("flood feed: %s: %v", f.Outcome, f.Err)
	}
	return nil
}
