package gen

import (
	"fmt"
	"io/fs"
	"math"
	"sort"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// The generated files.
const (
	PostsFile   = "posts.yaml"
	CamerasFile = "cameras.yaml"
)

// normalWindow is the half-width, in metres of line, over which the
// direction of the border is smoothed to place and aim cameras.
const normalWindow = 5000.0

// Camera is one placed camera.
type Camera struct {
	ID       string
	Sector   *theater.Sector
	Post     string
	Model    Model
	Position geo.LatLon
	Chainage float64
	Setback  float64
	Bearing  float64
	MastM    float64
}

// Post is one placed border post.
type Post struct {
	ID       string
	Name     string
	NameAr   string
	Sector   *theater.Sector
	Position geo.LatLon
}

// Layout is the generated layers.
type Layout struct {
	Posts   []Post
	Cameras []Camera
}

// Generate reads the border and sectors of the theater in fsys and lays
// out its posts and cameras by the plan.
func Generate(fsys fs.FS, plan Plan) (*Layout, error) {
	b, err := theater.LoadBorder(fsys)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	sectors, err := theater.LoadSectors(fsys, b)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return Build(b, sectors, plan)
}

// Build lays out posts and cameras along the border, sector by sector in
// chainage order.
func Build(b *theater.Border, sectors []*theater.Sector, plan Plan) (*Layout, error) {
	sorted := append([]*theater.Sector(nil), sectors...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].FromKm < sorted[j].FromKm })
	counts, err := allocate(sorted, plan)
	if err != nil {
		return nil, err
	}
	out := &Layout{}
	for i, s := range sorted {
		if err := out.addSector(b, s, counts[i], plan); err != nil {
			return nil, fmt.Errorf("gen: sector %s: %w", s.ID, err)
		}
	}
	return out, nil
}

// allocate shares the plan's cameras among the sectors in proportion to
// length times threat weight, by largest remainder so they add up exactly.
func allocate(sectors []*theater.Sector, plan Plan) ([]int, error) {
	weights := make([]float64, len(sectors))
	var total float64
	for i, s := range sectors {
		w, ok := plan.Weight[s.Threat]
		if !ok {
			return nil, fmt.Errorf("gen: sector %s: no weight for threat %q", s.ID, s.Threat)
		}
		weights[i] = w * s.LengthKm()
		total += weights[i]
	}
	if total <= 0 || plan.Cameras < len(sectors) {
		return nil, fmt.Errorf("gen: cannot share %d cameras among %d sectors", plan.Cameras, len(sectors))
	}
	counts := make([]int, len(sectors))
	rem := make([]float64, len(sectors))
	left := plan.Cameras
	for i, w := range weights {
		exact := float64(plan.Cameras) * w / total
		counts[i] = max(1, int(math.Floor(exact)))
		rem[i] = exact - math.Floor(exact)
		left -= counts[i]
	}
	order := make([]int, len(sectors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for k := 0; left > 0; k = (k + 1) % len(order) {
		counts[order[k]]++
		left--
	}
	for k := len(order) - 1; left < 0; k = (k + len(order) - 1) % len(order) {
		if counts[order[k]] > 1 {
			counts[order[k]]--
			left++
		}
	}
	return counts, nil
}

// addSector places n cameras evenly along a sector, set back from the line
// far enough that each one's field of view spans its share of the line
// with the plan's overlap, and puts a post at every few cameras.
func (l *Layout) addSector(b *theater.Border, s *theater.Sector, n int, plan Plan) error {
	model := ModelFor(s)
	spacing := (s.To() - s.From()) / float64(n)
	setback := plan.Overlap * spacing / (2 * math.Tan(model.HFOVDeg/2*math.Pi/180))
	setback = math.Max(setback, plan.MinSetbackM)
	if reach := plan.Reach * model.PersonM * math.Cos(model.HFOVDeg/2*math.Pi/180); setback > math.Min(plan.MaxSetbackM, reach) {
		return fmt.Errorf("%d cameras of %s are too few: they would stand %.0f m back", n, model.Name, setback)
	}
	posts := postSlots(n, spacing, plan.PostSpacingKm)
	for j := range n {
		ch := s.From() + (float64(j)+0.5)*spacing
		pos, err := place(b, ch, setback)
		if err != nil {
			return err
		}
		c := Camera{
			ID: fmt.Sprintf("%s-C%03d", s.ID, j+1), Sector: s, Model: model,
			Position: pos, Chainage: ch, Setback: setback, MastM: MastFor(s, j),
			Bearing: normDeg(b.TowardIraq(ch, normalWindow) + 180),
		}
		if k, ok := posts[j]; ok {
			p := Post{
				ID:       fmt.Sprintf("%s-P%02d", s.ID, k+1),
				Name:     fmt.Sprintf("%s post %d", s.Name, k+1),
				NameAr:   fmt.Sprintf("مخفر %s %d", s.NameAr, k+1),
				Sector:   s,
				Position: pos,
			}
			l.Posts = append(l.Posts, p)
			c.Post = p.ID
		}
		l.Cameras = append(l.Cameras, c)
	}
	return nil
}

// postSlots picks the camera slots that stand on posts: about one every
// spacingKm, spread evenly, at least one per sector. It maps slot to post
// number.
func postSlots(n int, spacing, spacingKm float64) map[int]int {
	length := float64(n) * spacing / 1000
	count := max(1, int(math.Round(length/spacingKm)))
	count = min(count, n)
	slots := make(map[int]int, count)
	for k := range count {
		slots[int((float64(k)+0.5)*float64(n)/float64(count))] = k
	}
	return slots
}

// place puts a camera setback metres behind the line at a chainage, and
// checks that it landed in Iraq about that far from the line; where a bend
// of the line brings it closer, it widens the smoothing window.
func place(b *theater.Border, chainage, setback float64) (geo.LatLon, error) {
	for _, window := range []float64{normalWindow, 3 * normalWindow} {
		p := b.OffsetPoint(chainage, setback, window)
		d := b.Index.Query(p).Distance
		if b.IraqSide == theater.HandLeft {
			d = -d
		}
		if d > 0.6*setback && d < theater.MaxCameraDistanceKm*1000 {
			return p, nil
		}
	}
	return geo.LatLon{}, fmt.Errorf("no place %.0f m into Iraq at km %.3f", setback, chainage/1000)
}

func normDeg(a float64) float64 {
	a = math.Mod(a, 360)
	if a < 0 {
		a += 360
	}
	return a
}
