package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/eval"
)

// defaultEvalSets are the labelled development sets in the repository.
var defaultEvalSets = []string{"internal/eval/testdata/tune.jsonl", "internal/eval/testdata/tune2.jsonl", "internal/eval/testdata/heldout.jsonl"}

func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	cfgPath := fs.String("config.file", "", "configuration file whose lexicon to evaluate (default: the built-in lexicon; config.yaml when present)")
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	audited := fs.Bool("audited", false, "judge the lexicon on the articles analysts labelled in the database (global.database_path) instead of on labelled sets")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tracker eval [--config.file F] [--json] [SET.jsonl ...]\n       tracker eval --audited [--config.file F]\n\nDefault sets: %v\n\n", defaultEvalSets)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sets := fs.Args()
	if len(sets) == 0 {
		sets = defaultEvalSets
	}
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
	for _, path := range sets {
		ex, err := eval.LoadFile(path)
		if err != nil {
			return err
		}
		rep := eval.Evaluate(scorer, ex)
		if *asJSON {
			b, err := json.Marshal(struct {
				Set            string      `json:"set"`
				LexiconVersion string      `json:"lexicon_version"`
				Report         eval.Report `json:"report"`
			}{path, scorer.Version(), rep})
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, string(b))
			continue
		}
		fmt.Fprintf(stdout, "== %s (%d articles, lexicon %s)\n", path, len(ex), scorer.Version())
		rep.Write(stdout)
		fmt.Fprintln(stdout)
	}
	return nil
}
