package feeds

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// chunkSize is the unit a response body is read in. Bodies are kept as a list
// of chunks rather than one growing buffer: a growing buffer copies itself on
// every doubling and briefly holds the old and the new array, which made a
// body near max_body_size cost 3-4x the cap. Chunks are never copied, so a
// body costs its own size plus one partly filled chunk.
const chunkSize = 64 << 10

// maxPooledChunks bounds how many chunks one body gives back to the pool: a
// single huge feed must not pin hundreds of megabytes in it.
const maxPooledChunks = 16

type chunk [chunkSize]byte

// chunkPool recycles chunks between fetches; most feeds fit in a few.
var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

// body is a feed body held as chunks. All chunks but the last are full.
type body struct {
	chunks []*chunk
	n      int64 // total bytes
	pooled bool  // chunks come from chunkPool and go back on release
	// one holds a caller-provided body (ParseBody) instead of chunks.
	one []byte
}

// bodyFromBytes wraps an in-memory body without copying it.
func bodyFromBytes(b []byte) *body { return &body{one: b, n: int64(len(b))} }

// readBody reads r into chunks, failing with an error wrapping
// *http.MaxBytesError once more than limit bytes arrive. The check counts
// the bytes as read, after any transport decompression, so a gzip bomb stops
// at the cap.
func readBody(r io.Reader, limit int64) (*body, error) {
	b := &body{pooled: true}
	lr := http.MaxBytesReader(nil, io.NopCloser(r), limit)
	for {
		c := chunkPool.Get().(*chunk)
		b.chunks = append(b.chunks, c)
		used := 0
		for used < chunkSize {
			m, err := lr.Read(c[used:])
			used += m
			b.n += int64(m)
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) {
				if used == 0 {
					b.chunks = b.chunks[:len(b.chunks)-1]
					chunkPool.Put(c)
				}
				return b, nil
			}
			b.release()
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, fmt.Errorf("body exceeds limit of %d bytes: %w", limit, err)
			}
			return nil, fmt.Errorf("read body: %w", err)
		}
	}
}

// len returns the body's size in bytes.
func (b *body) len() int64 { return b.n }

// chunk returns the bytes of chunk i.
func (b *body) part(i int) []byte {
	if b.one != nil {
		return b.one
	}
	end := chunkSize
	if i == len(b.chunks)-1 {
		end = int(b.n - int64(i)*chunkSize)
	}
	return b.chunks[i][:end]
}

func (b *body) parts() int {
	if b.one != nil {
		return 1
	}
	return len(b.chunks)
}

// head returns up to n bytes from the start of the body, copied only when
// they span chunks.
func (b *body) head(n int) []byte {
	if b.parts() == 0 {
		return nil
	}
	p := b.part(0)
	if len(p) >= n || b.parts() == 1 {
		return p[:min(n, len(p))]
	}
	out := make([]byte, 0, n)
	for i := 0; i < b.parts() && len(out) < n; i++ {
		p := b.part(i)
		out = append(out, p[:min(len(p), n-len(out))]...)
	}
	return out
}

// reader returns a reader of the body from offset off. It does not consume
// the body: analysis and decoding each read it once.
func (b *body) reader(off int) io.Reader {
	return &bodyReader{b: b, off: int64(off)}
}

type bodyReader struct {
	b   *body
	off int64
}

func (r *bodyReader) Read(p []byte) (int, error) {
	if r.off >= r.b.n {
		return 0, io.EOF
	}
	var part []byte
	if r.b.one != nil {
		part = r.b.one[r.off:]
	} else {
		i := int(r.off / chunkSize)
		part = r.b.part(i)[r.off%chunkSize:]
	}
	n := copy(p, part)
	r.off += int64(n)
	return n, nil
}

// release gives the chunks back to the pool; the body must not be used
// afterwards.
func (b *body) release() {
	if b.pooled {
		for i, c := range b.chunks {
			if i >= maxPooledChunks {
				break
			}
			chunkPool.Put(c)
		}
	}
	b.chunks, b.one, b.n = nil, nil, 0
}
