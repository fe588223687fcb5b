package scoring

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// nClass is the size of the word trie's alphabet: a-z then 0-9. Every
// lexicon and gazetteer word folds to this alphabet (diacritics stripped,
// ß -> ss, æ -> ae ...); a letter outside it ends the token's walk through
// the trie, so such a token simply matches nothing.
const nClass = 36

// charKind says what a character does to tokenisation.
type charKind uint8

const (
	ckBreak   charKind = iota // punctuation: ends the token, phrases do not span it
	ckSpace                   // whitespace: ends the token, phrases may span it
	ckJoin                    // hyphen, dash, apostrophe, slash: like space ("anti-dumping" = "anti dumping")
	ckLetter                  // letter or digit with an ASCII folding (cls)
	ckOther                   // letter or digit with no ASCII folding: in a token, matches nothing
	ckMark                    // combining mark: part of the current token, adds nothing (NFD input)
	ckDot                     // '.': sentence end, inner dot ("3.5", "EE.UU") or acronym dot ("U.S.")
	ckEnd                     // '!' and '?': sentence end
	ckNewline                 // line break: sentence end
)

// runeInfo is the tokeniser's view of one character.
type runeInfo struct {
	kind  charKind
	upper bool     // an uppercase letter
	lower bool     // a lowercase letter
	n     uint8    // number of classes in cls
	cls   [3]uint8 // folded trie classes (0-25 a-z, 26-35 0-9)
}

// tableSize covers Latin, Greek, Cyrillic, and Latin Extended Additional
// (Vietnamese); characters above it are classified on the fly.
const tableSize = 0x2000

// foldTable is built once per Scorer so that the hot loop does a single
// array index per character instead of Unicode property look-ups.
type foldTable struct {
	runes [tableSize]runeInfo
	ascii [utf8.RuneSelf]uint8 // see asciiTable
}

// specialFold returns the folding of letters that NFD does not decompose
// into a base letter.
func specialFold(r rune) (string, bool) {
	switch r {
	case 'ß', 'ẞ':
		return "ss", true
	case 'æ', 'Æ':
		return "ae", true
	case 'œ', 'Œ':
		return "oe", true
	case 'ø', 'Ø':
		return "o", true
	case 'đ', 'Đ', 'ð', 'Ð':
		return "d", true
	case 'ł', 'Ł', 'ŀ', 'Ŀ':
		return "l", true
	case 'ħ', 'Ħ':
		return "h", true
	case 'ı':
		return "i", true
	case 'þ', 'Þ':
		return "th", true
	case 'ŋ', 'Ŋ':
		return "n", true
	case 'ĸ':
		return "k", true
	case 'ſ':
		return "s", true
	}
	return "", false
}

func newFoldTable() *foldTable {
	t := new(foldTable)
	for r := rune(0); r < tableSize; r++ {
		t.runes[r] = classify(r)
	}
	t.ascii = asciiTable()
	return t
}

// classify computes a character's runeInfo (slow path, used to fill the table
// and for characters beyond it).
func classify(r rune) runeInfo {
	switch {
	case r >= 'a' && r <= 'z':
		return runeInfo{kind: ckLetter, lower: true, n: 1, cls: [3]uint8{uint8(r - 'a')}}
	case r >= 'A' && r <= 'Z':
		return runeInfo{kind: ckLetter, upper: true, n: 1, cls: [3]uint8{uint8(r - 'A')}}
	case r >= '0' && r <= '9':
		return runeInfo{kind: ckLetter, n: 1, cls: [3]uint8{uint8(26 + r - '0')}}
	}
	switch r {
	case '.':
		return runeInfo{kind: ckDot}
	case '!', '?', '¡', '¿', '…', '。':
		return runeInfo{kind: ckEnd}
	case '\n', '\r', '\u2028', '\u2029':
		return runeInfo{kind: ckNewline}
	case '-', '\'', '/', '\u00ad', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015',
		'\u2018', '\u2019', '\u02bc', '\u2212', '`', '´':
		return runeInfo{kind: ckJoin}
	}
	if unicode.IsSpace(r) {
		return runeInfo{kind: ckSpace}
	}
	if unicode.Is(unicode.Mn, r) {
		return runeInfo{kind: ckMark}
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return runeInfo{kind: ckBreak}
	}
	info := runeInfo{kind: ckOther, upper: unicode.IsUpper(r), lower: unicode.IsLower(r)}
	folded, ok := specialFold(r)
	if !ok {
		var buf [16]byte
		n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
		folded = ""
		for _, d := range norm.NFD.String(string(buf[:n])) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			folded += string(d)
		}
	}
	if len(folded) == 0 || len(folded) > len(info.cls) {
		return info
	}
	for i := 0; i < len(folded); i++ {
		c := folded[i]
		switch {
		case c >= 'a' && c <= 'z':
			info.cls[i] = c - 'a'
		case c >= '0' && c <= '9':
			info.cls[i] = 26 + c - '0'
		default:
			return info // e.g. Greek or Cyrillic: a letter we keep but never match
		}
	}
	info.kind = ckLetter
	info.n = uint8(len(folded))
	return info
}

// foldWord folds a lexicon word to trie classes, the same way the tokeniser
// folds text. ok is false when the word contains characters that no text
// token can ever match (non-Latin letters) or non-word characters.
func (t *foldTable) foldWord(w string, dst []uint8) ([]uint8, bool) {
	for _, r := range w {
		var info runeInfo
		if r < tableSize {
			info = t.runes[r]
		} else {
			info = classify(r)
		}
		switch info.kind {
		case ckLetter:
			dst = append(dst, info.cls[:info.n]...)
		case ckMark:
		default:
			return dst, false
		}
	}
	return dst, len(dst) > 0
}

// Token flags.
const (
	fEnded     uint16 = 1 << iota // the whole token was walked inside the word trie
	fCap                          // first letter is uppercase
	fUpper                        // every letter is uppercase (and there is one)
	fBreak                        // punctuation between the previous token and this one
	fSentStart                    // first token of a sentence (or of a field)
	fTitle                        // token is in the title
	fDotted                       // dotted acronym such as "U.S."
	fJoin                         // a hyphen, apostrophe or slash right before this token
)

// token is one word of the input, located in its original field.
type token struct {
	start, end int32 // byte offsets in the original field, end exclusive
	state      int32 // word-trie state where the token ended (fEnded) or left the trie
	sent       int32 // sentence number in the document
	flags      uint16
}

// fieldStats describes a field's typography, used to relax case rules in
// ALL-CAPS or Title Case headlines.
type fieldStats struct {
	upperLetters, lowerLetters int
	capWords, lowerWords       int
}

// allCaps reports whether the field is set in capitals, where case tells nothing.
func (f fieldStats) allCaps() bool {
	return f.upperLetters >= 8 && f.upperLetters > 3*f.lowerLetters
}

// titleCase reports whether most words are capitalised (a headline style), where
// a capital letter does not mark a proper noun.
func (f fieldStats) titleCase() bool {
	return f.capWords >= 3 && f.capWords > 2*f.lowerWords
}

// asciiTable packs, per ASCII byte, its trie class (asciiClassMask; nClass
// or more for a non-word byte) and whether it is an upper- or lowercase letter.
func asciiTable() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = uint8(c-'a') | asciiLower
		case c >= 'A' && c <= 'Z':
			t[c] = uint8(c-'A') | asciiUpper
		case c >= '0' && c <= '9':
			t[c] = uint8(26 + c - '0')
		default:
			t[c] = asciiClassMask
		}
	}
	return t
}

const (
	asciiClassMask  = 0x3f
	asciiUpperShift = 6
	asciiLowerShift = 7
	asciiUpper      = 1 << asciiUpperShift
	asciiLower      = 1 << asciiLowerShift
)

// maxFieldBytes bounds what is scored of one field so offsets fit in int32
// and a pathological input cannot stall the scorer.
const maxFieldBytes = 8 << 20

// tokenize appends the tokens of field to toks. next is the word trie's
// transitions; sent is the running sentence counter of the document.
func tokenize(ft *foldTable, next transitions, field string, title bool, toks []token, sent *int32) ([]token, fieldStats) {
	var st fieldStats
	if len(field) > maxFieldBytes {
		field = field[:maxFieldBytes]
	}
	var (
		inTok     bool
		cur       token
		alive     bool
		nUp, nLow int
		groupLen  int // letters since the token start or its last acronym dot
		firstSeen bool
		pendBreak = true
		pendSent  = true
		pendJoin  bool
		baseFlags uint16
		n         = len(field)
	)
	if title {
		baseFlags = fTitle
	}
	finish := func(end int) {
		cur.end = int32(end)
		if alive {
			cur.flags |= fEnded
		}
		if nUp > 0 && nLow == 0 {
			cur.flags |= fUpper
		}
		toks = append(toks, cur)
		inTok = false
	}
	for i := 0; i < n; {
		c := field[i]
		// Fast path: a run of ASCII letters and digits inside a token, the
		// bulk of any Latin-script text. The run is walked in a tight loop
		// on locals (the token state, the letter counts) and the counts
		// are added once per run; case is counted without branches from
		// the table's case bits.
		if inTok && c < utf8.RuneSelf && ft.ascii[c]&asciiClassMask < nClass {
			state, live := cur.state, alive
			up, low := 0, 0
			j := i
			for ; j < n; j++ {
				b := field[j]
				if b >= utf8.RuneSelf {
					break
				}
				v := ft.ascii[b]
				cls := v & asciiClassMask
				if cls >= nClass {
					break
				}
				up += int(v>>asciiUpperShift) & 1
				low += int(v >> asciiLowerShift)
				if live {
					if ns := next.step(state, cls); ns < 0 {
						live = false
					} else {
						state = ns
					}
				}
			}
			cur.state, alive = state, live
			nUp += up
			nLow += low
			st.upperLetters += up
			st.lowerLetters += low
			groupLen += j - i
			i = j
			continue
		}
		var info runeInfo
		size := 1
		if c < utf8.RuneSelf {
			info = ft.runes[c]
		} else {
			r, sz := utf8.DecodeRuneInString(field[i:])
			size = sz
			if r < tableSize {
				info = ft.runes[r]
			} else {
				info = classify(r)
			}
		}
		switch info.kind {
		case ckLetter, ckOther, ckMark:
			if !inTok {
				if info.kind == ckMark {
					i += size
					continue
				}
				inTok = true
				cur = token{start: int32(i), flags: baseFlags}
				if pendBreak {
					cur.flags |= fBreak
				}
				if pendSent {
					cur.flags |= fSentStart
					*sent++
				}
				if pendJoin {
					cur.flags |= fJoin
				}
				cur.sent = *sent
				pendBreak, pendSent, pendJoin = false, false, false
				alive = true
				nUp, nLow, groupLen = 0, 0, 0
				firstSeen = false
			}
			if info.kind == ckMark {
				i += size
				continue
			}
			if !firstSeen {
				firstSeen = true
				if info.upper {
					cur.flags |= fCap
					st.capWords++
				} else if info.lower {
					st.lowerWords++
				}
			}
			if info.upper {
				nUp++
				st.upperLetters++
			} else if info.lower {
				nLow++
				st.lowerLetters++
			}
			groupLen++
			if alive {
				if info.kind != ckLetter {
					alive = false
				} else {
					// A letter folding to several classes (æ -> ae) can
					// leave the trie after its first class: the token then
					// keeps the deepest state reached, so that a stem
					// ending inside the letter ("migra*" in "migræant",
					// folded "migraeant") still matches, as it does for the
					// same text spelt "migraeant".
					for k := uint8(0); k < info.n; k++ {
						ns := next.step(cur.state, info.cls[k])
						if ns < 0 {
							alive = false
							break
						}
						cur.state = ns
					}
				}
			}
			i += size
		case ckDot:
			if inTok {
				// Acronym dot: "U.S." stays one token when single letters are
				// separated by dots.
				if groupLen == 1 && i+1 < n && isASCIILetter(field[i+1]) && (i+2 >= n || !isASCIIAlnum(field[i+2])) {
					cur.flags |= fDotted
					groupLen = 0
					i++
					continue
				}
				if cur.flags&fDotted != 0 && groupLen == 1 {
					// The span of "U.S." includes its last dot, and "the U.S.
					// military" goes on in the same sentence.
					finish(i + 1)
					i++
					j := i
					for j < n && (field[j] == ' ' || field[j] == '\t') {
						j++
					}
					if j >= n || !(field[j] >= 'a' && field[j] <= 'z') {
						pendBreak, pendSent = true, true
					}
					continue
				}
				finish(i)
			}
			// An inner dot ("3.5", "EE.UU") neither breaks nor ends a sentence.
			if !(i+1 < n && isASCIIAlnum(field[i+1])) {
				pendBreak, pendSent = true, true
			}
			i++
		default:
			if inTok {
				finish(i)
			}
			switch info.kind {
			case ckJoin:
				pendJoin = true
			case ckBreak:
				pendBreak = true
			case ckEnd, ckNewline:
				pendBreak, pendSent = true, true
			}
			i += size
		}
	}
	if inTok {
		finish(n)
	}
	return toks, st
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || (c >= '0' && c <= '9') }
