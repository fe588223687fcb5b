// Package ingest runs the tracker's data flow for one feed at a time:
// fetch (conditional GET), parse and normalise, score the new articles and
// store them with the feed's new state in one transaction. Scheduler runs it
// on each feed's cron schedule.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/redact"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// Fetcher fetches and parses one feed.
type Fetcher interface {
	Fetch(ctx context.Context, req feeds.Request) (*feeds.Result, error)
}

// Store is the part of the store the pipeline writes to.
type Store interface {
	FeedState(ctx context.Context, name string) (store.FeedState, error)
	Known(ctx context.Context, items []feeds.Item) (map[string]bool, error)
	SaveFetch(ctx context.Context, o store.FetchOutcome) (store.SaveResult, error)
}

// Scorer scores one article.
type Scorer interface {
	Score(d scoring.Doc) scoring.Result
	Version() string
}

// Outcome says how one run of a feed ended.
type Outcome string

// Outcomes of a feed run, as printed by `tracker fetch --once`.
const (
	OutcomeOK          Outcome = "ok"
	OutcomeNotModified Outcome = "not-modified"
	OutcomeError       Outcome = "error"
	OutcomeSkipped     Outcome = "skipped"
)

// Summary is the result of one run of one feed.
type Summary struct {
	Feed     string
	Outcome  Outcome
	New      int // articles stored for the first time
	Seen     int // items already stored (from this feed or another)
	Items    int
	Reason   string // failure reason, or skip reason
	Err      error
	Duration time.Duration
}

// Pipeline fetches, scores and stores feeds. It is safe for concurrent use
// by different feeds; the scheduler guarantees one run per feed at a time.
type Pipeline struct {
	fetcher    Fetcher
	store      Store
	scorer     atomic.Pointer[scorerBox]
	metrics    *metrics.Fetch
	log        *slog.Logger
	now        func() time.Time
	minBackoff time.Duration
	maxBackoff atomic.Int64
}

type scorerBox struct{ Scorer }

// NewPipeline wires a pipeline. maxBackoff caps the delay before a failing
// feed is tried again.
func NewPipeline(f Fetcher, st Store, sc Scorer, m *metrics.Fetch, log *slog.Logger, maxBackoff time.Duration) *Pipeline {
	p := &Pipeline{fetcher: f, store: st, metrics: m, log: log, now: time.Now, minBackoff: time.Minute}
	p.SetScorer(sc)
	p.SetMaxBackoff(maxBackoff)
	return p
}

// SetScorer swaps the scorer used by runs that start after the call (config reload).
func (p *Pipeline) SetScorer(sc Scorer) { p.scorer.Store(&scorerBox{sc}) }

// SetMaxBackoff changes the backoff cap (config reload).
func (p *Pipeline) SetMaxBackoff(d time.Duration) { p.maxBackoff.Store(int64(d)) }

// RunOptions tune one run.
type RunOptions struct {
	// IgnoreBackoff fetches even when the feed is backing off (tracker fetch --once).
	IgnoreBackoff bool
}

// Run fetches one feed and stores what is new. Failures are recorded in the
// feed's state and metrics and returned in the summary; Run itself only
// returns an error inside the summary, never panics on feed content.
func (p *Pipeline) Run(ctx context.Context, feed config.Feed, opts RunOptions) Summary {
	start := p.now()
	sum := Summary{Feed: feed.Name}
	state, err := p.store.FeedState(ctx, feed.Name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return p.fail(ctx, feed, sum, start, "store", fmt.Errorf("read state of feed %s: %w", feed.Name, err), state, 0)
	}
	if !opts.IgnoreBackoff && start.Before(state.NextAttempt) {
		p.metrics.Skipped(feed.Name, "backoff")
		sum.Outcome, sum.Reason = OutcomeSkipped, "backoff"
		p.log.Debug("feed backing off", "feed", feed.Name, "next_attempt", state.NextAttempt)
		return sum
	}

	p.metrics.Attempt(feed.Name)
	res, err := p.fetcher.Fetch(ctx, feeds.Request{
		Feed: feed.Name, URL: feed.URL, ETag: state.ETag, LastModified: state.LastModified, Lang: feed.Lang,
	})
	if err != nil {
		reason, retryAfter := "other", time.Duration(0)
		var fe *feeds.FetchError
		if errors.As(err, &fe) {
			reason, retryAfter = string(fe.Reason), fe.RetryAfter
		}
		return p.fail(ctx, feed, sum, start, reason, err, state, retryAfter)
	}

	outcome := store.FetchOutcome{Feed: feed.Name, At: start, ETag: res.ETag, LastModified: res.LastModified}
	if res.Status == feeds.StatusNotModified {
		outcome.Status = "not_modified"
		if _, err := p.store.SaveFetch(ctx, outcome); err != nil {
			return p.fail(ctx, feed, sum, start, "store", fmt.Errorf("save state of feed %s: %w", feed.Name, err), state, 0)
		}
		p.metrics.NotModified(feed.Name)
		sum.Outcome, sum.Duration = OutcomeNotModified, p.now().Sub(start)
		p.metrics.Done(feed.Name, sum.Duration, 0, 0, 0, 0)
		return sum
	}

	outcome.Status = "ok"
	outcome.Articles, err = p.score(ctx, feed, res.Items)
	if err != nil {
		return p.fail(ctx, feed, sum, start, "store", err, state, 0)
	}
	saved, err := p.store.SaveFetch(ctx, outcome)
	if err != nil {
		return p.fail(ctx, feed, sum, start, "store", fmt.Errorf("store articles of feed %s: %w", feed.Name, err), state, 0)
	}
	sum.Outcome, sum.New, sum.Seen, sum.Items = OutcomeOK, saved.New, saved.Seen, len(res.Items)
	sum.Duration = p.now().Sub(start)
	p.metrics.Done(feed.Name, sum.Duration, res.Bytes, len(res.Items), saved.New, res.FutureDated)
	p.log.Info("feed fetched", "feed", feed.Name, "items", len(res.Items), "new", saved.New, "seen", saved.Seen,
		"bytes", res.Bytes, "charset", res.Charset, "duration", sum.Duration)
	return sum
}

// score scores the items not stored yet; already-stored items are passed
// through unscored so the store can record this feed as one more source.
func (p *Pipeline) score(ctx context.Context, feed config.Feed, items []feeds.Item) ([]store.NewArticle, error) {
	known, err := p.store.Known(ctx, items)
	if err != nil {
		return nil, fmt.Errorf("look up known articles of feed %s: %w", feed.Name, err)
	}
	sc := p.scorer.Load().Scorer
	out := make([]store.NewArticle, len(items))
	for i, it := range items {
		out[i].Item = it
		if known[it.Key] {
			continue
		}
		lang := it.Lang
		if lang == "" {
			lang = feed.Lang
		}
		out[i].Score = sc.Score(scoring.Doc{ID: it.Key, Title: it.Title, Text: it.Text, Lang: lang})
	}
	return out, nil
}

// fail records a failed run: the feed's state with its backoff, and metrics.
func (p *Pipeline) fail(ctx context.Context, feed config.Feed, sum Summary, start time.Time, reason string, err error, state store.FeedState, retryAfter time.Duration) Summary {
	sum.Outcome, sum.Reason, sum.Err = OutcomeError, reason, err
	sum.Duration = p.now().Sub(start)
	p.metrics.Failure(feed.Name, reason)
	p.metrics.Done(feed.Name, sum.Duration, 0, 0, 0, 0)
	if reason == "canceled" || ctx.Err() != nil {
		// Shutting down: not the feed's fault, nothing to record.
		return sum
	}
	next := start.Add(p.backoff(state.ConsecutiveFailures+1, retryAfter))
	// The error text goes to the database and the log: no feed password in it.
	msg := redact.Text(err.Error())
	if reason != "store" {
		_, serr := p.store.SaveFetch(ctx, store.FetchOutcome{
			Feed: feed.Name, At: start, Status: "error", ErrorReason: reason, Error: msg, NextAttempt: next,
		})
		if serr != nil {
			p.log.Error("record feed failure", "feed", feed.Name, "err", serr)
		}
	}
	p.log.Warn("feed fetch failed", "feed", feed.Name, "reason", reason, "err", msg, "next_attempt", next.UTC().Format(time.RFC3339))
	return sum
}

// backoff returns how long to wait before trying a feed again after its
// n-th consecutive failure: exponential from one minute with ±20% jitter,
// capped, and never shorter than the server's Retry-After.
func (p *Pipeline) backoff(n int, retryAfter time.Duration) time.Duration {
	maxB := time.Duration(p.maxBackoff.Load())
	d := p.minBackoff
	for i := 1; i < n && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	// Jitter so feeds that failed together (a shared host down) do not retry in lockstep.
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	if n == 1 && retryAfter == 0 {
		// A single failure does not hold the feed back beyond its next slot.
		d = 0
	}
	return max(d, retryAfter)
}
