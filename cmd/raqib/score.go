package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"raqib/internal/score"
	"raqib/internal/theater"
)

const scoreUsage = `Usage:
  raqib score --truth FILE --tracks FILE --alerts FILE [--json] [--theater DIR]

Scores the track updates and alerts of "raqib track" against the ground truth of
"raqib sim --truth": recall of hostile crossings and their warning, false alerts per
100 km·h, GOSPA, fragmentations and id switches. The files are NDJSON, plain or gzip;
docs/tracking-files.md defines every figure.

Flags:
`

// runScore scores a run: raqib score --truth FILE --tracks FILE --alerts
// FILE [--json] [--theater DIR].
func runScore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Arguments.
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, scoreUsage)
		fs.PrintDefaults()
	}
	truthFile := fs.String("truth", "", "ground truth of the run, from raqib sim --truth (required)")
	tracksFile := fs.String("tracks", "", "track updates, from raqib track --out (required)")
	alertsFile := fs.String("alerts", "", "alerts, from raqib track --alerts (required)")
	asJSON := fs.Bool("json", false, "write the report as JSON instead of a table")
	theaterDir := fs.String("theater", "", "theater `directory` (default: the embedded Iraq–Syria theater)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bad []string
	if fs.NArg() > 0 {
		bad = append(bad, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	for _, f := range []struct{ name, val string }{{"truth", *truthFile}, {"tracks", *tracksFile}, {"alerts", *alertsFile}} {
		switch f.val {
		case "":
			bad = append(bad, fmt.Sprintf("--%s is required", f.name))
		case "-":
			bad = append(bad, fmt.Sprintf("--%s -: give a file", f.name))
		}
	}
	if *theaterDir != "" {
		if st, err := os.Stat(*theaterDir); err != nil || !st.IsDir() {
			bad = append(bad, fmt.Sprintf("--theater %q is not a directory", *theaterDir))
		}
	}
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(stderr, "score:", b)
		}
		return fmt.Errorf("score: %s: %w", strings.Join(bad, "; "), errUsage)
	}

	// Operation.
	if err := ctx.Err(); err != nil {
		return err
	}
	fsys, source := theaterFS(*theaterDir)
	th, err := theater.Load(fsys)
	if err != nil {
		return fmt.Errorf("score: theater %s: %w", source, err)
	}
	var files [3]*os.File
	for i, name := range []string{*truthFile, *tracksFile, *alertsFile} {
		if files[i], err = os.Open(name); err != nil {
			return fmt.Errorf("score: %w", err)
		}
		defer files[i].Close()
	}
	rep, err := score.Score(th, files[0], files[1], files[2], score.Options{})
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}

	// Response.
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.Text(stdout)
}
