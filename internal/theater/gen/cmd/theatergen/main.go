// Command theatergen writes the generated layers of a theater directory,
// posts.yaml and cameras.yaml, from its border line and sectors.yaml.
//
//	theatergen -dir internal/theater/data/iraq-syria
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"raqib/internal/theater"
	"raqib/internal/theater/gen"
)

func main() {
	dir := flag.String("dir", ".", "the theater directory")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "theatergen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	layout, err := gen.Generate(theater.Dir(dir), gen.DefaultPlan())
	if err != nil {
		return err
	}
	files := layout.Files()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
