package score

import (
	"errors"
	"io"
	"slices"

	"raqib/internal/fusion"
	"raqib/internal/rules"
	"raqib/internal/trackfile"
)

// Track events as stored.
const (
	evConfirmed uint8 = iota + 1
	evMeasured
	evCoasting
	evMerged
	evDeleted
)

var eventCodes = map[string]uint8{
	fusion.UpdateConfirmed.String(): evConfirmed,
	fusion.UpdateMeasured.String():  evMeasured,
	fusion.UpdateCoasting.String():  evCoasting,
	fusion.UpdateMerged.String():    evMerged,
	fusion.UpdateDeleted.String():   evDeleted,
}

// trackRec is one track record as kept: time (Unix ms), position,
// velocity (m/s east, north) and event.
type trackRec struct {
	t        int64
	lat, lon float64
	ve, vn   float32
	ev       uint8
}

// live reports whether a track whose last record is r is still a track.
func (r *trackRec) live() bool {
	return r.ev == evConfirmed || r.ev == evMeasured || r.ev == evCoasting
}

// obsEntry is an observation applied to a track: when (Unix ms; the
// update's time until the truth gives the observation's own) and which
// (a slot of the needIndex).
type obsEntry struct {
	t    int64
	slot int32
}

// track is one track of the tracks file.
type track struct {
	id        string
	friendly  bool
	confirmed bool
	recs      []trackRec
	// obs are kept only for tracks with alerts; attributed holds them
	// resolved to actors once the truth is read, sorted by time.
	obs        []obsEntry
	attributed []attributedObs
}

// needIndex collects the observations the scorer must tie to actors and
// resolves them as the truth's detections go by.
type needIndex struct {
	slots map[obsKey]int32
	refs  []obsRef
}

type obsKey struct {
	sensor string
	seq    uint64
}

type obsRef struct {
	sensor string
	actor  int32 // -1 until resolved
	t      int64
}

func newNeedIndex() *needIndex { return &needIndex{slots: make(map[obsKey]int32)} }

func (n *needIndex) slot(sensor string, seq uint64) int32 {
	k := obsKey{sensor, seq}
	if s, ok := n.slots[k]; ok {
		return s
	}
	s := int32(len(n.refs))
	n.slots[k] = s
	n.refs = append(n.refs, obsRef{sensor: sensor, actor: -1})
	return s
}

func (n *needIndex) resolve(sensor string, seq uint64, actor int32, t int64) {
	if len(n.slots) == 0 {
		return
	}
	if s, ok := n.slots[obsKey{sensor, seq}]; ok {
		n.refs[s].actor, n.refs[s].t = actor, t
	}
}

// tracksData is what the scorer keeps of the tracks file.
type tracksData struct {
	list []*track
	byID map[string]int32
}

// readTracks reads the tracks, keeping the observations of the tracks
// named in alerted.
func readTracks(r io.Reader, name string, alerted map[string]bool, need *needIndex) (*tracksData, error) {
	td := &tracksData{byID: make(map[string]int32)}
	tr := trackfile.NewTrackReader(r, name)
	sensors := make(map[string]string) // interned sensor names
	for {
		rec, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		i, ok := td.byID[rec.ID]
		if !ok {
			i = int32(len(td.list))
			td.byID[rec.ID] = i
			td.list = append(td.list, &track{id: rec.ID})
		}
		t := td.list[i]
		ev := eventCodes[rec.Event]
		t.friendly = t.friendly || rec.Friendly
		t.confirmed = t.confirmed || ev == evConfirmed
		ms := rec.Time.UnixMilli()
		t.recs = append(t.recs, trackRec{t: ms, lat: rec.Lat, lon: rec.Lon, ve: float32(rec.EastMps), vn: float32(rec.NorthMps), ev: ev})
		if !alerted[rec.ID] {
			continue
		}
		for _, ref := range rec.Obs {
			sensor, seq, _ := trackfile.ParseRef(ref) // checked by the reader
			s, ok := sensors[sensor]
			if !ok {
				s = sensor
				sensors[s] = s
			}
			t.obs = append(t.obs, obsEntry{t: ms, slot: need.slot(s, seq)})
		}
	}
	for _, t := range td.list {
		slices.SortStableFunc(t.recs, func(a, b trackRec) int { return cmpInt64(a.t, b.t) })
	}
	return td, nil
}

// alertRec is a raised alert.
type alertRec struct {
	id    int64
	t     int64
	rule  rules.Rule
	track string
}

// readAlerts reads the raised alerts, each once, in time order.
func readAlerts(r io.Reader, name string) ([]alertRec, error) {
	ar := trackfile.NewAlertReader(r, name)
	var out []alertRec
	seen := make(map[int64]bool)
	for {
		rec, err := ar.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if rec.Event != trackfile.AlertRaised || seen[rec.ID] {
			continue
		}
		seen[rec.ID] = true
		out = append(out, alertRec{id: rec.ID, t: rec.Time.UnixMilli(), rule: rules.Rule(rec.Rule), track: rec.Track})
	}
	slices.SortStableFunc(out, func(a, b alertRec) int { return cmpInt64(a.t, b.t) })
	return out, nil
}
