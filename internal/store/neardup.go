package store

import (
	"encoding/binary"
	"errors"

	"github.com/tensiontracker/tracker/internal/simhash"
)

// Near-duplicate detection ("syndicated copies").
//
// A wire story republished by several outlets comes back with each outlet's
// own headline, often an added or rewritten lead sentence, sometimes a
// dateline. Measured on a 170-word wire text, such edits move a 64-bit
// SimHash of title+text by 3 to 18 bits, far past the usual 3-bit threshold,
// so SimHash only catches copies that are nearly byte-identical. What stays
// high under those edits is the Jaccard similarity of the word-shingle sets
// (about 0.7-0.9), and MinHash estimates exactly that, with banded LSH to
// find candidates. Features are the same word 3-shingles simhash.Shingles
// produces (lowercased, diacritics folded).
//
// The signatures are stored with the articles; the LSH buckets are an
// in-memory index (lshIndex) over the articles of the last few days,
// rebuilt from the stored signatures when the database is opened. Kept in
// SQLite, 16 random-key index rows per article made every fetch rewrite
// hundreds of scattered pages: measured, about 0.37 ms of the 0.78 ms it
// took to store an article. In memory they cost about a microsecond.
const (
	// minhashK values per signature, stored as 32-bit integers.
	minhashK = 64
	// lshBands bands of lshRows values each cover the signature. Two
	// articles become candidates when one band matches entirely:
	// P = 1-(1-J^4)^16, about 0.64 at J=0.5, 0.89 at 0.6, 0.98 at 0.7 and
	// 0.002 at J=0.1, where different stories on one subject sit. Rows of 4
	// rather than 3 keep those unrelated candidates (each one a row to read
	// and compare) ten times rarer, for a little recall around J=0.5.
	lshBands = 16
	lshRows  = 4
	// minJaccard is the estimated Jaccard similarity (over all minhashK
	// values) from which a candidate counts as a copy.
	minJaccard = 0.5
	// minClusterWords: below this many words a text says too little to be
	// told apart from another short text; it stays a story of its own.
	minClusterWords = 12
	// clusterWindow bounds how far apart in publication time two copies may
	// be: wires are republished within hours, rarely days.
	clusterWindow = 3 * 24 * 60 * 60 * 1000 // ms
	// lshKeep is how far behind the newest publication time the in-memory
	// index keeps articles: the cluster window plus a day of slack for items
	// that arrive late. An item published longer ago than that before the
	// newest article finds no copies and stays a story of its own.
	lshKeep = clusterWindow + 24*60*60*1000 // ms
)

// signature is a MinHash signature: for each of minhashK hash functions, the
// smallest hash of any shingle of the text.
type signature [minhashK]uint32

// signatureOf computes the signature of text and the number of words it
// has. ok is false when the text is too short to be compared.
func signatureOf(text string) (sig signature, words int, ok bool) {
	// Hash function i is multiply-shift hashing of the shingle's 64-bit
	// FNV hash after a splitmix64 finaliser, with odd multipliers a[i] and
	// offsets b[i] drawn from a fixed splitmix64 sequence: cheap, and
	// independent enough for MinHash.
	var a, b [minhashK]uint64
	seed := uint64(0x5deece66d)
	for i := range a {
		seed = splitmix(seed)
		a[i] = seed | 1
		seed = splitmix(seed)
		b[i] = seed
	}
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	words = simhash.Shingles(text, func(h uint64) {
		x := mix64(h)
		for i := range sig {
			if v := uint32((a[i]*x + b[i]) >> 32); v < sig[i] {
				sig[i] = v
			}
		}
	})
	return sig, words, words >= minClusterWords
}

func splitmix(x uint64) uint64 { return mix64(x + 0x9e3779b97f4a7c15) }

// mix64 is the splitmix64 finaliser: a bijection that spreads every input
// bit over the whole output.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// bandKeys returns the LSH bucket of each band: a hash of the band number
// and its lshRows values. 32 bits are plenty: a bucket shared by chance only
// costs one signature comparison.
func (s *signature) bandKeys() [lshBands]uint32 {
	var keys [lshBands]uint32
	for band := range keys {
		h := mix64(uint64(band) + 1)
		for _, v := range s[band*lshRows : (band+1)*lshRows] {
			h = mix64(h ^ uint64(v))
		}
		keys[band] = uint32(h)
	}
	return keys
}

// sketch keeps the low byte of each value. Two signatures agree on at
// least as many sketch bytes as values, so counting agreeing bytes bounds
// the similarity from above: a candidate whose bound is below the threshold
// needs no reading of its stored signature. (Unrelated values agree on a
// byte one time in 256, so the bound is tight.)
func (s *signature) sketch() sketch {
	var k sketch
	for i, v := range s {
		k[i] = uint8(v)
	}
	return k
}

// sketch is the low byte of each value of a signature.
type sketch [minhashK]uint8

// agree counts the positions where the two sketches agree.
func (k *sketch) agree(o *sketch) int {
	n := 0
	for i := range k {
		if k[i] == o[i] {
			n++
		}
	}
	return n
}

// jaccard estimates the Jaccard similarity of the two texts behind the
// signatures: the share of hash functions whose minimum agrees.
func (s *signature) jaccard(o *signature) float64 {
	same := 0
	for i := range s {
		if s[i] == o[i] {
			same++
		}
	}
	return float64(same) / minhashK
}

func (s *signature) bytes() []byte {
	b := make([]byte, 4*minhashK)
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

var errBadSignature = errors.New("stored minhash signature has the wrong length")

func signatureFromBytes(b []byte) (signature, error) {
	var s signature
	if len(b) != 4*minhashK {
		return s, errBadSignature
	}
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return s, nil
}

// lshIndex maps LSH band keys to the recent articles having them. Memory is
// about 420 bytes per article (16 postings in a map and a chain array, the
// keys and the publication time: 350 bytes, measured; the sketch and a
// mark: 68), so the 100,000 articles of a busy four days take about 42 MB.
//
// It is not safe for concurrent use; after Open only the writer goroutine
// uses it.
type lshIndex struct {
	newest int64 // newest publication time added, ms
	arts   []lshArticle
	// heads maps a band key to its most recent posting, plus one (0: none).
	// Posting p is band p%lshBands of arts[p/lshBands]; next[p] is the
	// posting added before it under the same key, plus one.
	heads map[uint32]int32
	next  []int32
	// compactAt is the article count at which old articles are dropped.
	compactAt int
	// seen[i] == gen marks arts[i] as already returned by the current
	// appendCandidates call: an article can sit in several matching bands.
	seen []uint32
	gen  uint32
}

type lshArticle struct {
	id        int64
	published int64 // ms
	keys      [lshBands]uint32
	sketch    sketch
}

func newLSHIndex() *lshIndex {
	return &lshIndex{heads: map[uint32]int32{}, compactAt: 4096}
}

func (x *lshIndex) add(a lshArticle) {
	i := len(x.arts)
	x.arts = append(x.arts, a)
	x.seen = append(x.seen, 0)
	for band, k := range a.keys {
		p := int32(i*lshBands + band)
		x.next = append(x.next, x.heads[k])
		x.heads[k] = p + 1
	}
	x.newest = max(x.newest, a.published)
	if len(x.arts) >= x.compactAt {
		x.compact()
	}
}

// compact drops the articles published more than lshKeep before the newest
// and rebuilds the buckets. Called when the index has doubled since the last
// compaction, it costs O(1) amortised per article. While the index is still
// filling up, with few articles to drop, it only raises the threshold: a
// rebuild holds two copies of the index at once (measured, the peak memory
// of a cold ingest of 100,000 articles), for little gain.
func (x *lshIndex) compact() {
	cutoff := x.newest - lshKeep
	expired := 0
	for _, a := range x.arts {
		if a.published < cutoff {
			expired++
		}
	}
	if expired*4 < len(x.arts) {
		x.compactAt = max(2*len(x.arts), 4096)
		return
	}
	live := make([]lshArticle, 0, len(x.arts)-expired)
	for _, a := range x.arts {
		if a.published >= cutoff {
			live = append(live, a)
		}
	}
	x.arts, x.seen, x.gen = nil, nil, 0
	x.next, x.heads = make([]int32, 0, len(live)*lshBands), make(map[uint32]int32, len(live)*lshBands)
	x.compactAt = max(2*len(live), 4096)
	for _, a := range live {
		x.add(a)
	}
}

// candidates returns the ids of the articles sharing at least one band with
// keys and published in [lo, hi], each once.
func (x *lshIndex) candidates(keys *[lshBands]uint32, lo, hi int64) []int64 {
	var ids []int64
	for _, a := range x.appendCandidates(nil, keys, lo, hi) {
		ids = append(ids, a.id)
	}
	return ids
}

// appendCandidates appends to cs the articles candidates would return. The
// pointers are valid until the next add.
func (x *lshIndex) appendCandidates(cs []*lshArticle, keys *[lshBands]uint32, lo, hi int64) []*lshArticle {
	x.gen++
	if x.gen == 0 { // wrapped: old marks could look current
		clear(x.seen)
		x.gen = 1
	}
	for band, k := range keys {
		for p := x.heads[k]; p != 0; p = x.next[p-1] {
			if int(p-1)%lshBands != band {
				continue // the same 32-bit key in another band: a chance collision
			}
			i := int(p-1) / lshBands
			a := &x.arts[i]
			if x.seen[i] == x.gen || a.published < lo || a.published > hi {
				continue
			}
			x.seen[i] = x.gen
			cs = append(cs, a)
		}
	}
	return cs
}
