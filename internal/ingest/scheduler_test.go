package ingest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSchedulerSkipsOverlappingRuns(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	var runs atomic.Int32
	var skips []string
	var mu sync.Mutex
	s := NewScheduler(func(ctx context.Context, f config.Feed) Summary {
		runs.Add(1)
		close(started)
		<-release
		return Summary{}
	}, quietLog(), func(feed, reason string) {
		mu.Lock()
		skips = append(skips, feed+":"+reason)
		mu.Unlock()
	})
	f := config.Feed{Name: "a", URL: "http://127.0.0.1/a"}
	if err := s.Apply([]config.Feed{f}, "@every 1h", 0, 4); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.fire(f); close(done) }()
	<-started
	s.fire(f) // the first run is still going: must be skipped, not queued
	close(release)
	<-done
	if got := runs.Load(); got != 1 {
		t.Fatalf("runs = %d, want 1", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(skips) != 1 || skips[0] != "a:overlap" {
		t.Fatalf("skips = %v, want [a:overlap]", skips)
	}
}

// A panicking run must not leave the feed marked as running: with
// robfig/cron v3.0.1's SkipIfStillRunning it would never run again.
func TestSchedulerRunsAgainAfterPanic(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	s := NewScheduler(func(ctx context.Context, f config.Feed) Summary {
		if runs.Add(1) == 1 {
			panic("boom")
		}
		return Summary{}
	}, quietLog(), nil)
	f := config.Feed{Name: "p", URL: "http://127.0.0.1/p"}
	if err := s.Apply([]config.Feed{f}, "@every 1h", 0, 1); err != nil {
		t.Fatal(err)
	}
	s.fire(f)
	s.fire(f)
	if got := runs.Load(); got != 2 {
		t.Fatalf("runs = %d, want 2 (the feed must run again after a panic)", got)
	}
}

func TestSchedulerBoundsConcurrency(t *testing.T) {
	t.Parallel()
	var cur, peak atomic.Int32
	gate := make(chan struct{})
	s := NewScheduler(func(ctx context.Context, f config.Feed) Summary {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-gate
		cur.Add(-1)
		return Summary{}
	}, quietLog(), nil)
	var fs []config.Feed
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		fs = append(fs, config.Feed{Name: n, URL: "http://127.0.0.1/" + n})
	}
	if err := s.Apply(fs, "@every 1h", 0, 2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); s.fire(f) }()
	}
	// Let the runs through one by one; at no point may more than 2 be inside.
	for range fs {
		gate <- struct{}{}
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak concurrent runs = %d, want 1..2", p)
	}
}

func TestSchedulerApplyCancelsRemovedFeed(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	canceled := make(chan struct{})
	s := NewScheduler(func(ctx context.Context, f config.Feed) Summary {
		close(started)
		<-ctx.Done()
		close(canceled)
		return Summary{}
	}, quietLog(), nil)
	a := config.Feed{Name: "gone", URL: "http://127.0.0.1/gone"}
	if err := s.Apply([]config.Feed{a}, "@every 1h", 0, 1); err != nil {
		t.Fatal(err)
	}
	go s.fire(a)
	<-started
	if err := s.Apply(nil, "@every 1h", 0, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-canceled:
	case <-time.After(10 * time.Second):
		t.Fatal("the removed feed's run was not cancelled")
	}
	if len(s.cron.Entries()) != 0 {
		t.Fatalf("cron entries = %d after removing every feed", len(s.cron.Entries()))
	}
}

func TestSchedulerApplyRejectsBadSpecAndKeepsSchedule(t *testing.T) {
	t.Parallel()
	s := NewScheduler(func(ctx context.Context, f config.Feed) Summary { return Summary{} }, quietLog(), nil)
	good := config.Feed{Name: "a", URL: "http://127.0.0.1/a", Schedule: "*/15 * * * *"}
	if err := s.Apply([]config.Feed{good}, "@every 1h", 0, 1); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"TZ=", "CRON_TZ=", "not a spec", "* * *"} {
		bad := config.Feed{Name: "b", URL: "http://127.0.0.1/b", Schedule: spec}
		if err := s.Apply([]config.Feed{good, bad}, "@every 1h", 0, 1); err == nil {
			t.Errorf("Apply accepted schedule %q", spec)
		}
	}
	if n := len(s.cron.Entries()); n != 1 {
		t.Fatalf("entries = %d after rejected applies, want the 1 from before", n)
	}
}

func TestSchedulerOffsetSpreadsFeeds(t *testing.T) {
	t.Parallel()
	s := NewScheduler(nil, quietLog(), nil)
	s.jitter = 30 * time.Second
	seen := map[time.Duration]bool{}
	for i := range 500 {
		name := "feed-" + string(rune('a'+i%26)) + time.Duration(i).String()
		d := s.offset(name)
		if d < 0 || d >= s.jitter {
			t.Fatalf("offset(%s) = %v outside [0, %v)", name, d, s.jitter)
		}
		if d != s.offset(name) {
			t.Fatalf("offset(%s) is not stable", name)
		}
		seen[d.Truncate(time.Second)] = true
	}
	// 500 feeds over a 30 s window should land in most of its seconds.
	if len(seen) < 25 {
		t.Fatalf("500 feeds fell into only %d distinct seconds of 30", len(seen))
	}
}
