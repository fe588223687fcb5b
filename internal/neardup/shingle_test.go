package neardup_test

import (
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/tensiontracker/tracker/internal/neardup"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// referenceShingles is a slow, obviously correct statement of what Shingles
// promises: fold with x/text (NFD, drop marks, lowercase), split on anything
// that is not a letter or digit, FNV-1a 64 over three words joined by spaces.
func referenceShingles(t *testing.T, text string) (shingles []uint64, nwords int) {
	t.Helper()
	fold := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)))
	folded, _, err := transform.String(fold, text)
	if err != nil {
		t.Fatal(err)
	}
	words := strings.FieldsFunc(strings.ToLower(folded), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	hash := func(ws []string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(strings.Join(ws, " ")))
		return h.Sum64()
	}
	switch {
	case len(words) == 0:
		return nil, 0
	case len(words) < neardup.ShingleWords:
		return []uint64{hash(words)}, len(words)
	}
	for i := 0; i+neardup.ShingleWords <= len(words); i++ {
		shingles = append(shingles, hash(words[i:i+neardup.ShingleWords]))
	}
	return shingles, len(words)
}

func TestShinglesMatchReference(t *testing.T) {
	t.Parallel()
	long := readFixture(t, "wire_long.txt")
	tests := []struct {
		name, text string
		words      int // -1: whatever the reference counts
	}{
		{"empty", "", 0},
		{"punctuation only", " -- ... ¡¿? ", 0},
		{"one word", "Aranceles", 1},
		{"two words", "  Ciudad   de", 2},
		{"three words", "El presidente dijo", 3},
		{"accents and case", "El PRESIDENTE de México dijo que la soberanía no está en riesgo.", 12},
		{"decomposed input", "Me\u0301xico y Sa\u0303o Paulo", 4},
		{"digits and apostrophes", "Mexico's 2025 USMCA review, 3.5% tariff", 8},
		{"non-latin letters", "Москва и Київ, 東京", 4},
		// Longer than the internal buffer's compaction threshold.
		{"long article", long, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []uint64
			words := neardup.Shingles(tt.text, func(h uint64) { got = append(got, h) })
			want, refWords := referenceShingles(t, tt.text)
			if words != refWords || tt.words >= 0 && words != tt.words {
				t.Errorf("words = %d, want %d (reference %d)", words, tt.words, refWords)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d shingles, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("shingle %d = %#x, want %#x", i, got[i], want[i])
				}
			}
		})
	}
}
