package eventlog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestClientListen opens the embedded server's client port: a remote
// client may do request/reply with the log's connection (ingest over NATS)
// but may not write to the log's subjects or use JetStream's API.
func TestClientListen(t *testing.T) {
	l := openLog(t, Config{ClientListen: "127.0.0.1:-1"})
	if l.ClientURL() == "" {
		t.Fatal("ClientURL is empty with a client port open")
	}
	if _, err := l.Append(t.Context(), 1, []byte("stored by the log")); err != nil {
		t.Fatal(err)
	}

	// The ingest side answers on the log's own connection.
	sub, err := l.Conn().Subscribe("raqib.ingest.test", func(m *nats.Msg) { _ = m.Respond([]byte("ok")) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	violations := make(chan error, 16)
	remote, err := nats.Connect(l.ClientURL(), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		violations <- err
	}))
	if err != nil {
		t.Fatalf("connect to %s: %v", l.ClientURL(), err)
	}
	defer remote.Close()
	if reply, err := remote.Request("raqib.ingest.test", []byte("batch"), 5*time.Second); err != nil || string(reply.Data) != "ok" {
		t.Fatalf("request/reply over the client port: %v, %v", reply, err)
	}

	if err := remote.Publish(subjectRecords, []byte("forged")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-violations:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Errorf("publish to the log's subject: %v, want a permissions violation", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a remote publish to the log's subject was not refused")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	js, err := jetstream.New(remote)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, StreamName); err == nil {
		t.Error("a remote client deleted the stream")
	}

	recs := collectFrom(t, l, Position{})
	if len(recs) != 1 || string(recs[0].Payload) != "stored by the log" {
		t.Errorf("the log holds %d records after the remote attempts, want only its own", len(recs))
	}
}
