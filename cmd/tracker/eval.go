package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/eval"
)

// defaultEvalSets are the labelled development sets in the repository.
var defaultEvalSets = []string{"internal/eval/testdata/tune.jsonl", "internal/eval/testdata/tune2.jsonl", "internal/eval/testdata/heldout.jsonl"}

// defaultRealNews is the committed real-news index; its texts are in
// <index>/texts (git-ignored, see docs/scoring.md).
const defaultRealNews = "internal/eval/testdata/realnews"

func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	cfgPath := fs.String("config.file", "", "configuration file whose lexicon to evaluate (default: the built-in lexicon; config.yaml when present)")
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	audited := fs.Bool("audited", false, "judge the lexicon on the articles analysts labelled in the database (global.database_path) instead of on labelled sets")
	realnews := fs.String("realnews", "", "evaluate the real-news development set whose index (<lang>.jsonl files) is in this directory, e.g. "+defaultRealNews)
	texts := fs.String("texts", "", "directory of the real-news texts (<lang>.jsonl; default: <realnews>/texts)")
	split := fs.String("split", eval.SplitTune, "real-news split to evaluate: tune, heldout or all (held-out figures are for reporting only)")
	errorsFlag := fs.Bool("errors", false, "list the items whose themes or parties are wrong, to guide tuning (refused for held-out items)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tracker eval [--config.file F] [--json] [--errors] [SET.jsonl ...]\n"+
			"       tracker eval --realnews DIR [--texts DIR] [--split tune|heldout|all] [--errors] [--json] [--config.file F]\n"+
			"       tracker eval --audited [--config.file F]\n\nDefault sets: %v\n\n", defaultEvalSets)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !eval.ValidSplit(*split) {
		return &exitError{code: 2, err: fmt.Errorf("--split %q: want %s, %s or %s", *split, eval.SplitTune, eval.SplitHeldout, eval.SplitAll)}
	}
	sets := fs.Args()
	if *audited {
		path := *cfgPath
		if path == "" {
			path = "config.yaml"
		}
		cfg, err := config.Load(path)
		if err != nil {
			return err
		}
		scorer, err := newScorer(cfg)
		if err != nil {
			return err
		}
		return evalAudited(context.Background(), stdout, cfg, scorer)
	}
	scorer, err := scorerFor(*cfgPath)
	if err != nil {
		return err
	}
	if *realnews != "" {
		if len(sets) > 0 {
			return &exitError{code: 2, err: fmt.Errorf("--realnews and labelled set files are exclusive")}
		}
		// The held-out half is looked at only as aggregate figures: its
		// per-item results would invite tuning on it.
		if *errorsFlag && *split != eval.SplitTune {
			return &exitError{code: 2, err: fmt.Errorf("--errors lists items only for --split %s: held-out items are never listed (docs/scoring.md)", eval.SplitTune)}
		}
		td := *texts
		if td == "" {
			td = filepath.Join(*realnews, "texts")
		}
		rn, err := eval.LoadRealNews(*realnews, td, *split)
		if err != nil {
			return err
		}
		if rn.MissingTotal() > 0 {
			fmt.Fprintf(stderr, "tracker eval: %d of %d %s items have no text in %s and are not evaluated: %s\n",
				rn.MissingTotal(), rn.Indexed, *split, td, fmtMissing(rn.Missing))
		}
		if len(rn.Examples) == 0 {
			return fmt.Errorf("real-news %s split: no item has a text in %s (texts are not committed; see docs/scoring.md to rebuild them)", *split, td)
		}
		rep := eval.Evaluate(scorer, rn.Examples)
		if *split != eval.SplitTune {
			rep.Mistakes = nil
		}
		name := fmt.Sprintf("%s (split %s, %d of %d items with text)", *realnews, *split, len(rn.Examples), rn.Indexed)
		return writeEval(stdout, name, len(rn.Examples), scorer.Version(), rep, *asJSON, *errorsFlag)
	}
	if len(sets) == 0 {
		sets = defaultEvalSets
	}
	for _, path := range sets {
		if *errorsFlag && isHeldout(path) {
			return &exitError{code: 2, err: fmt.Errorf("--errors: %s is a held-out set; its items are never listed (docs/scoring.md)", path)}
		}
	}
	for _, path := range sets {
		ex, err := eval.LoadFile(path)
		if err != nil {
			return err
		}
		rep := eval.Evaluate(scorer, ex)
		if isHeldout(path) {
			rep.Mistakes = nil
		}
		if err := writeEval(stdout, path, len(ex), scorer.Version(), rep, *asJSON, *errorsFlag); err != nil {
			return err
		}
	}
	return nil
}

// isHeldout reports whether a labelled set file is a held-out part.
func isHeldout(path string) bool {
	return strings.HasPrefix(filepath.Base(path), eval.SplitHeldout)
}

func fmtMissing(m map[string]int) string {
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	parts := make([]string, len(langs))
	for i, l := range langs {
		parts[i] = fmt.Sprintf("%s %d", l, m[l])
	}
	return strings.Join(parts, ", ")
}

// writeEval prints one set's report as a table (with the mistakes when
// asked) or as one JSON line.
func writeEval(w io.Writer, set string, n int, version string, rep eval.Report, asJSON, mistakes bool) error {
	if !mistakes {
		rep.Mistakes = nil
	}
	if asJSON {
		b, err := json.Marshal(struct {
			Set            string      `json:"set"`
			LexiconVersion string      `json:"lexicon_version"`
			Report         eval.Report `json:"report"`
		}{set, version, rep})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	fmt.Fprintf(w, "== %s (%d articles, lexicon %s)\n", set, n, version)
	if err := rep.Write(w); err != nil {
		return err
	}
	if mistakes {
		fmt.Fprintf(w, "\n-- %d items with wrong themes or parties\n", len(rep.Mistakes))
		if err := rep.WriteMistakes(w); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}
