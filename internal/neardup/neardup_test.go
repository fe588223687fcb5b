package neardup

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fingerprint(t testing.TB, text string) Fingerprint {
	t.Helper()
	sig, _, ok := Sign(text)
	if !ok {
		t.Fatalf("text of %d bytes not comparable", len(text))
	}
	return sig.Fingerprint()
}

func TestSignIsStable(t *testing.T) {
	t.Parallel()
	text := fixture(t, "wire_en.txt")
	a, words, ok := Sign(text)
	b, _, _ := Sign(strings.ToUpper(text))
	if !ok || words != 171 {
		t.Fatalf("words %d, comparable %v; want 171, true", words, ok)
	}
	if a != b {
		t.Error("case changes the signature")
	}
	if _, _, ok := Sign("Only eleven words here, which is below the clustering minimum."); ok {
		t.Error("an 11-word text counted as comparable")
	}
	// Band keys differ per band even for equal values, so equal rows in
	// different bands do not collide.
	var same Signature
	keys := same.Fingerprint().Keys
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[0] {
			t.Fatalf("band %d has the same key as band 0", i)
		}
	}
	fa := a.Fingerprint()
	back, err := FingerprintFromBytes(fa.Bytes())
	if err != nil || back != fa {
		t.Errorf("fingerprint does not survive encoding: %v", err)
	}
	if _, err := FingerprintFromBytes([]byte{1, 2, 3}); err == nil {
		t.Error("a short blob decoded as a fingerprint")
	}
}

// TestSimilaritySeparatesCopiesFromOtherStories checks the property the
// clustering relies on: an edited copy is above MinSimilarity, another story
// on the same subject far below.
func TestSimilaritySeparatesCopiesFromOtherStories(t *testing.T) {
	t.Parallel()
	wire := fixture(t, "wire_long.txt")
	other := fixture(t, "other_story.txt")
	edited := "Officials react. " + strings.Replace(wire, "Tuesday", "Wednesday", 1)
	if !strings.Contains(wire, "Tuesday") {
		t.Fatal("fixture lost the word the test edits")
	}
	a, b, c := fingerprint(t, wire), fingerprint(t, edited), fingerprint(t, other)
	if s := a.Similarity(&a); s != 1 {
		t.Fatalf("similarity to itself = %v", s)
	}
	near, far := a.Similarity(&b), a.Similarity(&c)
	t.Logf("edited copy: %.2f; other story: %.2f", near, far)
	if near < MinSimilarity {
		t.Errorf("edited copy: similarity %.2f, want >= %v", near, MinSimilarity)
	}
	if far > 0.2 {
		t.Errorf("another story: similarity %.2f, want <= 0.2", far)
	}
}

func TestIndexNearest(t *testing.T) {
	t.Parallel()
	const day = 24 * 60 * 60 * 1000
	// fp builds a fingerprint with band keys base+i and a sketch whose
	// first `agree` bytes are 0 and the rest unique to base.
	fp := func(base uint32, agree int) Fingerprint {
		var f Fingerprint
		for i := range f.Keys {
			f.Keys[i] = base + uint32(i)
		}
		for i := agree; i < K; i++ {
			f.Sketch[i] = uint8(base)
		}
		return f
	}
	q := fp(100, K)
	tests := []struct {
		name    string
		entries []Entry
		lo, hi  int64
		want    Match
	}{
		{"empty", nil, 0, 100 * day, Match{}},
		{"same bucket, similar", []Entry{{ID: 1, Cluster: 1, Published: day, Fingerprint: fp(100, 48)}}, 0, 100 * day,
			Match{ID: 1, Cluster: 1, Similarity: 0.75}},
		{"same bucket, not similar enough", []Entry{{ID: 1, Cluster: 1, Published: day, Fingerprint: fp(100, 31)}}, 0, 100 * day,
			Match{}},
		{"outside the window", []Entry{{ID: 1, Cluster: 1, Published: day, Fingerprint: fp(100, K)}}, 2 * day, 100 * day,
			Match{}},
		{"no shared band", []Entry{{ID: 1, Cluster: 1, Published: day, Fingerprint: fp(200, K)}}, 0, 100 * day,
			Match{}},
		{"most similar wins", []Entry{
			{ID: 1, Cluster: 1, Published: day, Fingerprint: fp(100, 40)},
			{ID: 2, Cluster: 2, Published: day, Fingerprint: fp(100, 60)},
			{ID: 3, Cluster: 2, Published: day, Fingerprint: fp(100, 50)},
		}, 0, 100 * day, Match{ID: 2, Cluster: 2, Similarity: 60.0 / K}},
		{"equal similarity: the oldest", []Entry{
			{ID: 5, Cluster: 5, Published: day, Fingerprint: fp(100, 50)},
			{ID: 6, Cluster: 5, Published: day, Fingerprint: fp(100, 50)},
		}, 0, 100 * day, Match{ID: 5, Cluster: 5, Similarity: 50.0 / K}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewIndex(10 * day)
			for _, e := range tt.entries {
				x.Add(e)
			}
			if got := x.Nearest(&q, tt.lo, tt.hi); got != tt.want {
				t.Errorf("Nearest = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestIndexChanceCollision: a key equal to another band's key is not a
// shared band.
func TestIndexChanceCollision(t *testing.T) {
	t.Parallel()
	var a, q Fingerprint
	for i := range a.Keys {
		a.Keys[i] = 1000 + uint32(i)
		q.Keys[i] = 2000 + uint32(i)
	}
	a.Keys[1] = q.Keys[0]
	x := NewIndex(1)
	x.Add(Entry{ID: 1, Cluster: 1, Fingerprint: a})
	if got := x.Nearest(&q, 0, 1); got != (Match{}) {
		t.Errorf("a key shared across bands matched: %+v", got)
	}
}

// TestIndexCostIsBounded: however many copies of a story are indexed, a
// lookup compares at most Bands*BucketLimit fingerprints and still finds
// the story.
func TestIndexCostIsBounded(t *testing.T) {
	t.Parallel()
	f := fingerprint(t, fixture(t, "wire_long.txt"))
	for _, n := range []int{1, BucketLimit, 100, 30000} {
		x := NewIndex(1 << 40)
		for i := 1; i <= n; i++ {
			x.Add(Entry{ID: int64(i), Cluster: 1, Published: int64(i), Fingerprint: f})
		}
		x.compared = 0
		m := x.Nearest(&f, 0, 1<<40)
		if m.Cluster != 1 || m.Similarity != 1 {
			t.Errorf("%d copies: Nearest = %+v, want cluster 1, similarity 1", n, m)
		}
		if limit := Bands * BucketLimit; x.compared > limit || x.compared > n {
			t.Errorf("%d copies: compared %d fingerprints, want <= min(%d, n)", n, x.compared, limit)
		}
	}
}

func TestIndexCompaction(t *testing.T) {
	t.Parallel()
	const day = 24 * 60 * 60 * 1000
	var f Fingerprint
	x := NewIndex(2 * day)
	for i := range 5000 {
		x.Add(Entry{ID: int64(i + 1), Cluster: 1, Published: int64(i) * day / 100, Fingerprint: f})
	}
	// Compaction ran at 4096 entries and dropped all but the last 2 days.
	var ids []int64
	for _, e := range x.Entries() {
		ids = append(ids, e.ID)
	}
	newest := int64(4095) * day / 100
	for _, e := range x.Entries()[:10] {
		if e.Published < newest-2*day {
			t.Fatalf("entry %d published %d kept, older than keep before %d", e.ID, e.Published, newest)
		}
	}
	if !slices.IsSorted(ids) || len(ids) >= 5000 {
		t.Errorf("after compaction: %d entries, sorted %v", len(ids), slices.IsSorted(ids))
	}
	if m := x.Nearest(&f, 0, 1<<40); m.Cluster != 1 || m.Similarity != 1 {
		t.Errorf("after compaction: Nearest = %+v", m)
	}
}

func BenchmarkSign(b *testing.B) {
	text := fixture(b, "wire_long.txt")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Sign(text)
	}
}

// BenchmarkIndexCopies: the cost of finding the story of a copy and
// indexing it stays flat as copies of the same story pile up.
func BenchmarkIndexCopies(b *testing.B) {
	f := fingerprint(b, fixture(b, "wire_long.txt"))
	for _, n := range []int{100, 30000} {
		b.Run("copies="+strconv.Itoa(n), func(b *testing.B) {
			x := NewIndex(1 << 40)
			for i := 1; i <= n; i++ {
				x.Add(Entry{ID: int64(i), Cluster: 1, Published: int64(i), Fingerprint: f})
			}
			id := int64(n)
			for b.Loop() {
				m := x.Nearest(&f, 0, 1<<40)
				id++
				x.Add(Entry{ID: id, Cluster: m.Cluster, Published: id, Fingerprint: f})
			}
		})
	}
}
