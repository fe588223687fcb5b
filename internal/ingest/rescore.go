package ingest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// RescoreStore is the part of the store re-scoring uses.
type RescoreStore interface {
	ArticlesNeedingScore(ctx context.Context, lexiconVersion string, since time.Time, limit int) ([]store.StoredArticle, error)
	SaveScores(ctx context.Context, scores map[int64]scoring.Result) error
}

// Rescorer scores the stored articles that have no score under the current
// lexicon version, in the background and at a bounded rate, and says when
// the metrics may switch to that version.
type Rescorer struct {
	store   RescoreStore
	log     *slog.Logger
	metrics *metrics.Rescore
	// batch and pause bound the rate: at most batch articles per pause.
	batch int
	pause time.Duration

	mu       sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
	exported string
}

// NewRescorer returns an idle rescorer.
func NewRescorer(st RescoreStore, log *slog.Logger, m *metrics.Rescore) *Rescorer {
	return &Rescorer{store: st, log: log, metrics: m, batch: 200, pause: 100 * time.Millisecond}
}

// ExportedVersion is the lexicon version whose scores the metrics use now.
func (r *Rescorer) ExportedVersion() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exported
}

// Start cancels any re-scoring in progress and re-scores the articles
// published after since with sc. publish is called with the version the
// metrics should use: prev right away when prev is a different, older
// version (or sc's version when prev is empty or equal), then sc's version
// once every article has been scored with it.
func (r *Rescorer) Start(sc Scorer, since time.Time, prev string, publish func(version string)) {
	r.Stop()
	version := sc.Version()
	r.mu.Lock()
	defer r.mu.Unlock()
	switchLater := prev != "" && prev != version
	if switchLater {
		r.exported = prev
		publish(prev)
	} else {
		r.exported = version
		publish(version)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	r.metrics.Active(true)
	go func() {
		// done, not r.done: Stop clears r.done under the lock.
		defer close(done)
		defer r.metrics.Active(false)
		n, err := r.Run(ctx, sc, since)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("re-scoring stopped", "lexicon_version", version, "rescored", n, "err", err)
			}
			return
		}
		if n > 0 {
			r.log.Info("re-scoring complete", "lexicon_version", version, "rescored", n)
		}
		if switchLater {
			r.mu.Lock()
			r.exported = version
			r.mu.Unlock()
			publish(version)
		}
	}()
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

// Run scores, in batches and at the rescorer's bounded rate, every stored
// article published after since that has no score under sc's version, and
// returns how many it scored. Start runs it in the background; `tracker
// rescore` runs it directly.
func (r *Rescorer) Run(ctx context.Context, sc Scorer, since time.Time) (int, error) {
	version, total := sc.Version(), 0
	for {
		arts, err := r.store.ArticlesNeedingScore(ctx, version, since, r.batch)
		if err != nil {
			return total, err
		}
		if len(arts) == 0 {
			return total, nil
		}
		scores := make(map[int64]scoring.Result, len(arts))
		for _, a := range arts {
			scores[a.ID] = sc.Score(scoring.Doc{ID: a.Item.Key, Title: a.Item.Title, Text: a.Item.Text, Lang: a.Item.Lang})
		}
		if err := r.store.SaveScores(ctx, scores); err != nil {
			return total, err
		}
		total += len(arts)
		r.metrics.Rescored(len(arts))
		if total%5000 < len(arts) {
			r.log.Info("re-scoring in progress", "lexicon_version", version, "rescored", total)
		}
		if len(arts) < r.batch {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(r.pause):
		}
	}
}
