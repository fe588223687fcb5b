package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func manyArticles(prefix string, n int) []NewArticle {
	arts := make([]NewArticle, n)
	for i := range arts {
		arts[i] = NewArticle{Item: item(fmt.Sprintf("guid:%s-%d", prefix, i), "Item", "Short text.", time.Hour)}
	}
	return arts
}

// TestLargeOutcomeIsWrittenInChunks: a feed of many items does not hold the
// writer: an outcome queued while it is written commits before its last
// chunk, and the large outcome still stores everything and reports it once.
func TestLargeOutcomeIsWrittenInChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("big", 1), feed("small", 1))
	n := 2*maxChunkArticles + 7
	smallDone := make(chan error, 1)
	defer func() {
		if err := <-smallDone; err != nil {
			t.Errorf("small outcome: %v", err)
		}
	}()
	var smallBeforeLast, started bool
	db.afterArticle = func(i int) error {
		switch i {
		case 0:
			if started {
				return nil // the small outcome's article
			}
			started = true
			// Queue the small outcome while the first chunk is written.
			go func() {
				_, err := db.SaveFetch(ctx, FetchOutcome{Feed: "small", At: t0, Status: StatusOK, Articles: manyArticles("small", 1)})
				smallDone <- err
			}()
			deadline := time.Now().Add(20 * time.Second)
			for {
				db.queue.mu.Lock()
				queued := len(db.queue.reqs)
				db.queue.mu.Unlock()
				if queued > 0 {
					break
				}
				if time.Now().After(deadline) {
					return errors.New("the small outcome was never queued")
				}
				time.Sleep(time.Millisecond)
			}
		case 2 * maxChunkArticles:
			// Committed means visible to a reader.
			var c int
			err := db.r.QueryRow(`SELECT COUNT(*) FROM articles WHERE key = 'guid:small-0'`).Scan(&c)
			smallBeforeLast = err == nil && c == 1
		}
		return nil
	}
	res, err := db.SaveFetch(ctx, FetchOutcome{Feed: "big", At: t0, Status: StatusOK, ETag: `"big"`, Articles: manyArticles("big", n)})
	if err != nil {
		t.Fatal(err)
	}
	if res != (SaveResult{New: n}) {
		t.Errorf("big: %+v, want %d new", res, n)
	}
	if !smallBeforeLast {
		t.Error("the small outcome had not committed when the big one's last chunk began")
	}
	if got := count(t, db, "articles"); got != int64(n+1) {
		t.Errorf("%d articles stored, want %d", got, n+1)
	}
	st, err := db.FeedState(ctx, "big")
	if err != nil || st.ETag != `"big"` {
		t.Errorf("big feed state: etag %q (%v)", st.ETag, err)
	}
}

// TestFailedChunkKeepsFetchState: when a later chunk fails, the chunks
// committed before it stay, the caller gets the error, and the feed's
// validators are not updated, so the next fetch is a full one and finds the
// committed articles as seen.
func TestFailedChunkKeepsFetchState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("big", 1))
	n := maxChunkArticles + 10
	db.afterArticle = func(i int) error {
		if i == maxChunkArticles+3 {
			return errInjected
		}
		return nil
	}
	arts := manyArticles("big", n)
	if _, err := db.SaveFetch(ctx, FetchOutcome{Feed: "big", At: t0, Status: StatusOK, ETag: `"v1"`, Articles: arts}); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	if got := count(t, db, "articles"); got != maxChunkArticles {
		t.Errorf("%d articles stored, want the first chunk's %d", got, maxChunkArticles)
	}
	if st, err := db.FeedState(ctx, "big"); err != nil || st.ETag != "" || st.LastStatus != "" {
		t.Errorf("feed state after a failed chunk: etag %q, status %q (%v); want untouched", st.ETag, st.LastStatus, err)
	}
	db.afterArticle = nil
	res, err := db.SaveFetch(ctx, FetchOutcome{Feed: "big", At: t0, Status: StatusOK, ETag: `"v1"`, Articles: arts})
	if err != nil || res != (SaveResult{New: n - maxChunkArticles, Seen: maxChunkArticles}) {
		t.Errorf("refetch: %+v, %v; want %d new, %d seen", res, err, n-maxChunkArticles, maxChunkArticles)
	}
}
