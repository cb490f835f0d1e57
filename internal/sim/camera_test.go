package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"raqib/internal/geo"
	"raqib/internal/theater"
)

// The fast coverage test agrees with Camera.Covers everywhere, edges
// included.
func TestSeesAgreesWithCovers(t *testing.T) {
	th := testTheater(t)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < len(th.Cameras); i += 11 {
		c := newCamState(th, th.Cameras[i], i)
		for rc, class := range []theater.TargetClass{theater.TargetPerson, theater.TargetVehicle} {
			rng := c.ranges[rc]
			for range 300 {
				// Half the points near an edge of the footprint.
				d := rng * 1.2 * r.Float64()
				off := (r.Float64()*2 - 1) * c.cam.HFOVDeg * 0.75
				if r.IntN(2) == 0 {
					d = rng + r.NormFloat64()*3
				} else if r.IntN(2) == 0 {
					off = c.cam.HFOVDeg / 2 * (1 + r.NormFloat64()*0.002) * float64(1-2*r.IntN(2))
				}
				p, _ := geo.Direct(c.cam.Position, c.cam.BearingDeg+off, max(0, d))
				_, got := c.sees(p, rangeClass(rc))
				if want := c.cam.Covers(p, class); got != want {
					t.Fatalf("%s %s: sees(%v) = %v, Covers = %v (%.1f m, %.4f degrees off)", c.cam.ID, class, p, got, want, d, off)
				}
			}
		}
	}
}

// Every camera that sees a point is among those its chainage bucket lists.
func TestBinsComplete(t *testing.T) {
	th := testTheater(t)
	cams := make([]camState, len(th.Cameras))
	for i, c := range th.Cameras {
		cams[i] = newCamState(th, c, i)
	}
	bins := [2]cameraBins{buildBins(th, cams, rangePerson), buildBins(th, cams, rangeVehicle)}
	r := rand.New(rand.NewPCG(5, 6))
	length := th.Border.Length()
	for range 4000 {
		p := th.Border.OffsetPoint(r.Float64()*length, -13000+16000*r.Float64(), 2000)
		ch := th.Border.Index.Query(p).Chainage
		for rc := range bins {
			list := bins[rc].at(ch)
			for i := range cams {
				if _, in := cams[i].sees(p, rangeClass(rc)); in && !slices.Contains(list, int32(i)) {
					t.Fatalf("%s sees %v (chainage %.0f m) but is not in its bucket", cams[i].cam.ID, p, ch)
				}
			}
		}
	}
}
