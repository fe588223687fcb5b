package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// Explanations: the stored form of a scoring's per-theme verdict (scores,
// flags, matched terms with counts, weights and spans, negatives, rules).
//
// Stored as JSON they averaged 1.5 kB an article and, in a WITHOUT ROWID
// table, spilled to overflow pages: 4 kB an article, 57% of the database
// (issue 11). Options measured on the 20,000 articles of `tracker bench
// --feeds 400` (docs/storage.md has the figures):
//
//   - JSON in a rowid table: 1,455 B a row;
//   - JSON compressed with flate (BestSpeed): 432 B, 31 µs to encode;
//   - this binary form: 330 B, 2.4 µs to encode, 3.8 µs to decode;
//   - recomputing on demand from the stored text and the lexicon version
//     that scored it: 0 B, 58 µs an article, but only while that lexicon
//     version is still loaded: after a lexicon change the explanations of
//     the old version (which the audit labels and an alert's articles refer
//     to) could no longer be shown, unless every lexicon version were kept
//     too.
//
// The binary form keeps explanations exact and independent of the lexicon
// for a few hundred bytes an article. Layout (all integers uvarint unless
// said otherwise):
//
//	format byte (explanationFormat)
//	themes; then per theme, by name: name, score (num), flagged byte,
//	  matches, negatives (each: list length, then per match: term, count,
//	  weight (num), evidence (num), spans (list length, then per span:
//	  field byte (0 title, 1 text, 2 other + name), start, end-start)),
//	  rules (list length, then each rule)
//
// A list length is the length plus one, 0 for a nil list.
//
// Strings are a length and bytes. A num is a float64: uvarint(zigzag(n)<<1)
// when it is exactly n/10000 (every score and most weights), otherwise 1
// followed by its 8 IEEE-754 bytes, little-endian.
const explanationFormat = 1

// numScale is the fixed-point scale of a num: scores are rounded to four
// decimals by the scorer.
const numScale = 10000

var errBadExplanation = errors.New("malformed stored explanation")

// encodeExplanation appends the stored form of themes to b.
func encodeExplanation(b []byte, themes map[string]scoring.ThemeScore) []byte {
	b = append(b, explanationFormat)
	names := make([]string, 0, len(themes))
	for name := range themes {
		names = append(names, name)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		ts := themes[name]
		b = appendString(b, name)
		b = appendNum(b, ts.Score)
		if ts.Flagged {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = appendMatches(b, ts.Matches)
		b = appendMatches(b, ts.Negatives)
		b = appendLen(b, len(ts.Rules), ts.Rules == nil)
		for _, r := range ts.Rules {
			b = appendString(b, r)
		}
	}
	return b
}

func appendMatches(b []byte, ms []scoring.Match) []byte {
	b = appendLen(b, len(ms), ms == nil)
	for _, m := range ms {
		b = appendString(b, m.Term)
		b = binary.AppendUvarint(b, uint64(m.Count))
		b = appendNum(b, m.Weight)
		b = appendNum(b, m.Evidence)
		b = appendLen(b, len(m.Spans), m.Spans == nil)
		for _, s := range m.Spans {
			switch s.Field {
			case "title":
				b = append(b, 0)
			case "text":
				b = append(b, 1)
			default:
				b = append(b, 2)
				b = appendString(b, s.Field)
			}
			b = binary.AppendUvarint(b, uint64(s.Start))
			b = binary.AppendUvarint(b, uint64(s.End-s.Start))
		}
	}
	return b
}

// appendLen writes a list's length plus one, 0 for a nil list: a decoded
// explanation is exactly the one stored, down to the JSON an API serves
// from it (null or []).
func appendLen(b []byte, n int, isNil bool) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendNum(b []byte, v float64) []byte {
	n := math.Round(v * numScale)
	if n/numScale == v && math.Abs(n) < 1<<52 {
		i := int64(n)
		return binary.AppendUvarint(b, uint64((i<<1)^(i>>63))<<1)
	}
	b = append(b, 1)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// explanationReader decodes the stored form; the first error sticks.
type explanationReader struct {
	b   []byte
	err error
}

func (r *explanationReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadExplanation
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length, bounded by the bytes left (each element takes at
// least one), so a corrupt length cannot make the decoder allocate much.
func (r *explanationReader) count() int {
	v := r.uvarint()
	if v > uint64(len(r.b)) {
		r.err = errBadExplanation
		return 0
	}
	return int(v)
}

func (r *explanationReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errBadExplanation
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *explanationReader) string() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *explanationReader) num() float64 {
	x := r.uvarint()
	if x&1 == 0 {
		u := x >> 1
		i := int64(u>>1) ^ -int64(u&1)
		return float64(i) / numScale
	}
	if r.err != nil || x != 1 || len(r.b) < 8 {
		r.err = errBadExplanation
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

// list reads a length written by appendLen; nil is false for a nil list.
func (r *explanationReader) list() (n int, isNil bool) {
	v := r.uvarint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(len(r.b)) {
		r.err = errBadExplanation
		return 0, true
	}
	return int(v - 1), false
}

func (r *explanationReader) matches() []scoring.Match {
	n, isNil := r.list()
	if isNil {
		return nil
	}
	ms := make([]scoring.Match, n)
	for i := range ms {
		m := &ms[i]
		m.Term = r.string()
		m.Count = int(r.uvarint())
		m.Weight = r.num()
		m.Evidence = r.num()
		if ns, isNil := r.list(); !isNil {
			m.Spans = make([]scoring.Span, ns)
			for j := range m.Spans {
				s := &m.Spans[j]
				switch f := r.byte(); f {
				case 0:
					s.Field = "title"
				case 1:
					s.Field = "text"
				case 2:
					s.Field = r.string()
				default:
					r.err = errBadExplanation
				}
				s.Start = int(r.uvarint())
				s.End = s.Start + int(r.uvarint())
			}
		}
		if r.err != nil {
			return nil
		}
	}
	return ms
}

// decodeExplanation is the inverse of encodeExplanation.
func decodeExplanation(b []byte) (map[string]scoring.ThemeScore, error) {
	if len(b) == 0 || b[0] != explanationFormat {
		return nil, fmt.Errorf("%w: unknown format", errBadExplanation)
	}
	r := &explanationReader{b: b[1:]}
	n := r.count()
	themes := make(map[string]scoring.ThemeScore, n)
	for range n {
		name := r.string()
		var ts scoring.ThemeScore
		ts.Score = r.num()
		ts.Flagged = r.byte() == 1
		ts.Matches = r.matches()
		ts.Negatives = r.matches()
		if nr, isNil := r.list(); !isNil {
			ts.Rules = make([]string, nr)
			for i := range ts.Rules {
				ts.Rules[i] = r.string()
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		themes[name] = ts
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%w: %d trailing bytes", errBadExplanation, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return themes, nil
}
