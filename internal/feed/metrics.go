package feed

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the feed's Prometheus metrics.
type Metrics struct {
	clients   prometheus.Gauge
	sent      *prometheus.CounterVec
	forced    prometheus.Counter
	coalesced prometheus.Counter
	lag       prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg (none if nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		clients: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "raqib_feed_clients", Help: "Clients connected to the live feed."}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "raqib_feed_messages_sent_total", Help: "Feed messages written to clients, by type."}, []string{"type"}),
		forced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_feed_snapshots_forced_total", Help: "Snapshots sent because a client's alert queue overflowed or the alert subscription was cut off."}),
		coalesced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "raqib_feed_track_states_coalesced_total", Help: "Track states replaced by a newer one before a client was sent them."}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "raqib_feed_client_lag_seconds", Help: "From the oldest state a message carries reaching the hub to the message written to its client.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18)}),
	}
	if reg != nil {
		reg.MustRegister(m.clients, m.sent, m.forced, m.coalesced, m.lag)
	}
	return m
}
