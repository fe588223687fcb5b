// Package neardup finds near-duplicate articles: the syndicated copies of
// one wire story that outlets republish with their own headline, an added
// or rewritten lead sentence, sometimes a dateline.
//
// Measured on a 170-word wire text, such edits move a 64-bit SimHash of
// title+text by 3 to 18 bits, far past the usual 3-bit threshold, so SimHash
// only catches nearly byte-identical copies. What stays high under those
// edits is the Jaccard similarity of the word-shingle sets (about 0.7-0.9):
// MinHash estimates it, and banded LSH (Index) finds the candidates.
//
// An article is reduced to a Fingerprint of 128 bytes: the LSH key of each
// band and one byte of each MinHash value. That is all the index keeps and
// all a caller needs to store to rebuild it; comparing two fingerprints
// estimates the similarity without the full signatures.
package neardup

import (
	"encoding/binary"
	"errors"
)

const (
	// K MinHash values per signature.
	K = 64
	// Bands bands of Rows values each cover the signature. Two articles
	// become candidates when one band matches entirely:
	// P = 1-(1-J^4)^16, about 0.64 at J=0.5, 0.89 at 0.6, 0.98 at 0.7 and
	// 0.002 at J=0.1, where different stories on one subject sit.
	Bands = 16
	Rows  = K / Bands
	// MinWords: below this many words a text says too little to be told
	// apart from another short text; Sign reports it as not comparable.
	MinWords = 12
	// MinSimilarity is the estimated Jaccard similarity from which a
	// candidate counts as a copy.
	MinSimilarity = 0.5
)

// Signature is a MinHash signature: for each of K hash functions, the
// smallest hash of any shingle of the text.
type Signature [K]uint32

// hash functions: multiply-shift hashing of the shingle's 64-bit FNV hash
// after a splitmix64 finaliser, with odd multipliers and offsets drawn from
// a fixed splitmix64 sequence: cheap, and independent enough for MinHash.
// Fixed forever: stored fingerprints depend on them.
var hashA, hashB = func() (a, b [K]uint64) {
	seed := uint64(0x5deece66d)
	for i := range a {
		seed = mix64(seed + 0x9e3779b97f4a7c15)
		a[i] = seed | 1
		seed = mix64(seed + 0x9e3779b97f4a7c15)
		b[i] = seed
	}
	return a, b
}()

// Sign computes the signature of text and the number of words it has. ok
// is false when the text is too short (MinWords) to be compared.
func Sign(text string) (sig Signature, words int, ok bool) {
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	words = Shingles(text, func(h uint64) {
		x := mix64(h)
		for i := range sig {
			if v := uint32((hashA[i]*x + hashB[i]) >> 32); v < sig[i] {
				sig[i] = v
			}
		}
	})
	return sig, words, words >= MinWords
}

// mix64 is the splitmix64 finaliser: a bijection that spreads every input
// bit over the whole output.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Fingerprint is what the index keeps of an article.
type Fingerprint struct {
	// Keys are the LSH buckets of the bands: a hash of the band number and
	// its Rows values. 32 bits are plenty: a bucket shared by chance only
	// costs one comparison.
	Keys [Bands]uint32
	// Sketch is the low byte of each signature value. Two articles agree
	// on a byte wherever their values agree, and otherwise one time in 256,
	// so the share of agreeing bytes estimates the Jaccard similarity J
	// with a bias of (1-J)/256: at most 0.002 at the threshold.
	Sketch [K]uint8
}

// Fingerprint reduces the signature to its fingerprint.
func (s *Signature) Fingerprint() Fingerprint {
	var f Fingerprint
	for band := range f.Keys {
		h := mix64(uint64(band) + 1)
		for _, v := range s[band*Rows : (band+1)*Rows] {
			h = mix64(h ^ uint64(v))
		}
		f.Keys[band] = uint32(h)
	}
	for i, v := range s {
		f.Sketch[i] = uint8(v)
	}
	return f
}

// Similarity estimates the Jaccard similarity of the two texts.
func (f *Fingerprint) Similarity(o *Fingerprint) float64 {
	n := 0
	for i := range f.Sketch {
		if f.Sketch[i] == o.Sketch[i] {
			n++
		}
	}
	return float64(n) / K
}

// FingerprintSize is the length of Fingerprint.Bytes.
const FingerprintSize = 4*Bands + K

// Bytes is the stored form: the keys little-endian, then the sketch.
func (f *Fingerprint) Bytes() []byte {
	b := make([]byte, 0, FingerprintSize)
	for _, k := range f.Keys {
		b = binary.LittleEndian.AppendUint32(b, k)
	}
	return append(b, f.Sketch[:]...)
}

// ErrBadFingerprint is returned for a stored fingerprint of the wrong length.
var ErrBadFingerprint = errors.New("stored near-duplicate fingerprint has the wrong length")

// FingerprintFromBytes parses the stored form.
func FingerprintFromBytes(b []byte) (Fingerprint, error) {
	var f Fingerprint
	if len(b) != FingerprintSize {
		return f, ErrBadFingerprint
	}
	for i := range f.Keys {
		f.Keys[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	copy(f.Sketch[:], b[4*Bands:])
	return f, nil
}
