package topojson

import "fmt"

// tree is a nested array of numbers as read, kept until the geometry's type,
// which may come later in the object, says how deep it must be. A node holds
// either numbers or child arrays; an empty node holds neither.
type tree struct {
	nums []float64
	kids []*tree
}

// tree reads a nested array of numbers at most depth levels deep, counting
// each number against limit in *count before storing it.
func (d *decoder) tree(path string, depth int, count *int, limit int, what string) (*tree, error) {
	s, err := d.raw(path)
	if err != nil {
		return nil, err
	}
	if !s.open() {
		return nil, invalid(path, "expected an array, got "+s.describe())
	}
	return s.tree(path, depth, count, limit, what)
}

// tree scans the rest of a nested array whose opening bracket is read.
func (s *scanner) tree(path string, depth int, count *int, limit int, what string) (*tree, error) {
	t := &tree{}
	for i := 0; s.more(); i++ {
		if s.open() {
			if depth == 1 || len(t.nums) > 0 {
				return nil, invalid(indexPath(path, i), "expected a number, got an array")
			}
			kid, err := s.tree(indexPath(path, i), depth-1, count, limit, what)
			if err != nil {
				return nil, err
			}
			t.kids = append(t.kids, kid)
			continue
		}
		v, ok, err := s.number()
		switch {
		case err != nil:
			return nil, invalid(indexPath(path, i), err.Error())
		case !ok:
			return nil, invalid(indexPath(path, i), "expected a number or an array, got "+s.describe())
		case len(t.kids) > 0:
			return nil, invalid(indexPath(path, i), "expected an array, got a number")
		case *count == limit:
			return nil, tooLarge(indexPath(path, i), fmt.Sprintf("more than %d %s", limit, what))
		}
		*count++
		t.nums = append(t.nums, v)
	}
	s.close()
	return t, nil
}

// position returns the tree as one position: two or more numbers.
func (t *tree) position(path string) ([2]float64, error) {
	if len(t.kids) > 0 || len(t.nums) < 2 {
		return [2]float64{}, invalid(path, "expected a position of 2 or more numbers")
	}
	return [2]float64{t.nums[0], t.nums[1]}, nil
}

// positions returns the tree as an array of positions.
func (t *tree) positions(path string) ([][2]float64, error) {
	if len(t.nums) > 0 {
		return nil, invalid(indexPath(path, 0), "expected a position of 2 or more numbers, got a number")
	}
	out := make([][2]float64, 0, len(t.kids))
	for i, k := range t.kids {
		p, err := k.position(indexPath(path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// refs returns the tree as the arc indexes of a geometry of type typ,
// normalised to three levels as Geometry.Arcs documents.
func (t *tree) refs(path, typ string) ([][][]int, error) {
	switch typ {
	case TypeLineString:
		seq, err := t.indexes(path)
		return [][][]int{{seq}}, err
	case TypeMultiLineString, TypePolygon:
		part, err := t.sequences(path)
		return [][][]int{part}, err
	default:
		if len(t.nums) > 0 {
			return nil, invalid(indexPath(path, 0), "expected a polygon, an array of rings, got a number")
		}
		parts := make([][][]int, 0, len(t.kids))
		for i, k := range t.kids {
			part, err := k.sequences(indexPath(path, i))
			if err != nil {
				return nil, err
			}
			parts = append(parts, part)
		}
		return parts, nil
	}
}

// sequences returns the tree as an array of arrays of arc indexes: a
// polygon's rings or a MultiLineString's lines.
func (t *tree) sequences(path string) ([][]int, error) {
	if len(t.nums) > 0 {
		return nil, invalid(indexPath(path, 0), "expected an array of arc indexes, got a number")
	}
	out := make([][]int, 0, len(t.kids))
	for i, k := range t.kids {
		seq, err := k.indexes(indexPath(path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, seq)
	}
	return out, nil
}

// indexes returns the tree as an array of arc indexes.
func (t *tree) indexes(path string) ([]int, error) {
	if len(t.kids) > 0 {
		return nil, invalid(indexPath(path, 0), "expected an arc index, got an array")
	}
	out := make([]int, len(t.nums))
	for i, v := range t.nums {
		if !isQuantized(v) {
			return nil, invalid(indexPath(path, i), fmt.Sprintf("expected an arc index, an integer, got %v", v))
		}
		out[i] = int(v)
	}
	return out, nil
}
