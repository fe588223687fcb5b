package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSplitOf pins the split rule to the values of the labellers' tool
// (FNV-1a 32-bit of the lower-cased outlet, odd = held-out): a change here
// would silently move items between the halves.
func TestSplitOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ outlet, want string }{
		{"rfi.fr", SplitTune},           // 1978971330
		{"bbc.com", SplitHeldout},       // 583647993
		{"elpais.com", SplitTune},       // 2548830868
		{"Spiegel.de", SplitHeldout},    // 107929705, case-folded
		{"spiegel.de", SplitHeldout},    // same outlet
		{"ansa.it", SplitHeldout},       // 2271957393
		{"folha.uol.com.br", SplitTune}, // 1219283614
		{"lemonde.fr", SplitHeldout},    // 2540546107
	} {
		if got := SplitOf(tc.outlet); got != tc.want {
			t.Errorf("SplitOf(%q) = %s, want %s", tc.outlet, got, tc.want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRealNews(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	idx, texts := filepath.Join(dir, "index"), filepath.Join(dir, "texts")
	writeFile(t, filepath.Join(idx, "fr.jsonl"), `{"id":"fr-001","lang":"fr","url":"https://rfi.fr/a","outlet":"rfi.fr","themes":["trade"],"parties":["CN","JP"],"hard_negative":false,"reason":"r","query":"q"}
{"id":"fr-002","lang":"fr","url":"https://lemonde.fr/b","outlet":"lemonde.fr","themes":[],"parties":[],"hard_negative":true,"reason":"r","query":"q"}
{"id":"fr-003","lang":"fr","url":"https://rfi.fr/c","outlet":"rfi.fr","themes":["security"],"parties":["FR","ML"],"hard_negative":false,"reason":"r","query":"q"}
`)
	writeFile(t, filepath.Join(idx, "pt.jsonl"), `{"id":"pt-001","lang":"pt","url":"https://g1.globo.com/x","outlet":"folha.uol.com.br","themes":["migration"],"parties":["BR","US"],"hard_negative":false,"reason":"r","query":"q"}
`)
	// fr-003 has no text; pt has no texts file at all.
	writeFile(t, filepath.Join(texts, "fr.jsonl"), `{"id":"fr-001","url":"https://rfi.fr/a","title":"T1","text":"La Chine et le Japon."}
{"id":"fr-002","url":"https://lemonde.fr/b","title":"T2","text":"Un salon."}
`)
	rn, err := LoadRealNews(idx, texts, SplitTune)
	if err != nil {
		t.Fatal(err)
	}
	if rn.Indexed != 3 || len(rn.Examples) != 1 || rn.Examples[0].ID != "fr-001" || rn.Examples[0].Title != "T1" || rn.Examples[0].Outlet != "rfi.fr" {
		t.Errorf("tune: indexed %d examples %+v", rn.Indexed, rn.Examples)
	}
	if rn.Missing["fr"] != 1 || rn.Missing["pt"] != 1 || rn.MissingTotal() != 2 {
		t.Errorf("tune: missing %v, want fr 1, pt 1", rn.Missing)
	}
	rn, err = LoadRealNews(idx, texts, SplitHeldout)
	if err != nil {
		t.Fatal(err)
	}
	if rn.Indexed != 1 || len(rn.Examples) != 1 || rn.Examples[0].ID != "fr-002" || !rn.Examples[0].HardNegative || rn.MissingTotal() != 0 {
		t.Errorf("heldout: %+v", rn)
	}
	rn, err = LoadRealNews(idx, texts, SplitAll)
	if err != nil || rn.Indexed != 4 || len(rn.Examples) != 2 {
		t.Errorf("all: %v %+v", err, rn)
	}

	bad := []struct{ name, index, text, want string }{
		{"duplicate id", `{"id":"x-1","lang":"fr","outlet":"a.fr"}` + "\n" + `{"id":"x-1","lang":"fr","outlet":"a.fr"}`, "", "duplicate id"},
		{"no outlet", `{"id":"x-1","lang":"fr"}`, "", "missing outlet"},
		{"unknown field", `{"id":"x-1","lang":"fr","outlet":"a.fr","theme":[]}`, "", "unknown field"},
		{"url mismatch", `{"id":"x-1","lang":"fr","outlet":"rfi.fr","url":"https://a"}`, `{"id":"x-1","url":"https://b","text":"t"}`, "differs"},
		{"bad text line", `{"id":"x-1","lang":"fr","outlet":"rfi.fr"}`, `{"id":`, "fr.jsonl:1"},
	}
	for _, tc := range bad {
		d := t.TempDir()
		writeFile(t, filepath.Join(d, "i", "fr.jsonl"), tc.index)
		if tc.text != "" {
			writeFile(t, filepath.Join(d, "t", "fr.jsonl"), tc.text)
		}
		_, err := LoadRealNews(filepath.Join(d, "i"), filepath.Join(d, "t"), SplitAll)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadRealNews(idx, texts, "dev"); err == nil {
		t.Error("unknown split accepted")
	}
	if _, err := LoadRealNews(t.TempDir(), texts, SplitAll); err == nil {
		t.Error("empty index directory accepted")
	}
}
