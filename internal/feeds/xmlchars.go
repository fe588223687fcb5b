package feeds

import (
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// maxRefDigits bounds the digits of a numeric character reference the
// repairer looks at. Real references have at most 7 (&#1114111;); a longer
// run is dropped whole, so a hostile "&#000...0;" cannot force an unbounded
// look-ahead.
const maxRefDigits = 32

// xmlCharRepair drops from UTF-8 XML what the XML decoder would reject as a
// fatal error for the whole document, although it spoils only the text it
// sits in: numeric character references to characters outside XML's Char
// production (&#0;, &#x1F;, &#xFFFE;, surrogates such as &#xD800;) and raw
// characters outside it (C0 controls other than tab, LF and CR; U+FFFE and
// U+FFFF). Feeds that carry one such reference in one item otherwise fail on
// every fetch; dropping it keeps every item, the affected one losing nothing
// but an invisible character. Everything else is copied unchanged, including
// references too large to be a character, which the decoder keeps as text.
type xmlCharRepair struct{ transform.NopResetter }

// Transform implements transform.Transformer. The output is never longer
// than the input.
func (xmlCharRepair) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		// Fast path: bytes that are always kept as they are.
		if c >= 0x20 && c != '&' && c != 0xEF {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		keep, drop, short := classifyAt(src[nSrc:], atEOF)
		if short {
			return nDst, nSrc, transform.ErrShortSrc
		}
		if drop > 0 {
			nSrc += drop
			continue
		}
		if nDst+keep > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+keep])
		nSrc += keep
	}
	return nDst, nSrc, nil
}

// classifyAt looks at the bytes starting with a control character, '&' or
// 0xEF and says how many to keep or drop, or that more input is needed.
func classifyAt(s []byte, atEOF bool) (keep, drop int, short bool) {
	switch c := s[0]; {
	case c == '\t' || c == '\n' || c == '\r':
		return 1, 0, false
	case c < 0x20:
		return 0, 1, false
	case c == 0xEF:
		// U+FFFE and U+FFFF are EF BF BE and EF BF BF.
		if len(s) < 3 && !atEOF {
			return 0, 0, true
		}
		if len(s) >= 3 && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF) {
			return 0, 3, false
		}
		return 1, 0, false
	}
	return classifyRef(s, atEOF)
}

// classifyRef handles s starting with '&'.
func classifyRef(s []byte, atEOF bool) (keep, drop int, short bool) {
	if len(s) < 2 {
		if atEOF {
			return 1, 0, false
		}
		return 0, 0, true
	}
	if s[1] != '#' {
		return 1, 0, false // a named entity or a bare '&': the decoder's business
	}
	i, base := 2, 10
	if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
		// encoding/xml accepts only a lowercase x; an uppercase one makes the
		// reference literal text, which is harmless, so it is kept.
		if s[i] == 'X' {
			return 1, 0, false
		}
		i, base = i+1, 16
	}
	start := i
	var v uint64
	for ; i < len(s); i++ {
		d, ok := digitValue(s[i], base)
		if !ok {
			break
		}
		if i-start >= maxRefDigits {
			return 0, i, false // absurdly long: drop what has been seen
		}
		if v <= utf8.MaxRune {
			v = v*uint64(base) + uint64(d)
		}
	}
	if i == len(s) {
		if !atEOF {
			return 0, 0, true
		}
		return 1, 0, false
	}
	if s[i] != ';' || i == start {
		return 1, 0, false // not a complete reference: kept as text by the decoder
	}
	if v > utf8.MaxRune || isXMLChar(rune(v)) {
		return i + 1, 0, false
	}
	return 0, i + 1, false
}

func digitValue(c byte, base int) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case base == 16 && 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	case base == 16 && 'A' <= c && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// isXMLChar reports whether r is in the Char production of XML 1.0
// (section 2.2), the set encoding/xml enforces.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
