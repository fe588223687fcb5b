package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSaveFetchConcurrent stores fetches of 50 new, scored articles
// from 8 goroutines at once, as the pipeline does with global.concurrency 8:
// the outcomes share transactions. One op is one fetch.
func BenchmarkSaveFetchConcurrent(b *testing.B) {
	db := openTest(b)
	var metas []FeedMeta
	for i := 0; i < 64; i++ {
		metas = append(metas, feed(fmt.Sprintf("feed%02d", i), 1))
	}
	syncFeeds(b, db, metas...)
	// Outcomes are built before the clock starts; texts from the corpus do
	// not cluster by accident.
	c := &corpus{rng: rand.New(rand.NewPCG(5, 6))}
	outcomes := make([]FetchOutcome, b.N)
	for i := range outcomes {
		arts := make([]NewArticle, 50)
		for j := range arts {
			it := item(fmt.Sprintf("guid:c-%d-%d", i, j), c.pick(benchPlaces)+": "+c.pick(benchTopics), c.text(5),
				time.Duration(i*50+j)*time.Second)
			arts[j] = NewArticle{Item: it, Score: c.score("v1")}
		}
		outcomes[i] = FetchOutcome{Feed: metas[i%len(metas)].Name, At: t0, Status: StatusOK, Articles: arts}
	}
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(outcomes)) {
					return
				}
				if _, err := db.SaveFetch(ctx, outcomes[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
