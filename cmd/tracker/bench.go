package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/demo"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// cmdBench measures the ingest pipeline: N loopback feeds of M items, one
// cold cycle (everything new), one warm cycle (everything 304), and gofeed
// alone parsing the same bodies as the reference. The feeds are served by a
// child process (tracker bench-server) so this process's peak memory is the
// tracker's own.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	nFeeds := fs.Int("feeds", 2000, "number of loopback feeds")
	nItems := fs.Int("items", 50, "items per feed")
	conc := fs.Int("concurrency", 8, "feeds fetched at once (global.concurrency)")
	dir := fs.String("dir", "", "directory for the benchmark database (default: a temporary directory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the cycles to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile, taken after the cycles, to this file")
	scrapeArticles := fs.Int("scrape-articles", 0, "instead of the cycles, time /metrics scrapes over a generated store of this many articles (90 days, 2,000 feeds), cached in --dir or the temporary directory")
	flood := fs.Int("flood", 0, "instead of the cycles, fetch one feed of this many near-duplicate items while a small feed is fetched again and again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *scrapeArticles > 0 {
		cache := *dir
		if cache == "" {
			cache = os.TempDir()
		}
		return benchScrape(ctx, cache, *scrapeArticles, stdout)
	}
	workDir := *dir
	if workDir == "" {
		d, err := os.MkdirTemp("", "tracker-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		workDir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	srv := exec.CommandContext(ctx, self, "bench-server", "--feeds", strconv.Itoa(*nFeeds), "--items", strconv.Itoa(*nItems))
	srv.Stderr = stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start bench-server: %w", err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read bench-server address: %w", err)
	}
	base := "http://" + strings.TrimSpace(addr)
	if *flood > 0 {
		return benchFlood(ctx, base, workDir, *flood, stdout)
	}

	var feedsCfg strings.Builder
	for i := range *nFeeds {
		fmt.Fprintf(&feedsCfg, "  - {name: bench-%05d, url: %q}\n", i, fmt.Sprintf("%s/feed/%d", base, i))
	}
	cfgPath := filepath.Join(workDir, "bench.yaml")
	cfgText := fmt.Sprintf("global:\n  database_path: %q\n  concurrency: %d\n  max_body_size: 8MiB\nfeeds:\n%s",
		filepath.Join(workDir, "bench.db"), *conc, feedsCfg.String())
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o644); err != nil {
		return err
	}
	b, err := openBench(ctx, cfgPath)
	if err != nil {
		return err
	}
	defer b.db.Close()
	cfg, db, scorer, p := b.cfg, b.db, b.scorer, b.pipeline

	cycle := func(name string) (time.Duration, error) {
		ioBefore := procIO()
		start := time.Now()
		sums := runAll(ctx, p, cfg.Feeds, *conc)
		d := time.Since(start)
		ioAfter := procIO()
		var nw, nm, failed int
		var firstErr error
		for _, s := range sums {
			nw += s.New
			switch s.Outcome {
			case ingest.OutcomeNotModified:
				nm++
			case ingest.OutcomeError:
				failed++
				if firstErr == nil {
					firstErr = s.Err
				}
			}
		}
		fmt.Fprintf(stdout, "%-16s %8.2fs  new articles %d, not modified %d, failed %d\n", name+" cycle:", d.Seconds(), nw, nm, failed)
		if ioBefore != nil && ioAfter != nil {
			fmt.Fprintf(stdout, "%-16s %8.1f MB written, %.1f MB read by this process (write/read calls, any file)\n", "",
				float64(ioAfter["wchar"]-ioBefore["wchar"])/1e6, float64(ioAfter["rchar"]-ioBefore["rchar"])/1e6)
		}
		if failed > 0 {
			return d, fmt.Errorf("%s cycle: %d feeds failed, first: %w", name, failed, firstErr)
		}
		return d, nil
	}
	fmt.Fprintf(stdout, "tracker bench: %d feeds x %d items, concurrency %d, GOMAXPROCS %d\n", *nFeeds, *nItems, *conc, runtime.GOMAXPROCS(0))
	ioCold := procIO()
	cold, err := cycle("cold")
	if err != nil {
		return err
	}
	ioColdEnd := procIO()
	warm, err := cycle("warm")
	if err != nil {
		return err
	}
	peak := peakRSS()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			return err
		}
	}

	// The reference: gofeed alone on the same bodies, as many at once as cores.
	parse, err := parseOnly(*nFeeds, *nItems)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-16s %8.2fs  (gofeed alone on the same bodies, %d workers)\n", "parse only:", parse.Seconds(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "cold / parse-only ratio: %.2f (target <= 4)\n", cold.Seconds()/parse.Seconds())
	fmt.Fprintf(stdout, "warm cycle: %.2fs (target < 1s)\n", warm.Seconds())
	fmt.Fprintf(stdout, "peak RSS during the cycles: %.1f MB (target < 150 MB)\n", float64(peak)/1e6)
	if err := benchStorage(ctx, stdout, db, scorer.Version(), ioCold, ioColdEnd); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "go heap after the cycles: %.1f MB in use, %.1f MB obtained from the OS, %d GCs\n",
		float64(mem.HeapInuse)/1e6, float64(mem.Sys)/1e6, mem.NumGC)
	return nil
}

// writeHeapProfile writes a heap profile of the live objects to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // up-to-date statistics of what is live
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// procIO reads the process's I/O counters (/proc/self/io), or nil.
func procIO() map[string]int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return nil
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			out[k], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return out
}

// peakRSS reads the process's peak resident set size (VmHWM) in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func parseOnly(nFeeds, nItems int) (time.Duration, error) {
	gen := newBenchGen()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	var parsing time.Duration
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parser := gofeed.NewParser()
			var spent time.Duration
			for i := range jobs {
				body := gen.feed(i, nItems)
				start := time.Now()
				_, err := parser.Parse(bytes.NewReader(body))
				spent += time.Since(start)
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
			mu.Lock()
			parsing += spent
			mu.Unlock()
		}()
	}
	for i := range nFeeds {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	// Wall time of parsing alone, spread over the workers.
	return parsing / time.Duration(workers), firstErr
}

// cmdBenchServer serves the benchmark feeds and prints its address on
// stdout. Bodies are generated on request, deterministically, so the
// server holds no large state; ETags make the second cycle all 304s.
func cmdBenchServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-server", stderr)
	nFeeds := fs.Int("feeds", 2000, "number of feeds")
	nItems := fs.Int("items", 50, "items per feed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	gen := newBenchGen()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || id < 0 || id >= *nFeeds {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"bench-%d-%d"`, id, *nItems)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(gen.feed(id, *nItems))
	})
	mux.HandleFunc("GET /flood/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n > 1_000_000 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(floodFeed(n))
	})
	mux.HandleFunc("GET /small/{round}", func(w http.ResponseWriter, r *http.Request) {
		round, err := strconv.Atoi(r.PathValue("round"))
		if err != nil || round < 0 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(smallFeed(round))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, ln.Addr().String())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// benchGen builds realistic feed bodies from the bundled demo articles:
// each item mixes sentences of several articles, so texts differ as real
// ones do (identical texts would all fall into one near-duplicate cluster).
type benchGen struct {
	sentences []string
	titles    []string
}

func newBenchGen() *benchGen {
	g := &benchGen{}
	for _, a := range demo.Articles() {
		g.titles = append(g.titles, a.Title)
		for _, s := range strings.SplitAfter(a.Text, ". ") {
			if s = strings.TrimSpace(s); len(s) > 20 {
				g.sentences = append(g.sentences, s)
			}
		}
	}
	return g
}

func (g *benchGen) feed(id, nItems int) []byte {
	h := fnv.New64a()
	fmt.Fprintf(h, "feed-%d", id)
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(id)))
	base := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed %d</title><link>https://bench.invalid/%d/</link><description>Benchmark feed</description><language>en</language>\n", id, id)
	for i := range nItems {
		title := g.titles[rng.IntN(len(g.titles))]
		var text strings.Builder
		for range 6 + rng.IntN(4) {
			text.WriteString(g.sentences[rng.IntN(len(g.sentences))])
			text.WriteByte(' ')
		}
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://bench.invalid/%d/%d</link><guid>bench-%d-%d</guid><pubDate>%s</pubDate><description>%s</description></item>\n",
			html.EscapeString(title), id, i, id, i, base.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z), html.EscapeString("<p>"+text.String()+"</p>"))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// benchStorage reports what the cold cycle cost on disk: the database's
// bytes per stored article (after a checkpoint, so the file holds
// everything), the bytes the cycle wrote per new article (WAL, checkpoints
// and indexes included: the process's write calls), and how long the
// window aggregates a /metrics scrape computes take at this size.
func benchStorage(ctx context.Context, stdout io.Writer, db *store.DB, version string, before, after map[string]int64) error {
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		return err
	}
	n, last, err := db.ArticleCount(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("no articles stored")
	}
	fmt.Fprintf(stdout, "database:        %.1f MB, %d articles, %.0f bytes per article (target <= 2500 + stored text)\n",
		float64(fi.Size())/1e6, n, float64(fi.Size())/float64(n))
	if before != nil && after != nil {
		fmt.Fprintf(stdout, "written (cold):  %.0f bytes per new article (target <= 3x the bytes per article)\n",
			float64(after["wchar"]-before["wchar"])/float64(n))
	}
	windows := []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
	var best time.Duration
	for i := range 3 {
		start := time.Now()
		if _, err := db.WindowStats(ctx, last, windows, version, nil); err != nil {
			return err
		}
		if d := time.Since(start); i == 0 || d < best {
			best = d
		}
	}
	fmt.Fprintf(stdout, "scrape:          %.1f ms for the window aggregates of 1h, 24h, 7d over %d articles (best of 3)\n",
		float64(best.Microseconds())/1e3, n)
	return nil
}

// benchRig is what both bench scenarios run on: the config written for them,
// a fresh database with its feeds, and a quiet pipeline (no logs, a private
// metrics registry).
type benchRig struct {
	cfg      *config.Config
	db       *store.DB
	scorer   *scoring.Scorer
	pipeline *ingest.Pipeline
}

// openBench loads the bench config at cfgPath and opens its database; the
// caller closes rig.db.
func openBench(ctx context.Context, cfgPath string) (*benchRig, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	scorer, err := newScorer(cfg)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.Global.DatabasePath)
	if err != nil {
		return nil, err
	}
	if err := db.SyncFeeds(ctx, feedMetas(cfg)); err != nil {
		db.Close()
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := ingest.NewPipeline(feeds.NewFetcher(fetcherOptions(cfg), nil), db, scorer, metrics.NewFetch(metrics.NewRegistry(), false), quiet, time.Hour)
	return &benchRig{cfg: cfg, db: db, scorer: scorer, pipeline: p}, nil
}
