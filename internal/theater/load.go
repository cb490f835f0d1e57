package theater

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"

	"github.com/goccy/go-yaml/ast"

	"raqib/internal/geo"
)

// DefaultSectorDepthKm is how far into Iraq a sector's polygon reaches when
// theater.yaml does not say.
const DefaultSectorDepthKm = 30.0

// manifest is theater.yaml.
type manifest struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	NameAr string `yaml:"name_ar"`
	// Border names the GeoJSON file holding the border line.
	Border string `yaml:"border"`
	// IraqSide says on which hand of the line's direction Iraq lies.
	IraqSide      Hand    `yaml:"iraq_side"`
	SectorDepthKm float64 `yaml:"sector_depth_km,omitempty"`
	Notes         string  `yaml:"notes,omitempty"`
}

// Dir returns the theater held in a directory of the file system, for
// overriding the embedded theater.
func Dir(path string) fs.FS { return os.DirFS(path) }

// Load reads a theater from fsys: theater.yaml, the border file it names
// and one YAML file per layer. It checks everything and returns either a
// theater or a *ValidationError listing every problem found.
func Load(fsys fs.FS) (*Theater, error) {
	c := newCollector()
	t := load(c, fsys, geo.NewLineIndex)
	if len(c.list) > 0 {
		return nil, &ValidationError{Problems: SortProblems(c.list)}
	}
	return t, nil
}

// indexFunc builds the index of the border line; tests swap in a
// memoizing one.
type indexFunc func(pts []geo.LatLon) (*geo.LineIndex, error)

func load(c *collector, fsys fs.FS, index indexFunc) *Theater {
	t := &Theater{}
	if m := readManifest(c, fsys); m != nil {
		t.ID, t.Name, t.NameAr, t.Notes = m.ID, m.Name, m.NameAr, m.Notes
		t.SectorDepthKm = m.SectorDepthKm
		t.Border = readBorder(c, fsys, m, index)
	}
	if t.Border == nil {
		// Every way to get here has been reported.
		c.broken[borderKey] = true
	}
	t.Sectors = decodeList[Sector](c, specSectors, c.parseFile(fsys, specSectors.file))
	t.Crossings = decodeList[Crossing](c, specCrossings, c.parseFile(fsys, specCrossings.file))
	t.Zones = decodeList[Zone](c, specZones, c.parseFile(fsys, specZones.file))
	t.Barriers = decodeList[Barrier](c, specBarriers, c.parseFile(fsys, specBarriers.file))
	t.Posts = decodeList[Post](c, specPosts, c.parseFile(fsys, specPosts.file))
	t.Bases = decodeList[Base](c, specBases, c.parseFile(fsys, specBases.file))
	t.Cameras = decodeList[Camera](c, specCameras, c.parseFile(fsys, specCameras.file))
	t.Facilities = decodeList[Facility](c, specFacilities, c.parseFile(fsys, specFacilities.file))
	t.validate(c)
	return t
}

// parseFile reads and parses one YAML file; nil if it cannot.
func (c *collector) parseFile(fsys fs.FS, name string) ast.Node {
	data, ok := c.readFile(fsys, name)
	if !ok {
		return nil
	}
	return c.parse(name, data)
}

// readManifest reads and checks theater.yaml.
func readManifest(c *collector, fsys fs.FS) *manifest {
	body := c.parseFile(fsys, ManifestFile)
	if body == nil {
		return nil
	}
	var m manifest
	if !c.decodeRoot(ManifestFile, body, &m) {
		return nil
	}
	if m.ID == "" {
		c.add(ManifestFile, "id", "missing")
	}
	if m.Name == "" {
		c.add(ManifestFile, "name", "missing")
	}
	if !m.IraqSide.Valid() {
		c.add(ManifestFile, "iraq_side", "%q: want right or left", m.IraqSide)
	}
	if m.SectorDepthKm == 0 {
		m.SectorDepthKm = DefaultSectorDepthKm
	}
	if !finite(m.SectorDepthKm) || m.SectorDepthKm < 0 || m.SectorDepthKm > 200 {
		c.add(ManifestFile, "sector_depth_km", "%v: want more than 0 and at most 200 km", m.SectorDepthKm)
	}
	switch {
	case m.Border == "":
		c.add(ManifestFile, "border", "missing")
	case !fs.ValidPath(m.Border):
		c.add(ManifestFile, "border", "%q is not a path inside the theater directory", m.Border)
	}
	return &m
}

// readBorder reads the border file named by the manifest and indexes it.
func readBorder(c *collector, fsys fs.FS, m *manifest, index indexFunc) *Border {
	if m.Border == "" || !fs.ValidPath(m.Border) || !m.IraqSide.Valid() {
		return nil
	}
	data, ok := c.readFile(fsys, m.Border)
	if !ok {
		return nil
	}
	b, err := parseBorder(data)
	if err != nil {
		p := Problem{File: m.Border, Message: err.Error()}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			p.Line, p.Column = lineCol(data, se.Offset)
		}
		c.list = append(c.list, p)
		return nil
	}
	b.File, b.IraqSide = m.Border, m.IraqSide
	if b.fileIraqSide != "" && b.fileIraqSide != m.IraqSide {
		c.add(ManifestFile, "iraq_side", "%q disagrees with the border file's iraq_side %q", m.IraqSide, b.fileIraqSide)
	}
	if b.Index, err = index(b.Points); err != nil {
		c.add(m.Border, "", "cannot index the line: %v", err)
		return nil
	}
	return b
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// LoadBorder reads only theater.yaml and the border line, for tools that
// build the other layers from it.
func LoadBorder(fsys fs.FS) (*Border, error) {
	c := newCollector()
	var b *Border
	if m := readManifest(c, fsys); m != nil {
		b = readBorder(c, fsys, m, geo.NewLineIndex)
	}
	if len(c.list) > 0 {
		return nil, &ValidationError{Problems: SortProblems(c.list)}
	}
	return b, nil
}

// LoadSectors reads and checks sectors.yaml against a border, for tools
// that build the other layers from it.
func LoadSectors(fsys fs.FS, b *Border) ([]*Sector, error) {
	c := newCollector()
	t := &Theater{Border: b}
	t.Sectors = decodeList[Sector](c, specSectors, c.parseFile(fsys, specSectors.file))
	t.index()
	checkIDs(c, t)
	checkSectors(c, t)
	if len(c.list) > 0 {
		return nil, &ValidationError{Problems: SortProblems(c.list)}
	}
	return t.Sectors, nil
}
