package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// WindowSize is how many sequence numbers below a sensor's highest one the
// dedupe state remembers one by one. An observation further behind than
// that is taken as already seen: sensors number their reports in order, and
// at a camera's few reports a second the window spans many minutes, far
// beyond any reordering in delivery.
const WindowSize = 4096

const windowWords = WindowSize / 64

// seqWindow is one sensor's state: the highest sequence number seen and a
// bitmap of the WindowSize numbers at and below it.
type seqWindow struct {
	max  uint64
	bits [windowWords]uint64
}

func (w *seqWindow) has(seq uint64) bool {
	switch {
	case seq == 0:
		return true
	case seq > w.max:
		return false
	case w.max-seq >= WindowSize:
		return true // too old to tell: treat as seen
	}
	i := seq % WindowSize
	return w.bits[i/64]&(1<<(i%64)) != 0
}

func (w *seqWindow) set(seq uint64) {
	if seq > w.max {
		// Clear the slots the window slides past.
		if seq-w.max >= WindowSize {
			w.bits = [windowWords]uint64{}
		} else {
			for s := w.max + 1; s <= seq; s++ {
				i := s % WindowSize
				w.bits[i/64] &^= 1 << (i % 64)
			}
		}
		w.max = seq
	}
	if w.max-seq < WindowSize {
		i := seq % WindowSize
		w.bits[i/64] |= 1 << (i % 64)
	}
}

// Key names one report: a sensor and its sequence number.
type Key struct {
	Sensor string
	Seq    uint64
}

// Dedupe remembers which (sensor, seq) pairs the log holds, so a retried
// batch or a re-sent observation is stored once. A pair is first reserved
// while its batch is being appended, then committed or released; a second
// batch carrying a reserved pair waits for the first's outcome rather than
// answering "duplicate" for something that may yet fail to be stored.
type Dedupe struct {
	mu      sync.Mutex
	sensors map[string]*seqWindow
	pending map[Key]*Reservation
}

// NewDedupe returns an empty state.
func NewDedupe() *Dedupe {
	return &Dedupe{sensors: map[string]*seqWindow{}, pending: map[Key]*Reservation{}}
}

// Reservation holds the pairs of one batch while it is appended.
type Reservation struct {
	keys []Key
	done chan struct{}
}

// Reserve splits keys into those new to the log, which it reserves, and the
// indexes of duplicates (already stored, repeated within keys, or too old).
// If some key is reserved by a batch still in flight, Reserve waits for it
// to finish (or ctxDone to close) and looks again. The caller must Commit or
// Release the reservation.
func (d *Dedupe) Reserve(keys []Key, ctxDone <-chan struct{}) (res *Reservation, fresh []int, dups []int, err error) {
	for {
		d.mu.Lock()
		var wait chan struct{}
		for _, k := range keys {
			if r, ok := d.pending[k]; ok {
				wait = r.done
				break
			}
		}
		if wait == nil {
			res, fresh, dups = d.reserveLocked(keys)
			d.mu.Unlock()
			return res, fresh, dups, nil
		}
		d.mu.Unlock()
		select {
		case <-wait:
		case <-ctxDone:
			return nil, nil, nil, errors.New("dedupe: cancelled while waiting for a batch in flight")
		}
	}
}

func (d *Dedupe) reserveLocked(keys []Key) (*Reservation, []int, []int) {
	res := &Reservation{done: make(chan struct{})}
	var fresh, dups []int
	for i, k := range keys {
		if _, inBatch := d.pending[k]; inBatch {
			dups = append(dups, i) // repeated within this batch
			continue
		}
		if w := d.sensors[k.Sensor]; w != nil && w.has(k.Seq) {
			dups = append(dups, i)
			continue
		}
		if k.Seq == 0 {
			dups = append(dups, i)
			continue
		}
		d.pending[k] = res
		res.keys = append(res.keys, k)
		fresh = append(fresh, i)
	}
	return res, fresh, dups
}

// Commit records the reservation's pairs as stored.
func (d *Dedupe) Commit(res *Reservation) {
	d.mu.Lock()
	for _, k := range res.keys {
		d.markLocked(k)
		delete(d.pending, k)
	}
	d.mu.Unlock()
	close(res.done)
}

// Release forgets the reservation: its batch was not stored.
func (d *Dedupe) Release(res *Reservation) {
	d.mu.Lock()
	for _, k := range res.keys {
		delete(d.pending, k)
	}
	d.mu.Unlock()
	close(res.done)
}

// Mark records pairs found in the log (rebuilding the state after a
// restart).
func (d *Dedupe) Mark(keys ...Key) {
	d.mu.Lock()
	for _, k := range keys {
		d.markLocked(k)
	}
	d.mu.Unlock()
}

func (d *Dedupe) markLocked(k Key) {
	w := d.sensors[k.Sensor]
	if w == nil {
		w = &seqWindow{}
		d.sensors[k.Sensor] = w
	}
	w.set(k.Seq)
}

// Seen reports whether the pair is recorded as stored.
func (d *Dedupe) Seen(k Key) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	w := d.sensors[k.Sensor]
	return w != nil && w.has(k.Seq)
}

// Sensors is the number of sensors with state.
func (d *Dedupe) Sensors() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sensors)
}

// Limits on a snapshot, checked before allocating.
const (
	snapshotVersion    = 1
	maxSnapshotSensors = 1 << 20
	maxSensorIDLen     = 64
)

// MarshalBinary encodes the committed state (not reservations) in a
// stable order, for checkpoints.
func (d *Dedupe) MarshalBinary() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(d.sensors))
	for id := range d.sensors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	buf := []byte{snapshotVersion}
	buf = binary.AppendUvarint(buf, uint64(len(ids)))
	for _, id := range ids {
		w := d.sensors[id]
		buf = binary.AppendUvarint(buf, uint64(len(id)))
		buf = append(buf, id...)
		buf = binary.AppendUvarint(buf, w.max)
		for _, word := range w.bits {
			buf = binary.LittleEndian.AppendUint64(buf, word)
		}
	}
	return buf, nil
}

// UnmarshalBinary replaces the state with a snapshot from MarshalBinary.
func (d *Dedupe) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != snapshotVersion {
		return fmt.Errorf("dedupe snapshot: unknown version")
	}
	p := data[1:]
	n, k := binary.Uvarint(p)
	if k <= 0 || n > maxSnapshotSensors {
		return fmt.Errorf("dedupe snapshot: bad sensor count")
	}
	p = p[k:]
	sensors := make(map[string]*seqWindow, min(n, 1<<14))
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(p)
		if k <= 0 || l == 0 || l > maxSensorIDLen || uint64(len(p)-k) < l {
			return fmt.Errorf("dedupe snapshot: sensor %d: bad id length", i)
		}
		id := string(p[k : k+int(l)])
		p = p[k+int(l):]
		max, k := binary.Uvarint(p)
		if k <= 0 || len(p)-k < windowWords*8 {
			return fmt.Errorf("dedupe snapshot: sensor %q: truncated", id)
		}
		p = p[k:]
		w := &seqWindow{max: max}
		for j := range w.bits {
			w.bits[j] = binary.LittleEndian.Uint64(p[j*8:])
		}
		p = p[windowWords*8:]
		sensors[id] = w
	}
	if len(p) != 0 {
		return fmt.Errorf("dedupe snapshot: %d trailing bytes", len(p))
	}
	d.mu.Lock()
	d.sensors = sensors
	d.mu.Unlock()
	return nil
}
