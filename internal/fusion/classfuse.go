package fusion

import (
	"math"
	"slices"
)

// Class fusion is Bayesian over person, vehicle and animal. A report of
// class c with confidence k is evidence with likelihood
//
//	L(t) = k·P(report c | true t) + (1−k)/3
//
// for each true class t: the confusion model below, trusted as far as the
// detector's own confidence, mixed with a report that says nothing. An
// unknown report carries no class evidence. The belief is kept as log
// weights relative to the most probable class and each is held within
// classLogCap of it, so that no class becomes impossible and a track
// whose reports change (a far "person" that comes close and is clearly an
// animal) changes class after a few clear reports.

// confusion[t][r] is P(report r | true t), classes in the order person,
// vehicle, animal. Persons and animals are confused far more often than
// either with a vehicle.
var confusion = [3][3]float64{
	{0.85, 0.03, 0.12},
	{0.03, 0.94, 0.03},
	{0.12, 0.03, 0.85},
}

// classLogCap bounds how far below the most probable class another may
// fall, in nats (e^-5 ≈ 0.7 %).
const classLogCap = 5.0

// confSteps is the resolution of the precomputed likelihoods: confidences
// are rounded to hundredths, as the sensors report them.
const confSteps = 100

// logLik[k][r][t] is ln L(t) for a report r with confidence k/confSteps.
var logLik = func() (tab [confSteps + 1][3][3]float64) {
	for k := range tab {
		w := float64(k) / confSteps
		for r := range 3 {
			for t := range 3 {
				tab[k][r][t] = math.Log(w*confusion[t][r] + (1-w)/3)
			}
		}
	}
	return tab
}()

// classBelief is a track's fused class: log weights of person, vehicle and
// animal, the largest 0. The zero value is the uniform belief.
type classBelief struct {
	lw [3]float64
}

// observe adds a report of class c with confidence conf.
func (b *classBelief) observe(c Class, conf float64) {
	if c < ClassPerson || c > ClassAnimal {
		return
	}
	if !(conf > 0) {
		return
	}
	k := int(math.Round(min(conf, 1) * confSteps))
	ll := &logLik[k][c-ClassPerson]
	for t := range b.lw {
		b.lw[t] += ll[t]
	}
	b.normalise()
}

// normalise makes the largest log weight 0 and caps the others.
func (b *classBelief) normalise() {
	m := max(b.lw[0], b.lw[1], b.lw[2])
	for t := range b.lw {
		b.lw[t] = max(b.lw[t]-m, -classLogCap)
	}
}

// merge adds the evidence of another belief (of a duplicate track of the
// same object).
func (b *classBelief) merge(o *classBelief) {
	for t := range b.lw {
		b.lw[t] += o.lw[t]
	}
	b.normalise()
}

// probs returns the probabilities of person, vehicle and animal.
func (b *classBelief) probs() [3]float64 {
	var p [3]float64
	var sum float64
	for t, w := range b.lw {
		p[t] = math.Exp(w)
		sum += p[t]
	}
	for t := range p {
		p[t] /= sum
	}
	return p
}

// class returns the most probable class when its probability reaches
// threshold, unknown otherwise, and the probabilities.
func (b *classBelief) class(threshold float64) (Class, [3]float64) {
	p := b.probs()
	best := 0
	for t := 1; t < 3; t++ {
		if p[t] > p[best] {
			best = t
		}
	}
	if p[best] >= threshold {
		return ClassPerson + Class(best), p
	}
	return ClassUnknown, p
}

// countWindow is how many recent counts the group size is smoothed over.
const countWindow = 10

// countRing smooths a group's reported size: the upper median of the last
// countWindow counts, so a single undercount far away or a single
// overcount does not change it.
type countRing struct {
	v    [countWindow]uint16
	n    uint8
	next uint8
}

// add records a reported count (at least 1).
func (r *countRing) add(c int) {
	r.v[r.next] = uint16(min(max(c, 1), math.MaxUint16))
	r.next = (r.next + 1) % countWindow
	if r.n < countWindow {
		r.n++
	}
}

// count is the smoothed count, 1 with none reported.
func (r *countRing) count() int {
	if r.n == 0 {
		return 1
	}
	var s [countWindow]uint16
	v := s[:r.n]
	copy(v, r.v[:r.n])
	slices.Sort(v)
	return int(v[len(v)/2])
}
