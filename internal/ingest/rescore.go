package ingest

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// RescoreStore is the part of the store re-scoring uses.
type RescoreStore interface {
	ArticlesToRescore(ctx context.Context, lexiconVersion string, since time.Time, cur store.RescoreCursor, limit int) ([]store.StoredArticle, store.RescoreCursor, error)
	SaveRescored(ctx context.Context, batch []store.Rescored) (int, error)
	ExportedLexicon(ctx context.Context) (string, error)
	SetExportedLexicon(ctx context.Context, version string) error
}

// Re-scoring pace and retries.
const (
	// rescoreBatch is the number of articles read, scored and written per
	// write transaction: large enough that per-transaction costs vanish
	// (re-scoring runs at thousands of articles a second), small enough that
	// ingest, which shares the single writer connection and takes it
	// between two batches, waits for one batch at most (tens of ms).
	rescoreBatch = 500
	// rescoreRetryMin and rescoreRetryMax bound the backoff between
	// attempts after a failure (doubling from min to max).
	rescoreRetryMin = time.Second
	rescoreRetryMax = 5 * time.Minute
)

// Plan says what a background re-scoring covers.
type Plan struct {
	// Since is the oldest publication time re-scored (the retention limit).
	Since time.Time
	// Window is the largest metric window: the metrics switch to the new
	// version once every article published within it is scored.
	Window time.Duration
}

// Rescorer scores the stored articles that have no score under the current
// lexicon version, in the background, newest first, and decides when the
// metrics switch to that version: once the metric windows are complete, so
// that no dashboard sees a half-scored window.
type Rescorer struct {
	store   RescoreStore
	log     *slog.Logger
	metrics *metrics.Rescore
	batch   int
	// retryMin is the first backoff after a failure (tests shorten it).
	retryMin time.Duration
	now      func() time.Time

	mu       sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
	exported string
}

// NewRescorer returns an idle rescorer.
func NewRescorer(st RescoreStore, log *slog.Logger, m *metrics.Rescore) *Rescorer {
	return &Rescorer{store: st, log: log, metrics: m, batch: rescoreBatch, retryMin: rescoreRetryMin, now: time.Now}
}

// ExportedVersion is the lexicon version whose scores the metrics use now.
func (r *Rescorer) ExportedVersion() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exported
}

// Start cancels any re-scoring in progress and re-scores, in the background,
// the articles of plan with sc. publish is called with the version the
// metrics should use: at once with the version exported so far (the one in
// memory, else the one persisted in the store by an earlier run), or with
// sc's version when there is none; then with sc's version once the metric
// windows are complete, which is persisted so that a restart before the end
// of re-scoring does not switch back or forward too early. Failures are
// retried with backoff until Stop or the next Start, and counted.
func (r *Rescorer) Start(ctx context.Context, sc Scorer, plan Plan, publish func(version string)) {
	r.Stop()
	version := sc.Version()
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.exported
	if prev == "" {
		var err error
		if prev, err = r.store.ExportedLexicon(ctx); err != nil {
			// The worst outcome of not knowing is today's: export the new
			// version before its windows are complete.
			r.log.Error("read the exported lexicon version; exporting the new one at once", "err", err)
			r.metrics.Failed()
			prev = ""
		}
	}
	switchLater := prev != "" && prev != version
	if switchLater {
		r.exported = prev
		publish(prev)
	} else {
		r.exported = version
		publish(version)
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	r.metrics.Active(true)
	go func() {
		// done, not r.done: Stop clears r.done under the lock.
		defer close(done)
		defer r.metrics.Active(false)
		r.background(bg, sc, plan, switchLater, publish)
	}()
}

func (r *Rescorer) background(ctx context.Context, sc Scorer, plan Plan, switchLater bool, publish func(string)) {
	version := sc.Version()
	total := 0
	// from is where the first pass over the other articles starts: below
	// the windows, once they are re-scored.
	var from store.RescoreCursor
	if switchLater {
		r.log.Info("re-scoring the metric windows before switching lexicon", "from", r.ExportedVersion(), "to", version, "window", plan.Window)
		// The window moves while re-scoring runs; scoring from its start
		// as of now covers it at the switch too.
		since := r.now().Add(-plan.Window)
		if since.Before(plan.Since) {
			since = plan.Since
		}
		n, ok := r.retrying(ctx, "re-score the metric windows", func() (int, error) { return r.Run(ctx, sc, since) })
		total += n
		if !ok {
			return
		}
		from = store.RescoreFrom(since)
		if _, ok := r.retrying(ctx, "record the exported lexicon version", func() (int, error) {
			return 0, r.store.SetExportedLexicon(ctx, version)
		}); !ok {
			return
		}
		r.mu.Lock()
		r.exported = version
		r.mu.Unlock()
		publish(version)
		r.log.Info("metrics switched to the new lexicon", "lexicon_version", version, "rescored", total)
	} else if _, ok := r.retrying(ctx, "record the exported lexicon version", func() (int, error) {
		return 0, r.store.SetExportedLexicon(ctx, version)
	}); !ok {
		return
	}
	n, ok := r.retrying(ctx, "re-score stored articles", func() (int, error) { return r.run(ctx, sc, plan.Since, from) })
	total += n
	if ok && total > 0 {
		r.log.Info("re-scoring complete", "lexicon_version", version, "rescored", total)
	}
}

// retrying runs step until it succeeds, backing off after each failure,
// and reports the work done and whether it succeeded (false: ctx ended).
func (r *Rescorer) retrying(ctx context.Context, what string, step func() (int, error)) (int, bool) {
	wait, total := r.retryMin, 0
	for {
		n, err := step()
		total += n
		if err == nil {
			return total, true
		}
		if ctx.Err() != nil {
			return total, false
		}
		r.metrics.Failed()
		r.log.Error("re-scoring failed, retrying", "step", what, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return total, false
		case <-t.C:
		}
		wait = min(2*wait, rescoreRetryMax)
	}
}

// Stop cancels re-scoring in progress and waits for it.
func (r *Rescorer) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Wait blocks until the re-scoring in progress, if any, has ended.
func (r *Rescorer) Wait() {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Run scores with sc every stored article published after since that has
// no score under sc's version, newest first, and returns how many it
// scored. It makes passes until one finds nothing: an article the pipeline
// stored with the previous scorer while a pass went by is caught by the
// next. Start runs it in the background; `tracker rescore` directly.
func (r *Rescorer) Run(ctx context.Context, sc Scorer, since time.Time) (int, error) {
	return r.run(ctx, sc, since, store.RescoreCursor{})
}

// run is Run with the first pass starting at from (the zero cursor: the
// newest article); the next passes start at the newest. Skipping the
// windows re-scored just before saves walking past their articles (half
// of a two-day store) to reach the first one to score.
func (r *Rescorer) run(ctx context.Context, sc Scorer, since time.Time, from store.RescoreCursor) (int, error) {
	total := 0
	for {
		n, err := r.pass(ctx, sc, since, from)
		total += n
		if err != nil || (n == 0 && from == store.RescoreCursor{}) {
			return total, err
		}
		from = store.RescoreCursor{}
	}
}

// pass is one newest-first sweep: batches are read, scored on every core
// and written in one transaction each. The next batch is read and scored
// while the previous one is written, so the writer connection is busy only
// with inserts; between two batches it is free for ingest, which is
// waiting for it if it has anything to write.
func (r *Rescorer) pass(ctx context.Context, sc Scorer, since time.Time, from store.RescoreCursor) (int, error) {
	version := sc.Version()
	type scored struct {
		batch []store.Rescored
		err   error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan scored, 1)
	go func() {
		defer close(batches)
		cur := from
		for {
			arts, next, err := r.store.ArticlesToRescore(ctx, version, since, cur, r.batch)
			if err != nil {
				select {
				case batches <- scored{err: err}:
				case <-ctx.Done():
				}
				return
			}
			if len(arts) == 0 {
				return
			}
			select {
			case batches <- scored{batch: scoreAll(sc, arts)}:
			case <-ctx.Done():
				return
			}
			if len(arts) < r.batch {
				return
			}
			cur = next
		}
	}()
	total := 0
	for b := range batches {
		if b.err != nil {
			return total, b.err
		}
		n, err := r.store.SaveRescored(ctx, b.batch)
		if err != nil {
			return total, err
		}
		before := total
		total += n
		r.metrics.Rescored(n)
		if total/20000 != before/20000 {
			r.log.Info("re-scoring in progress", "lexicon_version", version, "rescored", total)
		}
	}
	if err := ctx.Err(); err != nil {
		return total, err
	}
	return total, nil
}

// scoreAll scores and encodes a batch on every core (the scorer is safe for
// concurrent use), which leaves the single writer only the inserts.
func scoreAll(sc Scorer, arts []store.StoredArticle) []store.Rescored {
	out := make([]store.Rescored, len(arts))
	workers := min(runtime.GOMAXPROCS(0), len(arts))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(arts); i += workers {
				a := arts[i]
				out[i] = store.Rescored{Article: a,
					Result: sc.Score(scoring.Doc{ID: a.Item.Key, Title: a.Item.Title, Text: a.Item.Text, Lang: a.Item.Lang})}
				// A scoring that cannot be encoded stays unencoded:
				// SaveRescored encodes it again and fails the batch with
				// the error, where failures are retried and counted.
				_ = out[i].Encode()
			}
		}()
	}
	wg.Wait()
	return out
}
