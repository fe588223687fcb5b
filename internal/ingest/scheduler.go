package ingest

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tensiontracker/tracker/internal/config"
)

// RunFunc runs one feed once.
type RunFunc func(ctx context.Context, feed config.Feed) Summary

// Scheduler runs each feed on its cron schedule: one job per feed, never two
// runs of the same feed at once, at most `concurrency` feeds at once, each
// run offset by a per-feed delay so that hundreds of feeds on the same
// schedule do not fire in the same second.
//
// robfig/cron's own SkipIfStillRunning wrapper is not used: in v3.0.1 a
// panicking job never releases its slot, so the feed would never run again.
// The guard here releases in a defer and recovers panics itself.
type Scheduler struct {
	run    RunFunc
	log    *slog.Logger
	onSkip func(feed, reason string)

	cron *cron.Cron
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	sem     chan struct{}
	jitter  time.Duration
	entries map[string]scheduled // feed name -> cron entry
	running map[string]bool      // feed name -> a run is in progress
	cancels map[string]func()    // feed name -> cancels its in-progress run
}

type scheduled struct {
	id   cron.EntryID
	feed config.Feed
}

// NewScheduler returns a stopped scheduler. onSkip is called when a run is
// skipped because the previous one is still going.
func NewScheduler(run RunFunc, log *slog.Logger, onSkip func(feed, reason string)) *Scheduler {
	ctx, stop := context.WithCancel(context.Background())
	return &Scheduler{
		run: run, log: log, onSkip: onSkip,
		cron:    cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cronLogger{log})),
		ctx:     ctx,
		stop:    stop,
		sem:     make(chan struct{}, 1),
		entries: map[string]scheduled{},
		running: map[string]bool{},
		cancels: map[string]func(){},
	}
}

// Apply makes the schedule match feeds: new feeds are added, removed feeds
// are unscheduled (their in-progress run is cancelled), feeds whose schedule
// or settings changed are rescheduled. concurrency bounds simultaneous runs.
// It returns an error, and changes nothing, if a schedule does not parse.
func (s *Scheduler) Apply(feeds []config.Feed, defaultSchedule string, jitter time.Duration, concurrency int) error {
	parsed := make(map[string]cron.Schedule, len(feeds))
	for _, f := range feeds {
		spec := f.Schedule
		if spec == "" {
			spec = defaultSchedule
		}
		sched, err := config.ParseSchedule(spec)
		if err != nil {
			return fmt.Errorf("schedule of feed %s: %w", f.Name, err)
		}
		parsed[f.Name] = sched
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if concurrency < 1 {
		concurrency = 1
	}
	if cap(s.sem) != concurrency {
		// Runs in progress keep the old semaphore; new runs use the new bound.
		s.sem = make(chan struct{}, concurrency)
	}
	s.jitter = jitter
	want := make(map[string]config.Feed, len(feeds))
	for _, f := range feeds {
		want[f.Name] = f
	}
	for name, e := range s.entries {
		f, keep := want[name]
		if keep && sameFeed(f, e.feed) {
			continue
		}
		s.cron.Remove(e.id)
		delete(s.entries, name)
		if !keep {
			if cancel, ok := s.cancels[name]; ok {
				cancel()
			}
		}
	}
	for _, f := range feeds {
		if _, ok := s.entries[f.Name]; ok {
			continue
		}
		f := f
		id := s.cron.Schedule(parsed[f.Name], cron.FuncJob(func() { s.fire(f) }))
		s.entries[f.Name] = scheduled{id: id, feed: f}
	}
	return nil
}

func sameFeed(a, b config.Feed) bool {
	if a.URL != b.URL || a.Schedule != b.Schedule || a.Weight != b.Weight || a.Lang != b.Lang || a.Country != b.Country || len(a.Tags) != len(b.Tags) {
		return false
	}
	for i := range a.Tags {
		if a.Tags[i] != b.Tags[i] {
			return false
		}
	}
	return true
}

// Start starts the cron loop; RunAll fetches every feed at once as well.
func (s *Scheduler) Start() { s.cron.Start() }

// RunAll runs every scheduled feed once now (through the same guards), for a
// first fetch at start-up instead of waiting for each feed's first slot.
func (s *Scheduler) RunAll() {
	s.mu.Lock()
	feeds := make([]config.Feed, 0, len(s.entries))
	for _, e := range s.entries {
		feeds = append(feeds, e.feed)
	}
	s.mu.Unlock()
	for _, f := range feeds {
		go s.fire(f)
	}
}

// Stop stops scheduling, cancels runs in progress and waits for them to end
// or for ctx to expire.
func (s *Scheduler) Stop(ctx context.Context) error {
	cronDone := s.cron.Stop()
	s.stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: runs still in progress: %w", ctx.Err())
	}
}

// fire is the cron job of one feed.
func (s *Scheduler) fire(f config.Feed) {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	if s.running[f.Name] {
		s.mu.Unlock()
		s.log.Warn("previous run still in progress, skipping", "feed", f.Name)
		if s.onSkip != nil {
			s.onSkip(f.Name, "overlap")
		}
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.running[f.Name] = true
	s.cancels[f.Name] = cancel
	sem, delay := s.sem, s.offset(f.Name)
	s.wg.Add(1)
	s.mu.Unlock()

	defer func() {
		if r := recover(); r != nil {
			s.log.Error("feed run panicked", "feed", f.Name, "panic", r, "stack", string(debug.Stack()))
		}
		cancel()
		s.mu.Lock()
		delete(s.running, f.Name)
		delete(s.cancels, f.Name)
		s.mu.Unlock()
		s.wg.Done()
	}()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-ctx.Done():
		return
	}
	s.run(ctx, f)
}

// offset spreads feeds over the jitter window by a stable hash of the name:
// the same feed always fires at the same offset, and many feeds fill the
// window evenly instead of bunching.
func (s *Scheduler) offset(name string) time.Duration {
	if s.jitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(s.jitter))
}

// cronLogger sends robfig/cron's own log lines to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
