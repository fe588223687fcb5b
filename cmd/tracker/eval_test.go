package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalRealNewsSplits: the real-news set is evaluated per split and per
// language, items without a text are reported, and per-item errors are
// listed for the tune half only.
func TestEvalRealNewsSplits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	idx := filepath.Join(dir, "index")
	texts := filepath.Join(dir, "texts")
	for _, d := range []string{idx, texts} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// rfi.fr is on the tune side, lemonde.fr on the held-out side.
	index := `{"id":"fr-001","lang":"fr","url":"u1","outlet":"rfi.fr","themes":["trade"],"parties":["CN","JP"],"hard_negative":false,"reason":"r","query":"q"}
{"id":"fr-002","lang":"fr","url":"u2","outlet":"lemonde.fr","themes":[],"parties":[],"hard_negative":true,"reason":"r","query":"q"}
{"id":"fr-003","lang":"fr","url":"u3","outlet":"rfi.fr","themes":[],"parties":[],"hard_negative":true,"reason":"r","query":"q"}
`
	text := `{"id":"fr-001","url":"u1","title":"La Chine interdit les importations de fruits de mer japonais","text":"Pékin a suspendu les importations de fruits de mer du Japon et menace de droits de douane punitifs."}
{"id":"fr-002","url":"u2","title":"Un salon","text":"Le salon du livre ouvre à Paris."}
`
	if err := os.WriteFile(filepath.Join(idx, "fr.jsonl"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(texts, "fr.jsonl"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := runMain(context.Background(), append([]string{"eval", "--realnews", idx, "--texts", texts}, args...), nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := run("--errors")
	if code != 0 || !strings.Contains(out, "split tune, 1 of 2 items with text") || !strings.Contains(out, "fr ") ||
		!strings.Contains(errOut, "1 of 2 tune items have no text") || !strings.Contains(out, "items with wrong themes or parties") {
		t.Errorf("tune --errors: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, _ = run("--split", "heldout")
	if code != 0 || !strings.Contains(out, "split heldout, 1 of 1 items with text") || strings.Contains(out, "fr-002") {
		t.Errorf("heldout: code %d\n%s", code, out)
	}
	if code, _, errOut = run("--split", "heldout", "--errors"); code != 2 || !strings.Contains(errOut, "held-out items are never listed") {
		t.Errorf("heldout --errors: code %d, stderr %s; want refusal", code, errOut)
	}
	if code, _, errOut = run("--split", "dev"); code != 2 || !strings.Contains(errOut, "--split") {
		t.Errorf("--split dev: code %d, stderr %s", code, errOut)
	}
	var stdout, stderr bytes.Buffer
	if code := runMain(context.Background(), []string{"eval", "--errors", "../../internal/eval/testdata/heldout.jsonl"}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("--errors on heldout.jsonl: code %d, want 2 (refused)", code)
	}
}
