// Package sim is Raqib's scenario simulator. It moves actors with true,
// continuous paths over the real theater — infiltrators on foot, smuggling
// vehicles, own patrols, shepherds with their flocks, wildlife — and turns
// what the theater's thermal cameras would see of them into observations,
// with the clutter, outages, noise, latency, duplicates and out-of-order
// delivery of a real sensor network. Beside the observations it writes the
// ground truth: every actor, its true path, every true crossing of the
// border and which observations came from which actor, so that fusion,
// rules and alerting can be scored.
//
// A run is deterministic: the same theater, seed and Options give the same
// records, byte for byte. Time is simulated: a Generator advances one
// second per Step, and Run paces the steps against the wall clock by a
// speed factor (0 runs as fast as possible).
//
// The records marshal to the wire format the ingest API accepts
// (Observation, Heartbeat); docs/simulator.md describes them and the truth
// records.
package sim
