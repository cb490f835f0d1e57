package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's world-atlas package and committed border, seen from this
// package's directory.
const (
	repoWorldAtlas = "../../web/node_modules/world-atlas/countries-10m.json"
	repoBorder     = "../../internal/theater/data/iraq-syria/border.geojson"
)

// TestTheaterImportCurrent regenerates the border from the installed
// world-atlas package and compares it with the committed file byte for byte.
func TestTheaterImportCurrent(t *testing.T) {
	if _, err := os.Stat(repoWorldAtlas); errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent, so the committed border cannot be checked against its source: run npm ci in web/", repoWorldAtlas)
	}
	out := filepath.Join(t.TempDir(), "data", "border.geojson")
	var stdout, stderr bytes.Buffer
	err := runTheaterImport(context.Background(), []string{"--world-atlas", repoWorldAtlas, "--out", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if want := "wrote " + out + " ("; !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("stdout = %q, want it to start %q", stdout.String(), want)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(repoBorder)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what theater import writes from %s: run make generate and commit the result", repoBorder, repoWorldAtlas)
	}
}

// fakeWorldAtlas writes a small world-atlas package into a temporary
// directory and returns the path of its countries file.
func fakeWorldAtlas(t *testing.T, packageJSON string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"package.json": packageJSON,
		"LICENSE":      "Copyright 2013-2019 Someone\n\nPermission to use...\n",
		// Iraq and Syria sharing a border of three vertices between the
		// Jordan and the Turkey tripoints, stored Turkey first.
		"countries-10m.json": `{"type":"Topology",
			"arcs":[
				[[42.36,37.11],[40.5,35.0],[38.77,33.37]],
				[[38.77,33.37],[38.77,32.0],[44.0,32.0],[44.0,37.0],[42.36,37.11]],
				[[38.77,33.37],[36.0,33.0],[36.0,37.2],[42.36,37.11]]
			],
			"objects":{"countries":{"type":"GeometryCollection","geometries":[
				{"type":"Polygon","id":"368","properties":{"name":"Iraq"},"arcs":[[-1,-2]]},
				{"type":"Polygon","id":"760","properties":{"name":"Syria"},"arcs":[[0,2]]}
			]}}}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "countries-10m.json")
}

const fakePackageJSON = `{"name": "world-atlas", "version": "9.8.7", "license": "ISC"}`

func TestTheaterImportStdout(t *testing.T) {
	atlas := fakeWorldAtlas(t, fakePackageJSON)
	var stdout, stderr bytes.Buffer
	if err := runTheaterImport(context.Background(), []string{"-world-atlas", atlas, "-out", "-"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"version": "9.8.7"`,
		`"licence": "Natural Earth: public domain; world-atlas: ISC, Copyright 2013-2019 Someone"`,
		`"vertices": 3`,
		"[38.770000, 33.370000],\n          [40.500000, 35.000000],\n          [42.360000, 37.110000]\n",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr = %q, want nothing", stderr.String())
	}
}

func TestTheaterImportErrors(t *testing.T) {
	atlas := fakeWorldAtlas(t, fakePackageJSON)
	other := fakeWorldAtlas(t, `{"name": "world-atlas-fork", "version": "1.0.0", "license": "ISC"}`)
	missing := filepath.Join(t.TempDir(), "countries-10m.json")
	out := filepath.Join(t.TempDir(), "border.geojson")

	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"unknown flag", []string{"--verbose"}, "flag provided but not defined: -verbose", true},
		{"argument", []string{"--out", out, "extra"}, `unexpected argument "extra"`, true},
		{"no package", []string{"--world-atlas", missing, "--out", out}, "reading the world-atlas package: open " + filepath.Join(filepath.Dir(missing), "package.json"), false},
		{"other package", []string{"--world-atlas", other, "--out", out}, `package "world-atlas-fork", expected "world-atlas"`, false},
		{"not a topology", []string{"--world-atlas", filepath.Join(filepath.Dir(atlas), "package.json"), "--out", out}, "package.json: topojson: type: missing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runTheaterImport(context.Background(), tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if errors.Is(err, errUsage) != tc.usage {
				t.Errorf("errors.Is(err, errUsage) = %t, want %t", !tc.usage, tc.usage)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was written despite the error", out)
			}
		})
	}

	var stderr bytes.Buffer
	if err := runTheaterImport(context.Background(), []string{"-h"}, &bytes.Buffer{}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stderr.String(), "-world-atlas path") {
		t.Errorf("-h printed %q, want the flags", stderr.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := runTheaterImport(ctx, []string{"--world-atlas", atlas, "--out", out}, &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error = %v, want context.Canceled", err)
	}
}
