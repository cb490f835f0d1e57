package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"raqib/internal/auth"
	"raqib/internal/errs"
	"raqib/internal/ingest"
	"raqib/internal/sensor"
)

// natsPrincipal submits what sensors publish over NATS.
var natsPrincipal = auth.SystemPrincipal("nats-ingest")

// natsIngestSubject is where sensors publish: raqib.obs.<sensor>, with a
// reply subject. The body is what POST /api/v1/observations takes (a JSON
// array, or NDJSON with the header Content-Type: application/x-ndjson);
// every observation's sensor must be the subject's.
const natsIngestSubject = "raqib.obs.*"

// natsIngestWorkers handle requests concurrently so one slow append does
// not hold up other sensors (appends are gathered into one log message).
const natsIngestWorkers = 16

type natsReply struct {
	Accepted   int        `json:"accepted"`
	Duplicates int        `json:"duplicates"`
	Error      *natsError `json:"error,omitempty"`
}

type natsError struct {
	Code    errs.Code `json:"code"`
	Message string    `json:"message"`
}

// serveNATSIngest subscribes to the ingest subject in a queue group and
// answers each request with the result, as the HTTP ingest does. The
// returned function unsubscribes and waits for requests in hand.
func serveNATSIngest(nc *nats.Conn, svc *ingest.Service, logger *slog.Logger) (func(), error) {
	msgs := make(chan *nats.Msg, 256)
	sub, err := nc.ChanQueueSubscribe(natsIngestSubject, "raqib-ingest", msgs)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", natsIngestSubject, err)
	}
	var wg sync.WaitGroup
	for range natsIngestWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range msgs {
				handleNATSIngest(m, svc, logger)
			}
		}()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = sub.Drain()
			for sub.IsValid() {
				time.Sleep(10 * time.Millisecond)
			}
			close(msgs)
			wg.Wait()
		})
	}, nil
}

func handleNATSIngest(m *nats.Msg, svc *ingest.Service, logger *slog.Logger) {
	var reply natsReply
	res, err := ingestNATS(m, svc)
	if err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal {
			logger.Error("NATS ingest failed", "subject", m.Subject, "err", err)
		}
		reply.Error = &natsError{Code: code, Message: errs.MessageOf(err)}
	} else {
		reply.Accepted, reply.Duplicates = res.Accepted, res.Duplicates
	}
	if m.Reply == "" {
		return // a publish without a reply subject gets no answer
	}
	data, _ := json.Marshal(reply)
	if err := m.Respond(data); err != nil {
		logger.Warn("NATS ingest reply failed", "subject", m.Subject, "err", err)
	}
}

func ingestNATS(m *nats.Msg, svc *ingest.Service) (ingest.Result, error) {
	sensorID := strings.TrimPrefix(m.Subject, "raqib.obs.")
	ct := "application/json"
	if m.Header != nil && m.Header.Get("Content-Type") != "" {
		ct = m.Header.Get("Content-Type")
	}
	ce := ""
	if m.Header != nil {
		ce = m.Header.Get("Content-Encoding")
	}
	obs, err := sensor.DecodeBatch(bytes.NewReader(m.Data), ct, ce, svc.Limits(), time.Now())
	if err != nil {
		return ingest.Result{}, err
	}
	for i := range obs {
		if obs[i].Sensor != sensorID {
			return ingest.Result{}, errs.E(errs.Invalid, "observations[%d].sensor: %q does not match the subject's sensor %q", i, obs[i].Sensor, sensorID)
		}
	}
	// The subject names the sensor. Publishers on the NATS port are not
	// authenticated by Raqib (the port is opened only with --nats-listen,
	// for a trusted sensor network), so the data goes in as the NATS
	// ingest component.
	ctx, cancel := context.WithTimeout(auth.WithPrincipal(context.Background(), natsPrincipal), 30*time.Second)
	defer cancel()
	return svc.Observations(ctx, obs)
}
