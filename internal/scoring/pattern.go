package scoring

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Case requirements of a case-sensitive gazetteer word.
const (
	caseAny   uint8 = iota
	caseCap         // "Turkey": the text word must start with a capital
	caseUpper       // "US": the text word must be all capitals
)

// patWord is one word of a compiled pattern.
type patWord struct {
	cls    []uint8 // folded trie classes
	prefix bool    // trailing '*'
	caseRq uint8
}

// splitPattern splits a lexicon or gazetteer pattern into words the way the
// tokeniser splits text, so that a pattern matches exactly the texts that
// tokenise to the same words: "anti-dumping" is two words, "Côte d'Ivoire"
// three, "U.S." one. A trailing '*' makes the last word a prefix.
func splitPattern(ft *foldTable, p string) ([]patWord, error) {
	prefix := strings.HasSuffix(p, "*")
	if prefix {
		p = strings.TrimSuffix(p, "*")
		if strings.HasSuffix(p, " ") || p == "" {
			return nil, fmt.Errorf("pattern %q: '*' must follow a word", p+"*")
		}
	}
	var (
		words    []patWord
		cur      []uint8
		nUp      int
		nLow     int
		firstUp  bool
		first    = true
		groupLen int
	)
	flush := func() error {
		if len(cur) == 0 && nUp+nLow == 0 {
			return nil
		}
		if len(cur) == 0 {
			return fmt.Errorf("pattern %q: word with letters outside the Latin alphabet can never match", p)
		}
		w := patWord{cls: cur}
		switch {
		case nUp >= 2 && nLow == 0:
			w.caseRq = caseUpper
		case firstUp:
			w.caseRq = caseCap
		}
		words = append(words, w)
		cur, nUp, nLow, firstUp, first, groupLen = nil, 0, 0, false, true, 0
		return nil
	}
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		var info runeInfo
		if r < tableSize {
			info = ft.runes[r]
		} else {
			info = classify(r)
		}
		switch info.kind {
		case ckLetter:
			cur = append(cur, info.cls[:info.n]...)
			if first {
				firstUp = info.upper
				first = false
			}
			if info.upper {
				nUp++
			} else if info.lower {
				nLow++
			}
			groupLen++
		case ckOther:
			return nil, fmt.Errorf("pattern %q: letters outside the Latin alphabet can never match", p)
		case ckMark:
		case ckDot:
			if groupLen == 1 && i+1 < len(p) && isASCIILetter(p[i+1]) && (i+2 >= len(p) || !isASCIIAlnum(p[i+2])) {
				groupLen = 0
				break
			}
			if err := flush(); err != nil {
				return nil, err
			}
		default:
			if err := flush(); err != nil {
				return nil, err
			}
		}
		i += size
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("pattern %q has no words", p)
	}
	words[len(words)-1].prefix = prefix
	return words, nil
}

// foldedString renders folded classes back as text (for explanations and tests).
func foldedString(cls []uint8) string {
	b := make([]byte, len(cls))
	for i, c := range cls {
		if c < 26 {
			b[i] = 'a' + c
		} else {
			b[i] = '0' + c - 26
		}
	}
	return string(b)
}
