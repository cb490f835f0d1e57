package topojson

import (
	"bytes"
	"fmt"
)

// arcs reads the arcs member, counting arcs and positions against the
// limits before storing each.
func (d *decoder) arcs() ([][][2]float64, error) {
	s, err := d.raw("arcs")
	if err != nil {
		return nil, err
	}
	if !s.open() {
		return nil, invalid("arcs", "expected an array of arcs, got "+s.describe())
	}
	// Every position opens with a bracket, so their count bounds the
	// positions and sizes the backing array without regrowing it.
	pool := make([][2]float64, 0, min(bytes.Count(s.b, []byte("[")), d.lim.MaxPositions-d.positions))
	var ends []int
	for i := 0; s.more(); i++ {
		if i == d.lim.MaxArcs {
			return nil, tooLarge("arcs", fmt.Sprintf("more than %d arcs", d.lim.MaxArcs))
		}
		if !s.open() {
			return nil, invalid(indexPath("arcs", i), "expected an arc, an array of positions, got "+s.describe())
		}
		n := 0
		for ; s.more(); n++ {
			if d.positions == d.lim.MaxPositions {
				return nil, tooLarge(indexPath("arcs", i), fmt.Sprintf("more than %d positions", d.lim.MaxPositions))
			}
			p, err := positionAt(s, i, n)
			if err != nil {
				return nil, err
			}
			pool = append(pool, p)
			d.positions++
		}
		s.close()
		if n < 2 {
			return nil, invalid(indexPath("arcs", i), fmt.Sprintf("expected an arc of 2 or more positions, got %d", n))
		}
		ends = append(ends, len(pool))
	}
	arcs := make([][][2]float64, len(ends))
	start := 0
	for i, end := range ends {
		arcs[i] = pool[start:end:end]
		start = end
	}
	return arcs, nil
}

// positionAt scans position n of arc i: two or more numbers, of which it
// keeps the first two.
func positionAt(s *scanner, i, n int) ([2]float64, error) {
	const want = "expected a position of 2 or more numbers"
	var p [2]float64
	if !s.open() {
		return p, invalid(indexPath(indexPath("arcs", i), n), want+", got "+s.describe())
	}
	k := 0
	for ; s.more(); k++ {
		v, ok, err := s.number()
		if err != nil {
			return p, invalid(indexPath(indexPath(indexPath("arcs", i), n), k), err.Error())
		}
		if !ok {
			return p, invalid(indexPath(indexPath(indexPath("arcs", i), n), k), "expected a number, got "+s.describe())
		}
		if k < 2 {
			p[k] = v
		}
	}
	s.close()
	if k < 2 {
		return p, invalid(indexPath(indexPath("arcs", i), n), fmt.Sprintf("%s, got %d", want, k))
	}
	return p, nil
}
