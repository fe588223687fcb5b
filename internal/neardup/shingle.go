package neardup

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ShingleWords is the number of consecutive words that form one feature.
const ShingleWords = 3

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Shingles calls fn with the FNV-1a 64 hash of every word 3-shingle of text
// (the words lowercased, folded to their base letters and joined by single
// spaces), in order, and returns the number of words. A text with one or two
// words yields a single shingle of those words; a text without words yields
// none. Working on shingles rather than single words makes the signature
// sensitive to phrasing, not just vocabulary, so two different stories
// about the same event stay apart.
func Shingles(text string, fn func(uint64)) (words int) {
	var (
		// Normalised words are appended to buf; starts/lens locate the last
		// ShingleWords of them (the shingle window). Older words are dropped
		// from buf now and then, so memory stays small for any text length.
		buf    = make([]byte, 0, 256)
		starts [ShingleWords]int
		lens   [ShingleWords]int
		inWord bool
		start  int
	)
	// shingle hashes the words in the window from slot first on, joined by
	// single spaces.
	shingle := func(first int) uint64 {
		h := uint64(fnvOffset)
		for k := first; k < ShingleWords; k++ {
			if k > first {
				h ^= ' '
				h *= fnvPrime
			}
			for _, c := range buf[starts[k] : starts[k]+lens[k]] {
				h ^= uint64(c)
				h *= fnvPrime
			}
		}
		return h
	}
	endWord := func() {
		inWord = false
		words++
		// Shift the window of the last three words left by one.
		copy(starts[:], starts[1:])
		copy(lens[:], lens[1:])
		starts[ShingleWords-1], lens[ShingleWords-1] = start, len(buf)-start
		if words < ShingleWords {
			return
		}
		fn(shingle(0))
		// Drop the words that have left the window once enough piled up.
		if first := starts[1]; first > 1024 {
			m := copy(buf, buf[first:])
			buf = buf[:m]
			for k := range starts {
				starts[k] -= first
			}
		}
	}

	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				if inWord {
					endWord()
				}
				continue
			}
			if !inWord {
				inWord, start = true, len(buf)
			}
			buf = append(buf, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		props := norm.NFD.PropertiesString(text[i:])
		i += size
		if unicode.Is(unicode.Mn, r) {
			// A combining mark (already decomposed input): folded away like
			// the precomposed accents below, without splitting the word.
			continue
		}
		if d := props.Decomposition(); len(d) > 0 {
			// Fold a precomposed letter to its base: é -> e, ñ -> n.
			if base, _ := utf8.DecodeRune(d); unicode.IsLetter(base) {
				r = base
			}
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if inWord {
				endWord()
			}
			continue
		}
		if !inWord {
			inWord, start = true, len(buf)
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	if inWord {
		endWord()
	}
	if words > 0 && words < ShingleWords {
		// Too short for a full shingle: what there is forms one feature
		// (the window holds the words in its last slots).
		fn(shingle(ShingleWords - words))
	}
	return words
}
