package store

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/tensiontracker/tracker/internal/scoring"
)

func TestExplanationRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		themes map[string]scoring.ThemeScore
	}{
		{"nil", nil},
		{"empty", map[string]scoring.ThemeScore{}},
		{"no matches, nil and empty lists", map[string]scoring.ThemeScore{
			"trade":    {},
			"security": {Matches: []scoring.Match{}, Rules: []string{}},
		}},
		{"full", map[string]scoring.ThemeScore{
			"sovereignty": {Score: 0.6532, Flagged: true,
				Matches: []scoring.Match{
					{Term: "sovereignty", Count: 2, Weight: 2.5, Evidence: 3.75, Spans: []scoring.Span{{Field: "title", Start: 0, End: 11}, {Field: "text", Start: 730, End: 741}}},
					{Term: "violat*", Count: 1, Weight: 1.5, Evidence: 1.5, Spans: []scoring.Span{{Field: "summary", Start: 3, End: 9}}},
				},
				Negatives: []scoring.Match{{Term: "tariff plan*", Count: 1, Spans: []scoring.Span{}}},
				Rules:     []string{"near:territory", "near:violat*"}},
		}},
		{"numbers off the fixed-point grid", map[string]scoring.ThemeScore{
			"x": {Score: 1.0 / 3, Matches: []scoring.Match{{Term: "é", Weight: -0.1, Evidence: math.MaxFloat64}}},
			"y": {Score: 1e-300, Matches: []scoring.Match{{Term: "", Weight: math.Inf(1), Evidence: -2}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeExplanation(nil, tt.themes)
			got, err := decodeExplanation(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.themes
			if want == nil {
				want = map[string]scoring.ThemeScore{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded %+v\nwant %+v", got, want)
			}
			// Every strict prefix is an error, never a panic or a short read.
			for i := range b {
				if _, err := decodeExplanation(b[:i]); !errors.Is(err, errBadExplanation) {
					t.Fatalf("prefix of %d/%d bytes: err = %v, want errBadExplanation", i, len(b), err)
				}
			}
			if _, err := decodeExplanation(append(b, 0)); !errors.Is(err, errBadExplanation) {
				t.Errorf("trailing byte: err = %v", err)
			}
		})
	}
}

func BenchmarkExplanation(b *testing.B) {
	themes := map[string]scoring.ThemeScore{
		"security": {Score: 0.6532, Flagged: true, Matches: []scoring.Match{
			{Term: "ceasefire*", Count: 1, Weight: 2.5, Evidence: 2.5, Spans: []scoring.Span{{Field: "text", Start: 750, End: 759}}},
			{Term: "troops", Count: 1, Weight: 1.5, Evidence: 1.5, Spans: []scoring.Span{{Field: "text", Start: 658, End: 664}}}}},
		"trade": {Matches: []scoring.Match{}},
	}
	var buf []byte
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			buf = encodeExplanation(buf[:0], themes)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeExplanation(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
