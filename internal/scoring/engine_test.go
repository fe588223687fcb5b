package scoring

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// refMatcher is the differential test's reference: a slow, plainly
// written matcher that shares nothing with the engine's tries. Each token
// is folded from its text rune by rune with classify; words and prefix
// stems are looked up in string maps; every phrase is checked word by word
// at every start token.
type refMatcher struct {
	exact   map[string][]int32 // folded word -> labels
	prefix  map[string][]int32 // folded stem -> labels
	stop    map[string]uint32  // folded stopword -> language bits
	byFirst map[int32][]int32  // first label -> entries
	seqs    [][]int32          // entry -> label sequence
}

// newRefMatcher lists the compiled patterns: label -> word from the word
// trie builder's record, entry -> label sequence from a walk of the phrase
// trie (checked to hold every entry exactly once), stopwords from the data.
func newRefMatcher(t *testing.T, s *Scorer) *refMatcher {
	t.Helper()
	r := &refMatcher{
		exact:   map[string][]int32{},
		prefix:  map[string][]int32{},
		stop:    map[string]uint32{},
		byFirst: map[int32][]int32{},
		seqs:    make([][]int32, len(s.entries)),
	}
	for l, w := range s.wt.words {
		m := r.exact
		if w.prefix {
			m = r.prefix
		}
		m[string(w.cls)] = append(m[string(w.cls)], int32(l))
	}
	var visit func(n int32, seq []int32)
	visit = func(n int32, seq []int32) {
		for _, e := range s.pt.nodes[n].payload {
			if r.seqs[e.entry] != nil {
				t.Fatalf("entry %d twice in the phrase trie", e.entry)
			}
			if e.lang != s.entries[e.entry].lang {
				t.Fatalf("entry %d: language %d in the trie, %d in the scorer", e.entry, e.lang, s.entries[e.entry].lang)
			}
			r.seqs[e.entry] = slices.Clone(seq)
		}
		for _, k := range s.pt.nodes[n].kids {
			visit(k.node, append(seq, k.label))
		}
	}
	for l, n := range s.pt.root {
		if n >= 0 {
			visit(n, []int32{int32(l)})
		}
	}
	for e, seq := range r.seqs {
		if seq == nil {
			t.Fatalf("entry %d is not in the phrase trie", e)
		}
		if len(seq) != int(s.entries[e].ntok) {
			t.Fatalf("entry %d: %d words in the trie, %d compiled", e, len(seq), s.entries[e].ntok)
		}
		r.byFirst[seq[0]] = append(r.byFirst[seq[0]], int32(e))
	}
	stopData, err := data.ReadFile("lang/stopwords.tsv")
	if err != nil {
		t.Fatal(err)
	}
	stops, err := parseStopwords("lang/stopwords.tsv", stopData)
	if err != nil {
		t.Fatal(err)
	}
	for code, words := range stops {
		for _, w := range words {
			cls, ok := s.ft.foldWord(w, nil)
			if !ok {
				t.Fatalf("stopword %q", w)
			}
			r.stop[string(cls)] |= 1 << uint(s.langIdx[code])
		}
	}
	return r
}

// refToken is the reference's reading of one token's text.
type refToken struct {
	folded string // classes of the letters before any unfoldable one
	whole  bool   // every letter folded
	upper  bool   // has capitals and no small letters
	labels []int32
}

func (r *refMatcher) token(text string) refToken {
	var cls []uint8
	var tk refToken
	nUp, nLow := 0, 0
	tk.whole = true
	for _, c := range text {
		info := classify(c)
		if info.upper {
			nUp++
		} else if info.lower {
			nLow++
		}
		switch {
		case !tk.whole:
		case info.kind == ckLetter:
			cls = append(cls, info.cls[:info.n]...)
		case info.kind == ckOther:
			tk.whole = false
		}
	}
	tk.folded = string(cls)
	tk.upper = nUp > 0 && nLow == 0
	if tk.whole {
		tk.labels = append(tk.labels, r.exact[tk.folded]...)
	}
	for k := 1; k <= len(tk.folded); k++ {
		tk.labels = append(tk.labels, r.prefix[tk.folded[:k]]...)
	}
	slices.Sort(tk.labels)
	return tk
}

// hits lists every entry occurrence applying to a document in docLang.
func (r *refMatcher) hits(s *Scorer, toks []token, refs []refToken, docLang int) []hit {
	var out []hit
	for i := range toks {
		for _, l := range refs[i].labels {
			for _, e := range r.byFirst[l] {
				if !langOK(s.entries[e].lang, docLang) {
					continue
				}
				seq := r.seqs[e]
				ok := i+len(seq) <= len(toks)
				for k := 1; ok && k < len(seq); k++ {
					tk := toks[i+k]
					ok = tk.flags&fBreak == 0 && tk.flags&fTitle == toks[i].flags&fTitle &&
						slices.Contains(refs[i+k].labels, seq[k])
				}
				if ok {
					out = append(out, hit{entry: e, start: int32(i), end: int32(i + len(seq))})
				}
			}
		}
	}
	return out
}

func sortHits(h []hit) {
	slices.SortFunc(h, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(a.entry, b.entry))
	})
}

// TestEngineMatchesReference compares the engine (double-array word trie,
// phrase trie, language pruning) with refMatcher on every corpus in the
// repository plus generated hard text: per token the same labels, case and
// stopword bits; per document the same letter counts, language and hits.
// The scoring rules read nothing else of the text, so equal hits mean equal
// scores.
func TestEngineMatchesReference(t *testing.T) {
	s := mustDefault(t)
	r := newRefMatcher(t, s)
	sets := append(allCorpora(t), corpusSet{"generated", hardDocs(s, 3000)})
	total := 0
	for _, set := range sets {
		bad, hits := 0, 0
		for _, d := range set.docs {
			n, err := r.check(s, d)
			hits += n
			if err != nil {
				t.Errorf("%s: doc %q: %v", set.name, d.ID, err)
				if bad++; bad == 5 {
					break
				}
			}
		}
		t.Logf("%s: %d documents, %d hits", set.name, len(set.docs), hits)
		if hits == 0 {
			t.Errorf("%s: no hits at all: the comparison checked nothing", set.name)
		}
		total += len(set.docs)
	}
	if total < 1000 {
		t.Errorf("only %d documents compared", total)
	}
}

// check compares engine and reference on d; it returns the number of hits.
func (r *refMatcher) check(s *Scorer, d Doc) (int, error) {
	sc := new(scratch)
	var sent int32
	var sts [2]fieldStats
	fields := [2]string{d.Title, d.Text}
	var refs []refToken
	for f, text := range fields {
		n := len(sc.toks)
		sc.toks, sts[f] = tokenize(s.ft, s.wt.next, text, f == 0, sc.toks, &sent)
		up, low := 0, 0
		for c := range strings.SplitSeq(text[:min(len(text), maxFieldBytes)], "") {
			r, _ := utf8.DecodeRuneInString(c)
			info := classify(r)
			if info.kind == ckLetter || info.kind == ckOther {
				if info.upper {
					up++
				} else if info.lower {
					low++
				}
			}
		}
		if sts[f].upperLetters != up || sts[f].lowerLetters != low {
			return 0, fmt.Errorf("field %d: letters %d upper %d lower, reference %d %d", f, sts[f].upperLetters, sts[f].lowerLetters, up, low)
		}
		for _, tk := range sc.toks[n:] {
			refs = append(refs, r.token(text[tk.start:tk.end]))
		}
	}
	toks := sc.toks
	for i := range toks {
		tk, ref := &toks[i], &refs[i]
		got := slices.Clone(s.wt.labels(tk))
		slices.Sort(got)
		if !slices.Equal(got, ref.labels) {
			return 0, fmt.Errorf("token %d %q (%q): labels %v, reference %v", i, text(d, tk), foldedString([]uint8(ref.folded)), got, ref.labels)
		}
		if (tk.flags&fUpper != 0) != ref.upper {
			return 0, fmt.Errorf("token %d %q: upper flag %v, reference %v", i, ref.folded, tk.flags&fUpper != 0, ref.upper)
		}
		var stop uint32
		if tk.flags&fEnded != 0 {
			stop = s.wt.stop[tk.state]
		}
		if want := r.stop[ref.folded]; ref.whole && stop != want {
			return 0, fmt.Errorf("token %d %q: stopword bits %b, reference %b", i, ref.folded, stop, want)
		}
	}
	_, lang := s.docLang(d.Lang, toks, sc)
	got := s.pt.findAll(s.wt, toks, lang, nil)
	want := r.hits(s, toks, refs, lang)
	if !slices.IsSortedFunc(got, func(a, b hit) int { return cmp.Compare(a.start, b.start) }) {
		return 0, fmt.Errorf("engine hits not in order of start token")
	}
	sortHits(got)
	sortHits(want)
	if !slices.Equal(got, want) {
		return 0, fmt.Errorf("%d hits, reference %d; first difference %s", len(got), len(want), firstDiff(got, want))
	}
	return len(got), nil
}

func firstDiff(a, b []hit) string {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			var x, y any = "none", "none"
			if i < len(a) {
				x = a[i]
			}
			if i < len(b) {
				y = b[i]
			}
			return fmt.Sprintf("at %d: engine %v, reference %v", i, x, y)
		}
	}
	return ""
}

// hardDocs generates documents from the lexicon's own words in random case,
// glued by the characters the tokeniser treats specially (dots, joins,
// marks, capitals with diacritics, ß, letters with no folding), so that
// prefixes, dead tokens and phrase boundaries are all exercised.
func hardDocs(s *Scorer, n int) []Doc {
	rng := rand.New(rand.NewPCG(8, 40))
	var words []string
	for _, w := range s.wt.words {
		words = append(words, foldedString(w.cls))
	}
	seps := []string{" ", " ", " ", "-", ". ", ", ", "'", "/", "\n", "! ", " U.S. ", "\u0301", "’", "…", ".", " — "}
	noise := []string{"ß", "é", "Ö", "ж", "ñ", "æ", "x", "s", "ing", "\u0308", "İ", "ﬁ", "Σ", "3", ""}
	langs := []string{"", "en", "es", "fr", "de", "pt", "it", "xx"}
	docs := make([]Doc, n)
	for i := range docs {
		var b strings.Builder
		for range 5 + rng.IntN(40) {
			w := words[rng.IntN(len(words))]
			switch rng.IntN(4) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			if rng.IntN(3) == 0 {
				w += noise[rng.IntN(len(noise))]
			}
			if rng.IntN(6) == 0 {
				k := rng.IntN(len(w) + 1)
				w = w[:k] + noise[rng.IntN(len(noise))] + w[k:]
			}
			b.WriteString(w)
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		text := strings.ToValidUTF8(b.String(), "")
		cut := rng.IntN(len(text)/3 + 1)
		docs[i] = Doc{ID: fmt.Sprint("gen-", i), Lang: langs[rng.IntN(len(langs))], Title: text[:cut], Text: text[cut:]}
	}
	return docs
}

// text returns a token's text.
func text(d Doc, tk *token) string {
	if tk.flags&fTitle != 0 {
		return d.Title[tk.start:tk.end]
	}
	return d.Text[tk.start:tk.end]
}
