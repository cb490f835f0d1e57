package pipeline

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"raqib/internal/fusion"
)

// Metrics are the pipeline's Prometheus metrics.
type Metrics struct {
	observations prometheus.Counter
	skipped      prometheus.Counter
	updates      prometheus.Counter
	events       *prometheus.CounterVec
	stage        *prometheus.HistogramVec
	// Latency is the time from a record's storing in the event log to the
	// end of its processing (its alerts stored and published).
	Latency prometheus.Histogram
	// Delivery is the time from a record's storing in the event log to
	// its decoding by the pipeline's consumer.
	Delivery prometheus.Histogram
	// Queued is the number of observations stored in the log and waiting
	// for the pipeline.
	Queued prometheus.Gauge
	// StepRecords is how many log records one step took together.
	StepRecords prometheus.Histogram
}

// latencyBuckets are finer around the budget (50 ms) than powers of two.
var latencyBuckets = []float64{0.001, 0.002, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045,
	0.05, 0.06, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10}

// NewMetrics creates the metrics and registers them with reg (none if nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	buckets := prometheus.ExponentialBuckets(0.0001, 2, 16)
	m := &Metrics{
		observations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_pipeline_observations_total", Help: "Observations run through fusion."}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_pipeline_skipped_total", Help: "Observations that could not be placed."}),
		updates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_pipeline_track_updates_total", Help: "Updates of confirmed tracks."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raqib_pipeline_rule_events_total", Help: "Rule events, by rule."}, []string{"rule"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "raqib_pipeline_stage_seconds", Help: "Time spent in each stage per batch.", Buckets: buckets},
			[]string{"stage"}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "raqib_pipeline_latency_seconds", Help: "From a record's storing in the event log to its alerts being stored and published.",
			Buckets: latencyBuckets}),
		Delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "raqib_pipeline_delivery_seconds", Help: "From a record's storing in the event log to its decoding by the pipeline.",
			Buckets: buckets}),
		Queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "raqib_pipeline_queued_observations", Help: "Observations stored in the event log and waiting for the pipeline."}),
		StepRecords: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "raqib_pipeline_step_records", Help: "Event log records taken together by one pipeline step.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
	}
	if reg != nil {
		reg.MustRegister(m.observations, m.skipped, m.updates, m.events, m.stage, m.Latency, m.Delivery, m.Queued, m.StepRecords)
	}
	return m
}

func sortTracks(ts []fusion.Track) {
	slices.SortFunc(ts, func(a, b fusion.Track) int { return strings.Compare(a.ID, b.ID) })
}
