// Package theater describes the ground Raqib watches: the border line and
// its sectors, the official crossings and the unofficial crossing zones, the
// barriers, border posts, bases and thermal cameras on the Iraqi side, and
// the camps and prisons across the border that raise the threat of the
// sectors they face.
//
// A theater is a directory of YAML files, one per layer, beside a GeoJSON
// file holding the border line. The Iraq–Syria theater is embedded
// (Embedded); Load reads any theater from an fs.FS and reports every problem
// it finds, each with its file, line, column and field.
//
// Distances are in metres and chainages are metres along the border from
// its first vertex, except where a field name says otherwise (from_km,
// depth_km, mast_m).
package theater

import (
	"math"
	"sort"

	"raqib/internal/geo"
)

// Theater is a loaded, validated theater. It is read-only after Load: share
// it between goroutines freely and never modify it.
type Theater struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameAr string `json:"name_ar"`
	Notes  string `json:"notes,omitempty"`
	// SectorDepthKm is how far into Iraq a sector's polygon reaches.
	SectorDepthKm float64 `json:"sector_depth_km"`

	Border     *Border     `json:"border"`
	Sectors    []*Sector   `json:"sectors"`
	Crossings  []*Crossing `json:"crossings"`
	Zones      []*Zone     `json:"zones"`
	Barriers   []*Barrier  `json:"barriers"`
	Posts      []*Post     `json:"posts"`
	Bases      []*Base     `json:"bases"`
	Cameras    []*Camera   `json:"cameras"`
	Facilities []*Facility `json:"facilities"`

	sectors    map[string]*Sector
	crossings  map[string]*Crossing
	zones      map[string]*Zone
	barriers   map[string]*Barrier
	posts      map[string]*Post
	bases      map[string]*Base
	cameras    map[string]*Camera
	facilities map[string]*Facility
	// byChainage holds the sectors sorted by FromKm.
	byChainage []*Sector
	// camerasBySector holds each sector's cameras, in file order.
	camerasBySector map[string][]*Camera
}

// Location is where a point lies relative to the border.
type Location struct {
	Side Side
	// Distance is the signed distance to the border line in metres,
	// positive inside Iraq.
	Distance float64
	// Chainage is the distance along the border, in metres from its first
	// vertex, of the nearest point of the line.
	Chainage float64
	// Nearest is the nearest point of the border line.
	Nearest geo.LatLon
	// Sector is the sector at Chainage, nil only for a theater without
	// sectors.
	Sector *Sector
}

// Locate places p relative to the border with one query of the line index.
func (t *Theater) Locate(p geo.LatLon) Location {
	q := t.Border.Index.Query(p)
	d := q.Distance
	if t.Border.IraqSide == HandLeft {
		d = -d
	}
	return Location{
		Side:     sideOf(d),
		Distance: d,
		Chainage: q.Chainage,
		Nearest:  q.Nearest,
		Sector:   t.SectorAt(q.Chainage),
	}
}

// Side reports which country p lies in. A point exactly on the line counts
// as Iraq.
func (t *Theater) Side(p geo.LatLon) Side { return sideOf(t.SignedDistance(p)) }

// SignedDistance is p's distance to the border line in metres, positive
// inside Iraq and negative inside Syria.
func (t *Theater) SignedDistance(p geo.LatLon) float64 {
	return t.Border.signedDistance(p)
}

// Chainage is the distance along the border, in metres from its first
// vertex, of the point of the line nearest to p.
func (t *Theater) Chainage(p geo.LatLon) float64 { return t.Border.Index.Query(p).Chainage }

// SectorAt returns the sector holding the chainage (metres). Chainages
// before the first sector or past the last are clamped to them; nil only for
// a theater without sectors. A chainage on the boundary of two sectors
// belongs to the later one.
func (t *Theater) SectorAt(chainage float64) *Sector {
	s := t.byChainage
	switch {
	case len(s) == 0:
		return nil
	case math.IsNaN(chainage):
		return s[0]
	}
	km := chainage / 1000
	i := sort.Search(len(s), func(i int) bool { return s[i].FromKm > km })
	if i == 0 {
		return s[0]
	}
	return s[i-1]
}

// SectorOf returns the sector facing p: the one holding the chainage of the
// nearest point of the border.
func (t *Theater) SectorOf(p geo.LatLon) *Sector { return t.SectorAt(t.Chainage(p)) }

// Sector returns the sector with the id, or nil.
func (t *Theater) Sector(id string) *Sector { return t.sectors[id] }

// Crossing returns the official crossing with the id, or nil.
func (t *Theater) Crossing(id string) *Crossing { return t.crossings[id] }

// Zone returns the unofficial crossing zone with the id, or nil.
func (t *Theater) Zone(id string) *Zone { return t.zones[id] }

// Barrier returns the barrier segment with the id, or nil.
func (t *Theater) Barrier(id string) *Barrier { return t.barriers[id] }

// Post returns the border post with the id, or nil.
func (t *Theater) Post(id string) *Post { return t.posts[id] }

// Base returns the base with the id, or nil.
func (t *Theater) Base(id string) *Base { return t.bases[id] }

// Camera returns the camera with the id, or nil.
func (t *Theater) Camera(id string) *Camera { return t.cameras[id] }

// Facility returns the facility with the id, or nil.
func (t *Theater) Facility(id string) *Facility { return t.facilities[id] }

// SectorCameras returns the cameras serving the sector, in file order. The
// slice is shared: do not modify it.
func (t *Theater) SectorCameras(sectorID string) []*Camera { return t.camerasBySector[sectorID] }

// index builds the lookup maps and the sorted sector list. Where ids repeat
// the first record wins; validation reports the duplicates.
func (t *Theater) index() {
	t.sectors = indexByID(t.Sectors, func(s *Sector) string { return s.ID })
	t.crossings = indexByID(t.Crossings, func(c *Crossing) string { return c.ID })
	t.zones = indexByID(t.Zones, func(z *Zone) string { return z.ID })
	t.barriers = indexByID(t.Barriers, func(b *Barrier) string { return b.ID })
	t.posts = indexByID(t.Posts, func(p *Post) string { return p.ID })
	t.bases = indexByID(t.Bases, func(b *Base) string { return b.ID })
	t.cameras = indexByID(t.Cameras, func(c *Camera) string { return c.ID })
	t.facilities = indexByID(t.Facilities, func(f *Facility) string { return f.ID })

	t.byChainage = append([]*Sector(nil), t.Sectors...)
	sort.SliceStable(t.byChainage, func(i, j int) bool {
		return t.byChainage[i].FromKm < t.byChainage[j].FromKm
	})
	t.camerasBySector = make(map[string][]*Camera, len(t.Sectors))
	for _, c := range t.Cameras {
		t.camerasBySector[c.Sector] = append(t.camerasBySector[c.Sector], c)
	}
}

func indexByID[T any](list []*T, id func(*T) string) map[string]*T {
	m := make(map[string]*T, len(list))
	for _, v := range list {
		if _, dup := m[id(v)]; !dup {
			m[id(v)] = v
		}
	}
	return m
}

func sideOf(signedDistance float64) Side {
	if signedDistance < 0 {
		return SideSyria
	}
	return SideIraq
}
