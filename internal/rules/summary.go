package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"raqib/internal/fusion"
	"raqib/internal/theater"
)

// detail carries what a summary needs beyond the event's fields.
type detail struct {
	// reason says why a condition ended.
	reason string
	// vPerp is the approach speed toward the line.
	vPerp float64
	// dwell is how long a loitering track has stayed.
	dwell time.Duration
	// dist is a distance the rule measured: to the crossing, to the
	// nearest road, the loiter radius.
	dist float64
	// name and status describe the zone, barrier or crossing.
	name, status string
	members      int
}

// summary writes the one line an operator reads for an event.
func summary(e *Event, d *detail) string {
	var b strings.Builder
	subject := describe(e.Class, e.Count)
	where := place(e.Distance, e.Side)
	switch {
	case e.Rule == RuleGroup:
		fmt.Fprintf(&b, "group of %d tracks (%s) %s", d.members, subject, where)
		if e.Phase == PhaseBegin {
			fmt.Fprintf(&b, ", moving together at %s", speed(e.Speed))
		}
	case e.Phase == PhaseEnd:
		fmt.Fprintf(&b, "%s %s", subject, where)
	default:
		writeBegin(&b, e, d, subject, where)
	}
	if e.Phase == PhaseEnd {
		fmt.Fprintf(&b, ": %s ended", ruleLabel(e.Rule))
		if s := subjectOf(e); s != "" {
			fmt.Fprintf(&b, " (%s)", s)
		}
		if d.reason != "" {
			b.WriteString(", ")
			b.WriteString(d.reason)
		}
	}
	return b.String()
}

// writeBegin writes the line of a condition that begins or a crossing.
func writeBegin(b *strings.Builder, e *Event, d *detail, subject, where string) {
	switch e.Rule {
	case RuleApproach:
		fmt.Fprintf(b, "%s %s, heading for the line at %s", subject, where, speed(d.vPerp))
		if !e.PredictedCrossing.IsZero() {
			fmt.Fprintf(b, ", crossing predicted in %s ±%s", duration(e.PredictedCrossing.Sub(e.Time)), duration(e.CrossingSigma))
		}
	case RuleInbound, RuleOutbound:
		into := "Iraq"
		if e.Rule == RuleOutbound {
			into = "Syria"
		}
		fmt.Fprintf(b, "%s crossed into %s at km %.2f", subject, into, e.Chainage/1000)
		if e.Zone != "" {
			fmt.Fprintf(b, " in zone %s", e.Zone)
		}
		fmt.Fprintf(b, ", now %s, moving at %s", where, speed(e.Speed))
	case RuleZone:
		fmt.Fprintf(b, "%s entered zone %s", subject, named(e.Zone, d.name))
		fmt.Fprintf(b, ", %s", where)
	case RuleBarrierGap:
		fmt.Fprintf(b, "%s %s at km %.1f, where no barrier is complete", subject, where, e.Chainage/1000)
		if e.Barrier != "" {
			fmt.Fprintf(b, " (nearest segment %s", e.Barrier)
			if d.status != "" {
				fmt.Fprintf(b, ", %s", strings.ReplaceAll(d.status, "_", " "))
			}
			b.WriteString(")")
		}
	case RuleClosedCrossing:
		fmt.Fprintf(b, "%s %s from %s crossing %s, %s", subject, length(d.dist), d.status, named(e.Crossing, d.name), where)
	case RuleLoiter:
		fmt.Fprintf(b, "%s has stayed within %s for %s, %s", subject, length(d.dist), duration(d.dwell), where)
	case RuleOffroadNight:
		fmt.Fprintf(b, "%s off-road at night %s at %s, %s from the nearest official crossing", subject, where, speed(e.Speed), length(d.dist))
	default:
		fmt.Fprintf(b, "%s %s: %s", subject, where, ruleLabel(e.Rule))
	}
}

// subjectOf names what an ending condition concerned.
func subjectOf(e *Event) string {
	switch {
	case e.Zone != "" && e.Rule == RuleZone:
		return "zone " + e.Zone
	case e.Barrier != "":
		return "near " + e.Barrier
	case e.Crossing != "":
		return "crossing " + e.Crossing
	}
	return ""
}

func ruleLabel(r Rule) string {
	switch r {
	case RuleApproach:
		return "approach"
	case RuleZone:
		return "zone entry"
	case RuleBarrierGap:
		return "barrier gap"
	case RuleClosedCrossing:
		return "closed crossing"
	case RuleLoiter:
		return "loitering"
	case RuleGroup:
		return "group"
	case RuleOffroadNight:
		return "off-road at night"
	}
	return strings.ReplaceAll(string(r), "_", " ")
}

// describe is "person", "person ×3", "unidentified ×2".
func describe(c fusion.Class, count int) string {
	s := c.String()
	if c == fusion.ClassUnknown {
		s = "unidentified"
	}
	if count > 1 {
		s += " ×" + strconv.Itoa(count)
	}
	return s
}

// place is "1.2 km inside Syria", "40 m inside Iraq", "on the line".
func place(distance float64, side theater.Side) string {
	if math.Abs(distance) < 1 {
		return "on the line"
	}
	country := "Iraq"
	if side == theater.SideSyria {
		country = "Syria"
	}
	return length(math.Abs(distance)) + " inside " + country
}

func named(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return id + " (" + name + ")"
}

// length is "350 m" below a kilometre, "1.2 km" above.
func length(m float64) string {
	switch {
	case math.IsInf(m, 0) || math.IsNaN(m):
		return "an unknown distance"
	case m < 1000:
		return strconv.FormatFloat(math.Round(m), 'f', 0, 64) + " m"
	case m < 100_000:
		return strconv.FormatFloat(m/1000, 'f', 1, 64) + " km"
	}
	return strconv.FormatFloat(m/1000, 'f', 0, 64) + " km"
}

func speed(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " m/s" }

// duration is "45 s" below 90 seconds, "9 min" below 90 minutes, "2 h 5 min"
// above.
func duration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 90:
		return strconv.Itoa(int(math.Round(s))) + " s"
	case s < 90*60:
		return strconv.Itoa(int(math.Round(s/60))) + " min"
	}
	m := int(math.Round(s / 60))
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}
