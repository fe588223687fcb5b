package neardup

// Index maps LSH band keys to recent articles, to find an article's nearest
// copy. It is not safe for concurrent use.
//
// The cost of a lookup is bounded whatever the number of similar articles
// indexed: each band's bucket is followed for at most BucketLimit of its
// most recent entries, so a lookup compares at most Bands*BucketLimit
// fingerprints. A burst of 30,000 copies of one story (one feed full of
// near-identical items) fills the same sixteen buckets; without the bound,
// the n-th copy compared itself with the n-1 before it. Dropping the older
// entries of a bucket from the search loses nothing that matters: copies
// join the cluster of the first article they match, so the recent entries of
// a crowded bucket name the same clusters as its old ones.
//
// Memory is about 270 bytes an article (the entry, 160 bytes, and sixteen
// postings in a map and a chain). Articles published more than Keep before
// the newest one are dropped, in a rebuild that runs when the index has
// doubled since the last one, O(1) amortised per article.
type Index struct {
	keep   int64 // ms
	newest int64 // newest publication time added, ms
	arts   []Entry
	// heads maps a band key to its most recent posting, plus one (0: none).
	// Posting p is band p%Bands of arts[p/Bands]; next[p] is the posting
	// added before it under the same key, plus one.
	heads     map[uint32]int32
	next      []int32
	compactAt int
	// seen[i] == gen marks arts[i] as compared already in this lookup: an
	// article can sit in several matching bands.
	seen []uint32
	gen  uint32
	// compared counts fingerprint comparisons, for the tests of the bound.
	compared int
}

// BucketLimit is how many of a bucket's most recent entries a lookup reads.
const BucketLimit = 8

// Entry is an indexed article.
type Entry struct {
	ID        int64
	Cluster   int64 // the near-duplicate cluster the article belongs to
	Published int64 // ms
	Fingerprint
}

// Match is the result of a lookup: the most similar article found.
type Match struct {
	ID, Cluster int64
	Similarity  float64
}

// Better reports whether m is a better match than o: higher similarity,
// then the older article, so that the choice does not depend on the order
// in which candidates are met. A zero Match is worse than any other.
func (m Match) Better(o Match) bool {
	if o.ID == 0 {
		return m.ID != 0
	}
	return m.Similarity > o.Similarity || m.Similarity == o.Similarity && m.ID != 0 && m.ID < o.ID
}

// NewIndex returns an empty index that keeps the articles published within
// keep (ms) of the newest one.
func NewIndex(keep int64) *Index {
	return &Index{keep: keep, heads: map[uint32]int32{}, compactAt: 4096}
}

// Len returns the number of articles indexed (expired ones included until
// the next rebuild).
func (x *Index) Len() int { return len(x.arts) }

// Entries returns the indexed articles, oldest first. The slice is the
// index's own; it is valid until the next Add.
func (x *Index) Entries() []Entry { return x.arts }

// Add indexes an article.
func (x *Index) Add(e Entry) {
	i := len(x.arts)
	x.arts = append(x.arts, e)
	x.seen = append(x.seen, 0)
	for band, k := range e.Keys {
		p := int32(i*Bands + band)
		x.next = append(x.next, x.heads[k])
		x.heads[k] = p + 1
	}
	x.newest = max(x.newest, e.Published)
	if len(x.arts) >= x.compactAt {
		x.compact()
	}
}

// compact drops the articles published more than keep before the newest
// and rebuilds the buckets. While the index is still filling up, with few
// articles to drop, it only raises the threshold: a rebuild holds two copies
// of the index at once, for little gain.
func (x *Index) compact() {
	cutoff := x.newest - x.keep
	expired := 0
	for i := range x.arts {
		if x.arts[i].Published < cutoff {
			expired++
		}
	}
	if expired*4 < len(x.arts) {
		x.compactAt = max(2*len(x.arts), 4096)
		return
	}
	live := make([]Entry, 0, len(x.arts)-expired)
	for _, e := range x.arts {
		if e.Published >= cutoff {
			live = append(live, e)
		}
	}
	x.arts, x.seen, x.gen = nil, nil, 0
	x.next, x.heads = make([]int32, 0, len(live)*Bands), make(map[uint32]int32, len(live)*Bands)
	x.compactAt = max(2*len(live), 4096)
	for _, e := range live {
		x.Add(e)
	}
}

// Nearest returns the most similar indexed article published in [lo, hi]
// whose estimated similarity to f is at least MinSimilarity, or a zero
// Match.
func (x *Index) Nearest(f *Fingerprint, lo, hi int64) Match {
	x.gen++
	if x.gen == 0 { // wrapped: old marks could look current
		clear(x.seen)
		x.gen = 1
	}
	var best Match
	for band, k := range f.Keys {
		// Postings of the key in another band (a chance collision of 32-bit
		// keys) count against the limit too, which keeps it a hard bound.
		n := 0
		for p := x.heads[k]; p != 0 && n < BucketLimit; p = x.next[p-1] {
			n++
			if int(p-1)%Bands != band {
				continue
			}
			i := int(p-1) / Bands
			e := &x.arts[i]
			if x.seen[i] == x.gen || e.Published < lo || e.Published > hi {
				continue
			}
			x.seen[i] = x.gen
			x.compared++
			m := Match{ID: e.ID, Cluster: e.Cluster, Similarity: e.Similarity(f)}
			if m.Similarity >= MinSimilarity && m.Better(best) {
				best = m
			}
		}
	}
	return best
}
