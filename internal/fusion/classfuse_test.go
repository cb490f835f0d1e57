package fusion

import (
	"math"
	"testing"
)

func TestClassFusion(t *testing.T) {
	type report struct {
		class Class
		conf  float64
		n     int
	}
	for _, c := range []struct {
		name    string
		reports []report
		want    Class
	}{
		{"nothing", nil, ClassUnknown},
		{"one clear person", []report{{ClassPerson, 0.9, 1}}, ClassPerson},
		{"unknown reports say nothing", []report{{ClassUnknown, 0.9, 50}}, ClassUnknown},
		{"one doubtful report is not enough", []report{{ClassAnimal, 0.25, 1}}, ClassUnknown},
		{"doubtful reports add up", []report{{ClassAnimal, 0.25, 6}}, ClassAnimal},
		{"a few swaps do not change it", []report{{ClassPerson, 0.8, 20}, {ClassAnimal, 0.8, 2}}, ClassPerson},
		{"flips when the evidence changes", []report{{ClassPerson, 0.8, 200}, {ClassAnimal, 0.8, 5}}, ClassAnimal},
		{"vehicle", []report{{ClassVehicle, 0.6, 3}, {ClassUnknown, 0.3, 10}}, ClassVehicle},
		{"mixed evidence stays unknown", []report{{ClassPerson, 0.7, 1}, {ClassAnimal, 0.7, 1}}, ClassUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b classBelief
			for _, r := range c.reports {
				for range r.n {
					b.observe(r.class, r.conf)
				}
			}
			got, p := b.class(0.6)
			if got != c.want {
				t.Errorf("class %v (probabilities %.3f), want %v", got, p, c.want)
			}
			if sum := p[0] + p[1] + p[2]; math.Abs(sum-1) > 1e-12 {
				t.Errorf("probabilities %v sum to %v", p, sum)
			}
		})
	}
}

func TestClassFusionConvergesAndFlips(t *testing.T) {
	var b classBelief
	prev := 0.0
	for i := range 5 {
		b.observe(ClassPerson, 0.8)
		p := b.probs()[0]
		if p < prev {
			t.Fatalf("report %d: p(person) %.4f fell from %.4f", i, p, prev)
		}
		prev = p
	}
	// The log-odds cap holds the other classes at e^-5 of the first.
	if limit := 1 / (1 + 2*math.Exp(-classLogCap)); math.Abs(prev-limit) > 1e-9 {
		t.Errorf("p(person) %.4f after five clear reports, want the cap's %.4f", prev, limit)
	}
	for range 1000 {
		b.observe(ClassPerson, 0.9)
	}
	// However long the history, a handful of clear contrary reports
	// turn the class.
	n := 0
	for c, _ := b.class(0.6); c != ClassAnimal; c, _ = b.class(0.6) {
		b.observe(ClassAnimal, 0.9)
		if n++; n > 10 {
			t.Fatal("ten clear animal reports did not turn a long person track")
		}
	}
	if n < 3 {
		t.Errorf("%d animal reports turned a long person track, want at least 3", n)
	}
}

func TestCountRing(t *testing.T) {
	var r countRing
	if r.count() != 1 {
		t.Errorf("count with no reports %d, want 1", r.count())
	}
	for _, c := range []struct {
		add  []int
		want int
	}{
		{[]int{3}, 3},
		{[]int{2}, 3},       // 3 2: upper median
		{[]int{3, 3, 3}, 3}, // an undercount does not change it
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1},
		{[]int{0, -4}, 1},
		{[]int{4, 4, 4, 4, 4, 4}, 4},
	} {
		for _, v := range c.add {
			r.add(v)
		}
		if got := r.count(); got != c.want {
			t.Errorf("after %v: count %d, want %d", c.add, got, c.want)
		}
	}
}
