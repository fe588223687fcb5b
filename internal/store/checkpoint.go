package store

import "context"

// Checkpoints.
//
// With synchronous=NORMAL a commit only appends to the write-ahead log; the
// fsyncs happen when a checkpoint copies the log back into the database
// file. SQLite's automatic checkpoint runs inside the commit that crosses
// the threshold, so the single writer, and every SaveFetch queued behind
// it, would wait for those fsyncs (tens of milliseconds each on a virtual
// disk, and very irregular). The checkpointer runs them on a reader
// connection instead, in a goroutine of its own: a PASSIVE checkpoint never
// blocks the writer, and the writer restarts the log from the beginning
// once a checkpoint has caught up. The writer keeps an automatic checkpoint
// at a much higher threshold (walSafetyPages) as a safety net, should the
// checkpointer fall behind.

const (
	// checkpointEvery is how many committed articles trigger a checkpoint.
	// A cold ingest writes about 24 kB of log per article (each commit
	// rewrites the pages its inserts touch, a thousand of them for the dyad
	// index alone), so this keeps the log near 50 MB. Checkpointing after
	// every commit measured 35% more bytes written for no gain in speed.
	checkpointEvery = 2000
	// walSafetyPages is the writer's own automatic checkpoint threshold
	// (100 MB of log), above what checkpointEvery lets the log reach so
	// that it only acts when the checkpointer falls behind.
	walSafetyPages = 25000
)

// checkpointer runs passive checkpoints when the writer asks for them.
type checkpointer struct {
	wake   chan struct{} // capacity 1: a pending request
	cancel context.CancelFunc
	done   chan struct{}

	// pending counts the articles committed since the last request; only
	// the writer goroutine uses it.
	pending int
}

func (db *DB) startCheckpointer() {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	db.ck = c
	go func() {
		defer close(c.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.wake:
			}
			// An error is not worth more than a retry at the next request:
			// the writer's automatic checkpoint still bounds the log, and
			// Close checkpoints everything.
			_, _ = db.r.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}()
}

// committed records n more committed articles and wakes the checkpointer
// when enough have accumulated.
func (c *checkpointer) committed(n int) {
	if c == nil || n == 0 {
		return
	}
	c.pending += n
	if c.pending < checkpointEvery {
		return
	}
	c.pending = 0
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// stop ends the checkpointer, interrupting a checkpoint in progress (the
// next one resumes where it stopped).
func (c *checkpointer) stop() {
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
}
