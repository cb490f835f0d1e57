package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Intensity names a level of background activity: clutter and animals.
type Intensity string

// The intensities. Realistic is about 5,000 observations a second over the
// theater's 960 cameras, most of them clutter and animals; surge is ten
// times that and quiet a tenth.
const (
	IntensityQuiet     Intensity = "quiet"
	IntensityRealistic Intensity = "realistic"
	IntensitySurge     Intensity = "surge"
)

// Intensities lists the intensities, lowest first.
var Intensities = []Intensity{IntensityQuiet, IntensityRealistic, IntensitySurge}

// Factor is the intensity's multiplier of clutter and animal numbers, 0 if
// the intensity is unknown.
func (i Intensity) Factor() float64 {
	switch i {
	case IntensityQuiet:
		return 0.1
	case IntensityRealistic:
		return 1
	case IntensitySurge:
		return 10
	}
	return 0
}

// Limits on the options.
const (
	MaxDuration   = 7 * 24 * time.Hour
	MaxBackground = 50.0
	// DefaultTruthEvery is how often an actor's true position is sampled,
	// besides the corners of its path.
	DefaultTruthEvery = 5 * time.Second
)

// Options fix a run. The same theater and Options give the same records.
type Options struct {
	// Scenario names the scenario (see Scenarios).
	Scenario string
	// Seed seeds every random choice.
	Seed uint64
	// Start is the simulated time the run begins (New uses the scenario's
	// DefaultStart if it is zero); Duration is the run's length.
	Start    time.Time
	Duration time.Duration
	// Intensity scales background clutter and animals.
	Intensity Intensity
	// Background, when not 0, replaces the intensity's factor (tests use a
	// small one to keep runs light).
	Background float64
	// Weather is visibility, more than 0 (thick dust) up to 1 (clear); 0
	// means 1. It multiplies every camera's probability of detection.
	Weather float64
	// TruthEvery is the sampling interval of true positions; 0 means
	// DefaultTruthEvery.
	TruthEvery time.Duration
	// SeqBase is added to every sequence number, so that runs one after
	// another into one server (which drops a sensor's repeated sequence
	// numbers as retries) are not taken for repeats of each other.
	SeqBase uint64
}

// withDefaults fills the zero values that have defaults.
func (o Options) withDefaults() Options {
	if sc, ok := LookupScenario(o.Scenario); ok && o.Start.IsZero() {
		o.Start = sc.DefaultStart
	}
	if o.Intensity == "" {
		o.Intensity = IntensityRealistic
	}
	if o.Background == 0 {
		o.Background = o.Intensity.Factor()
	}
	if o.Weather == 0 {
		o.Weather = 1
	}
	if o.TruthEvery == 0 {
		o.TruthEvery = DefaultTruthEvery
	}
	return o
}

// Validate reports every bad option, each naming its field.
func (o Options) Validate() error {
	var errs []error
	if _, ok := LookupScenario(o.Scenario); !ok {
		errs = append(errs, fmt.Errorf("scenario: %q is unknown (want one of %v)", o.Scenario, ScenarioNames()))
	}
	if o.Start.IsZero() {
		errs = append(errs, errors.New("start: missing"))
	}
	if o.Duration < time.Second || o.Duration > MaxDuration {
		errs = append(errs, fmt.Errorf("duration: %v: want 1s to %v", o.Duration, MaxDuration))
	}
	if o.Intensity != "" && o.Intensity.Factor() == 0 {
		errs = append(errs, fmt.Errorf("intensity: %q is unknown (want one of %v)", o.Intensity, Intensities))
	}
	if !(o.Background >= 0 && o.Background <= MaxBackground) {
		errs = append(errs, fmt.Errorf("background: %v: want 0 to %v", o.Background, MaxBackground))
	}
	if !(o.Weather >= 0 && o.Weather <= 1) || math.IsNaN(o.Weather) {
		errs = append(errs, fmt.Errorf("weather: %v: want 0 to 1", o.Weather))
	}
	if o.TruthEvery < 0 || o.TruthEvery > time.Hour || o.TruthEvery%time.Millisecond != 0 {
		errs = append(errs, fmt.Errorf("truth_every: %v: want whole milliseconds up to 1h", o.TruthEvery))
	}
	return errors.Join(errs...)
}
