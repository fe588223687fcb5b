package scoring

import (
	"cmp"
	"slices"
)

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
	words    []patWord
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
		b.words = append(b.words, patWord{cls: cls, prefix: prefix})
	}
	return *slot
}

// addStop marks a folded word as a stopword of the languages in bits.
func (b *wordTrieBuilder) addStop(cls []uint8, bits uint32) {
	s := b.walk(cls)
	b.stop[s] |= bits
}

// wordTrie is the compiled, immutable word trie.
//
// Its transitions are a double array (Aoe's double-array trie): state s goes
// on class c to p = cells[s].base+c when cells[p].check == s. The dense
// state x class table it replaces took 4*36 bytes per state (3.2 MB for the
// 22k states of six languages' lexicons), far more than a core's cache, and
// every letter of every token paid a cache miss in it; the double array
// takes 8 bytes per slot, packed almost without holes, so that the walk
// stays in cache however the lexicons grow. A state id is its slot in the
// double array.
type wordTrie struct {
	next   transitions
	info   []stateLabels // state -> its labels in labelBuf
	labBuf []int32
	stop   []uint32
	// words is label -> the folded word or prefix stem it stands for
	// (for explanations and the differential test).
	words   []patWord
	nLabels int32
}

// daCell is one slot of the double array: the base of the state in this
// slot, and the parent state of this slot (-1 free).
type daCell struct{ base, check int32 }

// transitions is the double array; see wordTrie.
type transitions []daCell

// step returns the state s goes to on class c, -1 none.
func (t transitions) step(s int32, c uint8) int32 {
	p := t[s].base + int32(c)
	if t[p].check == s {
		return p
	}
	return -1
}

// stateLabels locates a state's labels in labelBuf: a token that ends at
// the state has labels labelBuf[off : off+exact+n] (its exact word first,
// if any, then the prefix stems on its path from the root, shortest first);
// a token that leaves the trie after it has labelBuf[off+exact : off+exact+n].
type stateLabels struct {
	off   int32
	n     uint16
	exact uint16 // 1 when an exact word ends at the state
}

func (b *wordTrieBuilder) build() *wordTrie {
	n := len(b.children)
	// Breadth-first order: the first letters of words, which every token
	// walks, get the first slots and so share a few cache lines.
	order := make([]int32, 0, n)
	order = append(order, 0)
	kids := make([][]uint8, n) // old id -> its classes, ascending
	for q := 0; q < len(order); q++ {
		ch := b.children[order[q]]
		for c := uint8(0); c < nClass; c++ {
			if ns, ok := ch[c]; ok {
				kids[order[q]] = append(kids[order[q]], c)
				order = append(order, ns)
			}
		}
	}
	// Place each state's children at the first base where all their slots
	// are free (first fit, scanning from the first free slot).
	pos := make([]int32, n) // old id -> slot
	var cells []daCell
	grow := func(m int) {
		for len(cells) < m {
			cells = append(cells, daCell{check: -1})
		}
	}
	grow(nClass + 1)
	cells[0].check = -2 // the root's slot is taken (by no parent)
	firstFree := 1
	for _, old := range order {
		cs := kids[old]
		if len(cs) == 0 {
			continue // base 0: no slot has this state as its parent
		}
		for firstFree < len(cells) && cells[firstFree].check != -1 {
			firstFree++
		}
		base := max(0, firstFree-int(cs[0]))
	search:
		for ; ; base++ {
			grow(base + nClass + 1)
			for _, c := range cs {
				if cells[base+int(c)].check != -1 {
					continue search
				}
			}
			break
		}
		s := pos[old]
		cells[s].base = int32(base)
		for _, c := range cs {
			p := base + int(c)
			cells[p].check = s
			pos[b.children[old][c]] = int32(p)
		}
	}
	cells[0].check = -1
	// Every base+class must index the array: pad past the largest base.
	maxBase := int32(0)
	for _, c := range cells {
		maxBase = max(maxBase, c.base)
	}
	grow(int(maxBase) + nClass + 1)

	t := &wordTrie{
		next:    transitions(cells),
		info:    make([]stateLabels, len(cells)),
		stop:    make([]uint32, len(cells)),
		words:   b.words,
		nLabels: b.nLabels,
	}
	for old := range b.children {
		t.stop[pos[old]] = b.stop[old]
	}
	// Depth-first from the root, carrying the prefix labels on the path.
	var visit func(old int32, path []int32)
	visit = func(old int32, path []int32) {
		s := pos[old]
		if b.prefix[old] >= 0 {
			path = append(path[:len(path):len(path)], b.prefix[old])
		}
		li := stateLabels{off: int32(len(t.labBuf)), n: uint16(len(path))}
		if b.exact[old] >= 0 {
			li.exact = 1
			t.labBuf = append(t.labBuf, b.exact[old])
		}
		t.labBuf = append(t.labBuf, path...)
		t.info[s] = li
		for _, c := range kids[old] {
			visit(b.children[old][c], path)
		}
	}
	visit(0, nil)
	return t
}

// labels returns the word labels of a token.
func (t *wordTrie) labels(tk *token) []int32 {
	li := t.info[tk.state]
	lo, hi := li.off, li.off+int32(li.exact)+int32(li.n)
	if tk.flags&fEnded == 0 {
		lo += int32(li.exact)
	}
	return t.labBuf[lo:hi]
}

// phraseTrie maps sequences of word labels to lexicon entries. The first
// level is a dense array over labels (every token looks it up); below it a
// node keeps its entries and its children in one struct, the children as a
// short list sorted by label, so a step is one cache line and a few
// compares instead of a hash-map probe.
type phraseTrie struct {
	root     []int32 // label -> first-level node, -1 none
	nodes    []phraseNode
	maxDepth int
}

type phraseNode struct {
	payload []phraseEntry // in the order they were added
	kids    []phraseEdge  // sorted by label
	// langs has the langBit of every entry at or below the node: a walk
	// for a document in another language skips the subtree.
	langs uint64
}

// phraseEntry is an entry index with the entry's language (-1 any).
type phraseEntry struct {
	entry int32
	lang  int16
}

// langBit maps an entry language to a bit of phraseNode.langs: one bit for
// language-neutral entries, one per language index, the last shared by
// every index beyond (those subtrees are then never skipped wrongly, only
// walked more than needed).
func langBit(lang int) uint64 {
	if lang < 0 {
		return 1 << 63
	}
	return 1 << min(lang, 62)
}

// langMask is the set of langBits whose entries can apply to a document in
// docLang (see langOK).
func langMask(docLang int) uint64 {
	if docLang == langUndetermined {
		return ^uint64(0)
	}
	m := langBit(-1)
	if docLang >= 0 {
		m |= langBit(docLang)
	}
	return m
}

type phraseEdge struct{ label, node int32 }

// child returns n's child on label l, -1 none.
func (pn *phraseNode) child(l int32) int32 {
	kids := pn.kids
	if len(kids) <= 8 {
		for _, e := range kids {
			if e.label == l {
				return e.node
			}
		}
		return -1
	}
	lo, hi := 0, len(kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if kids[m].label < l {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(kids) && kids[lo].label == l {
		return kids[lo].node
	}
	return -1
}

type phraseTrieBuilder struct {
	t *phraseTrie
}

func newPhraseTrieBuilder(nLabels int32) *phraseTrieBuilder {
	t := &phraseTrie{root: make([]int32, nLabels)}
	for i := range t.root {
		t.root[i] = -1
	}
	return &phraseTrieBuilder{t: t}
}

func (b *phraseTrieBuilder) node() int32 {
	b.t.nodes = append(b.t.nodes, phraseNode{})
	return int32(len(b.t.nodes) - 1)
}

// add registers entry, an entry of language lang (-1 any), under the label
// sequence.
func (b *phraseTrieBuilder) add(labels []int32, entry int32, lang int16) {
	t := b.t
	bit := langBit(int(lang))
	n := t.root[labels[0]]
	if n < 0 {
		n = b.node()
		t.root[labels[0]] = n
	}
	t.nodes[n].langs |= bit
	for _, l := range labels[1:] {
		c := t.nodes[n].child(l)
		if c < 0 {
			c = b.node()
			kids := t.nodes[n].kids
			i, _ := slices.BinarySearchFunc(kids, l, func(e phraseEdge, l int32) int { return cmp.Compare(e.label, l) })
			t.nodes[n].kids = slices.Insert(kids, i, phraseEdge{label: l, node: c})
		}
		n = c
		t.nodes[n].langs |= bit
	}
	t.nodes[n].payload = append(t.nodes[n].payload, phraseEntry{entry: entry, lang: lang})
	if len(labels) > t.maxDepth {
		t.maxDepth = len(labels)
	}
}

// hit is one lexicon entry found at tokens [start, end).
type hit struct {
	entry      int32
	start, end int32
}

// findAll appends every occurrence in toks of an entry that applies to a
// document in docLang (langOK) to hits, in order of start token. Phrases do
// not span punctuation breaks or the title/text boundary. Entries of other
// languages are skipped here, subtrees holding only such entries are not
// walked at all, so the lexicons of languages the document is not in cost
// next to nothing.
func (t *phraseTrie) findAll(wt *wordTrie, toks []token, docLang int, hits []hit) []hit {
	want := langMask(docLang)
	for i := range toks {
		labs := wt.labels(&toks[i])
		for _, l := range labs {
			n := t.root[l]
			if n < 0 || t.nodes[n].langs&want == 0 {
				continue
			}
			hits = t.walk(wt, toks, n, int32(i), int32(i+1), docLang, want, hits)
		}
	}
	return hits
}

func (t *phraseTrie) walk(wt *wordTrie, toks []token, n, start, next int32, docLang int, want uint64, hits []hit) []hit {
	pn := &t.nodes[n]
	for _, e := range pn.payload {
		if langOK(e.lang, docLang) {
			hits = append(hits, hit{entry: e.entry, start: start, end: next})
		}
	}
	if len(pn.kids) == 0 || int(next) >= len(toks) {
		return hits
	}
	tk := &toks[next]
	if tk.flags&fBreak != 0 || (tk.flags^toks[start].flags)&fTitle != 0 {
		return hits
	}
	// The next token's labels in order, so that hits come out in the same
	// order as they always have (ties between equal matches depend on it).
	for _, l := range wt.labels(tk) {
		if c := pn.child(l); c >= 0 && t.nodes[c].langs&want != 0 {
			hits = t.walk(wt, toks, c, start, next+1, docLang, want, hits)
		}
	}
	return hits
}
