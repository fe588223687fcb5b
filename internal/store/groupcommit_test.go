package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// blockWriter makes the writer goroutine stop inside the next outcome it
// writes (after its first article) until release is called, so that a test
// can queue several outcomes behind it: they are then written together, in
// the order queued. blocked is closed once the writer has stopped. fail
// makes the writer fail the article with that index (in any outcome) with
// errInjected; -1 for none.
func blockWriter(db *DB, fail int) (blocked <-chan struct{}, release func()) {
	gate, stopped := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	db.afterArticle = func(i int) error {
		if i == 0 && once.CompareAndSwap(false, true) {
			close(stopped)
			<-gate
		}
		if i == fail {
			return errInjected
		}
		return nil
	}
	var rel sync.Once
	return stopped, func() { rel.Do(func() { close(gate) }) }
}

var errInjected = errors.New("injected failure")

// waitQueued waits until n outcomes wait in the queue (the writer being
// blocked), failing the test if that does not happen.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		db.queue.mu.Lock()
		got := len(db.queue.reqs)
		db.queue.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outcomes queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

type saveCall struct {
	res SaveResult
	err error
}

// saveAsync starts SaveFetch in a goroutine and returns where its answer
// will arrive.
func saveAsync(ctx context.Context, db *DB, o FetchOutcome) <-chan saveCall {
	ch := make(chan saveCall, 1)
	go func() {
		res, err := db.SaveFetch(ctx, o)
		ch <- saveCall{res, err}
	}()
	return ch
}

// outcomeOf builds an OK outcome of feed with n new scored articles whose
// keys start with prefix.
func outcomeOf(feedName, prefix string, n int) FetchOutcome {
	o := FetchOutcome{Feed: feedName, At: t0, Status: StatusOK, ETag: `"` + prefix + `"`}
	for i := 0; i < n; i++ {
		it := item(fmt.Sprintf("guid:%s-%d", prefix, i), "Headline "+prefix, "Short dispatch.", time.Duration(i)*time.Minute)
		o.Articles = append(o.Articles, NewArticle{Item: it, Score: score("lex-1", map[string]float64{"trade": 0.7}, []string{"MX", "US"}, mxus)})
	}
	return o
}

// TestGroupCommitFailureIsolated queues outcomes behind a blocked writer so
// that they are written in one transaction, two of them failing (one half-way
// through its articles, one for an unknown feed): the failing callers get
// their errors and leave nothing behind, every other outcome is committed
// and its caller gets its own result.
func TestGroupCommitFailureIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("first", 1), feed("g1", 1), feed("g2", 1), feed("bad", 1), feed("g3", 1), feed("g4", 1))
	// Outcomes with fewer than 3 articles never reach article index 2.
	blocked, release := blockWriter(db, 2)
	defer release()

	first := saveAsync(ctx, db, outcomeOf("first", "first", 1))
	<-blocked
	type call struct {
		o       FetchOutcome
		wantNew int
		wantErr error
		ch      <-chan saveCall
	}
	calls := []*call{
		{o: outcomeOf("g1", "g1", 2), wantNew: 2},
		{o: outcomeOf("g2", "g2", 1), wantNew: 1},
		{o: outcomeOf("bad", "bad", 3), wantErr: errInjected},
		{o: outcomeOf("g3", "g3", 2), wantNew: 2},
		{o: outcomeOf("nope", "nope", 1), wantErr: ErrNotFound},
		{o: outcomeOf("g4", "g4", 2), wantNew: 2},
	}
	for i, c := range calls {
		c.ch = saveAsync(ctx, db, c.o)
		waitQueued(t, db, i+1) // one at a time: the queue keeps this order
	}
	release()

	if r := <-first; r.err != nil || r.res != (SaveResult{New: 1}) {
		t.Errorf("first: %+v, %v", r.res, r.err)
	}
	for _, c := range calls {
		r := <-c.ch
		switch {
		case c.wantErr != nil:
			if !errors.Is(r.err, c.wantErr) {
				t.Errorf("%s: err = %v, want %v", c.o.Feed, r.err, c.wantErr)
			}
		case r.err != nil:
			t.Errorf("%s: %v", c.o.Feed, r.err)
		case r.res != (SaveResult{New: c.wantNew}):
			t.Errorf("%s: %+v, want %d new", c.o.Feed, r.res, c.wantNew)
		}
	}

	if n := count(t, db, "articles"); n != 8 {
		t.Errorf("%d articles stored, want 8 (1+2+1+2+2)", n)
	}
	if n := count(t, db, "articles WHERE key LIKE 'guid:bad-%'"); n != 0 {
		t.Errorf("the failed outcome left %d articles", n)
	}
	for _, name := range []string{"first", "g1", "g2", "g3", "g4", "bad"} {
		st, err := db.FeedState(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "bad" {
			if st.ETag != "" || !st.LastAttempt.IsZero() || st.Articles != 0 {
				t.Errorf("the failed outcome changed its feed's state: %+v", st)
			}
			continue
		}
		if st.ETag != `"`+name+`"` || !st.LastSuccess.Equal(t0) {
			t.Errorf("feed %s: etag %s, last success %v; want its outcome's", name, st.ETag, st.LastSuccess)
		}
	}
	// Each article's score and source were written once, after the retries.
	if n, want := count(t, db, "scorings"), int64(8); n != want {
		t.Errorf("%d scorings, want %d", n, want)
	}
	if n := count(t, db, "article_sources"); n != 8 {
		t.Errorf("%d sources, want 8", n)
	}
	if n := len(db.lsh.Entries()); n != 0 {
		// Too short to be compared: none of them may be indexed.
		t.Errorf("%d articles in the near-duplicate index, want 0", n)
	}
}

// TestGroupCommitCancelledCaller: a caller whose context ends while its
// outcome waits in the queue gets ctx.Err() at once and its outcome is never
// written; the outcomes around it are.
func TestGroupCommitCancelledCaller(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("first", 1), feed("before", 1), feed("quitter", 1), feed("after", 1))
	blocked, release := blockWriter(db, -1)
	defer release()

	first := saveAsync(ctx, db, outcomeOf("first", "first", 1))
	<-blocked
	before := saveAsync(ctx, db, outcomeOf("before", "before", 2))
	waitQueued(t, db, 1)
	qctx, cancel := context.WithCancel(ctx)
	quitter := saveAsync(qctx, db, outcomeOf("quitter", "quitter", 2))
	waitQueued(t, db, 2)
	after := saveAsync(ctx, db, outcomeOf("after", "after", 2))
	waitQueued(t, db, 3)

	cancel()
	// Answered while the writer is still blocked.
	if r := <-quitter; !errors.Is(r.err, context.Canceled) || r.res != (SaveResult{}) {
		t.Errorf("cancelled caller: %+v, %v; want context.Canceled", r.res, r.err)
	}
	release()
	for name, ch := range map[string]<-chan saveCall{"first": first, "before": before, "after": after} {
		if r := <-ch; r.err != nil || r.res.New == 0 {
			t.Errorf("%s: %+v, %v", name, r.res, r.err)
		}
	}
	if n := count(t, db, "articles WHERE key LIKE 'guid:quitter-%'"); n != 0 {
		t.Errorf("the withdrawn outcome was written: %d articles", n)
	}
	if st, _ := db.FeedState(ctx, "quitter"); !st.LastAttempt.IsZero() {
		t.Errorf("the withdrawn outcome changed its feed's state: %+v", st)
	}
	if n := count(t, db, "articles"); n != 5 {
		t.Errorf("%d articles, want 5", n)
	}

	// A context that is already done is refused before queueing.
	done, stop := context.WithCancel(ctx)
	stop()
	if _, err := db.SaveFetch(done, outcomeOf("after", "late", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("SaveFetch with a done context: %v, want context.Canceled", err)
	}
}

// TestCancelAfterWritten: a caller whose context ends after the writer has
// written its outcome, while the transaction is still open, waits for the
// commit and gets its result: its answer agrees with what is stored.
func TestCancelAfterWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("first", 1), feed("a", 1), feed("b", 1))
	actx, cancelA := context.WithCancel(ctx)
	defer cancelA()
	gate, stopped := make(chan struct{}), make(chan struct{})
	var aCh <-chan saveCall
	early := make(chan saveCall, 1)
	var n atomic.Int32
	db.afterArticle = func(int) error {
		switch n.Add(1) {
		case 1: // the first outcome: hold the writer while a and b queue
			close(stopped)
			<-gate
		case 4: // b's first article: a (two articles) is written, not committed
			cancelA()
			// A caller that did not wait for the writer would answer now.
			select {
			case r := <-aCh:
				early <- r
			case <-time.After(200 * time.Millisecond):
			}
		}
		return nil
	}
	first := saveAsync(ctx, db, outcomeOf("first", "first", 1))
	<-stopped
	aCh = saveAsync(actx, db, outcomeOf("a", "a", 2))
	waitQueued(t, db, 1)
	b := saveAsync(ctx, db, outcomeOf("b", "b", 1))
	waitQueued(t, db, 2)
	close(gate)

	var ra saveCall
	select {
	case ra = <-early:
	case ra = <-aCh:
	}
	if ra.err != nil || ra.res != (SaveResult{New: 2}) {
		t.Errorf("cancelled after its outcome was written: %+v, %v; want its result", ra.res, ra.err)
	}
	if n := count(t, db, "articles WHERE key LIKE 'guid:a-%'"); n != 2 {
		t.Errorf("%d of its articles stored, want 2", n)
	}
	for name, ch := range map[string]<-chan saveCall{"first": first, "b": b} {
		if r := <-ch; r.err != nil {
			t.Errorf("%s: %v", name, r.err)
		}
	}
}

// TestCloseWritesQueuedOutcomes: outcomes queued when Close is called are
// still committed (their callers get their results), and SaveFetch after
// Close fails.
func TestCloseWritesQueuedOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	syncFeeds(t, db, feed("a", 1), feed("b", 1))
	blocked, release := blockWriter(db, -1)
	first := saveAsync(ctx, db, outcomeOf("a", "a", 1))
	<-blocked
	queued := saveAsync(ctx, db, outcomeOf("b", "b", 3))
	waitQueued(t, db, 1)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	// Close refuses new outcomes at once, before the queue is drained.
	deadline := time.Now().Add(20 * time.Second)
	for {
		db.queue.mu.Lock()
		refusing := db.queue.closed
		db.queue.mu.Unlock()
		if refusing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Close did not close the queue")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := db.SaveFetch(ctx, outcomeOf("a", "refused", 1)); !errors.Is(err, errClosed) {
		t.Errorf("SaveFetch during Close: %v, want errClosed", err)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	for name, ch := range map[string]<-chan saveCall{"first": first, "queued": queued} {
		if r := <-ch; r.err != nil {
			t.Errorf("%s: %v", name, r.err)
		}
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := count(t, db, "articles"); n != 4 {
		t.Errorf("%d articles after reopening, want 4", n)
	}
}

// TestConcurrentFeedsStoreEachArticleOnce: many feeds carrying the same
// articles save at once (and so in shared transactions): every article is
// stored once, with every feed as a source, and exactly one caller counts
// each as new.
func TestConcurrentFeedsStoreEachArticleOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	wire := readFixture(t, "wire_en.txt")
	const nFeeds, nArts = 8, 12
	var metas []FeedMeta
	for f := 0; f < nFeeds; f++ {
		metas = append(metas, feed(fmt.Sprintf("f%d", f), 1+float64(f)))
	}
	syncFeeds(t, db, metas...)
	var shared []NewArticle
	for i := 0; i < nArts; i++ {
		// Long texts (syndicated updates of one wire): they cluster.
		it := item(fmt.Sprintf("guid:shared-%d", i), fmt.Sprintf("Update %d", i), fmt.Sprintf("%s Update number %d.", wire, i), time.Duration(i)*time.Minute)
		shared = append(shared, NewArticle{Item: it, Score: score("lex-1", map[string]float64{"security": 0.9}, []string{"MX"})})
	}
	var wg sync.WaitGroup
	results := make([]SaveResult, nFeeds)
	errs := make([]error, nFeeds)
	for f := 0; f < nFeeds; f++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[f], errs[f] = db.SaveFetch(ctx, FetchOutcome{Feed: metas[f].Name, At: t0, Status: StatusOK, Articles: shared})
		}()
	}
	wg.Wait()
	newTotal := 0
	for f := range results {
		if errs[f] != nil {
			t.Fatalf("feed %d: %v", f, errs[f])
		}
		if results[f].New+results[f].Seen != nArts {
			t.Errorf("feed %d: %+v, want %d in all", f, results[f], nArts)
		}
		newTotal += results[f].New
	}
	if newTotal != nArts {
		t.Errorf("%d articles counted new, want %d", newTotal, nArts)
	}
	got := map[string]int64{}
	for _, tb := range []string{"articles", "article_sources", "scorings", "stories"} {
		got[tb] = count(t, db, tb)
	}
	want := map[string]int64{"articles": nArts, "article_sources": nFeeds * nArts, "scorings": nArts, "stories": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
	var weight float64
	var size int64
	if err := db.r.QueryRowContext(ctx, `SELECT weight, articles FROM stories`).Scan(&weight, &size); err != nil {
		t.Fatal(err)
	}
	if weight != float64(nFeeds) || size != nArts {
		t.Errorf("story weight %v, size %d; want %d, %d", weight, size, nFeeds, nArts)
	}
}
