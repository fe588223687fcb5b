package scoring

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Formula constants (see docs/scoring.md).
const (
	// repeatDecay is the weight of each further occurrence of the same term
	// relative to the previous one: a term repeated forever adds at most
	// twice its weight.
	repeatDecay = 0.5
	// halfEvidence is the evidence that scores 0.5 in an article of at most
	// refLength words; every further halfEvidence halves the distance to 1.
	halfEvidence = 3.0
	// refLength is the article length (in words) up to which no length
	// normalisation applies; longer articles need sqrt(len/refLength) times
	// more evidence for the same score.
	refLength = 100.0
	// maxPooledTokens bounds the token buffer a pooled scratch keeps.
	maxPooledTokens = 1 << 16
	// maxSpans bounds the positions listed per matched term.
	maxSpans = 16
	// Party selection: a country is a party when its salience is at least
	// partyShare of the top country's and at least partyMin; at most maxParties.
	partyShare = 0.45
	partyMin   = 1.0
	maxParties = 4
	// Salience of one mention by where it is, plus proximity to friction.
	salTitle     = 2.5
	salLead      = 1.5
	salBody      = 1.0
	salNearTheme = 0.5
	// Minimum evidence for a flag: at least minTerms distinct terms, or one
	// term of weight at least strongWeight (a phrase that alone names the
	// friction) in an article that names two countries or more. One word
	// repeated in title and text is not a story.
	minTerms     = 2
	strongWeight = 2.0
	// minDistinctWeight: context words (weight below it) add evidence but do
	// not count as distinct evidence.
	minDistinctWeight = 1.0
	// incidentalFactor is the share of its evidence an incidental term adds
	// inside a story whose main theme is another one (troops in a tariff
	// story); there it is not distinct evidence either.
	incidentalFactor = 0.25
	// An article with no theme flagged reports parties only when exactly
	// unflaggedParties countries are salient, both named in the title or
	// first sentence, and some theme's score reaches unflaggedPartyScore: a
	// story between two states with some of the themes' vocabulary (a
	// friction the lexicon missed, the sides of an agreement), not every
	// article that names two countries.
	unflaggedParties    = 2
	unflaggedPartyScore = 0.4
)

// Rule ids explaining a score at or above the threshold that is not flagged.
const (
	// ruleMinEvidence: fewer than minTerms distinct terms and none strong.
	ruleMinEvidence = "min-evidence"
	// ruleNoCountry: the article names no country, so there is no friction
	// between countries to speak of (sport, software, nature, household bills).
	ruleNoCountry = "no-country"
	// ruleOneCountry: the article names a single country and the evidence is
	// a single term, however strong: a domestic story using a theme's word.
	ruleOneCountry = "one-country"
	// ruleIncidental (as "incidental:<theme>"): the theme's incidental terms
	// were dampened because the story is mainly about <theme>.
	ruleIncidental = "incidental:"
)

// enough applies the evidence rules to a theme over its threshold; it
// returns the id of the rule that withholds the flag, or "".
func enough(distinct int, maxW float64, nCountries int) string {
	switch {
	case nCountries == 0:
		return ruleNoCountry
	case distinct >= minTerms:
		return ""
	case maxW < strongWeight:
		return ruleMinEvidence
	case nCountries < 2:
		return ruleOneCountry
	}
	return ""
}

// Special document languages.
const (
	langUndetermined = -2 // every entry applies
	langOther        = -1 // a language the lexicon does not know: only language-neutral entries apply
)

type termOcc struct {
	theme      int16
	dead       bool
	term       int32
	start, end int32
}

type negOcc struct {
	theme      int16
	neg        int32
	start, end int32
	used       bool
}

type placeOcc struct {
	place      int32
	start, end int32
	code       int16
	vetoed     bool
	person     bool
}

// scratch is the per-call working memory, pooled so that scoring allocates
// little more than its Result.
type scratch struct {
	toks      []token
	hits      []hit
	terms     []termOcc
	negs      []negOcc
	anchors   []hit // entry = anchor set
	places    []placeOcc
	traps     []hit // entry = trap phrase list ref
	best      []int32
	covered   []int32
	hot       []bool    // sentence contains a match of a flagged theme
	sal       []float64 // country index -> salience
	first     []int32   // country index -> first mention token, -1 none
	seen      []int16   // countries mentioned
	evid      []float64 // per theme: evidence of the core (not incidental) terms
	distinct  []int     // per theme: live distinct core terms
	incEvid   []float64 // per theme: evidence of the incidental terms
	incDist   []int     // per theme: live distinct incidental terms
	incMaxW   []float64 // per theme: heaviest live incidental term
	damp      []int     // per theme: the theme whose story dampens its incidental terms, -1 none
	devid     []float64 // per dampened theme: evidence after dampening
	ddist     []int     // per dampened theme: distinct terms after dampening
	dmaxW     []float64 // per dampened theme: heaviest term still counted in full
	mark      []bool    // country index -> seen (kept all false between uses)
	why       []string  // per theme: id of the rule withholding its flag, "" none
	maxW      []float64 // per theme: heaviest live term
	factor    []float64 // per theme
	stop      []int
	anchorAny []bool  // per anchor set: occurs in the article
	trapOn    []uint8 // per trap: bit per list seen in the article
	person    []bool  // per trap: a person-name occurrence was seen
}

// Score scores one document. It is safe for concurrent use and never panics
// on any input; Result.ID is d.ID.
func (s *Scorer) Score(d Doc) Result {
	sc := s.pool.Get().(*scratch)
	res := s.score(d, sc)
	if cap(sc.toks) > maxPooledTokens {
		// Do not keep a huge article's buffers alive in the pool.
		*sc = scratch{}
	}
	s.pool.Put(sc)
	return res
}

func (s *Scorer) score(d Doc, sc *scratch) Result {
	nThemes := len(s.themes)

	// 1. Tokenise both fields into one token sequence, title first.
	var sent int32
	var titleSt, textSt fieldStats
	sc.toks, titleSt = tokenize(s.ft, s.wt.next, d.Title, true, sc.toks[:0], &sent)
	nTitle := len(sc.toks)
	sc.toks, textSt = tokenize(s.ft, s.wt.next, d.Text, false, sc.toks, &sent)
	toks := sc.toks

	// 2. Language: given, else detected from stopwords.
	langCode, lang := s.docLang(d.Lang, toks, sc)

	// 3. Every lexicon entry occurrence, in order of start token.
	sc.hits = s.pt.findAll(s.wt, toks, lang, sc.hits[:0])

	sc.terms, sc.negs, sc.anchors, sc.places, sc.traps = sc.terms[:0], sc.negs[:0], sc.anchors[:0], sc.places[:0], sc.traps[:0]
	sc.best = resize(sc.best, nThemes+1)
	sc.covered = resize(sc.covered, nThemes+1)
	for i := range sc.covered {
		sc.covered[i] = 0
		sc.best[i] = -1
	}
	placeSlot := nThemes
	hits := sc.hits
	maxLen := int32(s.pt.maxDepth)

	// 3a. Negatives, near anchors, trap phrases, and place names
	// (leftmost-longest across places).
	for g := 0; g < len(hits); {
		start := hits[g].start
		h := g
		for ; h < len(hits) && hits[h].start == start; h++ {
			ht := hits[h]
			e := &s.entries[ht.entry]
			if !langOK(e.lang, lang) {
				continue
			}
			switch e.kind {
			case kPlace:
				if !s.caseOK(&s.places[e.ref], toks, ht.start, titleSt, textSt, nTitle) {
					continue
				}
				// Longest name wins; at equal length a name of the document's
				// own language beats a language-neutral one (Spanish "EU" is
				// the United States, English "EU" the European Union).
				if b := sc.best[placeSlot]; b < 0 || ht.end > hits[b].end ||
					(ht.end == hits[b].end && lang >= 0 && int(e.lang) == lang && s.entries[hits[b].entry].lang < 0) {
					sc.best[placeSlot] = int32(h)
				}
			case kNeg:
				sc.negs = append(sc.negs, negOcc{theme: e.theme, neg: e.ref, start: ht.start, end: ht.end})
			case kAnchor:
				sc.anchors = append(sc.anchors, hit{entry: e.ref, start: ht.start, end: ht.end})
			case kTrap:
				sc.traps = append(sc.traps, hit{entry: e.ref, start: ht.start, end: ht.end})
			}
		}
		if b := sc.best[placeSlot]; b >= 0 {
			sc.best[placeSlot] = -1
			if ht := hits[b]; ht.start >= sc.covered[placeSlot] {
				sc.covered[placeSlot] = ht.end
				p := &s.places[s.entries[ht.entry].ref]
				sc.places = append(sc.places, placeOcc{place: s.entries[ht.entry].ref, start: ht.start, end: ht.end, code: p.code})
			}
		}
		g = h
	}
	sc.anchorAny = resize(sc.anchorAny, s.nAnchor)
	clear(sc.anchorAny)
	for _, a := range sc.anchors {
		sc.anchorAny[a.entry] = true
	}
	// Gazetteer traps before the near rules: "@country" anchors are country
	// mentions that survived them.
	s.resolvePlaces(sc, toks, nTitle, titleSt, textSt)

	// 3b. Theme terms, leftmost-longest per theme among the terms whose near
	// rule holds: a term without its anchor does not hide a shorter term
	// that starts at or inside it ("forma parte de" near a country does not
	// hide "parte de su territorio"). Anchors and places are in order of
	// start token and no match is longer than the longest phrase, so each
	// check looks at a bounded window (no quadratic blow-up on a
	// pathological article).
	for g := 0; g < len(hits); {
		start := hits[g].start
		h := g
		for ; h < len(hits) && hits[h].start == start; h++ {
			ht := hits[h]
			e := &s.entries[ht.entry]
			if e.kind != kTerm || !langOK(e.lang, lang) {
				continue
			}
			if b := sc.best[e.theme]; b >= 0 && !longer(s, ht, hits[b]) {
				continue
			}
			if !s.nearOK(sc, &s.themes[e.theme].terms[e.ref], ht.start, ht.end, maxLen) {
				continue
			}
			sc.best[e.theme] = int32(h)
		}
		for t := 0; t < nThemes; t++ {
			b := sc.best[t]
			if b < 0 {
				continue
			}
			sc.best[t] = -1
			ht := hits[b]
			if ht.start < sc.covered[t] {
				continue
			}
			sc.covered[t] = ht.end
			e := &s.entries[ht.entry]
			sc.terms = append(sc.terms, termOcc{theme: e.theme, term: e.ref, start: ht.start, end: ht.end})
		}
		g = h
	}

	// 4. Span negatives remove the matches they overlap.
	for i := range sc.negs {
		n := &sc.negs[i]
		if s.themes[n.theme].negs[n.neg].article {
			continue
		}
		j, _ := slices.BinarySearchFunc(sc.terms, n.start-maxLen, func(tm termOcc, v int32) int { return cmp.Compare(tm.start, v) })
		for ; j < len(sc.terms) && sc.terms[j].start < n.end; j++ {
			tm := &sc.terms[j]
			if tm.theme == n.theme && n.start < tm.end {
				tm.dead = true
				n.used = true
			}
		}
	}

	// 5. Evidence per theme: repeats of a term decay geometrically, title
	// occurrences weigh title_weight.
	slices.SortFunc(sc.terms, func(a, b termOcc) int {
		if c := cmp.Compare(a.theme, b.theme); c != 0 {
			return c
		}
		if c := cmp.Compare(a.term, b.term); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	sc.evid = resize(sc.evid, nThemes)
	sc.factor = resize(sc.factor, nThemes)
	sc.distinct = resize(sc.distinct, nThemes)
	sc.maxW = resize(sc.maxW, nThemes)
	sc.incEvid = resize(sc.incEvid, nThemes)
	sc.incDist = resize(sc.incDist, nThemes)
	sc.incMaxW = resize(sc.incMaxW, nThemes)
	sc.damp = resize(sc.damp, nThemes)
	sc.devid = resize(sc.devid, nThemes)
	sc.ddist = resize(sc.ddist, nThemes)
	sc.dmaxW = resize(sc.dmaxW, nThemes)
	for t := range sc.evid {
		sc.evid[t] = 0
		sc.factor[t] = 1
		sc.distinct[t] = 0
		sc.maxW[t] = 0
		sc.incEvid[t] = 0
		sc.incDist[t] = 0
		sc.incMaxW[t] = 0
		sc.damp[t] = -1
	}
	nMatches, nSpans, nRules := 0, 0, 0
	for i := 0; i < len(sc.terms); {
		j, ev, n := s.termRun(sc.terms, i, nTitle)
		if n > 0 {
			th := sc.terms[i].theme
			ct := &s.themes[th].terms[sc.terms[i].term]
			w := ct.weight
			evid, distinct, maxW := sc.evid, sc.distinct, sc.maxW
			if ct.incidentalIn != 0 {
				evid, distinct, maxW = sc.incEvid, sc.incDist, sc.incMaxW
			}
			evid[th] += ev
			if w >= minDistinctWeight {
				distinct[th]++
			}
			maxW[th] = max(maxW[th], w)
			nMatches++
			if ct.near() {
				nRules++
			}
			nSpans += min(n, maxSpans)
		}
		i = j
	}
	// Negatives grouped by (theme, negative): an article negative applies
	// its factor once however often it occurs.
	slices.SortFunc(sc.negs, func(a, b negOcc) int {
		if c := cmp.Compare(a.theme, b.theme); c != 0 {
			return c
		}
		if c := cmp.Compare(a.neg, b.neg); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	nNegs := 0
	for i := range sc.negs {
		n := &sc.negs[i]
		cn := &s.themes[n.theme].negs[n.neg]
		if cn.article && sc.evid[n.theme]+sc.incEvid[n.theme] > 0 {
			n.used = true
		}
		if !n.used {
			continue
		}
		first := i == 0 || sc.negs[i-1].theme != n.theme || sc.negs[i-1].neg != n.neg
		if first {
			if cn.article {
				sc.factor[n.theme] *= cn.factor
			}
			nNegs++
		}
	}

	// 6. Scores.
	total := len(toks)
	lengthNorm := math.Sqrt(max(float64(total), refLength) / refLength)
	res := Result{
		ID:             d.ID,
		Lang:           langCode,
		LexiconVersion: s.version,
		Themes:         make(map[string]ThemeScore, nThemes),
		Countries:      []string{},
		Dyads:          []Dyad{},
	}
	flagged := make([]bool, 0, 8)
	anyFlagged := false
	nCountries := s.countCountries(sc)
	sc.why = resize(sc.why, nThemes)
	nRules += s.dampen(sc, lengthNorm, nTitle)
	for t, ct := range s.themes {
		ev, distinct, maxW := sc.evid[t]+sc.incEvid[t], sc.distinct[t]+sc.incDist[t], max(sc.maxW[t], sc.incMaxW[t])
		if sc.damp[t] >= 0 {
			ev, distinct, maxW = sc.devid[t], sc.ddist[t], sc.dmaxW[t]
		}
		score := s.themeScore(t, ev, lengthNorm, sc)
		f := score >= ct.threshold && score > 0
		sc.why[t] = ""
		if f {
			// An evidence rule may withhold the flag; its id explains why.
			if sc.why[t] = enough(distinct, maxW, nCountries); sc.why[t] != "" {
				f = false
				nRules++
			}
		}
		flagged = append(flagged, f)
		anyFlagged = anyFlagged || f
		res.Themes[ct.name] = ThemeScore{Score: score, Flagged: f, Matches: []Match{}}
	}
	s.explain(&res, sc, nTitle, nMatches, nSpans, nNegs, nRules, sc.why)

	// 7. Countries: places after traps, salience, parties and dyads.
	withParties := anyFlagged
	for _, ts := range res.Themes {
		withParties = withParties || ts.Score >= unflaggedPartyScore
	}
	s.countries(&res, sc, toks, nTitle, flagged, anyFlagged, withParties)
	return res
}

// themeScore squashes a theme's evidence into its score (rounded to 4
// decimals), applying its article negatives' factors.
func (s *Scorer) themeScore(t int, evidence, lengthNorm float64, sc *scratch) float64 {
	x := evidence / (halfEvidence * lengthNorm)
	score := (1 - math.Exp2(-x)) * sc.factor[t]
	return math.Round(score*1e4) / 1e4
}

// dampen decides, per theme with incidental evidence, whether the story is
// mainly another theme's: the theme (other than this one) with the most core
// evidence, if that exceeds this theme's core evidence and its full evidence
// reaches its threshold. The incidental terms that name that theme (troops
// or cartels in a tariff story) then count incidentalFactor of their
// evidence and are not distinct evidence; sc.devid, sc.ddist and sc.dmaxW
// hold the dampened figures. It returns the number of themes dampened (each
// gets a rule id).
func (s *Scorer) dampen(sc *scratch, lengthNorm float64, nTitle int) int {
	n := 0
	for t := range s.themes {
		if sc.incEvid[t] == 0 {
			continue
		}
		u := -1
		for v := range s.themes {
			if v == t || sc.evid[v] <= sc.evid[t] || (u >= 0 && sc.evid[v] <= sc.evid[u]) {
				continue
			}
			if s.themeScore(v, sc.evid[v]+sc.incEvid[v], lengthNorm, sc) < s.themes[v].threshold {
				continue
			}
			u = v
		}
		if u < 0 {
			continue
		}
		ev, distinct, maxW, hit := sc.evid[t], sc.distinct[t], sc.maxW[t], false
		i, _ := slices.BinarySearchFunc(sc.terms, int16(t), func(tm termOcc, th int16) int { return cmp.Compare(tm.theme, th) })
		for i < len(sc.terms) && int(sc.terms[i].theme) == t {
			j, e, live := s.termRun(sc.terms, i, nTitle)
			ct := &s.themes[t].terms[sc.terms[i].term]
			if live > 0 && ct.incidentalIn != 0 {
				if ct.incidentalIn&(1<<uint(u)) != 0 {
					ev += incidentalFactor * e
					hit = true
				} else {
					ev += e
					if ct.weight >= minDistinctWeight {
						distinct++
					}
					maxW = max(maxW, ct.weight)
				}
			}
			i = j
		}
		if hit {
			sc.damp[t] = u
			sc.devid[t], sc.ddist[t], sc.dmaxW[t] = ev, distinct, maxW
			n++
		}
	}
	return n
}

// longer reports whether hit a should replace b as the longest term at a
// start position (ties go to the heavier term).
func longer(s *Scorer, a, b hit) bool {
	if a.end != b.end {
		return a.end > b.end
	}
	ea, eb := &s.entries[a.entry], &s.entries[b.entry]
	return s.themes[ea.theme].terms[ea.ref].weight > s.themes[eb.theme].terms[eb.ref].weight
}

// termRun sums the evidence of the run of occurrences of one term starting
// at i; it returns the end of the run, the evidence and the live count.
func (s *Scorer) termRun(terms []termOcc, i, nTitle int) (int, float64, int) {
	ct := s.themes[terms[i].theme]
	w := ct.terms[terms[i].term].weight
	j, n := i, 0
	ev, decay := 0.0, 1.0
	for ; j < len(terms) && terms[j].theme == terms[i].theme && terms[j].term == terms[i].term; j++ {
		if terms[j].dead {
			continue
		}
		f := 1.0
		if int(terms[j].start) < nTitle {
			f = ct.titleWeight
		}
		ev += w * f * decay
		decay *= repeatDecay
		n++
	}
	return j, ev, n
}

// anchorNear reports whether an anchor of the set occurs within `within`
// words of [start,end), or anywhere in the article when within is 0. anchors
// are in order of start token; any reaches records which sets occur at all.
func anchorNear(anchors []hit, any []bool, set int32, start, end, within, maxLen int32) bool {
	if !any[set] {
		return false
	}
	if within == 0 {
		return true
	}
	lo := start - within - maxLen
	i, _ := slices.BinarySearchFunc(anchors, lo, func(a hit, v int32) int { return cmp.Compare(a.start, v) })
	for ; i < len(anchors) && anchors[i].start <= end+within; i++ {
		a := anchors[i]
		if a.entry != set {
			continue
		}
		// Distance in words: 1 for adjacent spans, 0 when they overlap.
		var dist int32
		switch {
		case a.end <= start:
			dist = start - a.end + 1
		case a.start >= end:
			dist = a.start - end + 1
		}
		if dist <= within {
			return true
		}
	}
	return false
}

// nearOK reports whether a term occurring at tokens [start,end) meets its
// co-occurrence condition (always true for a term without one).
func (s *Scorer) nearOK(sc *scratch, ct *cTerm, start, end, maxLen int32) bool {
	if !ct.near() {
		return true
	}
	if ct.anchor >= 0 && anchorNear(sc.anchors, sc.anchorAny, ct.anchor, start, end, ct.within, maxLen) {
		return true
	}
	return ct.nearCountry && countryNear(sc.places, start, end, ct.within, maxLen)
}

// countCountries returns the number of distinct countries the article
// names (after the gazetteer's traps).
func (s *Scorer) countCountries(sc *scratch) int {
	// Mark and unmark through the places only: an article names a handful
	// of countries, the gazetteer has hundreds.
	if len(sc.mark) < len(s.codes) {
		sc.mark = make([]bool, len(s.codes))
	}
	n := 0
	for i := range sc.places {
		o := &sc.places[i]
		if o.code < 0 || o.vetoed || sc.mark[o.code] {
			continue
		}
		sc.mark[o.code] = true
		n++
	}
	for i := range sc.places {
		if c := sc.places[i].code; c >= 0 {
			sc.mark[c] = false
		}
	}
	return n
}

// countryNear reports whether a country mention (not vetoed by a trap, not
// a blocker) occurs within `within` words of [start,end), or anywhere when
// within is 0. places are in order of start token.
func countryNear(places []placeOcc, start, end, within, maxLen int32) bool {
	lo := int32(0)
	if within > 0 {
		lo = start - within - maxLen
	}
	i, _ := slices.BinarySearchFunc(places, lo, func(p placeOcc, v int32) int { return cmp.Compare(p.start, v) })
	for ; i < len(places); i++ {
		p := &places[i]
		if within > 0 && p.start > end+within {
			break
		}
		if p.code < 0 || p.vetoed {
			continue
		}
		if within == 0 {
			return true
		}
		var dist int32
		switch {
		case p.end <= start:
			dist = start - p.end + 1
		case p.start >= end:
			dist = p.start - end + 1
		}
		if dist <= within {
			return true
		}
	}
	return false
}

func langOK(entryLang int16, docLang int) bool {
	return entryLang < 0 || docLang == langUndetermined || int(entryLang) == docLang
}

// docLang returns the document's language code and index.
func (s *Scorer) docLang(given string, toks []token, sc *scratch) (string, int) {
	if given != "" {
		code := strings.ToLower(given)
		if i := strings.IndexAny(code, "-_"); i >= 0 {
			code = code[:i]
		}
		if i, ok := s.langIdx[code]; ok {
			return code, i
		}
		return code, langOther
	}
	sc.stop = resize(sc.stop, len(s.langs))
	for i := range sc.stop {
		sc.stop[i] = 0
	}
	for i := range toks {
		if toks[i].flags&fEnded == 0 {
			continue
		}
		bits := s.wt.stop[toks[i].state]
		for l := 0; bits != 0; l, bits = l+1, bits>>1 {
			if bits&1 != 0 {
				sc.stop[l]++
			}
		}
	}
	best, second := -1, 0
	for l, c := range sc.stop {
		if best < 0 || c > sc.stop[best] {
			if best >= 0 {
				second = sc.stop[best]
			}
			best = l
		} else if c > second {
			second = c
		}
	}
	if best < 0 || sc.stop[best] < 2 || sc.stop[best] == second {
		return "", langUndetermined
	}
	return s.langs[best], best
}

// caseOK checks a case-sensitive name against the text's capitals. In an
// ALL-CAPS field capitals say nothing, so short all-capital names ("US")
// do not match there except in dotted form ("U.S.").
func (s *Scorer) caseOK(p *place, toks []token, start int32, titleSt, textSt fieldStats, nTitle int) bool {
	if p.caseRq == nil {
		return true
	}
	st := textSt
	if int(start) < nTitle {
		st = titleSt
	}
	for k, rq := range p.caseRq {
		i := int(start) + k
		if i >= len(toks) {
			return false
		}
		f := toks[i].flags
		switch rq {
		case caseCap:
			if f&fCap == 0 {
				return false
			}
		case caseUpper:
			if f&fUpper == 0 {
				return false
			}
			if f&fDotted == 0 && st.allCaps() {
				return false
			}
		}
	}
	return true
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
