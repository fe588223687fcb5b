package scoring

import (
	"cmp"
	"math"
	"slices"
)

// span locates tokens [a, b) in the original field.
func span(toks []token, a, b int32, nTitle int) Span {
	field := "text"
	if int(a) < nTitle {
		field = "title"
	}
	return Span{Field: field, Start: int(toks[a].start), End: int(toks[b-1].end)}
}

// explain fills each theme's matches, negatives and rules. All matches and
// spans of a document share two backing arrays to keep allocations few.
// why[t] is the id of the evidence rule that withholds theme t's flag, "" none;
// nRules counts the rule ids to list (near rules that applied and why's).
func (s *Scorer) explain(res *Result, sc *scratch, nTitle, nMatches, nSpans, nNegs, nRules int, why []string) {
	if nMatches+nNegs == 0 {
		return
	}
	var rulesBuf []string
	if nRules > 0 {
		rulesBuf = make([]string, 0, nRules)
	}
	toks := sc.toks
	negSpans := 0
	for i := range sc.negs {
		if sc.negs[i].used {
			negSpans++
		}
	}
	matches := make([]Match, 0, nMatches+nNegs)
	spans := make([]Span, 0, nSpans+min(negSpans, nNegs*maxSpans))

	i := 0
	for t, ct := range s.themes {
		ts := res.Themes[ct.name]
		first := len(matches)
		r0 := len(rulesBuf)
		for i < len(sc.terms) && int(sc.terms[i].theme) == t {
			j, ev, n := s.termRun(sc.terms, i, nTitle)
			if n > 0 {
				term := &ct.terms[sc.terms[i].term]
				if d := sc.damp[t]; d >= 0 && term.incidentalIn&(1<<uint(d)) != 0 {
					ev *= incidentalFactor
				}
				sp0 := len(spans)
				for k := i; k < j && len(spans)-sp0 < maxSpans; k++ {
					if !sc.terms[k].dead {
						spans = append(spans, span(toks, sc.terms[k].start, sc.terms[k].end, nTitle))
					}
				}
				matches = append(matches, Match{
					Term: term.id, Count: n, Weight: term.weight,
					Evidence: math.Round(ev*1e4) / 1e4,
					Spans:    spans[sp0:len(spans):len(spans)],
				})
				if term.near() {
					rulesBuf = append(rulesBuf, term.rule)
				}
			}
			i = j
		}
		ms := matches[first:len(matches):len(matches)]
		slices.SortStableFunc(ms, func(a, b Match) int {
			if c := cmp.Compare(b.Evidence, a.Evidence); c != 0 {
				return c
			}
			return cmp.Compare(a.Term, b.Term)
		})
		if len(ms) > 0 {
			ts.Matches = ms
		}
		if d := sc.damp[t]; d >= 0 {
			rulesBuf = append(rulesBuf, ruleIncidental+s.themes[d].name)
		}
		if why[t] != "" {
			rulesBuf = append(rulesBuf, why[t])
		}
		if len(rulesBuf) > r0 {
			ts.Rules = rulesBuf[r0:len(rulesBuf):len(rulesBuf)]
		}

		// Negatives that fired, each once with all its positions.
		nf := len(matches)
		for k := range sc.negs {
			n := &sc.negs[k]
			if !n.used || int(n.theme) != t || (k > 0 && sc.negs[k-1].theme == n.theme && sc.negs[k-1].neg == n.neg) {
				continue
			}
			sp0 := len(spans)
			count := 0
			for q := k; q < len(sc.negs) && sc.negs[q].theme == n.theme && sc.negs[q].neg == n.neg; q++ {
				m := &sc.negs[q]
				if m.used {
					count++
					if len(spans)-sp0 < maxSpans && len(spans) < cap(spans) {
						spans = append(spans, span(toks, m.start, m.end, nTitle))
					}
				}
			}
			matches = append(matches, Match{Term: ct.negs[n.neg].pattern, Count: count, Spans: spans[sp0:len(spans):len(spans)]})
		}
		if len(matches) > nf {
			ts.Negatives = matches[nf:len(matches):len(matches)]
		}
		res.Themes[ct.name] = ts
	}
}

// resolvePlaces applies the gazetteer's traps to the place-name occurrences
// (vetoing the ones that are not countries in this article) and resolves
// ambiguous names to their alternative code when the article says so. It
// runs before the near rules so that "@country" anchors see only real
// country mentions.
func (s *Scorer) resolvePlaces(sc *scratch, toks []token, nTitle int, titleSt, textSt fieldStats) {
	if len(sc.places) == 0 {
		return
	}
	nTraps := len(s.traps)
	sc.trapOn = resize(sc.trapOn, nTraps)
	sc.person = resize(sc.person, nTraps)
	for t := range sc.trapOn {
		sc.trapOn[t] = 0
		sc.person[t] = false
	}
	for _, h := range sc.traps {
		sc.trapOn[h.entry/nTrapLists] |= 1 << uint(h.entry%nTrapLists)
	}
	fieldOf := func(i int) fieldStats {
		if i < nTitle {
			return titleSt
		}
		return textSt
	}

	// Local vetoes and person-name forms.
	for i := range sc.places {
		o := &sc.places[i]
		p := &s.places[o.place]
		if p.trap < 0 || o.code < 0 {
			continue
		}
		t := int32(p.trap)
		base := t * nTrapLists
		if sc.trapOn[t]&(1<<trapBefore|1<<trapAfter) != 0 {
			for _, h := range sc.traps {
				if (h.entry == base+trapBefore && h.end == o.start && toks[o.start].flags&fBreak == 0) ||
					(h.entry == base+trapAfter && h.start == o.end && toks[o.end].flags&fBreak == 0) {
					o.vetoed = true
				}
			}
		}
		if !s.traps[t].person {
			continue
		}
		st := fieldOf(int(o.start))
		if st.titleCase() || st.allCaps() {
			continue
		}
		inTitle := int(o.start) < nTitle
		if pi := int(o.start) - 1; pi >= 0 && (pi < nTitle) == inTitle {
			prev, cur := toks[pi].flags, toks[o.start].flags
			if cur&(fBreak|fJoin) == 0 && prev&fCap != 0 && prev&(fSentStart|fUpper) == 0 {
				o.person = true
			}
		}
		if ni := int(o.end); ni < len(toks) && (ni < nTitle) == inTitle {
			next := toks[ni].flags
			if next&(fBreak|fJoin) == 0 && next&fCap != 0 && next&fUpper == 0 && !trapAt(sc.traps, base+trapAllowAfter, o.end) {
				o.person = true
			}
		}
		if o.person {
			sc.person[t] = true
		}
	}
	// Article-level vetoes.
	for i := range sc.places {
		o := &sc.places[i]
		p := &s.places[o.place]
		if p.trap < 0 || o.code < 0 {
			continue
		}
		on := sc.trapOn[p.trap]
		unless := on&(1<<trapUnless) != 0
		if on&(1<<trapContext) != 0 && !unless {
			o.vetoed = true
		}
		if sc.person[p.trap] && (o.person || !unless) {
			o.vetoed = true
		}
	}

	sc.first = resize(sc.first, len(s.codes))
	for c := range sc.first {
		sc.first[c] = -1
	}
	// Ambiguous names ("Congo") take their alternative code when the article
	// names the alternative unambiguously and not the default.
	for i := range sc.places {
		o := &sc.places[i]
		if o.code >= 0 && !o.vetoed && s.places[o.place].alt < 0 {
			sc.first[o.code] = 0
		}
	}
	for i := range sc.places {
		o := &sc.places[i]
		if alt := s.places[o.place].alt; o.code >= 0 && alt >= 0 && sc.first[alt] == 0 && sc.first[o.code] != 0 {
			o.code = alt
		}
	}
}

// countries ranks the resolved country mentions by salience and picks the
// parties to the friction and their dyads.
func (s *Scorer) countries(res *Result, sc *scratch, toks []token, nTitle int, flagged []bool, anyFlagged, withParties bool) {
	if len(sc.places) == 0 {
		return
	}
	nc := len(s.codes)
	sc.sal = resize(sc.sal, nc)
	sc.first = resize(sc.first, nc)
	sc.seen = sc.seen[:0]
	for c := range sc.sal {
		sc.sal[c] = -1
		sc.first[c] = -1
	}

	// Sentences with friction, for proximity.
	maxSent := int32(0)
	if len(toks) > 0 {
		maxSent = toks[len(toks)-1].sent
	}
	sc.hot = resize(sc.hot, int(maxSent)+1)
	for i := range sc.hot {
		sc.hot[i] = false
	}
	for _, tm := range sc.terms {
		if !tm.dead && flagged[tm.theme] {
			sc.hot[toks[tm.start].sent] = true
		}
	}
	leadSent := int32(-1)
	if nTitle < len(toks) {
		leadSent = toks[nTitle].sent
	}
	for i := range sc.places {
		o := &sc.places[i]
		if o.code < 0 || o.vetoed {
			continue
		}
		w := salBody
		tk := &toks[o.start]
		switch {
		case int(o.start) < nTitle:
			w = salTitle
		case tk.sent == leadSent:
			w = salLead
		}
		if sc.hot[tk.sent] {
			w += salNearTheme
		}
		if sc.sal[o.code] < 0 {
			sc.sal[o.code] = 0
			sc.first[o.code] = o.start
			sc.seen = append(sc.seen, o.code)
		}
		sc.sal[o.code] += w
	}
	if len(sc.seen) == 0 {
		return
	}
	slices.SortFunc(sc.seen, func(a, b int16) int {
		if c := cmp.Compare(sc.sal[b], sc.sal[a]); c != 0 {
			return c
		}
		return cmp.Compare(sc.first[a], sc.first[b])
	})
	res.Mentions = make([]string, len(sc.seen))
	for i, c := range sc.seen {
		res.Mentions[i] = s.codes[c]
	}
	top := sc.sal[sc.seen[0]]
	n := 0
	for _, c := range sc.seen {
		if n == maxParties || sc.sal[c] < partyMin || sc.sal[c] < partyShare*top {
			break
		}
		n++
	}
	// A friction has two sides. When a flagged story's salience rule leaves
	// one party, the next country named is the other side: the state acted
	// on is often named once, in the body, while the actor fills the text.
	if anyFlagged && n == 1 && len(sc.seen) > 1 {
		n = 2
	}
	// With no theme flagged the parties are reported only for a bilateral
	// story: exactly two salient states, both named in the title or the
	// first sentence (its subjects). One salient country is a domestic
	// story; three or more are a multilateral event or routine figures,
	// with no two sides to report.
	if !anyFlagged {
		if !withParties || n != unflaggedParties {
			return
		}
		for _, c := range sc.seen[:n] {
			if f := sc.first[c]; int(f) >= nTitle && toks[f].sent != leadSent {
				return
			}
		}
	}
	res.Countries = res.Mentions[:n:n]
	// A territory is not a party beside the country that administers it
	// (Falklands beside Britain, Greenland beside Denmark).
	for i, c := range sc.seen[:n] {
		if a := s.admin[c]; a < 0 || !slices.Contains(sc.seen[:n], a) {
			continue
		}
		kept := make([]string, 0, n-1)
		kept = append(kept, res.Countries[:i]...)
		for _, c2 := range sc.seen[i+1 : n] {
			if a2 := s.admin[c2]; a2 < 0 || !slices.Contains(sc.seen[:n], a2) {
				kept = append(kept, s.codes[c2])
			}
		}
		res.Countries = kept
		n = len(kept)
		break
	}
	if n >= 2 {
		res.Dyads = make([]Dyad, 0, n*(n-1)/2)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				a, b := res.Countries[i], res.Countries[j]
				if b < a {
					a, b = b, a
				}
				res.Dyads = append(res.Dyads, Dyad{A: a, B: b})
			}
		}
	}
}

// trapAt reports whether a phrase of the trap list ref starts at token i.
func trapAt(traps []hit, ref int32, i int32) bool {
	for _, h := range traps {
		if h.entry == ref && h.start == i {
			return true
		}
	}
	return false
}
