package score

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// MaxMissed bounds the list of missed crossings in a report.
const MaxMissed = 50

// Report is a score. Ratios and statistics over nothing are null.
type Report struct {
	Scenario  string    `json:"scenario"`
	Seed      uint64    `json:"seed"`
	Intensity string    `json:"intensity"`
	Theater   string    `json:"theater"`
	Start     time.Time `json:"start"`
	Until     time.Time `json:"until"`
	Hours     float64   `json:"hours"`
	BorderKm  float64   `json:"border_km"`
	GraceS    float64   `json:"grace_s"`

	Recall      Recall      `json:"recall"`
	Warning     Warning     `json:"warning"`
	FalseAlerts FalseAlerts `json:"false_alerts"`
	// TrueAlerts counts the raised alerts whose track followed a hostile
	// actor.
	TrueAlerts int        `json:"true_alerts"`
	GOSPA      GOSPA      `json:"gospa"`
	Tracks     TrackStats `json:"tracks"`
	// Missed lists the first MaxMissed hostile crossings not caught, in
	// time order; MissedTotal counts them all.
	Missed      []Miss `json:"missed"`
	MissedTotal int    `json:"missed_total"`
}

// Ratio is a share of hostile crossings caught.
type Ratio struct {
	Crossings int      `json:"crossings"`
	Caught    int      `json:"caught"`
	Value     *float64 `json:"value"`
}

func (r *Ratio) add(caught bool) {
	r.Crossings++
	if caught {
		r.Caught++
	}
}

func (r *Ratio) finish() {
	if r.Crossings > 0 {
		r.Value = ptr(roundTo(float64(r.Caught)/float64(r.Crossings), 4))
	}
}

// Recall is the share of hostile crossings caught by an alert: overall
// (the headline), by direction, by actor type, and over the detectable
// crossings only.
type Recall struct {
	Ratio
	Inbound     Ratio            `json:"inbound"`
	Outbound    Ratio            `json:"outbound"`
	Detectable  Ratio            `json:"detectable"`
	ByActorType map[string]Ratio `json:"by_actor_type"`
}

// Warning describes how long before their crossings caught crossings were
// alerted, in seconds (negative: after).
type Warning struct {
	N       int         `json:"n"`
	MedianS *float64    `json:"median_s"`
	P10S    *float64    `json:"p10_s"`
	Foot    FootWarning `json:"foot_3km"`
}

// FootWarning is the warning of infiltrators on foot who started at least
// StartKm from the line: the product's target is a median of TargetS.
type FootWarning struct {
	StartKm   float64  `json:"start_km"`
	Crossings int      `json:"crossings"`
	N         int      `json:"n"`
	MedianS   *float64 `json:"median_s"`
	P10S      *float64 `json:"p10_s"`
	TargetS   float64  `json:"target_s"`
	Met       bool     `json:"met"`
}

// FalseAlerts counts raised alerts whose track did not follow a hostile
// actor, by rule and by cause (the actor type, "clutter", "no
// observations" or "unknown track").
type FalseAlerts struct {
	Count     int            `json:"count"`
	Per100KmH float64        `json:"per_100km_h"`
	ByRule    map[string]int `json:"by_rule"`
	ByCause   map[string]int `json:"by_cause"`
	// Alerts lists them, in the order of the alerts file.
	Alerts []FalseAlert `json:"alerts"`
}

// FalseAlert is one false alert: which, when, and what its track followed
// (Actor names the actor when the cause is one).
type FalseAlert struct {
	ID    int64     `json:"id"`
	Time  time.Time `json:"time"`
	Rule  string    `json:"rule"`
	Track string    `json:"track"`
	Cause string    `json:"cause"`
	Actor string    `json:"actor,omitempty"`
}

// GOSPA is the mean over the samples of the generalised optimal
// sub-pattern assignment metric (Rahmani et al. 2017) and of its parts
// before the p-th root: localisation (the sum of matched distances^p),
// missed and false (c^p/alpha per missed truth or false track).
type GOSPA struct {
	CM           float64 `json:"c_m"`
	P            float64 `json:"p"`
	Alpha        float64 `json:"alpha"`
	Mean         float64 `json:"mean"`
	Localisation float64 `json:"localisation"`
	Missed       float64 `json:"missed"`
	False        float64 `json:"false"`
	Samples      int     `json:"samples"`
}

// TrackStats counts confirmed tracks (not friendly) and the breaks in the
// GOSPA matching of actors to tracks.
type TrackStats struct {
	Confirmed             int `json:"confirmed"`
	Fragmentations        int `json:"fragmentations"`
	IDSwitches            int `json:"id_switches"`
	HostileFragmentations int `json:"hostile_fragmentations"`
	HostileIDSwitches     int `json:"hostile_id_switches"`
}

// Miss is a hostile crossing no alert caught, and why: "late" (an alert
// came after the grace), "no detection" (the actor was not detected in the
// 2 minutes before it), "no track" (no track matched the actor between its
// previous crossing and the end of the grace), or "no alert".
type Miss struct {
	Actor     string    `json:"actor"`
	ActorType string    `json:"actor_type"`
	Time      time.Time `json:"time"`
	Direction string    `json:"direction"`
	Sector    string    `json:"sector"`
	Why       string    `json:"why"`
}

// Text writes the report as a short table.
func (r *Report) Text(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	p("scenario\t%s, seed %d, %s, %s to %s (%.2f h), border %.1f km",
		r.Scenario, r.Seed, r.Intensity, r.Start.UTC().Format(time.RFC3339), r.Until.UTC().Format(time.RFC3339), r.Hours, r.BorderKm)
	rc := &r.Recall
	p("recall\t%s of %d hostile crossings caught (inbound %s, outbound %s; detectable %s)",
		pct(rc.Value), rc.Crossings, frac(rc.Inbound), frac(rc.Outbound), frac(rc.Detectable))
	if len(rc.ByActorType) > 0 {
		var parts []string
		for _, k := range sortedKeys(rc.ByActorType) {
			parts = append(parts, k+" "+frac(rc.ByActorType[k]))
		}
		p("  by actor\t%s", strings.Join(parts, ", "))
	}
	wa := &r.Warning
	p("warning\tmedian %s, 10th percentile %s over %d caught", secs(wa.MedianS), secs(wa.P10S), wa.N)
	f := &wa.Foot
	verdict := "not met"
	switch {
	case f.Crossings == 0:
		verdict = "no such crossings"
	case f.Met:
		verdict = "met"
	}
	p("  on foot ≥%g km\tmedian %s, 10th percentile %s over %d of %d crossings; target median ≥%g s: %s",
		f.StartKm, secs(f.MedianS), secs(f.P10S), f.N, f.Crossings, f.TargetS, verdict)
	fa := &r.FalseAlerts
	p("alerts\t%d true, %d false: %.2f false per 100 km·h", r.TrueAlerts, fa.Count, fa.Per100KmH)
	if fa.Count > 0 {
		p("  false by rule\t%s", counts(fa.ByRule))
		p("  false by cause\t%s", counts(fa.ByCause))
	}
	g := &r.GOSPA
	p("gospa\tmean %.1f m over %d samples (c %g m, p %g, α %g); per sample: localisation %.0f, missed %.0f, false %.0f m^p",
		g.Mean, g.Samples, g.CM, g.P, g.Alpha, g.Localisation, g.Missed, g.False)
	t := &r.Tracks
	p("tracks\t%d confirmed, %d fragmentations, %d id switches (hostile actors: %d, %d)",
		t.Confirmed, t.Fragmentations, t.IDSwitches, t.HostileFragmentations, t.HostileIDSwitches)
	if r.MissedTotal > 0 {
		p("missed\t%d crossings%s", r.MissedTotal, more(r.MissedTotal, len(r.Missed)))
		for _, m := range r.Missed {
			p("  %s\t%s %s %s %s %s", m.Actor, m.ActorType, m.Time.UTC().Format("15:04:05"), m.Direction, m.Sector, m.Why)
		}
	}
	return tw.Flush()
}

func more(total, shown int) string {
	if total > shown {
		return fmt.Sprintf(", first %d:", shown)
	}
	return ":"
}

func pct(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func frac(r Ratio) string {
	if r.Crossings == 0 {
		return "0/0"
	}
	return fmt.Sprintf("%d/%d", r.Caught, r.Crossings)
}

func secs(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f s", *v)
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Most first, then by name.
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func ptr(v float64) *float64 { return &v }

func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// percentile returns the q-quantile (0 to 1) of sorted values by linear
// interpolation between order statistics, nil for none.
func percentile(sorted []float64, q float64) *float64 {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	hi := min(lo+1, n-1)
	v := sorted[lo] + (h-float64(lo))*(sorted[hi]-sorted[lo])
	return ptr(roundTo(v, 1))
}
