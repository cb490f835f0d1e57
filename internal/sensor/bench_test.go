package sensor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

var benchSizes = []int{1, 100, 500, 5000}

// perObs reports the time per observation of a benchmark that handles n
// observations per iteration.
func perObs(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/obs")
}

func benchDecode(b *testing.B, ct, ce string, encode func(testing.TB, []Observation) []byte) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			body := encode(b, genObservations(n, 1))
			if ce == "gzip" {
				b.ReportMetric(float64(len(body))/float64(n), "plain-bytes/obs")
				body = gzipBytes(b, body)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			r := bytes.NewReader(body)
			for b.Loop() {
				r.Reset(body)
				obs, err := DecodeBatch(r, ct, ce, Limits{}, testNow)
				if err != nil || len(obs) != n {
					b.Fatal(err)
				}
			}
			perObs(b, n)
			b.ReportMetric(float64(len(body))/float64(n), "bytes/obs")
		})
	}
}

// BenchmarkDecodeJSON decodes and validates a JSON array.
func BenchmarkDecodeJSON(b *testing.B) { benchDecode(b, ctJSON, "", jsonArray) }

// BenchmarkDecodeNDJSON decodes and validates NDJSON.
func BenchmarkDecodeNDJSON(b *testing.B) { benchDecode(b, ctNDJSON, "", ndjson) }

// BenchmarkDecodeGzip decodes and validates a gzip JSON array.
func BenchmarkDecodeGzip(b *testing.B) { benchDecode(b, ctJSON, "gzip", jsonArray) }

// BenchmarkDecodeJSONStdlib is the reference: encoding/json into the same
// types with unknown fields refused, without any validation.
func BenchmarkDecodeJSONStdlib(b *testing.B) {
	const n = 500
	body := jsonArray(b, genObservations(n, 1))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		var obs []Observation
		if err := dec.Decode(&obs); err != nil || len(obs) != n {
			b.Fatal(err)
		}
	}
	perObs(b, n)
}

// BenchmarkDecodeHeartbeats decodes and validates a JSON array of
// heartbeats.
func BenchmarkDecodeHeartbeats(b *testing.B) {
	const n = 960
	hbs := make([]Heartbeat, n)
	for i := range hbs {
		hbs[i] = Heartbeat{Sensor: fmt.Sprintf("S%02d-C%03d", i/40+1, i%40+1), Time: testNow.Add(-time.Duration(i) * time.Millisecond), Health: HealthOK}
	}
	body, _ := json.Marshal(hbs)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeHeartbeats(bytes.NewReader(body), ctJSON, "", Limits{}, testNow); err != nil {
			b.Fatal(err)
		}
	}
	perObs(b, n)
}

// BenchmarkEncode measures AppendEncoded and reports the encoded size next
// to the JSON size.
func BenchmarkEncode(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			obs := genObservations(n, 1)
			buf := AppendEncoded(nil, obs)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendEncoded(buf[:0], obs)
			}
			perObs(b, n)
			b.ReportMetric(float64(len(buf))/float64(n), "bytes/obs")
			b.ReportMetric(float64(len(jsonArray(b, obs)))/float64(n), "json-bytes/obs")
		})
	}
}

// BenchmarkDecodeEncoded measures DecodeEncoded, validation included.
func BenchmarkDecodeEncoded(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			data := AppendEncoded(nil, genObservations(n, 1))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				obs, err := DecodeEncoded(data, Limits{})
				if err != nil || len(obs) != n {
					b.Fatal(err)
				}
			}
			perObs(b, n)
			b.ReportMetric(float64(len(data))/float64(n), "bytes/obs")
		})
	}
}

// BenchmarkRegistryObserve reports observations of the 960 cameras from
// every P at once, each time a little later, so every call moves a
// last-seen time forward.
func BenchmarkRegistryObserve(b *testing.B) {
	r, err := NewRegistry(cameras(960), RegistryOptions{Start: testNow})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 960)
	for i, s := range cameras(960) {
		ids[i] = s.ID
	}
	var worker atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		// Each worker starts at its own camera and keeps its own clock.
		i := int(worker.Add(1)) * 479
		at := testNow
		for pb.Next() {
			i++
			at = at.Add(time.Millisecond)
			if err := r.Observe(ids[i%len(ids)], KindThermalCamera, at); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRegistrySweep sweeps 960 cameras with nothing to report.
func BenchmarkRegistrySweep(b *testing.B) {
	r, err := NewRegistry(cameras(960), RegistryOptions{Start: testNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Sweep(testNow.Add(time.Second))
	}
}
