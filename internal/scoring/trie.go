package scoring

// The matcher has two levels, both built once in New:
//
//  1. a word trie over folded characters, walked while tokenising, which
//     turns every token into a small list of word labels: the exact word it
//     spells (if it is a lexicon word) and every prefix pattern ("sanction*")
//     it starts with. The label lists are precomputed per trie state, so a
//     token costs one array index per character and nothing more.
//  2. a phrase trie over word labels, walked from every token that has a
//     label, which finds every lexicon entry (theme term, negative, near
//     anchor, place name, trap phrase) starting there.
//
// The cost is linear in the text length whatever the lexicon size: a token
// walks at most the longest phrase's length in phrase-trie steps.

// wordTrieBuilder collects exact words and prefix stems.
type wordTrieBuilder struct {
	children []map[uint8]int32
	exact    []int32 // label of the exact word ending here, -1 none
	prefix   []int32 // label of the prefix pattern ending here, -1 none
	nLabels  int32
	stop     []uint32 // stopword language bits of the exact word ending here
}

func newWordTrieBuilder() *wordTrieBuilder {
	b := &wordTrieBuilder{}
	b.node()
	return b
}

func (b *wordTrieBuilder) node() int32 {
	b.children = append(b.children, nil)
	b.exact = append(b.exact, -1)
	b.prefix = append(b.prefix, -1)
	b.stop = append(b.stop, 0)
	return int32(len(b.children) - 1)
}

func (b *wordTrieBuilder) walk(cls []uint8) int32 {
	s := int32(0)
	for _, c := range cls {
		if b.children[s] == nil {
			b.children[s] = make(map[uint8]int32)
		}
		ns, ok := b.children[s][c]
		if !ok {
			ns = b.node()
			b.children[s][c] = ns
		}
		s = ns
	}
	return s
}

// add returns the label of a folded word, a prefix stem when prefix is set.
func (b *wordTrieBuilder) add(cls []uint8, prefix bool) int32 {
	s := b.walk(cls)
	slot := &b.exact[s]
	if prefix {
		slot = &b.prefix[s]
	}
	if *slot < 0 {
		*slot = b.nLabels
		b.nLabels++
	}
	return *slot
}

// addStop marks a folded word as a stopword of the languages in bits.
func (b *wordTrieBuilder) addStop(cls []uint8, bits uint32) {
	s := b.walk(cls)
	b.stop[s] |= bits
}

// wordTrie is the compiled, immutable word trie.
type wordTrie struct {
	next       []int32   // state*nClass + class -> state, -1 none
	endLabels  [][]int32 // labels of a token that ends at the state
	diedLabels [][]int32 // labels of a token that leaves the trie after the state
	stop       []uint32
	nLabels    int32
}

func (b *wordTrieBuilder) build() *wordTrie {
	n := len(b.children)
	// Number states breadth-first: the first letters of words, which every
	// token walks, then share a few cache lines of the transition table.
	order := make([]int32, 0, n) // new id -> old id
	newID := make([]int32, n)    // old id -> new id
	order = append(order, 0)
	for q := 0; q < len(order); q++ {
		ch := b.children[order[q]]
		for c := uint8(0); c < nClass; c++ {
			if ns, ok := ch[c]; ok {
				newID[ns] = int32(len(order))
				order = append(order, ns)
			}
		}
	}
	t := &wordTrie{
		next:       make([]int32, n*nClass),
		endLabels:  make([][]int32, n),
		diedLabels: make([][]int32, n),
		stop:       make([]uint32, n),
		nLabels:    b.nLabels,
	}
	for i := range t.next {
		t.next[i] = -1
	}
	for old, ch := range b.children {
		s := int(newID[old])
		t.stop[s] = b.stop[old]
		for c, ns := range ch {
			t.next[s*nClass+int(c)] = newID[ns]
		}
	}
	// Depth-first from the root, carrying the prefix labels on the path.
	var visit func(old int32, path []int32)
	visit = func(old int32, path []int32) {
		s := newID[old]
		if b.prefix[old] >= 0 {
			path = append(path[:len(path):len(path)], b.prefix[old])
		}
		if len(path) > 0 {
			t.diedLabels[s] = path
		}
		if b.exact[old] >= 0 {
			end := make([]int32, 0, len(path)+1)
			end = append(end, b.exact[old])
			t.endLabels[s] = append(end, path...)
		} else if len(path) > 0 {
			t.endLabels[s] = path
		}
		for _, ns := range b.children[old] {
			visit(ns, path)
		}
	}
	visit(0, nil)
	return t
}

// labels returns the word labels of a token.
func (t *wordTrie) labels(tk *token) []int32 {
	if tk.flags&fEnded != 0 {
		return t.endLabels[tk.state]
	}
	return t.diedLabels[tk.state]
}

// phraseTrie maps sequences of word labels to lexicon entries.
type phraseTrie struct {
	root     []int32          // label -> first-level node, -1 none
	edges    map[uint64]int32 // node<<32 | label -> child
	hasKids  []bool
	payload  [][]int32 // node -> entry indices
	maxDepth int
}

type phraseTrieBuilder struct {
	t *phraseTrie
}

func newPhraseTrieBuilder(nLabels int32) *phraseTrieBuilder {
	t := &phraseTrie{root: make([]int32, nLabels), edges: make(map[uint64]int32)}
	for i := range t.root {
		t.root[i] = -1
	}
	return &phraseTrieBuilder{t: t}
}

func (b *phraseTrieBuilder) node() int32 {
	b.t.hasKids = append(b.t.hasKids, false)
	b.t.payload = append(b.t.payload, nil)
	return int32(len(b.t.payload) - 1)
}

// add registers entry under the label sequence.
func (b *phraseTrieBuilder) add(labels []int32, entry int32) {
	t := b.t
	n := t.root[labels[0]]
	if n < 0 {
		n = b.node()
		t.root[labels[0]] = n
	}
	for _, l := range labels[1:] {
		k := uint64(n)<<32 | uint64(uint32(l))
		c, ok := t.edges[k]
		if !ok {
			c = b.node()
			t.edges[k] = c
			t.hasKids[n] = true
		}
		n = c
	}
	t.payload[n] = append(t.payload[n], entry)
	if len(labels) > t.maxDepth {
		t.maxDepth = len(labels)
	}
}

// hit is one lexicon entry found at tokens [start, end).
type hit struct {
	entry      int32
	start, end int32
}

// findAll appends every entry occurrence in toks to hits. Phrases do not
// span punctuation breaks or the title/text boundary.
func (t *phraseTrie) findAll(wt *wordTrie, toks []token, hits []hit) []hit {
	for i := range toks {
		labs := wt.labels(&toks[i])
		for _, l := range labs {
			n := t.root[l]
			if n < 0 {
				continue
			}
			hits = t.walk(wt, toks, n, int32(i), int32(i+1), hits)
		}
	}
	return hits
}

func (t *phraseTrie) walk(wt *wordTrie, toks []token, n, start, next int32, hits []hit) []hit {
	for _, e := range t.payload[n] {
		hits = append(hits, hit{entry: e, start: start, end: next})
	}
	if !t.hasKids[n] || int(next) >= len(toks) {
		return hits
	}
	tk := &toks[next]
	if tk.flags&fBreak != 0 || (tk.flags^toks[start].flags)&fTitle != 0 {
		return hits
	}
	for _, l := range wt.labels(tk) {
		if c, ok := t.edges[uint64(n)<<32|uint64(uint32(l))]; ok {
			hits = t.walk(wt, toks, c, start, next+1, hits)
		}
	}
	return hits
}
