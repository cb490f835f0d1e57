package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ingest's Prometheus metrics.
type Metrics struct {
	accepted      prometheus.Counter
	duplicates    prometheus.Counter
	heartbeats    prometheus.Counter
	refused       *prometheus.CounterVec
	appendSeconds prometheus.Histogram
	batchBytes    prometheus.Histogram
	healthChanges *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (none if nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_ingest_observations_total", Help: "Observations stored in the event log."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_ingest_duplicates_total", Help: "Observations recognised as already stored and dropped."}),
		heartbeats: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_ingest_heartbeats_total", Help: "Sensor heartbeats stored."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raqib_ingest_refused_total", Help: "Observations refused, by error code."}, []string{"code"}),
		appendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "raqib_ingest_append_seconds", Help: "Time to append a batch durably to the event log.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		batchBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "raqib_ingest_batch_bytes", Help: "Encoded size of stored batches.",
			Buckets: prometheus.ExponentialBuckets(64, 4, 10)}),
		healthChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raqib_sensor_health_changes_total", Help: "Sensor health changes, by new health."}, []string{"health"}),
	}
	if reg != nil {
		reg.MustRegister(m.accepted, m.duplicates, m.heartbeats, m.refused, m.appendSeconds, m.batchBytes, m.healthChanges)
	}
	return m
}
