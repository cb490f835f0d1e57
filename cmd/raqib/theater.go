package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"raqib/internal/theater"
)

const theaterUsage = `Usage:
  raqib theater validate [DIR]                       check a theater (default: the embedded one)
  raqib theater export [--theater DIR] [--format geojson] [--layer L,...] [--sector S,...] [--out FILE]
  raqib theater import [--world-atlas FILE] [--out FILE]
`

func runTheater(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, theaterUsage)
		return errUsage
	}
	switch args[0] {
	case "validate":
		return runTheaterValidate(args[1:], stdout, stderr)
	case "export":
		return runTheaterExport(args[1:], stdout, stderr)
	case "import":
		return runTheaterImport(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, theaterUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "raqib theater: unknown command %q\n\n%s", args[0], theaterUsage)
		return errUsage
	}
}

// runTheaterValidate loads a theater and prints every problem, one per line
// as file:line:col: field: message; the exit status is non-zero if any.
func runTheaterValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("theater validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("theater validate: takes at most one directory, got %d arguments: %w", fs.NArg(), errUsage)
	}
	dir := fs.Arg(0)
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("theater validate: %q is not a directory", dir)
		}
	}
	fsys, source := theaterFS(dir)
	th, err := theater.Load(fsys)
	var verr *theater.ValidationError
	if errors.As(err, &verr) {
		for _, p := range verr.Problems {
			if dir != "" && !strings.HasPrefix(p.File, dir) {
				p.File = strings.TrimSuffix(dir, "/") + "/" + p.File
			}
			fmt.Fprintln(stdout, p.String())
		}
		return fmt.Errorf("theater %s: %d problem(s)", source, len(verr.Problems))
	}
	if err != nil {
		return fmt.Errorf("theater %s: %w", source, err)
	}
	fmt.Fprintf(stdout, "theater %s is valid: %d sectors, %d crossings, %d zones, %d barriers, %d posts, %d bases, %d cameras, %d facilities; border %.1f km\n",
		source, len(th.Sectors), len(th.Crossings), len(th.Zones), len(th.Barriers), len(th.Posts),
		len(th.Bases), len(th.Cameras), len(th.Facilities), th.Border.LengthKm())
	return nil
}

// runTheaterExport writes the theater's layers.
func runTheaterExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("theater export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("theater", "", "theater directory (default: the embedded one)")
	format := fs.String("format", "geojson", "output format: geojson")
	layers := fs.String("layer", "", "comma-separated layers to keep (default: all)")
	sectors := fs.String("sector", "", "comma-separated sector ids to keep (default: all)")
	out := fs.String("out", "-", "output file, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("theater export: unexpected argument %q: %w", fs.Arg(0), errUsage)
	}
	if *format != "geojson" {
		return fmt.Errorf("theater export: --format %q is not supported (geojson)", *format)
	}
	fsys, source := theaterFS(*dir)
	th, err := theater.Load(fsys)
	if err != nil {
		return fmt.Errorf("theater %s: %w", source, err)
	}
	filter := theater.Filter{Sectors: splitList(*sectors)}
	for _, l := range splitList(*layers) {
		filter.Layers = append(filter.Layers, theater.Layer(l))
	}
	body, err := th.GeoJSON(filter)
	if err != nil {
		return fmt.Errorf("theater export: %w", err)
	}
	if *out == "-" {
		_, err = stdout.Write(body)
		return err
	}
	if err := writeFileAtomic(*out, body); err != nil {
		return fmt.Errorf("theater export: %w", err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
