package simhash_test

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

	"github.com/tensiontracker/tracker/internal/simhash"
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
	case len(words) < simhash.ShingleWords:
		return []uint64{hash(words)}, len(words)
	}
	for i := 0; i+simhash.ShingleWords <= len(words); i++ {
		shingles = append(shingles, hash(words[i:i+simhash.ShingleWords]))
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
			words := simhash.Shingles(tt.text, func(h uint64) { got = append(got, h) })
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

func TestOfNormalises(t *testing.T) {
	t.Parallel()
	base := "El gobierno de México rechazó los aranceles anunciados por Washington y pidió diálogo."
	same := []string{
		"EL GOBIERNO DE MEXICO RECHAZO LOS ARANCELES ANUNCIADOS POR WASHINGTON Y PIDIO DIALOGO",
		"El gobierno de Me\u0301xico rechazo\u0301 los aranceles anunciados por Washington y pidio\u0301 dia\u0301logo.",
		"  El gobierno de México —rechazó— los aranceles\nanunciados por «Washington» y pidió diálogo!!",
	}
	want := simhash.Of(base)
	for _, s := range same {
		if got := simhash.Of(s); got != want {
			t.Errorf("Of(%q) = %#x, want %#x (same words as the base text)", s, got, want)
		}
	}
	if simhash.Of("") != 0 {
		t.Errorf("Of(\"\") = %#x, want 0", simhash.Of(""))
	}
	// A single shingle's SimHash is the shingle's hash itself.
	h := fnv.New64a()
	h.Write([]byte("aranceles"))
	if got := simhash.Of("¡Aranceles!"); got != h.Sum64() {
		t.Errorf("Of(one word) = %#x, want its FNV-1a %#x", got, h.Sum64())
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b uint64
		want int
	}{
		{0, 0, 0},
		{0, 1, 1},
		{0xF0, 0x0F, 8},
		{^uint64(0), 0, 64},
		{1 << 63, 1, 2},
	}
	for _, tt := range tests {
		if got := simhash.Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%#x, %#x) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := simhash.Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance is not symmetric for %#x, %#x", tt.a, tt.b)
		}
	}
}

// TestDistanceSeparatesCopiesFromOtherStories checks the property the store
// relies on: a copy with a one-word edit is far closer than another story on
// the same subject, which sits near the 32 bits of unrelated fingerprints.
func TestDistanceSeparatesCopiesFromOtherStories(t *testing.T) {
	t.Parallel()
	wire := readFixture(t, "wire_long.txt")
	other := readFixture(t, "other_story.txt")
	edited := strings.Replace(wire, "Tuesday", "Wednesday", 1)
	if edited == wire {
		t.Fatal("fixture lost the word the test edits")
	}
	a, b, c := simhash.Of(wire), simhash.Of(edited), simhash.Of(other)
	if d := simhash.Distance(a, a); d != 0 {
		t.Fatalf("distance to itself = %d", d)
	}
	near, far := simhash.Distance(a, b), simhash.Distance(a, c)
	t.Logf("one-word edit: %d bits; other story: %d bits", near, far)
	if near == 0 || near > 8 {
		t.Errorf("one-word edit is %d bits away, want 1..8", near)
	}
	if far < 20 {
		t.Errorf("a different story is only %d bits away, want >= 20", far)
	}
}

func BenchmarkOf(b *testing.B) {
	for _, name := range []string{"wire_long.txt", "other_story.txt"} {
		text := readFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				simhash.Of(text)
			}
		})
	}
}
