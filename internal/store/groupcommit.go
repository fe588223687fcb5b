package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit.
//
// SaveFetch does not write itself: it queues its outcome for the writer
// goroutine, which takes every outcome queued (up to maxBatchOutcomes and
// maxBatchArticles) and writes them in one immediate transaction. A commit
// costs about the same for one outcome as for many (the dirty pages of the
// indexes' tails are written once, not once per feed), and the statements
// run without a caller's context, so they carry no cancellation machinery.
//
// When an outcome fails, the transaction is rolled back, its caller gets the
// error, and the outcomes written before it in the transaction go back to
// the head of the queue, to be written again in the next one: the others
// still commit, only later. This replaces a SAVEPOINT per outcome, which
// measured at 12% of the CPU time of a cold ingest of 100,000 articles:
// SQLite copies every existing page a savepoint modifies into a statement
// journal, to be able to roll back to it, and outcomes do not fail in
// normal operation.
//
// An outcome larger than maxChunkArticles is written a chunk per
// transaction and goes back to the tail of the queue between chunks, so a
// feed of 30,000 items cannot hold every other feed's outcome for the
// minutes it takes to write.
//
// The guarantees of a single SaveFetch stay (within a chunk, for a large outcome): it returns only after its
// outcome is committed (or with an error, and then nothing of it is stored),
// and a caller whose context ends before the writer starts on its outcome
// withdraws it and gets ctx.Err(). Once the writer has started on an outcome,
// a cancelled context still aborts it between two articles; it never
// interrupts a statement, since SQLite rolls back the whole transaction (the
// other callers' outcomes) when an INSERT inside it is interrupted.

const (
	// maxBatchOutcomes and maxBatchArticles bound one group transaction, so
	// that a long queue does not hold the write lock (and every caller in it)
	// for long, nor grow the WAL by much more than a few thousand articles.
	maxBatchOutcomes = 64
	maxBatchArticles = 5000
	// maxChunkArticles bounds what one outcome writes in one transaction.
	// A larger outcome (a feed of thousands of items) is committed in
	// chunks, going back to the tail of the queue after each, so the other
	// feeds' outcomes commit in between: no feed holds the writer for more
	// than a chunk at a time (a few hundred milliseconds at most).
	maxChunkArticles = 500
)

// errClosed is returned by SaveFetch once Close has been called.
var errClosed = errors.New("database is closed")

// States of a saveReq: the writer and the caller race to move it out of
// reqQueued, and whoever wins owns the outcome.
const (
	reqQueued    int32 = iota
	reqTaken           // the writer writes it and will reply
	reqWithdrawn       // the caller gave up waiting; the writer skips it
)

// saveReq is one SaveFetch call waiting for the writer.
type saveReq struct {
	ctx   context.Context
	o     FetchOutcome
	arts  []preparedArticle
	state atomic.Int32
	done  chan saveReply // buffered: the writer never blocks on a reply

	// Chunks (maxChunkArticles), used by the writer goroutine only: the
	// articles before next are committed, with the counts in sum; the
	// current transaction writes arts[next:next+chunk].
	next, chunk int
	sum         SaveResult
}

type saveReply struct {
	res SaveResult
	err error
}

// take claims the request for the writer; false when its caller withdrew it.
// A request with chunks committed is the writer's already: its caller can
// no longer withdraw it, only wait for the answer.
func (r *saveReq) take() bool {
	return r.next > 0 || r.state.CompareAndSwap(reqQueued, reqTaken)
}

func (r *saveReq) reply(res SaveResult, err error) { r.done <- saveReply{res, err} }

// saveQueue holds the requests the writer has not taken yet.
type saveQueue struct {
	mu     sync.Mutex
	reqs   []*saveReq
	closed bool
	// wake holds a pending wake-up for the writer (capacity 1).
	wake chan struct{}
}

func newSaveQueue() *saveQueue { return &saveQueue{wake: make(chan struct{}, 1)} }

func (q *saveQueue) push(r *saveReq) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errClosed
	}
	q.reqs = append(q.reqs, r)
	q.mu.Unlock()
	q.signal()
	return nil
}

func (q *saveQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pushBack puts requests with chunks left at the tail of the queue, behind
// the outcomes queued meanwhile. Like requeue it works after close.
func (q *saveQueue) pushBack(rs []*saveReq) {
	if len(rs) == 0 {
		return
	}
	q.mu.Lock()
	q.reqs = append(q.reqs, rs...)
	q.mu.Unlock()
	q.signal()
}

// requeue puts requests back at the head of the queue, in order. It works
// after close too: requests accepted before Close are still written.
func (q *saveQueue) requeue(rs []*saveReq) {
	if len(rs) == 0 {
		return
	}
	q.mu.Lock()
	q.reqs = append(append(make([]*saveReq, 0, len(rs)+len(q.reqs)), rs...), q.reqs...)
	q.mu.Unlock()
	q.signal()
}

// next waits for queued requests and takes a batch of them; ok is false
// once the queue is closed and empty.
func (q *saveQueue) next() (batch []*saveReq, ok bool) {
	for {
		q.mu.Lock()
		if len(q.reqs) > 0 {
			n, arts := 0, 0
			for n < len(q.reqs) && n < maxBatchOutcomes {
				r := q.reqs[n]
				a := min(len(r.arts)-r.next, maxChunkArticles)
				if n > 0 && arts+a > maxBatchArticles {
					break
				}
				r.chunk = a
				arts += a
				n++
			}
			batch = make([]*saveReq, n)
			copy(batch, q.reqs)
			// Copy the rest down rather than reslice, so the backing array
			// does not keep finished requests (and their articles) alive.
			rest := copy(q.reqs, q.reqs[n:])
			clear(q.reqs[rest:])
			q.reqs = q.reqs[:rest]
			q.mu.Unlock()
			return batch, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		<-q.wake
	}
}

// close refuses new requests; those already queued are still written.
func (q *saveQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// writeLoop is the writer goroutine: it writes batches until the queue is
// closed and drained.
func (db *DB) writeLoop() {
	defer close(db.writerDone)
	for {
		batch, ok := db.queue.next()
		if !ok {
			return
		}
		retry, more := db.writeBatch(batch)
		db.queue.requeue(retry)
		db.queue.pushBack(more)
	}
}

// written is an outcome written inside the group transaction, waiting for
// the commit.
type written struct {
	r   *saveReq
	res SaveResult
}

// writeBatch writes the batch in one transaction and replies to each caller
// whose outcome is complete. It returns the requests to try again in a new
// transaction: when an outcome fails, those written before it (rolled back
// with it) and those not reached yet; and, in more, those with chunks left
// to write.
func (db *DB) writeBatch(batch []*saveReq) (retry, more []*saveReq) {
	// Statements run without a caller's context: see "Group commit" above
	// on interrupts.
	ctx := context.Background()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			if r.take() {
				r.reply(SaveResult{}, fmt.Errorf("save fetch of %s: begin: %w", r.o.Feed, err))
			}
		}
		return nil, nil
	}
	w := db.newArticleWriter(tx)
	done := make([]written, 0, len(batch))
	for i, r := range batch {
		if !r.take() {
			continue
		}
		if err := r.ctx.Err(); err != nil {
			r.reply(SaveResult{}, fmt.Errorf("save fetch of %s: %w", r.o.Feed, err))
			continue
		}
		res, err := w.writeOutcome(ctx, r)
		if err != nil {
			rollback(tx)
			r.reply(SaveResult{}, err)
			for _, d := range done {
				// Not replied to yet, so its caller is either still
				// selecting (and may now withdraw it, unless chunks of it
				// are committed) or waiting for the reply the next batch
				// will give.
				if d.r.next == 0 {
					d.r.state.Store(reqQueued)
				}
				retry = append(retry, d.r)
			}
			return append(retry, batch[i+1:]...), nil
		}
		done = append(done, written{r: r, res: res})
	}
	if err := tx.Commit(); err != nil {
		for _, d := range done {
			d.r.reply(SaveResult{}, fmt.Errorf("save fetch of %s: commit: %w", d.r.o.Feed, err))
		}
		return nil, nil
	}
	// The committed articles join the index before any caller returns, so
	// that the next transaction finds them there as it finds them in SQLite.
	if w.pending != nil {
		for _, e := range w.pending.Entries() {
			db.lsh.Add(e)
		}
	}
	added := 0
	for _, d := range done {
		added += d.res.New
		r := d.r
		r.sum.New += d.res.New
		r.sum.Seen += d.res.Seen
		if r.next += r.chunk; r.next < len(r.arts) {
			more = append(more, r)
			continue
		}
		r.reply(r.sum, nil)
	}
	db.ck.committed(added)
	return nil, more
}
