// Command fetchmem measures the peak resident memory of one feed fetch of a
// gzip bomb: a loopback server sends a body that decompresses to -size bytes
// and the fetcher reads it with max_body_size -limit. It prints the outcome
// and the process's peak RSS (VmHWM), so the memory bound of the fetcher
// (about 1 x max_body_size, at most 1.5 x) can be checked on a real run
// rather than in a timed unit test. Run it through scripts/bench-fetch-memory.sh.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
)

func main() {
	size := flag.Int64("size", 1<<30, "decompressed body size in bytes")
	limit := flag.Int64("limit", 1<<30, "max_body_size in bytes")
	content := flag.String("content", "zeros", "body content: zeros, or rss (a valid feed of repeated items)")
	flag.Parse()
	if err := run(*size, *limit, *content); err != nil {
		fmt.Fprintln(os.Stderr, "fetchmem:", err)
		os.Exit(1)
	}
}

func run(size, limit int64, content string) error {
	wire, err := bomb(size, content)
	if err != nil {
		return err
	}
	base := peakRSS()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(wire)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	f := feeds.NewFetcher(feeds.Options{MaxBodyBytes: limit, Timeout: 10 * time.Minute}, nil)
	start := time.Now()
	res, err := f.Fetch(context.Background(), feeds.Request{Feed: "bomb", URL: "http://" + ln.Addr().String() + "/"})
	took := time.Since(start)
	outcome := "ok"
	if err != nil {
		outcome = err.Error()
		if len(outcome) > 160 {
			outcome = outcome[:160] + "..."
		}
	} else {
		outcome = fmt.Sprintf("ok, %d items", len(res.Items))
	}
	peak := peakRSS()
	fmt.Printf("content=%s size=%d limit=%d wire=%d bytes\n", content, size, limit, len(wire))
	fmt.Printf("outcome: %s (%.1fs)\n", outcome, took.Seconds())
	fmt.Printf("peak RSS %.3f GB (%.2f x max_body_size); before the fetch %.3f GB\n",
		float64(peak)/1e9, float64(peak)/float64(limit), float64(base)/1e9)
	return nil
}

// bomb returns the gzip of size bytes of content, compressed in a streaming
// way so that the uncompressed body never sits in this process's memory.
func bomb(size int64, content string) ([]byte, error) {
	var unit []byte
	var head, tail string
	switch content {
	case "zeros":
		unit = make([]byte, 1<<20)
	case "rss":
		head = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>bomb</title>`
		tail = `</channel></rss>`
		unit = []byte(`<item><title>Border talks resume</title><description>` +
			strings.Repeat("Tariff review continues. ", 40) + `</description></item>`)
	default:
		return nil, fmt.Errorf("unknown -content %q", content)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(zw, 1<<20)
	written := int64(0)
	write := func(p []byte) {
		_, _ = w.Write(p)
		written += int64(len(p))
	}
	write([]byte(head))
	for written+int64(len(unit))+int64(len(tail)) <= size {
		write(unit)
	}
	write([]byte(tail))
	if pad := size - written; pad > 0 {
		write(bytes.Repeat([]byte{' '}, int(pad)))
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// peakRSS returns the process's peak resident set size in bytes (Linux
// VmHWM), 0 when unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
