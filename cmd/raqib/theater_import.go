package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"raqib/internal/theater/borderimport"
	"raqib/internal/theater/topojson"
)

// Default paths of "raqib theater import", relative to the repository root,
// where "make generate" runs it.
const (
	defaultWorldAtlas = "web/node_modules/world-atlas/countries-10m.json"
	defaultBorderOut  = "internal/theater/data/iraq-syria/border.geojson"
)

// worldAtlasPackage is the npm package the TopoJSON must come from.
const worldAtlasPackage = "world-atlas"

// runTheaterImport rebuilds the Iraq–Syria border GeoJSON from the Natural
// Earth countries that the world-atlas npm package publishes as TopoJSON.
func runTheaterImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Arguments.
	flags := flag.NewFlagSet("raqib theater import", flag.ContinueOnError)
	flags.SetOutput(stderr)
	atlasPath := flags.String("world-atlas", defaultWorldAtlas,
		"`path` of world-atlas's countries-10m.json, with the package's package.json beside it")
	outPath := flags.String("out", defaultBorderOut, "`path` of the GeoJSON to write, or - for standard output")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("theater import: %w: %v", errUsage, err)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("theater import: %w: unexpected argument %q", errUsage, flags.Arg(0))
	}

	// Operation.
	src, err := readWorldAtlasSource(filepath.Dir(*atlasPath))
	if err != nil {
		return fmt.Errorf("theater import: %w", err)
	}
	topo, err := decodeTopologyFile(*atlasPath)
	if err != nil {
		return fmt.Errorf("theater import: %w", err)
	}
	data, err := borderimport.Import(topo, src)
	if err != nil {
		return fmt.Errorf("theater import: %s: %w", *atlasPath, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("theater import: %w", err)
	}

	// Response.
	if *outPath == "-" {
		if _, err := stdout.Write(data); err != nil {
			return fmt.Errorf("theater import: writing standard output: %w", err)
		}
		return nil
	}
	if err := writeFileAtomic(*outPath, data); err != nil {
		return fmt.Errorf("theater import: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes) from %s %s\n", *outPath, len(data), src.Package, src.Version)
	return nil
}

// readWorldAtlasSource reads the name, version and licence of the
// world-atlas package in dir from its package.json and, for the copyright
// line the ISC licence asks to keep, its LICENSE.
func readWorldAtlasSource(dir string) (borderimport.Source, error) {
	var src borderimport.Source
	path := filepath.Join(dir, "package.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return src, fmt.Errorf("reading the world-atlas package: %w", err)
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		License string `json:"license"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return src, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case pkg.Name != worldAtlasPackage:
		return src, fmt.Errorf("%s: package %q, expected %q", path, pkg.Name, worldAtlasPackage)
	case pkg.Version == "":
		return src, fmt.Errorf("%s: no version", path)
	case pkg.License == "":
		return src, fmt.Errorf("%s: no license", path)
	}
	licence := pkg.License
	copyright, err := copyrightLine(filepath.Join(dir, "LICENSE"))
	if err != nil {
		return src, err
	}
	if copyright != "" {
		licence += ", " + copyright
	}
	return borderimport.Source{Package: pkg.Name, Version: pkg.Version, Licence: licence}, nil
}

// copyrightLine returns the first line of a licence file that starts with
// "Copyright", or "" when there is no such file or line.
func copyrightLine(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the world-atlas licence: %w", err)
	}
	lines := bufio.NewScanner(bytes.NewReader(data))
	for lines.Scan() {
		if line := strings.TrimSpace(lines.Text()); strings.HasPrefix(line, "Copyright") {
			return line, nil
		}
	}
	return "", nil
}

func decodeTopologyFile(path string) (*topojson.Topology, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the world-atlas countries: %w", err)
	}
	defer f.Close()
	topo, err := topojson.Decode(f, topojson.Limits{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return topo, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, creating the directory if need be, so that readers never see a
// partly written file.
func writeFileAtomic(path string, data []byte) error { return writeFileMode(path, data, 0o644) }

// writeFileMode is writeFileAtomic with the file's permissions given.
func writeFileMode(path string, data []byte, mode os.FileMode) error {
	return writeFileWith(path, mode, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileWith writes path through a temporary file in the same
// directory, filled by write, synced and renamed when whole, so that
// readers never see a partly written file.
func writeFileWith(path string, mode os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
